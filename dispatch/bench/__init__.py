"""The web benchmark (``python -m dispatch.bench.web``): a generated company in PostgreSQL,
gunicorn started with deploy/gunicorn.conf.py, and locust's headless users on the pages people
use most, each beside the bare ``/healthz`` of the same server measured in the same run.

- :mod:`dispatch.bench.words`: the names, places and requests the company is made of;
- :mod:`dispatch.bench.company`: fills a database with the company (deterministic);
- :mod:`dispatch.bench.rows`: rows into PostgreSQL with COPY;
- :mod:`dispatch.bench.history`: each ticket's life as events and comments;
- :mod:`dispatch.bench.board`: the day planned by the engine, and past visits;
- :mod:`dispatch.bench.scenarios`: the locust users (run by locust, in its own process);
- :mod:`dispatch.bench.server`: the database and gunicorn the run uses;
- :mod:`dispatch.bench.report`: locust's figures as the table the run prints;
- :mod:`dispatch.bench.reports`: the reports benchmark (``python -m dispatch.bench.reports``),
  every report for a year timed on the same company.
"""

from pathlib import Path


def scenarios_path() -> Path:
    """The locust file. Never imported by the run itself: locust patches the standard library
    for gevent when it is imported."""
    return Path(__file__).with_name("scenarios.py")
