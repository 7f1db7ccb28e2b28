"""The deployment the test runs: its own PostgreSQL cluster, Redis, two gunicorn instances, an
RQ planning worker and nginx, each on a free port, in one temporary folder, started from the
files in deploy/ as an operator would and stopped, whatever happens, at the end."""

from __future__ import annotations

import glob
import http.client
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# PostgreSQL refuses to run as root: then its commands run as this user.
PG_USER = "postgres"


class Unavailable(Exception):
    """A program the deployment needs is not installed (the test skips and says which)."""


def postgres_bin() -> Path:
    """The newest PostgreSQL server programs installed (Debian's layout)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if not found:
        raise Unavailable("PostgreSQL's initdb (/usr/lib/postgresql/*/bin) is not installed")
    return Path(found[-1]).parent


def _version(path: str) -> int:
    return int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0


def program(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        raise Unavailable(f"{name} is not installed")
    return found


def env_file(path: Path) -> dict[str, str]:
    """The settings of an EnvironmentFile (KEY=VALUE lines; # comments; one pair of quotes
    around a value is removed, as systemd and the shell both do)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def unit_command(unit: str, env: dict[str, str]) -> list[str]:
    """The ExecStart of deploy/systemd/<unit>.service, for this checkout: its /opt/dispatch
    (the code, and .venv/bin the programs of this Python's environment) made this folder, and
    ${VARIABLES} taken from ``env`` as systemd takes them from the EnvironmentFile."""
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    (line,) = re.findall(r"^ExecStart=(.+)$", text, re.M)
    line = line.replace("/opt/dispatch/.venv/bin/", f"{Path(sys.executable).parent}/")
    line = line.replace("/opt/dispatch/", f"{ROOT}/")
    line = re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], line)
    return shlex.split(line)


#: How README.md and deploy/nginx.conf say to render the site: envsubst of the DISPATCH_
#: variables only (nginx's own $host, $request_id… stay).
RENDER = """envsubst "$(env | grep -o '^DISPATCH_[A-Z_]*' | sed 's/^/$/')" < deploy/nginx.conf"""


def render_nginx_site(values: dict[str, str]) -> str:
    """deploy/nginx.conf rendered by the documented command, with nothing of its variables
    left."""
    env = {"PATH": os.environ["PATH"], **values}
    done = subprocess.run(
        ["bash", "-c", RENDER], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    left = re.findall(r"\$\{DISPATCH_[A-Z_]+\}", done.stdout)
    assert not left, f"deploy/nginx.conf has variables the test does not set: {left}"
    assert "$request_id" in done.stdout and "$proxy_add_x_forwarded_for" in done.stdout
    return done.stdout


def wait_until(check, what: str, timeout: float = 60.0, proc=None, log: Path | None = None):
    """Call ``check`` until it returns something true; fail naming ``what`` (and the end of the
    process's log) after ``timeout`` seconds or when ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"{what}: the process ended ({proc.returncode})\n{tail(log)}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s\n{tail(log)}")
        time.sleep(0.1)


def tail(log: Path | None, chars: int = 4000) -> str:
    return log.read_text(errors="replace")[-chars:] if log and log.exists() else ""


def listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Stack:
    """Everything started, by name, and how to reach it."""

    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    pg_running: bool = False

    # ---- processes ---------------------------------------------------------------------

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, name: str, argv: list[str], **kw) -> subprocess.Popen:
        """A long-running process in its own process group, its output in <name>.log."""
        with self.log(name).open("ab") as out:
            proc = subprocess.Popen(
                argv,
                cwd=kw.pop("cwd", ROOT),
                env=kw.pop("env", self.env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **kw,
            )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        except ProcessLookupError:
            pass

    def run(self, argv: list[str], *, stdin: str = "", timeout: float = 120) -> str:
        """A command to its end (a `flask` command, pg_ctl); its output, or a failure showing it."""
        done = subprocess.run(
            argv,
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"{argv} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def flask(self, *args: str, stdin: str = "") -> str:
        return self.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], stdin=stdin)

    def close(self, keep_logs: bool = False) -> None:
        """Stop everything (nginx first, the database last), then remove the folder, or only
        the database's files when the logs are kept (to read after a failure)."""
        for name in reversed(list(self.procs)):
            self.stop(name, timeout=10)
        if self.pg_running:
            self.stop_postgres()
        if keep_logs:
            shutil.rmtree(self.pg_data, ignore_errors=True)
            print(f"\nthe deployment's logs: {self.folder}")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---- PostgreSQL --------------------------------------------------------------------

    @property
    def pg_data(self) -> Path:
        return self.folder / "pg"

    def pg(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [str(postgres_bin() / tool), *args]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", PG_USER, "--", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if check:
            assert done.returncode == 0, f"{tool} {args}: {done.stdout}\n{done.stderr}"
        return done

    def start_postgres(self) -> str:
        """A cluster of the test's own (initdb), so that it may restart it; the database and
        its owner made as an operator would. The URL the app connects with."""
        port = self.ports["postgres"] = free_port()
        self.pg_data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_data, PG_USER, PG_USER)
        self.pg("initdb", "-D", str(self.pg_data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self.pg_running = True
        self.pg_ctl("start")
        password = secrets.token_hex(8)
        psql = [str(postgres_bin() / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres"]
        self.run([*psql, "-c", f"CREATE ROLE dispatch LOGIN PASSWORD '{password}'"])
        self.run([*psql, "-c", "CREATE DATABASE dispatch OWNER dispatch"])
        return f"postgresql+psycopg://dispatch:{password}@127.0.0.1:{port}/dispatch"

    def stop_postgres(self) -> None:
        """pg_ctl's immediate stop; should it fail, the server's own signal for it (SIGQUIT)."""
        done = self.pg("pg_ctl", "stop", "-D", str(self.pg_data), "-m", "immediate", check=False)
        pid_file = self.pg_data / "postmaster.pid"
        if done.returncode != 0 and pid_file.exists():
            try:
                os.kill(int(pid_file.read_text().split()[0]), signal.SIGQUIT)
            except (ProcessLookupError, ValueError, IndexError):
                pass

    def pg_ctl(self, action: str, *args: str) -> None:
        # Durability is not what this test is about: commits without waiting for the disk.
        options = (
            f"-p {self.ports['postgres']} -k {self.pg_data} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg(
            "pg_ctl",
            action,
            "-D",
            str(self.pg_data),
            "-w",
            "-t",
            "60",
            "-o",
            options,
            "-l",
            str(self.pg_data / "server.log"),
            *args,
        )

    # ---- Redis -------------------------------------------------------------------------

    def start_redis(self) -> None:
        """redis-server on the port chosen the first time (a restart reuses it), no disk."""
        port = self.ports.setdefault("redis", free_port())
        # No disk: nothing is saved, and a restart starts empty, as a lost Redis would.
        options = f"--port {port} --bind 127.0.0.1 --appendonly no --dir {self.folder}"
        self.start("redis", [program("redis-server"), *options.split(), "--save", ""])
        wait_until(lambda: listening(port), "redis-server", 20, self.procs["redis"])

    # ---- the app -------------------------------------------------------------------------

    def start_gunicorn(self, name: str) -> int:
        """dispatch-web.service's gunicorn (deploy/gunicorn.conf.py) with two workers and an
        instance folder of its own."""
        port = self.ports[name] = free_port()
        env = {
            **self.env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "DISPATCH_INSTANCE_PATH": str(self.folder / f"instance-{name}"),
        }
        # Started elsewhere than the code's folder: the configuration finds that itself.
        self.start(name, unit_command("dispatch-web", env), env=env, cwd=self.folder)
        return port

    def wait_for_gunicorn(self, name: str) -> None:
        port = self.ports[name]
        wait_until(
            lambda: _status(port, "/healthz") == 200,
            f"gunicorn {name}",
            120,
            self.procs[name],
            self.log(name),
        )

    def start_worker(self, unit: str) -> subprocess.Popen:
        """An RQ worker as deploy/systemd/<unit>.service runs it."""
        return self.start(unit, unit_command(unit, self.env))

    def start_nginx(self, upstream: list[int]) -> tuple[int, int]:
        """nginx with deploy/nginx.conf (rendered for this folder and these ports) inside a
        main configuration of the test's own: its prefix, pid file, logs and temporary files
        in the folder, so that it runs beside any nginx of the machine. (HTTPS, HTTP) ports."""
        https, http = self.ports["nginx"], self.ports["nginx-http"] = free_port(), free_port()
        certificate, key = self.folder / "tls.crt", self.folder / "tls.key"
        request = f"req -x509 -newkey rsa:2048 -nodes -days 1 -keyout {key} -out {certificate}"
        self.run([program("openssl"), *request.split(), "-subj", "/CN=127.0.0.1"])
        site = render_nginx_site(
            {
                "DISPATCH_SERVER_NAME": "127.0.0.1",
                "DISPATCH_ROOT": str(ROOT),
                "DISPATCH_UPSTREAM": " ".join(f"server 127.0.0.1:{p};" for p in upstream),
                "DISPATCH_HTTPS_LISTEN": f"127.0.0.1:{https}",
                "DISPATCH_HTTP_LISTEN": f"127.0.0.1:{http}",
                "DISPATCH_LOG_DIR": str(self.folder),
                "DISPATCH_TLS_CERTIFICATE": str(certificate),
                "DISPATCH_TLS_CERTIFICATE_KEY": str(key),
            }
        )
        (self.folder / "dispatch-site.conf").write_text(site)
        temp = "\n".join(
            f"    {kind}_temp_path {self.folder / ('nginx-' + kind)};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root, nginx's workers would switch to an unprivileged user that cannot read the
        # folder: they stay root here (the test's own nginx, on loopback ports).
        user = "user root;\n" if os.geteuid() == 0 else ""
        main = (
            f"{user}worker_processes 1;\npid {self.folder / 'nginx.pid'};\n"
            f"error_log {self.folder / 'nginx-error.log'} info;\n"
            "events { worker_connections 256; }\n"
            f"http {{\n    include /etc/nginx/mime.types;\n{temp}\n"
            f"    access_log {self.folder / 'nginx-access.log'};\n"
            f"    include {self.folder / 'dispatch-site.conf'};\n}}\n"
        )
        (self.folder / "nginx.conf").write_text(main)
        nginx = program("nginx")
        argv = [
            nginx,
            "-p",
            str(self.folder),
            "-c",
            str(self.folder / "nginx.conf"),
            "-e",
            str(self.folder / "nginx-error.log"),
        ]
        self.run([*argv, "-t"])
        self.start("nginx", [*argv, "-g", "daemon off;"])
        wait_until(
            lambda: listening(https),
            "nginx",
            20,
            self.procs["nginx"],
            self.folder / "nginx-error.log",
        )
        return https, http


def _status(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def make_folder() -> Path:
    """A temporary folder the PostgreSQL user can reach (the test may run as root)."""
    folder = Path(tempfile.mkdtemp(prefix="dispatch-deploy-"))
    folder.chmod(0o755)
    return folder
