"""Where a scenario's CPU goes: the processes of the run, sampled while it runs.

Under load the web benchmark's rates are bounded by the machine's cores, which gunicorn's
workers share with PostgreSQL, the mail worker and the load generator. A rate alone does not
say which of them to make cheaper; CPU time per request, for each, does. A thread samples the
processes' CPU times (user + system) twice a second; the scenario's measured window is then cut
out of the samples, so the warm-up and the sign-ins do not count.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable

import psutil

#: The processes of a run, by role: each a function giving the processes that play it now.
Roles = dict[str, Callable[[], list[psutil.Process]]]


def tree(pid: int) -> Callable[[], list[psutil.Process]]:
    """The process ``pid`` and all its descendants (gunicorn's master and workers)."""

    def processes() -> list[psutil.Process]:
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    return processes


def named(name: str) -> Callable[[], list[psutil.Process]]:
    """The processes called ``name`` (the database server's: each is called ``postgres``)."""
    return _matching(lambda proc: proc.name() == name)


def running(path: str) -> Callable[[], list[psutil.Process]]:
    """The processes whose command line names ``path`` (locust's, running the scenarios)."""
    return _matching(lambda proc: path in proc.cmdline())


def _matching(test: Callable[[psutil.Process], bool]) -> Callable[[], list[psutil.Process]]:
    def processes() -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter():
            try:
                if test(proc):
                    found.append(proc)
            except psutil.Error:
                continue
        return found

    return processes


def _seconds(proc: psutil.Process) -> float:
    try:
        times = proc.cpu_times()
        return times.user + times.system
    except psutil.Error:
        return 0.0


class Sampler(threading.Thread):
    """Samples each role's CPU seconds every ``every`` seconds until stopped.

    A process seen once is followed until it ends (its last reading is kept), so a role's
    total never goes back when a process exits between two samples."""

    def __init__(self, roles: Roles, every: float = 0.5) -> None:
        super().__init__(name="cpu-sampler", daemon=True)
        self.roles, self.every = roles, every
        self.times: list[float] = []
        self.totals: list[dict[str, float]] = []
        self._last: dict[str, dict[int, float]] = {role: {} for role in roles}
        self._stop_event = threading.Event()

    def sample(self) -> None:
        totals = {}
        for role, processes in self.roles.items():
            seen = self._last[role]
            for proc in processes():
                seen[proc.pid] = max(seen.get(proc.pid, 0.0), _seconds(proc))
            totals[role] = sum(seen.values())
        self.times.append(time.time())
        self.totals.append(totals)

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.every)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.sample()

    def between(self, start: float, end: float) -> dict[str, float]:
        """Each role's CPU seconds from the last sample at or before ``start`` to the first at
        or after ``end`` (at most ``every`` more on each side)."""
        if not self.times:
            return {role: 0.0 for role in self.roles}
        first = max(0, bisect.bisect_right(self.times, start) - 1)
        last = min(len(self.times) - 1, bisect.bisect_left(self.times, end))
        return {role: self.totals[last][role] - self.totals[first][role] for role in self.roles}
