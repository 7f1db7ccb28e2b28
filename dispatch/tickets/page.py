"""What the request form and the ticket page show, gathered outside the views to keep them thin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from blinker import Signal

from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import User
from dispatch.tickets import history, queries, workflow
from dispatch.tickets.access import can_act_as_staff, sees_as_staff, visible_tickets
from dispatch.tickets.fields import clean_fields
from dispatch.tickets.forms import CommentForm, ReopenForm, RequestForm, field_name
from dispatch.tickets.models import Category, Status, Ticket
from dispatch.tickets.sentences import plain_text
from dispatch.types import utcnow


def _category(form: RequestForm, categories: list[Category]) -> Category | None:
    return next((c for c in categories if str(c.id) == (form.category.data or "")), None)


def extra_errors_for(
    form: RequestForm, categories: list[Category], formdata: Mapping[str, Any]
) -> dict[str, list[str]]:
    """The chosen category's field errors, so that one round trip shows every mistake."""
    category = _category(form, categories)
    if category is None:
        return {}
    try:
        clean_fields(category.fields, form.extra_values(formdata))
    except ValidationError as exc:
        return {k.removeprefix("fields."): v for k, v in exc.errors.items()}
    return {}


#: Sent with the request form (and ``user``, ``args``: the page's query string, ``categories``)
#: before it is drawn: a receiver may fill in the form when it is not yet submitted, and
#: returns a dict of more for the page's context (dispatch.assets: the devices to choose from).
request_form_shown = Signal("the request form is about to be drawn")


def request_context(
    form: RequestForm,
    categories: list[Category],
    parent: Ticket | None,
    extra_errors: Mapping[str, list[str]],
    formdata: Mapping[str, Any],
    args: Mapping[str, Any] | None = None,
    user: User | None = None,
) -> dict[str, Any]:
    more: dict[str, Any] = {}
    for _receiver, extra in request_form_shown.send(
        form, user=user, args=args or {}, categories=categories
    ):
        more.update(extra or {})
    values: Mapping[str, Any]
    if form.is_submitted():
        values = formdata  # what the user typed comes back
    elif parent is not None and parent.category_id is not None:
        values = {field_name(parent.category_id, k): v for k, v in (parent.fields or {}).items()}
    else:
        values = {}
    chosen = _category(form, categories)
    return {
        "form": form,
        "parent": parent,
        "field_name": field_name,
        "extra_values": values,
        "extra_errors": extra_errors,
        "chosen_id": chosen.id if chosen else None,
        "groups": [(c, [f for f in c.fields if f.active]) for c in categories],
        **more,
    }


@dataclass(frozen=True)
class FieldValue:
    label: str
    value: str


def field_values(ticket: Ticket) -> list[FieldValue]:
    """Extra field values with the labels of the category's definitions, in their order."""
    values = dict(ticket.fields) if isinstance(ticket.fields, dict) else {}
    defs = ticket.category.fields if ticket.category else []
    out = [
        FieldValue(d.text("label"), plain_text(d.shown_value(values.pop(d.key))))
        for d in defs
        if d.key in values
    ]
    out += [FieldValue(str(k), plain_text(v)) for k, v in values.items()]  # definition removed
    return out


def _visible_ids(user: User, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    query = visible_tickets(user).with_only_columns(Ticket.id).where(Ticket.id.in_(sorted(ids)))
    return set(db.session.scalars(query))


def can_reopen(ticket: Ticket, user: User) -> bool:
    """The requester reopens a resolved request; staff who work on it, a closed one too."""
    if ticket.status == Status.RESOLVED:
        return ticket.requester_id == user.id or can_act_as_staff(user, ticket)
    return ticket.status == Status.CLOSED and can_act_as_staff(user, ticket)


def detail_context(
    ticket: Ticket, user: User, comment_form: CommentForm, reopen_form: ReopenForm
) -> dict[str, Any]:
    merged_here = queries.merged_here(ticket)
    around = [ticket.parent, ticket.merged_into, *ticket.children, *merged_here]
    related = [t for t in around if t is not None]
    visible = _visible_ids(user, {t.id for t in related})
    named = history.preload(ticket)
    staff = sees_as_staff(user, ticket)
    if not can_act_as_staff(user, ticket):
        del comment_form.internal  # the checkbox is for staff who work on the ticket
    return {
        "ticket": ticket,
        "viewer": user,
        "staff": staff,
        "entries": history.timeline(ticket, user),
        "attachments": history.visible_attachments(ticket, user),
        "field_values": field_values(ticket),
        "merged_here": merged_here,
        "visible_ids": visible,  # subjects of related tickets only if the viewer may see them
        "next_step": workflow.next_step(ticket.status, ticket.kind),
        "can_reopen": can_reopen(ticket, user),
        "comment_form": comment_form,
        "reopen_form": reopen_form,
        "tz": ticket.site.timezone if ticket.site else None,
        "now": utcnow(),
        "named": named,  # kept loaded while the page is drawn (see history.preload)
    }
