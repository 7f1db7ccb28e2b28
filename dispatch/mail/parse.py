"""Reading a raw message (RFC 5322) into what the help desk needs, whatever state it is in.

``parse`` never raises: broken MIME, lying charsets and hostile headers become ``problems``
(the message then goes to quarantine) or ``defects`` (noted, the best text is still used).
"""

from __future__ import annotations

import codecs
import email
import html
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser

import nh3

MAX_DEPTH = 20  # MIME nesting a real mail client produces stays far below this
MAX_PARTS = 200
MAX_BOUNDARIES = 100  # more than this and the parser's recursion becomes the attack
ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$"
)
MSGID = re.compile(r"<([^<>\s\x00-\x1f\x7f]{1,250})>")
SINGLE_BYTE = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15", "iso8859-2"})
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BLOCK_END = re.compile(r"(?i)<\s*(br\s*/?|/p|/div|/li|/tr|/h[1-6]|/table|/blockquote)\s*>")


@dataclass
class Part:
    name: str
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    raw: bytes
    headers: Message
    message_id: str = ""
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    text: str = ""
    from_html: bool = False
    html_raw: str = ""
    attachments: list[Part] = field(default_factory=list)
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    report: bool = False  # multipart/report (delivery status and the like)
    report_text: str = ""  # the status and returned headers, to find our own ids
    defects: list[str] = field(default_factory=list)
    problem: str = ""  # set: the message cannot be trusted to become a ticket

    def header(self, name: str) -> str:
        return header_text(self.headers, name)


def parse(raw: bytes) -> ParsedMail:
    """Everything the ingest needs from ``raw``; never raises for any input."""
    try:
        if raw.lower().count(b"boundary=") > MAX_BOUNDARIES:
            msg = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
            mail = ParsedMail(raw=raw, headers=msg, problem="MIME structure nested too deep")
            read_headers(mail)
            return mail
        msg = email.message_from_bytes(raw, policy=policy.compat32)
    except (RecursionError, Exception) as exc:  # the parser itself gave up
        msg = parse_headers(raw)
        mail = ParsedMail(raw=raw, headers=msg, problem=f"unparseable MIME ({type(exc).__name__})")
        read_headers(mail)
        return mail
    mail = ParsedMail(raw=raw, headers=msg)
    read_headers(mail)
    try:
        _read_body(mail, msg)
    except (RecursionError, Exception) as exc:
        mail.problem = mail.problem or f"unreadable body ({type(exc).__name__})"
    return mail


def parse_headers(raw: bytes) -> Message:
    """The header block of a raw message (an empty one if it cannot be read)."""
    try:
        return BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    except Exception:
        return Message()


# --- headers ------------------------------------------------------------------------------------


def header_text(msg: Message, name: str) -> str:
    """A header decoded (encoded words, any charset) to one clean line, or ''."""
    try:
        value = msg.get(name)
    except Exception:
        return ""
    if value is None:
        return ""
    return decode_words(str(value))


def decode_words(value: str) -> str:
    try:
        pieces = decode_header(value)
    except Exception:
        pieces = [(value, None)]
    out = []
    for chunk, charset in pieces:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    text = "".join(out)
    return " ".join(CONTROL.sub("", text).split())


def read_headers(mail: ParsedMail) -> None:
    """Fill subject, message ids, sender and recipients of ``mail`` from ``mail.headers``."""
    msg = mail.headers
    mail.subject = header_text(msg, "Subject")[:255]
    ids = MSGID.findall(_raw_header(msg, "Message-ID"))
    mail.message_id = f"<{ids[0]}>" if ids else ""
    mail.in_reply_to = [f"<{i}>" for i in MSGID.findall(_raw_header(msg, "In-Reply-To"))][:50]
    mail.references = [f"<{i}>" for i in MSGID.findall(_raw_header(msg, "References"))][-50:]
    mail.sender, mail.sender_name, problem = read_sender(_raw_header(msg, "From"))
    if problem and not mail.problem:
        mail.problem = problem


def _raw_header(msg: Message, name: str) -> str:
    try:
        values = msg.get_all(name) or []
    except Exception:
        return ""
    return " ".join(str(v) for v in values)[:4000]


def read_sender(raw_from: str) -> tuple[str, str, str]:
    """(address, display name, problem) from a raw From header.

    ``email.utils.parseaddr`` picks an address out of anything (CVE-2023-27043), so the
    modern header parser is used and any doubt (defects, several addresses, an address that
    is not plainly one) is a problem for a human, never a guess.
    """
    if not raw_from.strip():
        return "", "", "no sender"
    try:
        header = policy.default.header_factory("from", CONTROL.sub("", raw_from.replace("\n", " ")))
        addresses = list(header.addresses)
        defects = [d for d in header.defects if type(d).__name__ != "ObsoleteHeaderDefect"]
    except Exception:
        return "", "", "unreadable From header"
    if len(addresses) != 1:
        return "", "", f"From names {len(addresses)} addresses"
    address = addresses[0]
    addr = (address.addr_spec or "").strip()
    if defects or not ADDRESS.match(addr):
        return "", "", "unclear sender address"
    name = " ".join(CONTROL.sub("", address.display_name or "").split()).strip("\"' ")
    if "@" in name or "<" in name or ">" in name:
        name = ""  # a display name that looks like an address only serves to mislead
    return addr.lower(), name[:120], ""


# --- body ---------------------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text from bytes under a declared charset that may be unknown or lying (NULs dropped:
    no database text column takes them)."""
    return _decode(data, charset).replace("\x00", "")


def _decode(data: bytes, charset: str | None) -> str:
    name = None
    try:
        info = codecs.lookup((charset or "us-ascii").strip().strip('"').lower())
        if getattr(info, "_is_text_encoding", True):
            name = info.name
    except (LookupError, TypeError, ValueError):
        name = None
    candidates = []
    if name is None or name in SINGLE_BYTE:
        candidates.append("utf-8")  # valid UTF-8 under a single-byte label is the label lying
    if name:
        candidates.append(name)
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("cp1252", errors="replace")


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        return ""
    return decode_words(str(name))


def _read_body(mail: ParsedMail, msg: Message) -> None:
    plain: list[str] = []
    htmls: list[str] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    seen = 0
    mail.defects.extend(type(d).__name__ for d in (msg.defects or []))
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            mail.defects.append("too many parts: the rest is only in the original")
            break
        ctype = (part.get_content_type() or "text/plain").lower()
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if ctype == "multipart/report":
                mail.report = True
            if depth >= MAX_DEPTH:
                mail.defects.append("nested too deep: inner parts only in the original")
                continue
            if ctype == "message/rfc822" and depth > 0:
                mail.attachments.append(Part("message.eml", ctype, _embedded_bytes(payload)))
                continue
            stack.extend((child, depth + 1) for child in reversed(payload))
            continue
        if ctype.startswith("multipart/"):  # no usable boundary: the parts were not split
            mail.defects.append("multipart without usable boundary")
            plain.append(_recover_text(_part_bytes(part), part.get_content_charset()))
            continue
        name = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if ctype in ("message/delivery-status", "text/rfc822-headers", "message/rfc822-headers"):
            mail.report_text += decode_bytes(_part_bytes(part), "utf-8")[:20_000] + "\n"
            continue
        if ctype in ("text/plain", "text/html") and not name and disposition != "attachment":
            text = decode_bytes(_part_bytes(part), part.get_content_charset())
            (plain if ctype == "text/plain" else htmls).append(text)
            continue
        data = _part_bytes(part)
        if ctype == "application/ms-tnef" or name.lower() == "winmail.dat":
            if _unpack_tnef(mail, data, plain):
                continue
        if not data and not name:
            continue
        mail.attachments.append(
            Part(name or _invented_name(ctype, len(mail.attachments) + 1), ctype, data)
        )
    if not plain and not htmls and not mail.attachments and isinstance(msg.get_payload(), list):
        # a multipart whose boundary never occurs: the text is in the preamble or epilogue
        leftover = (msg.preamble or "") + "\n" + (msg.epilogue or "")
        if leftover.strip():
            mail.defects.append("boundary never found")
            plain.append(_recover_text(leftover.encode("utf-8", "surrogateescape"), None))
    plain = [t for t in plain if t.strip()]
    if plain:
        mail.text = "\n\n".join(t.strip("\n") for t in plain)
    elif htmls:
        mail.html_raw = "\n".join(htmls)
        mail.text = html_to_text(mail.html_raw)
        mail.from_html = True


_MIME_LINE = re.compile(r"^(--\S*|Content-[\w-]+:.*|MIME-Version:.*|\s+\S+=.*)$", re.I)


def _recover_text(data: bytes, charset: str | None) -> str:
    """The words of a body whose MIME structure is broken: boundary and part-header lines
    dropped, everything else kept."""
    text = decode_bytes(data, charset).replace("\r\n", "\n")
    return "\n".join(line for line in text.split("\n") if not _MIME_LINE.match(line)).strip()


def _embedded_bytes(payload: list) -> bytes:
    try:
        return payload[0].as_bytes()
    except Exception:
        return b""


def _invented_name(ctype: str, n: int) -> str:
    ext = mimetypes.guess_extension(ctype) or ".bin"
    return f"part-{n}{ext}"


def _unpack_tnef(mail: ParsedMail, data: bytes, plain: list[str]) -> bool:
    """Outlook's winmail.dat: its files become attachments, its body the text if none."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data, do_checksum=False)
        files = [(a.long_filename() or a.name, a.data) for a in tnef.attachments]
        body = tnef.body
    except Exception:
        files, body = [], None
    if not body and not any(content for _name, content in files):
        mail.defects.append("winmail.dat could not be unpacked: kept as it is")
        return False
    for name, content in files:
        if isinstance(name, bytes):
            name = decode_bytes(name, "cp1252")
        name = CONTROL.sub("", str(name or "")).strip("\x00 ")
        if content:
            ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
            mail.attachments.append(Part(name or "attachment.bin", ctype, bytes(content)))
    if body and not plain:
        plain.append(
            decode_bytes(body, "cp1252")
            if isinstance(body, bytes)
            else str(body).replace("\x00", "")
        )
    return True


def html_to_text(markup: str, *, drop_quotes: bool = False) -> str:
    """Plain text from HTML through an allow-list of nothing: no tag or attribute survives."""
    markup = BLOCK_END.sub("\n", markup[:2_000_000])
    removed = {"script", "style", "head", "title"} | ({"blockquote"} if drop_quotes else set())
    cleaned = nh3.clean(
        markup, tags=set(), attributes={}, clean_content_tags=removed, strip_comments=True
    )
    text = html.unescape(cleaned).replace("\xa0", " ")
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- replies ------------------------------------------------------------------------------------

REPLY_MARKER = "##- Please type your reply above this line -##"
_CUTS = [
    re.compile(r"^##- .{0,80} -##\s*$", re.M),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.M | re.I),
    re.compile(r"^_{20,}\s*$", re.M),
    re.compile(r"^On\b[^\n]{0,300}(\n[^\n]{0,300})?\bwrote:\s*$", re.M),
    re.compile(r"^Le\b[^\n]{0,300}(\n[^\n]{0,300})?a écrit\s*:\s*$", re.M),
    re.compile(r"^Am\b[^\n]{0,300}(\n[^\n]{0,300})?schrieb[^\n]{0,80}:\s*$", re.M),
    re.compile(r"^În\b[^\n]{0,300}(\n[^\n]{0,300})?a scris:\s*$", re.M),
    re.compile(r"^From:\s[^\n]{0,300}\n(Sent|Date):\s", re.M),
    re.compile(r"^-- ?$", re.M),  # the signature delimiter
    re.compile(r"^Sent from my [^\n]{0,40}$", re.M),
]


def trim_reply(text: str) -> str:
    """The new part of a reply: quoted history and signature cut away (all of it if that
    would leave nothing, so that no words are lost)."""
    body = text.replace("\r\n", "\n")
    cut = len(body)
    for pattern in _CUTS:
        found = pattern.search(body)
        if found and found.start() < cut:
            cut = found.start()
    kept = body[:cut].rstrip().split("\n")
    while kept and kept[-1].lstrip().startswith(">"):
        kept.pop()
    result = "\n".join(kept).strip()
    return result or text.strip()
