"""The label sheet: 24 labels a page, Romanian letters with or without a Unicode font."""

from __future__ import annotations

import re

from dispatch.assets import labels


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_a_sheet_holds_24_labels_and_a_long_tag_fits(make_asset, make_site):
    site = make_site(name="Sediul Țării Bârsei")
    assets = [make_asset(tag=f"BV-{i:03d}", site=site, room="Sala ședințe") for i in range(25)]
    assets.append(make_asset(tag="X" * 40, site=site))
    pdf = labels.sheet(assets, lambda a: f"https://dispatch.example.com/a/{a.tag}")
    assert pdf.startswith(b"%PDF-") and _pages(pdf) == 2


def test_without_a_unicode_font_letters_lose_their_accents_not_the_sheet(
    monkeypatch, make_asset, make_site
):
    monkeypatch.setattr(labels, "FONT_PATHS", ())
    asset = make_asset(tag="BV-1", site=make_site(name="Brașov Țară"), room="Ședințe")
    pdf = labels.sheet([asset], lambda a: "https://x/a/BV-1", font="/no/such/font.ttf")
    assert pdf.startswith(b"%PDF-") and _pages(pdf) == 1
    assert b"Helvetica" in pdf


def test_an_empty_selection_is_one_blank_page():
    assert _pages(labels.sheet([], lambda a: "")) == 1
