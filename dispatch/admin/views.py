"""Admin pages (/admin): sites, departments, skills, groups, users; the catalog is in
catalog_views. Administrators only: everyone else gets 404, so the pages do not reveal
themselves. Views parse, call a service, then redirect or re-show the form with its errors."""

from __future__ import annotations

from functools import partial

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from wtforms.fields.choices import SelectChoice

from dispatch.admin import services
from dispatch.admin.forms import DepartmentForm, GroupForm, NameForm, SiteForm, UserForm
from dispatch.admin.pages import bp, count, form_page, submit
from dispatch.admin.sign_in_views import sign_in_context
from dispatch.admin.site_locations import locate_after_save
from dispatch.assets.models import AssetType
from dispatch.collation import fold, folded, name_order
from dispatch.errors import ValidationError
from dispatch.extensions import db
from dispatch.patterns import contains
from dispatch.people.models import Department, Group, Role, Skill, User
from dispatch.sites.models import Site
from dispatch.tickets.models import Category, CategoryField

USERS_PER_PAGE = 50

# --- overview ----------------------------------------------------------------------------------


@bp.get("/")
def index():
    active_sites = select(Site).where(Site.active)
    counts = {
        "sites": count(active_sites),
        "sites_unlocated": count(active_sites.where(Site.latitude.is_(None))),
        "departments": count(select(Department).where(Department.active)),
        "skills": count(select(Skill).where(Skill.active)),
        "groups": count(select(Group).where(Group.active)),
        "categories": count(select(Category).where(Category.active)),
        "fields": count(
            select(CategoryField).join(Category).where(CategoryField.active, Category.active)
        ),
        "users": count(select(User).where(User.active)),
        "asset_types": count(select(AssetType).where(AssetType.active)),
    }
    by_role = dict(
        db.session.execute(
            select(User.role, func.count()).where(User.active).group_by(User.role)
        ).all()
    )
    return render_template("admin/index.html", counts=counts, by_role=by_role)


# --- sites -------------------------------------------------------------------------------------


@bp.get("/sites")
def sites():
    rows = db.session.scalars(
        select(Site).order_by(Site.active.desc(), name_order(Site.name))
    ).all()
    return render_template("admin/sites.html", sites=rows)


@bp.route("/sites/new", methods=["GET", "POST"])
def site_new():
    form = SiteForm()
    if site := submit(form, partial(services.save_site, None, current_user)):
        locate_after_save(site, form.locate.data, current_user)
        return redirect(url_for(".sites"))
    return form_page(
        form,
        _("New site"),
        url_for(".sites"),
        timezones=sorted(services.time_zones()),
        template="sites/admin_form.html",
    )


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
def site_edit(site_id: int):
    site = db.get_or_404(Site, site_id)
    form = SiteForm.for_site(site)
    if submit(form, partial(services.save_site, site, current_user)):
        locate_after_save(site, form.locate.data, current_user)
        return redirect(url_for(".sites"))
    return form_page(
        form,
        _("Site: %(name)s", name=site.name),
        url_for(".sites"),
        timezones=sorted(services.time_zones()),
        template="sites/admin_form.html",
        site=site,
    )


# --- departments and skills (a name and an active flag) ----------------------------------------

NAMED = {
    "departments": (
        Department,
        DepartmentForm,
        services.save_department,
        _l("Departments"),
        _l("department"),
    ),
    "skills": (Skill, NameForm, services.save_skill, _l("Skills"), _l("skill")),
}


def _named_routes(kind: str) -> None:
    model, form_class, save, title, noun = NAMED[kind]
    # A department's name is given in each language; a skill's is the staff's word for it.
    build = getattr(form_class, "in_languages", form_class)

    def listing():
        rows = db.session.scalars(
            select(model).order_by(model.active.desc(), name_order(model.name))
        ).all()
        return render_template(
            "admin/named.html", rows=rows, kind=kind, title=title, usage=services.usage
        )

    def new():
        form = build()
        if submit(form, partial(save, None, current_user)):
            return redirect(url_for(f".{kind}"))
        return form_page(form, _("New %(noun)s", noun=noun), url_for(f".{kind}"))

    def edit(row_id: int):
        row = db.get_or_404(model, row_id)
        form = build(obj=row)
        if submit(form, partial(save, row, current_user)):
            return redirect(url_for(f".{kind}"))
        return form_page(
            form,
            row.name,
            url_for(f".{kind}"),
            delete_url=url_for(f".{kind}_delete", row_id=row.id),
        )

    def delete(row_id: int):
        return _delete(model, kind, row_id)

    # Plain functions with distinct names (Flask-WTF's CSRF check reads the view's __name__).
    for view in (listing, new, edit, delete):
        view.__name__ = view.__qualname__ = f"{kind}_{view.__name__}"
    bp.add_url_rule(f"/{kind}", kind, listing)
    bp.add_url_rule(f"/{kind}/new", f"{kind}_new", new, methods=["GET", "POST"])
    bp.add_url_rule(f"/{kind}/<int:row_id>", f"{kind}_edit", edit, methods=["GET", "POST"])
    bp.add_url_rule(f"/{kind}/<int:row_id>/delete", f"{kind}_delete", delete, methods=["POST"])


def _delete(model, kind: str, row_id: int):
    row = db.get_or_404(model, row_id)
    try:
        services.delete_unused(row, current_user)
    except ValidationError as exc:
        flash(exc.message, "danger")
        return redirect(url_for(f".{kind}_edit", row_id=row_id))
    flash(_("Deleted."), "success")
    return redirect(url_for(f".{kind}"))


for _kind in NAMED:
    _named_routes(_kind)


# --- groups ------------------------------------------------------------------------------------


def _agents(current=()) -> list[SelectChoice]:
    agents = db.session.scalars(
        select(User).where(User.role == Role.AGENT).order_by(name_order(User.name))
    )
    keep = {u.id for u in current}
    return [SelectChoice(u.id, f"{u.name} <{u.email}>") for u in agents if u.active or u.id in keep]


@bp.get("/groups")
def groups():
    rows = db.session.scalars(
        select(Group).order_by(Group.active.desc(), name_order(Group.name))
    ).all()
    return render_template("admin/groups.html", groups=rows)


@bp.route("/groups/new", methods=["GET", "POST"])
def group_new():
    form = GroupForm()
    form.member_ids.choices = _agents()
    if submit(form, partial(services.save_group, None, current_user)):
        return redirect(url_for(".groups"))
    return form_page(form, _("New group"), url_for(".groups"))


@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
def group_edit(group_id: int):
    group = db.get_or_404(Group, group_id)
    form = GroupForm(obj=group, member_ids=[m.id for m in group.members])
    form.member_ids.choices = _agents(group.members)
    if submit(form, partial(services.save_group, group, current_user)):
        return redirect(url_for(".groups"))
    return form_page(
        form, group.name, url_for(".groups"), delete_url=url_for(".groups_delete", row_id=group.id)
    )


@bp.post("/groups/<int:row_id>/delete", endpoint="groups_delete")
def group_delete(row_id: int):
    return _delete(Group, "groups", row_id)


# --- users -------------------------------------------------------------------------------------


@bp.get("/users")
def users():
    query = select(User).order_by(User.active.desc(), name_order(User.name))
    q = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    if q:
        pattern = contains(fold(q))
        query = query.where(
            or_(
                folded(User.name).like(pattern, escape="\\"),
                folded(User.email).like(pattern, escape="\\"),
            )
        )
    if role in set(Role):
        query = query.where(User.role == role)
    page = db.paginate(query, per_page=USERS_PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, q=q, role=role, roles=list(Role))


def _user_form(user: User | None) -> UserForm:
    form = UserForm.for_user(user) if user else UserForm()
    lists = [
        db.session.scalars(select(m).order_by(name_order(m.name))).all()
        for m in (Department, Site, Skill, Group)
    ]
    form.set_choices(*lists, user=user)
    return form


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = _user_form(None)
    if submit(form, partial(services.save_user, None, current_user)):
        return redirect(url_for(".users"))
    return form_page(form, _("New user"), url_for(".users"))


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = _user_form(user)
    if submit(form, partial(services.save_user, user, current_user)):
        return redirect(url_for(".users"))
    return form_page(
        form,
        _("User: %(name)s", name=user.name),
        url_for(".users"),
        template="admin/user_form.html",
        user=user,
        is_self=user.id == current_user.id,
        **sign_in_context(user),
    )
