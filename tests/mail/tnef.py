"""A minimal TNEF (winmail.dat) writer, enough to make test corpus messages."""

from __future__ import annotations

import struct

SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2


def _obj(level: int, attr_id: int, attr_type: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return (
        struct.pack("<BHHI", level, attr_id, attr_type, len(data))
        + data
        + struct.pack("<H", checksum)
    )


def winmail(body: str, files: list[tuple[str, bytes]]) -> bytes:
    out = struct.pack("<IH", SIGNATURE, 0x0001)
    out += _obj(LVL_MESSAGE, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
    out += _obj(LVL_MESSAGE, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # OEM code page
    out += _obj(LVL_MESSAGE, 0x800C, 0x0002, body.encode("cp1252"))  # body (text)
    for name, data in files:
        out += _obj(LVL_ATTACHMENT, 0x9002, 0x0006, b"\x01\x00\x00\x00" + b"\xff" * 10)  # render
        out += _obj(LVL_ATTACHMENT, 0x8010, 0x0001, name.encode("cp1252") + b"\x00")  # title
        out += _obj(LVL_ATTACHMENT, 0x800F, 0x0006, data)  # data
    return out
