"""What each API view takes and answers, declared on the view itself.

``@describe(...)`` records a view's operation under its endpoint; api.openapi turns the records
into the OpenAPI document. A route without one is left out of the document, and a test that
compares the document with the app's routes fails.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dispatch.api.fields import Body, Query

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    description: str
    #: The status of a success, the component its body is, and what it is.
    status: int
    schema: str
    answer: str
    #: The error statuses it may answer (401 is added for every authenticated operation).
    errors: tuple[int, ...] = ()
    body: Body | None = None
    query: Query | None = None
    #: Where the answer leads: {link name: (operation id, {parameter: runtime expression})}.
    links: Mapping[str, tuple[str, Mapping[str, str]]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    public: bool = False


OPERATIONS: dict[str, Operation] = {}


def describe(blueprint: str, **kw: Any) -> Callable[[F], F]:
    """Record the operation of the view below it (endpoint ``<blueprint>.<function name>``)."""

    def record(view: F) -> F:
        OPERATIONS[f"{blueprint}.{view.__name__}"] = Operation(**kw)
        return view

    return record
