"""gunicorn's settings for Dispatch: ``gunicorn -c deploy/gunicorn.conf.py`` from the project's
folder (the systemd unit dispatch-web.service does so). Settings of the app itself come from the
FLASK_* environment (deploy/dispatch.env.example); this file reads three of its own:

    GUNICORN_BIND      where to listen (default 127.0.0.1:8000; nginx's upstream points there)
    GUNICORN_WORKERS   worker processes (default 2 × cores + 1)
    GUNICORN_TIMEOUT   seconds a request may take before its worker is restarted (default 60)

Logs: gunicorn's own messages (start, stop, a worker killed on timeout) are written as the app's
JSON lines (dispatch.logs.JsonFormatter) on standard error, so a log collector reads one format.
gunicorn's access log is off: the app writes one line per request itself, with the request id.
"""

import gc
import multiprocessing
import os

# The project's folder (this file's parent's): gunicorn imports wsgi.py from there, whatever
# folder it was started in.
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
wsgi_app = "wsgi:app"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
# Sync workers: each request holds one worker; nginx buffers slow clients in front of them.
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
# On stop or reload, requests in flight get this long to finish before their worker is killed.
graceful_timeout = 30
keepalive = 5  # seconds an idle keep-alive connection from nginx stays open
# Restart each worker now and then (staggered), so that a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files: in memory, so that a slow disk never makes gunicorn think a
# worker hangs.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):
    """The worker has loaded the app: its modules, routes, models and settings, some 300,000
    objects, live as long as the worker. Frozen, the garbage collector's full passes stop
    walking them: each took about 100 ms of a request now and then, the slowest of its
    percentile; now they walk what the requests made."""
    gc.collect()
    gc.freeze()


accesslog = None  # the app logs each request (dispatch.logs)
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # Libraries keep Python's default level; the app sets its own loggers' (FLASK_LOG_LEVEL).
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["json"],
            "propagate": False,  # the app's own JSON handler on the root would repeat it
            "qualname": "gunicorn.error",
        },
        "gunicorn.access": {
            "level": "INFO",
            "handlers": [],
            "propagate": False,
            "qualname": "gunicorn.access",
        },
    },
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "formatters": {"json": {"()": "dispatch.logs.JsonFormatter"}},
}
