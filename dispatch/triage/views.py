"""Triage pages for dispatchers and admins: keyword rules, how well the classifier does, and
the recent overrides it learns from."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from dispatch.auth.services import roles_required
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.triage import services
from dispatch.triage.forms import ActionForm, RuleForm, TryForm
from dispatch.triage.models import KeywordRule

bp = Blueprint("triage", __name__)
STAFF = ("dispatcher", "admin")
# The desk's lists and the ticket page write a suggestion's reason in the reader's language.
bp.add_app_template_global(services.ticket_reason, "suggestion_reason")


def _keep_errors(form, exc: ValidationError) -> None:
    for name, messages in (exc.errors or {"phrase": [exc.message]}).items():
        getattr(form, name, form.phrase).errors = list(messages)


def _page(form: RuleForm, status: int = 200):
    return render_template(
        "triage/rules.html",
        form=form,
        rules=services.list_rules(),
        action=ActionForm(),
        overview=services.overview(),
        overrides=services.recent_overrides(),
        try_form=TryForm(formdata=None),
    ), status


@bp.get("/")
@roles_required(*STAFF)
def rules():
    return _page(RuleForm())


@bp.post("/rules")
@roles_required(*STAFF)
def create_rule():
    form = RuleForm()
    if form.validate_on_submit():
        try:
            rule = services.create_rule(form.phrase.data, form.kind.data)
        except ValidationError as exc:
            _keep_errors(form, exc)
        else:
            flash(_('Rule "%(p)s" added.', p=rule.phrase), "success")
            return redirect(url_for(".rules"))
    return _page(form, 400)


@bp.route("/rules/<int:rule_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_rule(rule_id: int):
    rule = db.get_or_404(KeywordRule, rule_id)
    form = RuleForm(obj=rule)
    if form.validate_on_submit():
        try:
            services.update_rule(rule, form.phrase.data, form.kind.data, form.active.data)
        except ValidationError as exc:
            _keep_errors(form, exc)
        else:
            flash(_('Rule "%(p)s" saved.', p=rule.phrase), "success")
            return redirect(url_for(".rules"))
    return render_template(
        "triage/edit_rule.html", form=form, rule=rule
    ), 400 if form.errors else 200


@bp.post("/rules/<int:rule_id>/<any(activate, deactivate):action>")
@roles_required(*STAFF)
def toggle_rule(rule_id: int, action: str):
    rule = db.get_or_404(KeywordRule, rule_id)
    if ActionForm().validate_on_submit():
        services.set_rule_active(rule, action == "activate")
        flash(
            _(
                'Rule "%(p)s" is now %(s)s.',
                p=rule.phrase,
                s=_("active") if rule.active else _("inactive"),
            ),
            "success",
        )
    return redirect(url_for(".rules"))


@bp.get("/try")
@roles_required(*STAFF)
def try_text():
    form = TryForm(request.args)
    tip = None
    if (form.subject.data or form.description.data) and form.validate():
        tip = services.suggest(form.subject.data or "", form.description.data or "", None)
    return render_template("triage/try.html", form=form, tip=tip)
