"""The catalogues: the committed template holds exactly the texts of the code, the Romanian
catalogue translates every one of them (keeping their placeholders), and the pages a Romanian
speaker sees show no English text of the catalogue."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from tests.i18n.catalogues import REAL_CATALOGUES

ROOT = REAL_CATALOGUES.parents[1]
TEMPLATE = REAL_CATALOGUES / "messages.pot"
ROMANIAN = REAL_CATALOGUES / "ro" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{\{ ?[a-z_]+ ?\}\}|\{[a-z_]*\}")


def read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def ids(catalogue) -> set:
    """Each text with its context (pgettext's: one English word, two meanings)."""
    return {(m.context, m.id) for m in catalogue if m.id}


def test_the_committed_template_is_not_stale(tmp_path):
    # What `make messages` would extract now, compared with what is committed (ids only: the
    # line numbers and the date change with every edit).
    fresh = tmp_path / "messages.pot"
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(REAL_CATALOGUES / "babel.cfg"), "-k", "_l",
         "-k", "said", "-k", "said_plural:1,2", "-o", str(fresh), str(ROOT)]
    )  # fmt: skip
    missing, gone = ids(read(fresh)) - ids(read(TEMPLATE)), ids(read(TEMPLATE)) - ids(read(fresh))
    assert not missing and not gone, (
        f"run `make messages`: {len(missing)} new texts (e.g. {sorted(map(str, missing))[:3]}), "
        f"{len(gone)} gone (e.g. {sorted(map(str, gone))[:3]})"
    )


def placeholders(text) -> list[str]:
    texts = text if isinstance(text, (list, tuple)) else [text]
    return sorted(p.replace(" ", "") for t in texts for p in PLACEHOLDER.findall(t or ""))


def test_every_text_has_a_romanian_translation_with_its_placeholders():
    assert ROMANIAN.exists(), "no Romanian catalogue"
    catalogue = read(ROMANIAN, "ro")
    assert catalogue.num_plurals == 3  # one, few (2–19, and 0), other ("20 de …")
    problems = []
    for message in read(TEMPLATE):
        if not message.id:
            continue
        found = catalogue.get(message.id, context=message.context)
        if found is None:
            problems.append(f"missing: {message.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(found.string if found.pluralizable else [found.string]):
            problems.append(f"untranslated: {message.id!r}")
        else:
            wanted = placeholders(message.id if not message.pluralizable else message.id[1])
            translations = found.string if found.pluralizable else [found.string]
            # A plural form for "one" may write the number out ("o zi"), so check it loosely.
            for form in translations[1:] if found.pluralizable else translations:
                if placeholders(form) != wanted:
                    problems.append(f"placeholders differ: {message.id!r} → {form!r}")
    assert not problems, f"{len(problems)} problems, e.g.:\n" + "\n".join(problems[:20])


class _Text(HTMLParser):
    """The text a person reads on a page: text nodes and the attributes read aloud or shown."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (
                name in ("title", "aria-label", "placeholder", "alt")
                or (name.startswith("data-") and " " in value)
            ):
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def english_left(html: str, english: dict[str, str]) -> list[str]:
    """The catalogue's English texts (with a different Romanian translation) in the page."""
    reader = _Text()
    reader.feed(html)
    found = set()
    for part in reader.parts:
        if part in english:
            found.add(part)
    text = "\n".join(reader.parts)
    found |= {e for e in english if len(e.split()) >= 3 and e in text}
    return sorted(found)


def test_romanian_pages_show_no_english(romanian_app, client, auth, make_user, make_ticket):
    catalogue = read(ROMANIAN, "ro")
    # Texts without placeholders whose Romanian differs ("Email" may stay "Email").
    english = {
        m.id: m.string
        for m in catalogue
        if m.id and isinstance(m.id, str) and m.string and m.string != m.id
        and not PLACEHOLDER.search(m.id) and "%" not in m.id
    }  # fmt: skip
    problems = {}
    ro = {"Accept-Language": "ro"}
    problems["/login"] = english_left(
        client.get("/login", headers=ro).get_data(as_text=True), english
    )
    requester = make_user(locale="ro")
    ticket = make_ticket(requester=requester)
    pages = {
        "employee": (requester, ["/tickets/new", "/tickets/mine", f"/tickets/{ticket.id}"]),
        "dispatcher": (
            make_user("dispatcher", locale="ro"),
            ["/desk/inbox", f"/tickets/{ticket.id}", "/planning/", "/technicians/", "/reports/"],
        ),
        "technician": (make_user("technician", locale="ro"), ["/my-day/", "/desk/jobs"]),
        "admin": (make_user("admin", locale="ro"), ["/admin/", "/admin/users", "/mail/"]),
    }
    for user, paths in pages.values():
        auth.login(user)
        for path in paths:
            response = client.get(path, headers={"Accept-Language": "en"})  # the choice wins
            assert response.status_code == 200, path
            problems[path] = english_left(response.get_data(as_text=True), english)
        auth.logout()
    problems = {path: left for path, left in problems.items() if left}
    assert not problems, f"English left on Romanian pages: {problems}"
