"""Helpers shared by the mail tests (imported by name: tests/mail is on sys.path)."""
from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"

