"""A small HTTP client for the deployment test: cookies, forms (with their CSRF token and
every default value the page holds), uploads, and a source address of its choice (all of
127.0.0.0/8 is this machine: a second address is a second client to the rate limits)."""

from __future__ import annotations

import http.client
import io
import re
import ssl
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

# nginx's certificate in the test is its own, self-signed.
UNVERIFIED = ssl._create_unverified_context()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """One client: its cookies, talking to ``port`` (HTTPS through nginx, or HTTP straight to
    one gunicorn) from ``source``."""

    def __init__(self, port: int, *, tls: bool = True, source: str = "127.0.0.1") -> None:
        self.port, self.tls, self.source = port, tls, source
        self.cookies: dict[str, str] = {}
        self.origin = f"{'https' if tls else 'http'}://127.0.0.1:{port}"

    def with_cookies_of(self, other: Browser) -> Browser:
        self.cookies = other.cookies  # the same person, reaching another server
        return self

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict | None = None,
        timeout: float = 30,
    ) -> Answer:
        kind = http.client.HTTPSConnection if self.tls else http.client.HTTPConnection
        extra = {"context": UNVERIFIED} if self.tls else {}
        conn = kind(
            "127.0.0.1", self.port, timeout=timeout, source_address=(self.source, 0), **extra
        )
        sent = {"Accept": "text/html", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for header in answer.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return answer

    def get(self, path: str, **headers) -> Answer:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict, files: dict | None = None, **headers) -> Answer:
        """A form sent from the page at ``path`` (its Referer, as a browser sends it: the app
        checks it over HTTPS)."""
        if files:
            values = dict(fields)
            for name, (filename, content) in files.items():
                values[name] = FileStorage(io.BytesIO(content), filename=filename)
            boundary, body = encode_multipart(values)
            kind = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields, doseq=True).encode()
            kind = "application/x-www-form-urlencoded"
        sent = {"Content-Type": kind, "Referer": self.origin + path, "Origin": self.origin}
        return self.request("POST", path, body, {**sent, **headers})

    def submit(
        self,
        page_path: str,
        action: str = "",
        values: dict | None = None,
        files: dict | None = None,
        **headers,
    ) -> Answer:
        """Fill the form whose action is ``action`` (none: the page's own form, posting back to
        the page) on the page at ``page_path`` (its own values and CSRF token, then ``values``)
        and send it."""
        page = self.get(page_path)
        assert page.status == 200, (page_path, page.status, page.text[:500])
        fields = form_fields(page.text, action)
        fields.update(values or {})
        return self.post(action or page_path, fields, files, **headers)

    def sign_in(self, email: str, password: str, **headers) -> Answer:
        return self.submit("/login", "", {"email": email, "password": password}, **headers)


class _Forms(HTMLParser):
    """The fields of every form on a page, by the form's action."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, dict[str, object]] = {}
        self.current: dict[str, object] | None = None
        self.select: str | None = None
        self.first_option: str | None = None
        self.multiple = False
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.current = self.forms.setdefault(a.get("action", ""), {})
        elif self.current is None or ("name" not in a and tag != "option"):
            return
        elif tag == "input":
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            if kind not in ("submit", "button", "file"):
                self.current[a["name"]] = a.get("value", "on" if kind == "checkbox" else "")
        elif tag == "select":
            self.select, self.first_option = a["name"], None
            self.multiple = "multiple" in a
            if self.multiple:  # what is selected, maybe nothing (a browser then sends none)
                self.current[self.select] = []
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = a.get("value", "")
            if "selected" in a and self.multiple:
                self.current[self.select].append(a.get("value", ""))
            elif "selected" in a:
                self.current[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = a["name"]
            self.current[a["name"]] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select" and self.select and self.current is not None:
            self.current.setdefault(self.select, self.first_option or "")
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea] += data


def form_fields(html: str, action: str) -> dict:
    parser = _Forms()
    parser.feed(html)
    for form_action, fields in parser.forms.items():
        if unescape(form_action).split("?")[0] == action.split("?")[0]:
            return dict(fields)
    raise AssertionError(f"no form posting to {action}: {sorted(parser.forms)}")


def links(html: str, pattern: str) -> list[str]:
    """The href values on the page that match ``pattern``."""
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', html) if re.search(pattern, h)]
