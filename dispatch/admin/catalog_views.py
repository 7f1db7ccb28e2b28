"""Admin pages for the catalog: categories, asset types and their extra fields (part of the
admin blueprint, so the administrators-only guard in dispatch.admin.views covers them too)."""

from __future__ import annotations

from functools import partial

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from dispatch.admin import catalog
from dispatch.admin.forms import AssetTypeForm, CategoryForm, FieldForm, pick
from dispatch.admin.pages import bp, form_page, submit
from dispatch.assets.models import AssetType
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
    form = CategoryForm.in_languages()
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
    title = _("Category: %(name)s", name=str(category))
    return _owner_page(form, title, category, "categories")


def _owner_page(form, title: str, owner, kind: str):
    """A category's or an asset type's form, with the table of its extra fields."""
    back = url_for(".categories") if kind == "categories" else url_for(".asset_types")
    return form_page(
        form,
        title,
        back,
        template="admin/category_form.html",
        owner=owner,
        new_field=url_for(".field_new", kind=kind, owner_id=owner.id),
        field_url=partial(url_for, ".field_edit", kind=kind, owner_id=owner.id),
    )


@bp.get("/asset-types")
def asset_types():
    rows = db.session.scalars(
        select(AssetType).order_by(AssetType.active.desc(), name_order(AssetType.name))
    ).all()
    return render_template("admin/asset_types.html", asset_types=rows)


@bp.route("/asset-types/new", methods=["GET", "POST"])
def asset_type_new():
    form = AssetTypeForm.in_languages()
    kind = submit(form, partial(catalog.save_asset_type, None, current_user))
    if kind:
        return redirect(url_for(".asset_type_edit", type_id=kind.id))
    return form_page(form, _("New asset type"), url_for(".asset_types"))


@bp.route("/asset-types/<int:type_id>", methods=["GET", "POST"])
def asset_type_edit(type_id: int):
    kind = db.get_or_404(AssetType, type_id)
    form = AssetTypeForm.in_languages(obj=kind)
    if submit(form, partial(catalog.save_asset_type, kind, current_user)):
        return redirect(url_for(".asset_types"))
    return _owner_page(form, _("Asset type: %(name)s", name=str(kind)), kind, "asset-types")


OWNERS = {
    "categories": (Category, ".category_edit", "category_id"),
    "asset-types": (AssetType, ".asset_type_edit", "type_id"),
}


def _owner(kind: str, owner_id: int):
    model, endpoint, arg = OWNERS[kind]
    owner = db.get_or_404(model, owner_id)
    return owner, url_for(endpoint, **{arg: owner.id})


FIELDS = "/<any(categories, 'asset-types'):kind>/<int:owner_id>/fields"


@bp.route(f"{FIELDS}/new", methods=["GET", "POST"])
def field_new(kind: str, owner_id: int):
    owner, back = _owner(kind, owner_id)
    form = FieldForm.in_languages()
    if submit(form, partial(catalog.save_field, owner, None, current_user)):
        return redirect(back)
    return form_page(form, _("New field for %(name)s", name=str(owner)), back)


@bp.route(f"{FIELDS}/<int:field_id>", methods=["GET", "POST"])
def field_edit(kind: str, owner_id: int, field_id: int):
    owner, back = _owner(kind, owner_id)
    field = catalog.get_field(owner, field_id)
    form = FieldForm.for_field(field)
    if catalog.field_in_use(field):
        form.key.render_kw = {"readonly": True}
    if submit(form, partial(catalog.save_field, owner, field, current_user)):
        return redirect(back)
    return form_page(form, _("Field: %(label)s", label=field.text("label")), back)
