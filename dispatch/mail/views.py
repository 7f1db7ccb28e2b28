"""/mail: the admin's view of quarantine and the outbox, template editing; the reopen link."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from dispatch.auth.services import roles_required
from dispatch.errors import DispatchError, NotFound, ValidationError
from dispatch.extensions import db, limiter
from dispatch.mail import admin, quarantine, sender_auth, texts
from dispatch.mail.compose import read_reopen_token
from dispatch.mail.forms import ActionForm, TemplateForm
from dispatch.mail.ingest import TemporaryFailure, retry
from dispatch.mail.models import Inbound, MailMessage, OutboxMessage
from dispatch.mail.parse import parse
from dispatch.mail.settings import apply_defaults
from dispatch.people.models import Role
from dispatch.tickets.models import Status, Ticket
from dispatch.tickets.services import reopen as reopen_ticket

bp = Blueprint("mail", __name__)
bp.add_app_template_global(texts.state_label, "mail_state")
bp.add_app_template_global(texts.outbox_note, "outbox_note")
bp.record_once(lambda state: apply_defaults(state.app))
LIST_SIZE = 200


@bp.get("/")
@roles_required(Role.ADMIN)
def index():
    held = db.session.scalars(
        db.select(MailMessage)
        .where(MailMessage.status.in_((Inbound.QUARANTINE, Inbound.REJECTED)))
        .order_by(MailMessage.id.desc())
        .limit(LIST_SIZE)
    )
    outbox = db.session.scalars(
        db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(LIST_SIZE)
    )
    return render_template(
        "mail/index.html", held=list(held), outbox=list(outbox), labels_=texts.LABELS
    )


@bp.get("/messages/<int:id>")
@roles_required(Role.ADMIN)
def message(id: int):
    row = db.get_or_404(MailMessage, id)
    return render_template("mail/message.html", row=row, parsed=parse(row.raw), form=ActionForm())


@bp.post("/messages/<int:id>/<any(retry, accept):action>")
@roles_required(Role.ADMIN)
def reprocess(id: int, action: str):
    """``retry`` runs every check again; ``accept`` trusts the sender, which is a release from
    quarantine like the dispatchers' (recorded, with its reviewer): only a held message."""
    if action == "accept":
        quarantine.waiting(id)
    else:
        db.get_or_404(MailMessage, id)
    if ActionForm().validate_on_submit():
        try:
            if action == "accept":
                flash(quarantine.release_said(quarantine.release(id, current_user)), "info")
            else:
                outcome = retry(id)
                flash(
                    _("Processed again: %(s)s. %(r)s", s=outcome.status, r=outcome.reason), "info"
                )
        except TemporaryFailure as exc:
            flash(_("Not possible right now: %(e)s", e=str(exc)), "danger")
    return redirect(url_for("mail.message", id=id))


@bp.get("/quarantine")
@roles_required(Role.DISPATCHER, Role.ADMIN)
def quarantine_list():
    return render_template("mail/quarantine.html", held=quarantine.held(), form=ActionForm())


@bp.get("/quarantine/<int:id>")
@roles_required(Role.DISPATCHER, Role.ADMIN)
def quarantined(id: int):
    row = quarantine.waiting(id)
    parsed = parse(row.raw)
    results = sender_auth.shown_headers(parsed)
    return render_template(
        "mail/quarantined.html", row=row, parsed=parsed, results=results, form=ActionForm()
    )


@bp.post("/quarantine/<int:id>/<any(release, discard):action>")
@roles_required(Role.DISPATCHER, Role.ADMIN)
def quarantine_action(id: int, action: str):
    quarantine.waiting(id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired or was incomplete; try again."), "warning")
        return redirect(url_for("mail.quarantined", id=id))
    try:
        if action == "discard":
            quarantine.discard(id, current_user)
            flash(_("Message discarded."), "info")
        else:
            outcome = quarantine.release(id, current_user)
            flash(quarantine.release_said(outcome), "info")
    except TemporaryFailure as exc:
        flash(_("Not possible right now: %(e)s", e=str(exc)), "danger")
    return redirect(url_for("mail.quarantine_list"))


@bp.get("/outbox/<int:id>")
@roles_required(Role.ADMIN)
def outbox(id: int):
    row = db.get_or_404(OutboxMessage, id)
    return render_template(
        "mail/outbox.html", row=row, body=admin.shown_body(row), form=ActionForm()
    )


@bp.post("/outbox/<int:id>/retry")
@roles_required(Role.ADMIN)
def outbox_retry(id: int):
    if ActionForm().validate_on_submit():
        admin.requeue(id)
        flash(_("The message will be sent again."), "info")
    return redirect(url_for("mail.outbox", id=id))


@bp.route("/templates/<key>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def template(key: str):
    """One message's template in one language (``?language=``, the company's by default)."""
    language = request.args.get("language") or current_app.config["DEFAULT_LOCALE"]
    subject, body, custom = admin.template_text(key, language)
    form = TemplateForm(data={"subject": subject, "body": body})
    if form.validate_on_submit():
        try:
            if request.form.get("reset"):
                admin.reset_template(key, language, current_user)
            else:
                admin.save_template(key, language, form.subject.data, form.body.data, current_user)
            flash(_("Saved."), "success")
            return redirect(url_for("mail.template", key=key, language=language))
        except ValidationError as exc:
            for name, messages in exc.errors.items():
                getattr(form, name, form.body).errors = list(messages)
    return render_template(
        "mail/template.html",
        key=key,
        language=language,
        form=form,
        custom=custom,
        label=texts.LABELS[key],
        variables=texts.VARIABLES,
    )


@bp.route("/reopen/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour")
def reopen(token: str):
    """The one-click link of the 'resolved' message: a confirm button (mail scanners open
    links, so a GET changes nothing), valid for the resolution it was sent for."""
    form, done, problem = ActionForm(), False, ""
    found = read_reopen_token(token)
    ticket = db.session.get(Ticket, found[0]) if found else None
    if ticket is None:
        raise NotFound(_("This link is not valid any more."))
    stamp = ticket.resolved_at.isoformat() if ticket.resolved_at else ""
    if ticket.status != Status.RESOLVED or stamp != found[1]:
        problem = _("%(n)s is not waiting for your confirmation any more.", n=ticket.number)
    elif form.validate_on_submit():
        try:
            reopen_ticket(ticket, ticket.requester, _("The fix did not work (link in the mail)."))
            done = True
        except DispatchError as exc:
            problem = exc.message
    return render_template("mail/reopen.html", ticket=ticket, form=form, done=done, problem=problem)
