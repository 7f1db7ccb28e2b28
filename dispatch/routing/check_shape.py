"""The checker's reading of a plan: either shape (a :class:`~dispatch.routing.model.Solution`
or VROOM's output document) brought to one, every value kept as given so that the checks can
say what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Solution

__all__ = ["FIGURES", "PlanStep", "PlanRoute", "int_or_none", "normalise_plan"]

#: The figures a route reports, and the summary adds up.
FIGURES = ("cost", "setup", "service", "duration", "waiting_time", "priority")


@dataclass
class PlanStep:
    """One step of a route, as the plan gives it."""

    type: str
    id: Any
    arrival: Any
    duration: Any
    setup: Any
    service: Any
    waiting_time: Any
    location_index: Any = None
    lateness: Any = None


@dataclass
class PlanRoute:
    """One route, as the plan gives it: its vehicle, steps and reported figures."""

    vehicle: Any
    steps: list[PlanStep]
    figures: dict[str, Any] = field(default_factory=dict)
    #: Seconds past the shift's end, as the plan reports them (None: not reported).
    overtime: Any = None


def int_or_none(value: Any) -> int | None:
    """The value if it is an integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def normalise_plan(solution: Any) -> tuple[list[PlanRoute], list[Any], list[str], dict | None]:
    """``(routes, unassigned (id, reason) pairs, violations, summary or None)`` of either plan
    shape; structural defects become violations, not exceptions."""
    problems: list[str] = []
    if isinstance(solution, Solution):
        routes = [
            PlanRoute(
                r.vehicle,
                [
                    PlanStep(
                        s.type,
                        s.id,
                        s.arrival,
                        s.duration,
                        s.setup,
                        s.service,
                        s.waiting_time,
                        s.location_index,
                        s.lateness,
                    )
                    for s in r.steps
                ],
                {k: getattr(r, k) for k in FIGURES},
                r.overtime,
            )
            for r in solution.routes
        ]
        unassigned = [(u.id, u.reason) for u in solution.unassigned]
        return routes, unassigned, problems, None
    if not isinstance(solution, dict):
        return [], [], [f"plan is neither a Solution nor a JSON object: {type(solution)}"], None
    if solution.get("code") != 0:
        problems.append(f"code is {solution.get('code')!r}, expected 0")
    routes = []
    for r, route in enumerate(solution.get("routes", [])):
        if not isinstance(route, dict) or not isinstance(route.get("steps"), list):
            problems.append(f"routes[{r}]: not a route object with steps")
            continue
        steps = []
        for s in route["steps"]:
            s = s if isinstance(s, dict) else {}
            steps.append(
                PlanStep(
                    s.get("type"),
                    s.get("id"),
                    s.get("arrival"),
                    s.get("duration"),
                    s.get("setup"),
                    s.get("service"),
                    s.get("waiting_time"),
                    s.get("location_index"),
                    s.get("lateness"),
                )
            )
        routes.append(
            PlanRoute(
                route.get("vehicle"),
                steps,
                {k: route.get(k) for k in FIGURES},
                route.get("overtime"),
            )
        )
    unassigned = [
        (u.get("id"), u.get("reason")) if isinstance(u, dict) else (None, None)
        for u in solution.get("unassigned", [])
    ]
    summary = solution.get("summary")
    if not isinstance(summary, dict):
        problems.append("summary missing")
        summary = None
    return routes, unassigned, problems, summary
