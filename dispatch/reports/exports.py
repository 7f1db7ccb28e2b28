"""A report as a file: CSV or XLSX, formula-safe (a cell a spreadsheet would run as a formula
is written as text, as the tickets' export does)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import xlsxwriter

from dispatch.desk.queries import safe_cell
from dispatch.reports.catalog import SHARE, TEXT, Report
from dispatch.reports.present import word


def _cells(report: Report, row: dict[str, Any]) -> list[Any]:
    """Numbers as numbers (shares as fractions), words in the reader's language, then made safe."""
    return [
        safe_cell(word(c.key, row.get(c.key)) if c.unit == TEXT else row.get(c.key))
        for c in report.columns
    ]


def as_csv(report: Report, rows: Sequence[dict[str, Any]]) -> tuple[str, str]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(str(c.label)) for c in report.columns])
    for row in rows:
        writer.writerow(_cells(report, row))
    return "\ufeff" + out.getvalue(), "text/csv"


def as_xlsx(report: Report, rows: Sequence[dict[str, Any]]) -> tuple[bytes, str]:
    out = io.BytesIO()
    # Text is always text: no formulas, no links, no numbers guessed from strings.
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    sheet = book.add_worksheet(str(report.name)[:31])
    bold, percent = book.add_format({"bold": True}), book.add_format({"num_format": "0.0%"})
    for col, column in enumerate(report.columns):
        sheet.write_string(0, col, safe_cell(str(column.label)), bold)
        sheet.set_column(col, col, max(12, len(str(column.label)) + 2))
    for r, row in enumerate(rows, start=1):
        for col, (column, value) in enumerate(
            zip(report.columns, _cells(report, row), strict=True)
        ):
            if isinstance(value, (int, float)):
                sheet.write_number(r, col, value, percent if column.unit == SHARE else None)
            elif value != "":
                sheet.write_string(r, col, value)
    book.close()
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


FORMATS: dict[str, Callable[[Report, Sequence[dict[str, Any]]], tuple[Any, str]]] = {
    "csv": as_csv,
    "xlsx": as_xlsx,
}
