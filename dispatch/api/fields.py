"""Declared API input: each field knows how to read itself and how to describe itself.

A request body or a query string is declared once here, with its limits; the views read
through the declaration and the OpenAPI document (api.openapi) is made from the same one, so
what is documented is what is checked. The reading itself is parsing.py's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _

from dispatch.api import parsing as p
from dispatch.errors import ValidationError

_ID = {"type": "integer", "minimum": 1, "maximum": p.MAX_ID}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` or null, for input and output alike: a schema of one plain type says so in
    its type (``["integer", "null"]``); any other (a reference, an enum) in ``anyOf``."""
    kind = schema.get("type")
    if isinstance(kind, str) and "enum" not in schema:
        return {**schema, "type": [kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


class Field:
    """One key of a JSON body. ``read(data, default)`` returns its value (``default`` when the
    key is absent), or raises ValidationError naming the key."""

    def __init__(self, description: str, *, required: bool = False, example: Any = None):
        self.name = ""  # set by the Body that holds it
        self.description = description
        self.required = required
        self.example = example

    def schema(self) -> dict[str, Any]:
        schema = {**self._schema(), "description": self.description}
        if self.example is not None:
            schema["examples"] = [self.example]
        return schema

    def read(self, data: Mapping[str, Any], default: Any = None) -> Any:
        if self.required and data.get(self.name) is None:
            raise ValidationError(_("This field is required."), field=self.name)
        return self._read(data, default)

    def _schema(self) -> dict[str, Any]:  # pragma: no cover - every kind defines it
        raise NotImplementedError

    def _read(self, data: Mapping[str, Any], default: Any) -> Any:  # pragma: no cover
        raise NotImplementedError


class Text(Field):
    def __init__(self, description: str, *, max_len: int, **kw: Any):
        super().__init__(description, **kw)
        self.max_len = max_len

    def _schema(self):
        schema = {"type": "string", "maxLength": self.max_len}
        return schema if self.required else nullable(schema)

    def _read(self, data, default):
        return p.text(data, self.name, max_len=self.max_len, default=default)


class Identifier(Field):
    """The id of a record, or null."""

    def _schema(self):
        return nullable(_ID)

    def _read(self, data, default):
        return p.identifier(data, self.name, default=default)


class Integer(Field):
    def __init__(self, description: str, *, minimum: int, maximum: int, **kw: Any):
        super().__init__(description, **kw)
        self.minimum, self.maximum = minimum, maximum

    def _schema(self):
        return nullable({"type": "integer", "minimum": self.minimum, "maximum": self.maximum})

    def _read(self, data, default):
        return p.integer(
            data, self.name, minimum=self.minimum, maximum=self.maximum, default=default
        )


class Number(Field):
    def _schema(self):
        return nullable({"type": "number"})

    def _read(self, data, default):
        return p.number(data, self.name)


class Boolean(Field):
    """true, false or null (not said)."""

    def _schema(self):
        return nullable({"type": "boolean"})

    def _read(self, data, default):
        value = data.get(self.name, default)
        if value is not None and not isinstance(value, bool):
            raise ValidationError(_("Must be true, false or null."), field=self.name)
        return value


class Choice(Field):
    """One of fixed words; null is not one of them."""

    def __init__(self, description: str, *, choices: Iterable[str], **kw: Any):
        super().__init__(description, **kw)
        self.choices = [str(c) for c in choices]

    def _schema(self):
        return {"type": "string", "enum": self.choices}

    def _read(self, data, default):
        return p.choice(data, self.name, self.choices, default=default)


class ScalarMap(Field):
    def _schema(self):
        scalar = {"type": ["string", "number", "boolean", "null"]}
        return nullable({"type": "object", "additionalProperties": scalar})

    def _read(self, data, default):
        return p.scalar_map(data, self.name)


class IdList(Field):
    def _schema(self):
        return nullable({"type": "array", "items": _ID, "maxItems": p.MAX_ID_LIST})

    def _read(self, data, default):
        return p.id_list(data, self.name)


class Clock(Field):
    def _schema(self):
        return nullable({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})

    def _read(self, data, default):
        return p.clock(data, self.name)


class Moment(Field):
    def _schema(self):
        return nullable({"type": "string", "format": "date-time", "maxLength": p.MOMENT_MAX})

    def _read(self, data, default):
        return p.moment(data, self.name, default=default)


class Day(Field):
    """A calendar day, YYYY-MM-DD, or null (the meaning is checked where it is used)."""

    def _schema(self):
        return nullable({"type": "string", "format": "date", "maxLength": 10})

    def _read(self, data, default):
        return p.text(data, self.name, max_len=10, default=default) or None


def _named(members: dict[str, Any]) -> dict[str, Any]:
    """Tell each declared field or parameter its key (the name errors and the document use)."""
    for key, member in members.items():
        member.name = key
    return members


class Body:
    """A JSON object of declared keys; any other key is refused."""

    def __init__(self, name: str, description: str, example: dict[str, Any], /, **fields: Field):
        self.name = name
        self.description = description
        self.example = example
        self.fields = _named(fields)

    @property
    def names(self) -> set[str]:
        return set(self.fields)

    def read(self) -> dict[str, Any]:
        """The request's body, checked for unknown keys and values no field accepts."""
        return p.read_object(self.fields)

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "description": self.description,
            "properties": {key: f.schema() for key, f in self.fields.items()},
            "required": [key for key, f in self.fields.items() if f.required],
            "additionalProperties": False,
        }


# --- query strings -----------------------------------------------------------------------------


class Param:
    """One query-string parameter (given at most once; empty is the same as absent)."""

    def __init__(self, description: str, example: Any = None):
        self.name = ""
        self.description = description
        self.example = example

    def parameter(self) -> dict[str, Any]:
        parameter = {
            "name": self.name,
            "in": "query",
            "required": False,
            # An empty value is taken as no filter (what a form's empty field sends).
            "allowEmptyValue": True,
            "description": self.description,
            "schema": self._schema(),
        }
        if self.example is not None:
            parameter["example"] = self.example
        return parameter

    def _schema(self) -> dict[str, Any]:  # pragma: no cover - every kind defines it
        raise NotImplementedError


class IntParam(Param):
    def __init__(self, description: str, *, minimum: int, maximum: int, default=None, **kw):
        super().__init__(description, **kw)
        self.minimum, self.maximum, self.default = minimum, maximum, default

    def _schema(self):
        schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return schema if self.default is None else {**schema, "default": self.default}

    def read(self, args: Mapping[str, str]) -> int | None:
        return p.query_int(
            args, self.name, default=self.default, minimum=self.minimum, maximum=self.maximum
        )


class ChoiceParam(Param):
    def __init__(self, description: str, *, choices: Iterable[str], **kw):
        super().__init__(description, **kw)
        self.choices = [str(c) for c in choices]

    def _schema(self):
        return {"type": "string", "enum": self.choices}

    def read(self, args: Mapping[str, str]) -> str | None:
        return p.query_choice(args, self.name, self.choices)


class TextParam(Param):
    def __init__(self, description: str, *, max_len: int, **kw):
        super().__init__(description, **kw)
        self.max_len = max_len

    def _schema(self):
        return {"type": "string", "maxLength": self.max_len}

    def read(self, args: Mapping[str, str]) -> str | None:
        return p.text(args, self.name, max_len=self.max_len) or None


class DateParam(Param):
    """A calendar day, YYYY-MM-DD."""

    def _schema(self):
        return {"type": "string", "format": "date"}

    def read(self, args: Mapping[str, str]) -> date | None:
        raw = args.get(self.name)
        if raw is None or raw == "":
            return None
        try:
            day = date.fromisoformat(raw) if len(raw) == 10 else None
        except ValueError:
            day = None
        # Far years would overflow the period's arithmetic; no report reaches them.
        if day is None or not 1970 <= day.year <= 2999:
            raise ValidationError(_("A day from 1970 to 2999, as YYYY-MM-DD."), field=self.name)
        return day


class Query:
    """A query string of declared parameters; any other parameter is refused."""

    def __init__(self, **params: Param):
        self.params = _named(params)

    @property
    def names(self) -> set[str]:
        return set(self.params)

    def read(self) -> dict[str, str]:
        return p.query(self.params)

    def parameters(self) -> list[dict[str, Any]]:
        return [param.parameter() for param in self.params.values()]
