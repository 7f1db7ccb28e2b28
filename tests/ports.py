"""Ports for the tests' own servers and for servers that must be down."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port free at the time of asking, for a server a test starts. (Released before the
    server binds it, so another process could take it in between: unlikely, the kernel picks
    it at random among some 28,000, but not impossible.)"""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def closed_port() -> tuple[socket.socket, int]:
    """A socket bound to a port and never listening, and the port: connections to it are
    refused, and no other process (another test worker's server, say) can listen there while
    the socket is open. The ``closed_port`` fixture keeps it open for a test."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    return s, s.getsockname()[1]
