"""Run several search strategies at once, one per process, and collect their plans.

The routing search is single-threaded; on a machine with two cores, two differently configured
searches find different local optima, and keeping the better plan is measurably better than
either alone. Each strategy runs in a forked child with the same deadline as the parent's own
strategy; a child that fails or does not answer in time is ignored (and stopped), so the parent
never waits past its deadline by more than a second.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["run_portfolio"]


def _child(conn, search: Callable[..., Any], args: tuple, strategy: Any) -> None:
    try:
        conn.send(search(*args, strategy))
    except BaseException as exc:  # report, never leave the parent waiting
        conn.send(exc)
    finally:
        conn.close()


def run_portfolio(
    search: Callable[..., Any], args: tuple, strategies: Sequence[Any], limit: float
) -> list[Any]:
    """``search(*args, strategy)`` for every strategy, the first in this process and the
    others in child processes, all within ``limit`` seconds; the non-None answers."""
    children = []
    if len(strategies) > 1:
        try:
            ctx = multiprocessing.get_context("fork")
            for strategy in strategies[1:]:
                parent, child = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=_child, daemon=True, args=(child, search, args, strategy))
                proc.start()
                child.close()
                children.append((proc, parent))
        except (OSError, ValueError):  # no fork here: the first strategy alone
            for proc, _ in children:
                proc.kill()
            children = []
    deadline = time.monotonic() + limit
    answers = [search(*args, strategies[0])]
    for proc, conn in children:
        if conn.poll(max(0.0, deadline - time.monotonic()) + 1.0):
            try:
                answer = conn.recv()
            except (EOFError, OSError):
                answer = None
            if not isinstance(answer, BaseException):
                answers.append(answer)
        conn.close()
        proc.join(0.2)
        if proc.is_alive():
            proc.kill()
            proc.join()
    return [a for a in answers if a is not None]
