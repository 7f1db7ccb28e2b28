"""Helpers shared by the mail tests (imported by name: tests/mail is on sys.path)."""
from __future__ import annotations

import socket
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
