"""The run's figures: each scenario's latency percentiles and throughput from the responses
locust noted, beside the bare /healthz of the same server and the targets, as tables."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scenario:
    title: str
    user_class: str  # in dispatch.bench.scenarios
    request: str  # the measured request's name there
    max_p95_ms: float | None = None
    min_rate: float | None = None

    @property
    def target(self) -> str:
        if self.max_p95_ms is not None:
            return f"p95 ≤ {self.max_p95_ms:g} ms"
        if self.min_rate is not None:
            return f"≥ {self.min_rate:g} /s"
        return "reference"


SCENARIOS = (
    Scenario("/healthz (bare)", "Bare", "healthz"),
    Scenario("inbox, first page", "Inbox", "inbox", max_p95_ms=300),
    Scenario("inbox search", "Search", "search", max_p95_ms=300),
    Scenario("ticket page, 50 events", "TicketPage", "ticket page", max_p95_ms=200),
    Scenario("planning board, 1 day", "Board", "board", max_p95_ms=500),
    Scenario("create: web form", "CreateByForm", "create (form)", min_rate=100),
    Scenario("create: API", "CreateByApi", "create (API)", min_rate=100),
)
#: The statuses each measured request answers when it works.
EXPECTED = {"create (form)": 302, "create (API)": 201}


@dataclass
class Figures:
    scenario: Scenario
    requests: int
    p50: float
    p95: float
    rate: float
    errors: int  # responses of the run that were not what the request should answer
    answered: int  # the measured request's good answers in the whole run, warm-up included
    statuses: dict[int, int]
    window: tuple[float, float] = (0.0, 0.0)  # the measured time (Unix seconds)
    cpu_ms: dict[str, float] = field(default_factory=dict)  # by process, per measured request

    @property
    def met(self) -> bool:
        s = self.scenario
        if s.max_p95_ms is not None:
            return self.p95 <= s.max_p95_ms
        if s.min_rate is not None:
            return self.rate >= s.min_rate
        return True


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0–1) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def figures(scenario: Scenario, recorded: dict) -> Figures:
    """The scenario's figures from what locust noted: ``samples`` (end time, name, ms, status;
    a failure's status negative) and ``ready``, when the last user had signed in. Counted
    from ``warmup`` seconds after that: the first requests of each worker process load
    templates and models. Every response of the run that is not what its request should
    answer (sign-ins included) is an error."""
    samples = recorded["samples"]
    measured = [s for s in samples if s[1] == scenario.request]
    if recorded["ready"] is None:  # some user never signed in: nothing is measured
        measured = []
    start = (recorded["ready"] or 0) + recorded["warmup"]
    window = [s for s in measured if s[0] - s[2] / 1000 >= start]
    expected = EXPECTED.get(scenario.request, 200)
    statuses: dict[int, int] = {}
    errors = 0 if recorded["ready"] is not None else 1
    for _, name, _, status in samples:
        statuses[status] = statuses.get(status, 0) + 1
        good = status == expected if name == scenario.request else 0 < status < 400
        errors += not good
    duration = (max(s[0] for s in window) - start) if window else 0.0
    times = [s[2] for s in window]
    return Figures(
        scenario=scenario,
        requests=len(window),
        p50=percentile(times, 0.50),
        p95=percentile(times, 0.95),
        rate=len(window) / duration if duration > 0 else 0.0,
        errors=errors,
        answered=sum(1 for s in measured if s[3] == expected),
        statuses=statuses,
        window=(start, start + duration),
    )


def table(results: list[Figures]) -> str:
    """Markdown: each scenario beside /healthz (the first row) and its target."""
    bare = results[0]
    lines = [
        "| scenario | requests | p50 ms | p95 ms | req/s | p95 ÷ /healthz | req/s ÷ /healthz "
        "| target | met | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for f in results:
        met = "—" if f is bare else ("yes" if f.met else "**no**")
        lines.append(
            f"| {f.scenario.title} | {f.requests:,} | {f.p50:.0f} | {f.p95:.0f} | {f.rate:.0f} "
            f"| {_ratio(f.p95, bare.p95, 1)} | {_ratio(f.rate, bare.rate, 2)} "
            f"| {f.scenario.target} | {met} | {f.errors} |"
        )
    return "\n".join(lines)


def cpu_table(results: list[Figures]) -> str:
    """Markdown: the CPU milliseconds each process of the run spent per measured request, and
    what share of the machine's cores the scenario kept busy."""
    roles = list(next((f.cpu_ms for f in results if f.cpu_ms), {}))
    cores = os.cpu_count() or 1
    lines = [
        "| scenario (CPU ms per request) | " + " | ".join(roles) + " | all | cores busy |",
        "|---|" + "---:|" * (len(roles) + 2),
    ]
    for f in results:
        if not f.cpu_ms:
            continue
        total = sum(f.cpu_ms.values())
        busy = total * f.rate / 1000 / cores
        cells = " | ".join(f"{f.cpu_ms[r]:.1f}" for r in roles)
        lines.append(f"| {f.scenario.title} | {cells} | {total:.1f} | {busy:.0%} |")
    return "\n".join(lines)


def growth(small: list[Figures], large: list[Figures], sizes: tuple[int, int]) -> str:
    """Markdown: p95 and throughput at the two sizes, and the p95's growth."""
    a, b = (f"{n:,}" for n in sizes)
    lines = [
        f"| scenario | p95 ms at {a} | p95 ms at {b} | p95 growth | req/s at {a} | req/s at {b} |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for x, y in zip(small, large, strict=True):
        lines.append(
            f"| {x.scenario.title} | {x.p95:.0f} | {y.p95:.0f} | ×{_ratio(y.p95, x.p95, 2)} "
            f"| {x.rate:.0f} | {y.rate:.0f} |"
        )
    return "\n".join(lines)


def _ratio(a: float, b: float, digits: int) -> str:
    return f"{a / b:.{digits}f}" if b and b == b else "—"  # b == b: not NaN
