"""The planning board's visits, written in Python: the rows of its list and the blocks of its
timeline.

A day of 200 visits is 200 rows and 200 blocks of fifteen to thirty values each; drawn by the
template engine, each value went through its attribute look-up, its escaping and its markup
wrapping, and the two were most of the board's time. Here each row and each block is one
string with its values escaped (``markupsafe.escape``, the template engine's own), the same
HTML the templates wrote. What surrounds them stays in ``templates/planning/_visits.html`` and
``_timeline.html``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape


def visit_rows(
    rows: Iterable[dict[str, Any]],
    *,
    run_id: int,
    editable: bool,
    base: str,
    texts: Mapping[str, str],
    statuses: Mapping[str, str],
    day: Callable[[Any], str],
) -> Markup:
    """The ``<tr>`` of each visit of each row of ``board.timeline`` (dicts). ``base`` is
    the run's address of its visits (``…/visits/``), ``texts`` the row's words in the page's
    language, ``statuses`` the visit states' labels, ``day`` a row's day as the list writes it."""
    t = {key: escape(text) for key, text in texts.items()}
    base = escape(base)
    out: list[str] = []
    for row in rows:
        day_label, name, colour = (
            escape(day(row["day"])),
            escape(row["name"]),
            escape(row["colour"]),
        )
        row_day = escape(row["day"])
        for item in row["visits"]:
            v, marks = item["visit"], item.get("marks")
            ticket = v.ticket
            vid, start = v.id, escape(item["start"])
            pinned = f' <span class="badge text-bg-dark" data-pinned="{vid}">{t["pinned"]}</span>'
            out.append(
                f'<tr id="visit-{vid}" data-visit="{vid}" data-day="{row_day}">'
                f'<td class="stk-inline fw-semibold"><span class="tl-swatch" style="background: '
                f'{colour}"></span>{name}</td>'
                f'<td class="stk-inline">{day_label}</td>'
                f'<td class="stk-inline"><span class="d-md-none">{t["stop"]} </span>'
                f"{escape(v.order)}</td>"
                f'<td class="stk-inline">{start}–{escape(item["end"])}</td>'
                f'<td class="text-break">{escape(ticket.number)} {escape(ticket.subject)}'
                f'<div class="small text-muted">{escape(ticket.location_text)}</div>'
                f"{escape(marks.badges) if marks else ''}</td>"
                f'<td class="stk-inline"><span class="badge text-bg-light border" '
                f'data-visit-status="{vid}">{escape(statuses.get(v.status, v.status))}</span>'
                f"{pinned if v.pinned else ''}</td>"
                f'<td class="stk-inline">{_actions(v, run_id, editable, base, t, start)}</td>'
                "</tr>"
            )
    return Markup("\n".join(out))


def _actions(v, run_id: int, editable: bool, base: str, t: dict, start: str) -> str:
    """Pin, Remove and Move for a visit of this run, on a board that can still change."""
    if not (editable and v.plan_run_id == run_id):
        return ""
    vid = v.id
    return (
        '<div class="d-flex flex-wrap gap-1 align-items-start">'
        f'<button class="btn btn-outline-dark btn-sm" type="submit" form="visit-action" '
        f'formaction="{base}{vid}/pin" name="pinned" value="{0 if v.pinned else 1}">'
        f"{t['unpin'] if v.pinned else t['pin']}</button>"
        f'<button class="btn btn-outline-danger btn-sm" type="submit" form="visit-action" '
        f'formaction="{base}{vid}/remove">{t["remove"]}</button>'
        f'<details class="move-details" data-visit="{vid}" data-move-url="{base}{vid}/move" '
        f'data-seen="{escape(v.stamp)}" data-technician="{v.technician_id}" '
        f'data-day="{v.day.isoformat()}" data-start="{start}">'
        f'<summary class="btn btn-outline-secondary btn-sm">{t["move"]}</summary>'
        f'<a class="move-page small" href="{base}{vid}/move">{t["open"]}</a></details>'
        "</div>"
    )


def visit_blocks(
    row: dict[str, Any],
    *,
    run_id: int,
    editable: bool,
    base: str,
    pinned_word: str,
    planned: str,
) -> Markup:
    """The timeline blocks of one row of ``board.timeline``: each visit placed on the row's
    hours, movable (dragged by static/js/planning-board.js) when the board can change and the
    visit is still only planned (``planned``: that state's value)."""
    base, pinned_word = escape(base), escape(pinned_word)
    style_end = f"background: {escape(row['colour'])}; color: {escape(row['text'])}"
    out: list[str] = []
    for item in row["visits"]:
        v, marks = item["visit"], item.get("marks")
        ticket, vid = v.ticket, v.id
        number = escape(ticket.number)
        movable = editable and v.plan_run_id == run_id and v.status == planned
        classes = "tl-visit" + " is-pinned" * bool(v.pinned) + " is-movable" * movable
        classes += " is-late" * bool(marks and marks.late)
        move = f' data-move-url="{base}{vid}/move" data-seen="{escape(v.stamp)}"' if movable else ""
        after = f' data-after="{escape(marks.after["visit"])}"' if marks and marks.after else ""
        title = f"{escape(item['start'])}–{escape(item['end'])} {number} {escape(ticket.subject)}"
        title += f" ({pinned_word})" if v.pinned else ""
        title += escape(marks.title) if marks else ""
        pin = f'<span class="tl-pin" aria-label="{pinned_word}">●</span>' if v.pinned else ""
        bar = item["bar"]
        out.append(
            f'<div class="{classes}" id="block-{vid}" data-visit="{vid}" tabindex="0" '
            f'role="button" data-from="{escape(item["from"])}" data-to="{escape(item["to"])}" '
            f'data-number="{number}"{move}{after} style="left: {escape(bar["left"])}%; '
            f'width: {escape(bar["width"])}%; {style_end}" title="{title}">{pin}{number}</div>'
        )
    return Markup("\n".join(out))
