"""Importing people from a CSV file (/admin/people/import): upload, preview with every fault by
line and column, then import all at once. Part of the admin blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField
from wtforms.validators import DataRequired

from dispatch.admin.pages import bp
from dispatch.errors import ValidationError
from dispatch.people import csv_import

MAX_BYTES = 2 * 1024 * 1024


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ImportForm(FlaskForm):
    text = HiddenField(validators=[DataRequired()])
    welcome = BooleanField(
        _l("Send each a welcome mail with a link to set their password"), default=True
    )


def _page(upload: UploadForm, checked=None, confirm: ImportForm | None = None, status=200):
    return render_template(
        "admin/people_import.html", upload=upload, checked=checked, confirm=confirm
    ), status


@bp.route("/people/import", methods=["GET", "POST"], endpoint="people_import")
def people_import():
    upload = UploadForm()
    if not upload.validate_on_submit():
        return _page(upload, status=400 if upload.errors else 200)
    data = upload.file.data.read(MAX_BYTES + 1)
    try:
        if len(data) > MAX_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."), field="file")
        text = csv_import.decode(data)
    except ValidationError as exc:
        upload.file.errors = [exc.message]
        return _page(upload, status=400)
    checked = csv_import.check(text)
    return _page(
        upload, checked, ImportForm(formdata=None, text=text) if not checked.faults else None
    )


@bp.post("/people/import/confirm", endpoint="people_import_confirm")
def people_import_confirm():
    confirm = ImportForm()
    if not confirm.validate_on_submit():
        return _page(UploadForm(), status=400)
    try:
        users = csv_import.import_people(
            confirm.text.data, actor=current_user, welcome=confirm.welcome.data
        )
    except csv_import.ImportRefused as exc:
        flash(exc.message, "danger")
        return _page(UploadForm(), csv_import.Checked(faults=exc.faults), status=400)
    flash(ngettext("%(num)d person imported.", "%(num)d people imported.", len(users)), "success")
    return redirect(url_for(".users"))
