"""A printable A4 sheet of QR labels: each label carries the code of its device's address
(``/a/<tag>``), the tag in large type, and what and where the device is.

24 labels a sheet (3 × 8 of 70 × 37 mm, the common self-adhesive A4 layout). The QR code is
drawn as vector rectangles from segno's matrix, so it prints sharp at any size; the PDF is
fpdf2's. Text is set in DejaVu Sans where the machine has it (every Romanian letter); without
it the built-in Helvetica is used and letters it lacks are written without their accents.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

import segno
from fpdf import FPDF

from dispatch.assets.models import Asset

COLUMNS, ROWS = 3, 8
LABEL_W, LABEL_H = 70.0, 37.125  # mm: 3 × 70 = 210, 8 × 37.125 = 297
PADDING = 3.0
QR_SIZE = LABEL_H - 2 * PADDING
FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
MAX_LABELS = 2000


def _font(pdf: FPDF, configured: str | None) -> Callable[[str], str]:
    """Choose the font; returns how to make text printable in it."""
    for path in (configured, *FONT_PATHS):
        if path and Path(path).is_file():
            pdf.add_font("label", fname=path)
            pdf.set_font("label", size=9)
            return lambda text: text
    pdf.set_font("helvetica", size=9)

    def latin1(text: str) -> str:
        folded = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
        return folded.encode("latin-1", "replace").decode("latin-1")

    return latin1


def _qr(pdf: FPDF, data: str, x: float, y: float, size: float) -> None:
    code = segno.make(data, error="m", micro=False)
    matrix = [list(row) for row in code.matrix_iter(border=0)]
    module = size / len(matrix)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):  # one rectangle per run of dark modules
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            pdf.rect(x + start * module, y + r * module, (c - start) * module, module, "F")


def sheet(
    assets: Iterable[Asset], address: Callable[[Asset], str], font: str | None = None
) -> bytes:
    """The PDF of labels for ``assets`` (in their order); ``address`` gives each one's URL."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margin(0)
    pdf.set_title("Labels")
    printable = _font(pdf, font)
    for i, asset in enumerate(list(assets)[:MAX_LABELS]):
        slot = i % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = (slot % COLUMNS) * LABEL_W
        y = (slot // COLUMNS) * LABEL_H
        _qr(pdf, address(asset), x + PADDING, y + PADDING, QR_SIZE)
        text_x = x + PADDING * 2 + QR_SIZE
        width = LABEL_W - (text_x - x) - PADDING
        pdf.set_xy(text_x, y + PADDING + 1)
        tag = printable(asset.tag)
        size = 12.0
        pdf.set_font_size(size)
        while size > 6 and pdf.get_string_width(tag) > width:  # a long tag, smaller
            size -= 0.5
            pdf.set_font_size(size)
        pdf.cell(width, 6, tag, new_x="LEFT", new_y="NEXT")
        pdf.set_font_size(7)
        what = " ".join(p for p in (str(asset.type), asset.model) if p)
        where = ", ".join(p for p in (asset.site.name if asset.site else "", asset.room) if p)
        for line in (what[:60], where[:60]):
            pdf.set_x(text_x)
            pdf.multi_cell(width, 3.4, printable(line), align="L", new_x="LEFT", new_y="NEXT")
    if pdf.page == 0:
        pdf.add_page()
    return bytes(pdf.output())
