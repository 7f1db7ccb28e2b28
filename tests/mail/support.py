"""Helpers shared by the mail tests."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
