"""Administration: users (roles, language, password, active) and an overview
of the roles the definitions declare. Only the admin role gets here."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from officina.app import runtime
from officina.auth import users
from officina.auth.permissions import ADMIN
from officina.web.ui import blueprint


@blueprint.before_request
def _admins_only():
    if request.endpoint and request.endpoint.startswith("ui.admin_"):
        if g.get("user") is None or ADMIN not in g.user.roles:
            abort(403, _("Only administrators manage users."))
    return None


def _role_names() -> list[str]:
    return [ADMIN, *runtime().definitions.roles]


def _form_values() -> dict:
    return {
        "email": request.form.get("email", "").strip(),
        "name": request.form.get("name", ""),
        "roles": request.form.getlist("roles"),
        "language": request.form.get("language", ""),
        "active": request.form.get("active") == "y",
        "password": request.form.get("password") or None,
    }


@blueprint.get("/admin/users")
def admin_users():
    return render_template("ui/admin/users.html", users=users.list_users(runtime()))


@blueprint.route("/admin/users/new", methods=["GET", "POST"])
def admin_new_user():
    values = {"roles": [], "language": runtime().site.languages[0], "active": True}
    problem = None
    if request.method == "POST":
        values = _form_values()
        try:
            user = users.add_user(
                runtime(),
                email=values["email"],
                name=values["name"],
                password=values["password"],
                roles=values["roles"],
                language=values["language"],
            )
        except users.UserError as error:
            problem = str(error)
        else:
            flash(_("The user %(email)s was added.", email=user["email"]), "success")
            return redirect(url_for("ui.admin_users"))
    return render_template(
        "ui/admin/user.html",
        user=None,
        values=values,
        roles=_role_names(),
        problem=problem,
    ), (422 if problem else 200)


@blueprint.route("/admin/users/<rid:user_id>", methods=["GET", "POST"])
def admin_edit_user(user_id: int):
    user = users.get_user(runtime(), user_id)
    if user is None:
        abort(404, _("There is no such user."))
    values = dict(user)
    problem = None
    if request.method == "POST":
        values = _form_values() | {"email": user["email"]}
        try:
            users.update_user(
                runtime(),
                user_id,
                name=values["name"],
                roles=values["roles"],
                language=values["language"],
                active=values["active"],
                password=values["password"],
                acting_user_id=g.user.id,
            )
        except users.UserError as error:
            problem = str(error)
        else:
            flash(_("The user %(email)s was changed.", email=user["email"]), "success")
            return redirect(url_for("ui.admin_users"))
    return render_template(
        "ui/admin/user.html",
        user=user,
        values=values,
        roles=_role_names(),
        problem=problem,
    ), (422 if problem else 200)


@blueprint.get("/admin/roles")
def admin_roles():
    """Who may do what: the roles of the definitions, entity by entity."""
    definitions = runtime().definitions
    entities = [e for e in definitions.entities.values() if not e.is_child]
    matrix = {
        name: {
            entity.name: runtime().permissions.grant((name,), entity)
            for entity in entities
        }
        for name in definitions.roles
    }
    return render_template(
        "ui/admin/roles.html",
        roles=definitions.roles,
        entities=entities,
        matrix=matrix,
        members={
            name: [u for u in users.list_users(runtime()) if name in (u["roles"] or [])]
            for name in definitions.roles
        },
    )
