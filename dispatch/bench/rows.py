"""Rows into PostgreSQL with COPY: the generated company is hundreds of thousands of rows,
which one INSERT (or one ORM object) at a time would take many minutes to write."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import psycopg


def plain_url(url: str) -> str:
    """The libpq form of an SQLAlchemy URL (``postgresql+psycopg://`` → ``postgresql://``)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def as_json(value: Any) -> str:
    """A JSON column's text (COPY's text format hands it to the server as written)."""
    return json.dumps(value, ensure_ascii=False)


def copy_rows(
    conn: psycopg.Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``; how many."""
    names = ", ".join(f'"{c}"' for c in columns)
    n = 0
    with conn.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def reset_sequences(conn: psycopg.Connection, tables: Iterable[str]) -> None:
    """Each table's id sequence set past its largest id (the rows were copied with their ids),
    so that the app's next insert gets a fresh one."""
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'coalesce((SELECT max(id) FROM "{table}"), 0) + 1, false)'
            )
