"""The admin blueprint (administrators only) and the form-page steps its views share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, render_template
from flask_babel import gettext as _
from sqlalchemy import func, select

from dispatch.auth.services import roles_required
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.people.models import Role

bp = Blueprint("admin", __name__)


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only() -> None:
    """Guards every /admin URL at once, so a new page cannot forget the check."""


# --- helpers -----------------------------------------------------------------------------------


def show_errors(form, exc: ValidationError) -> None:
    """Put a service's messages next to the fields they name (or on top of the form)."""
    for name, messages in (exc.errors or {exc.field: [exc.message]}).items():
        if name in form._fields:
            form[name].errors = list(form[name].errors) + list(messages)
        else:
            flash(messages[0], "danger")


def submit(form, save: Callable[..., Any]) -> Any:
    """Call ``save(**form.values())`` when the form is posted and parses; None otherwise."""
    if not form.validate_on_submit():
        return None
    try:
        saved = save(**form.values())
    except ValidationError as exc:
        show_errors(form, exc)
        return None
    flash(_("Saved."), "success")
    return saved


def form_page(form, title: str, back: str, **context: Any) -> str:
    """The shared admin form page (or ``template``) around ``form``."""
    return render_template(
        context.pop("template", "admin/form.html"), form=form, title=title, back=back, **context
    )


def count(query) -> int:
    """How many rows ``query`` selects."""
    return db.session.scalar(select(func.count()).select_from(query.subquery()))
