"""Admin pages for the catalog: categories and their extra fields (part of the admin blueprint,
so the administrators-only guard in dispatch.admin.views covers them too)."""

from __future__ import annotations

from functools import partial

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.admin import catalog
from dispatch.admin.forms import CategoryForm, FieldForm, pick
from dispatch.admin.pages import bp, form_page, submit
from dispatch.collation import name_order
from dispatch.extensions import db
from dispatch.people.models import Skill
from dispatch.tickets.models import Category


def _skills(current=()) -> list:
    return pick(db.session.scalars(select(Skill).order_by(name_order(Skill.name))), current)


@bp.get("/categories")
def categories():
    rows = db.session.scalars(
        select(Category).order_by(Category.active.desc(), name_order(Category.name))
    ).all()
    return render_template("admin/categories.html", categories=rows)


@bp.route("/categories/new", methods=["GET", "POST"])
def category_new():
    form = CategoryForm()
    form.skill_ids.choices = _skills()
    category = submit(form, partial(catalog.save_category, None, current_user))
    if category:  # straight on to its extra fields
        return redirect(url_for(".category_edit", category_id=category.id))
    return form_page(form, _("New category"), url_for(".categories"))


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category_edit(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = CategoryForm.for_category(category)
    form.skill_ids.choices = _skills(category.skills)
    if submit(form, partial(catalog.save_category, category, current_user)):
        return redirect(url_for(".categories"))
    return form_page(
        form,
        _("Category: %(name)s", name=category.name),
        url_for(".categories"),
        template="admin/category_form.html",
        category=category,
    )


@bp.route("/categories/<int:category_id>/fields/new", methods=["GET", "POST"])
def field_new(category_id: int):
    category = db.get_or_404(Category, category_id)
    form = FieldForm()
    if submit(form, partial(catalog.save_field, category, None, current_user)):
        return redirect(url_for(".category_edit", category_id=category.id))
    return form_page(
        form,
        _("New field for %(name)s", name=category.name),
        url_for(".category_edit", category_id=category.id),
    )


@bp.route("/categories/<int:category_id>/fields/<int:field_id>", methods=["GET", "POST"])
def field_edit(category_id: int, field_id: int):
    category = db.get_or_404(Category, category_id)
    field = catalog.get_field(category, field_id)
    form = FieldForm.for_field(field)
    if catalog.field_in_use(field):
        form.key.render_kw = {"readonly": True}
    if submit(form, partial(catalog.save_field, category, field, current_user)):
        return redirect(url_for(".category_edit", category_id=category.id))
    return form_page(
        form,
        _("Field: %(label)s", label=field.label),
        url_for(".category_edit", category_id=category.id),
    )
