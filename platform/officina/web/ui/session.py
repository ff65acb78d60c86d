"""Who is using the UI: sign-in, sign-out and the session cookie.

The session is Flask's signed cookie (nothing kept in a process), holding
the user's id and a fingerprint of their password hash: changing the
password or deactivating the user ends every session at its next request.
"""

from __future__ import annotations

import hashlib
import ipaddress
from urllib.parse import urlsplit

from flask import (
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from officina.app import runtime
from officina.auth import check_password, throttle, users
from officina.auth.backends import authenticate_by_backends
from officina.auth.users import actor_of
from officina.schema.tables import USERS
from officina.web.ui import blueprint

PUBLIC = {"ui.login", "ui.set_language", "ui.static", "bootstrap.static"}
_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1"}


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, marked `Secure` unless the site is
    served on this machine only (plain http://127.0.0.1 in development)."""

    def get_cookie_secure(self, app) -> bool:
        setting = app.config.get("OFFICINA_SECURE_COOKIES", "auto")
        if setting != "auto":
            return bool(setting)
        return not _is_loopback(request.host) if request else True


def _is_loopback(host: str) -> bool:
    name = urlsplit(f"//{host}").hostname or ""
    if name in _LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


@blueprint.before_app_request
def identify_user():
    """`g.user`: the signed-in user's actor for UI pages (or, without a
    session, the actor a plugin's auth backend answers), or None."""
    g.user = None
    # The API and static files never look at the session (so their answers
    # do not vary by cookie).
    if request.blueprint in ("api", "bootstrap") or request.endpoint in (
        "ui.static",
        "static",
    ):
        return
    user_id = session.get("uid")
    if user_id is None:
        g.user = authenticate_by_backends(runtime(), request)
        return
    table = runtime().schema.metadata.tables[USERS]
    with runtime().engine.connect() as connection:
        row = connection.execute(select(table).where(table.c.id == user_id)).first()
    if (
        row is None
        or not row.active
        or session.get("pw") != fingerprint(row.password_hash)
    ):
        session.clear()
        g.user = authenticate_by_backends(runtime(), request)
        return
    g.user = actor_of(row._asdict())
    g.user_email = row.email


@blueprint.before_request
def require_user():
    if g.get("user") is None and request.endpoint not in PUBLIC:
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
    return None


class LoginForm(FlaskForm):
    email = EmailField(validators=[DataRequired()])
    password = PasswordField(validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.home")
    if "\\" in target or urlsplit(target).netloc:
        return url_for("ui.home")
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    form.email.label.text = _("E-mail")
    form.password.label.text = _("Password")
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        client = request.remote_addr
        minutes = throttle.locked_for(runtime(), email, client)
        if minutes:
            flash(
                _(
                    "Too many failed sign-ins. Try again in %(minutes)d minutes.",
                    minutes=minutes,
                ),
                "danger",
            )
            status = 429
        else:
            actor = check_password(runtime(), email, form.password.data)
            if actor is None:
                throttle.record_failure(runtime(), email, client)
                flash(_("The e-mail or password is not correct."), "danger")
                status = 401
            else:
                throttle.record_success(runtime(), email)
                table = runtime().schema.metadata.tables[USERS]
                with runtime().engine.connect() as connection:
                    password_hash = connection.execute(
                        select(table.c.password_hash).where(table.c.id == actor.id)
                    ).scalar_one()
                session.clear()
                session["uid"] = actor.id
                session["pw"] = fingerprint(password_hash)
                session.permanent = True
                return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("ui/login.html", form=form), status


@blueprint.post("/logout")
def logout():
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("ui.login"))


@blueprint.post("/language")
def set_language():
    """The language of the UI: the user's own setting, or (before signing
    in) this browser's."""
    chosen = request.form.get("language", "")
    if chosen not in runtime().site.languages:
        flash(_("That language is not offered here."), "warning")
    elif g.get("user") is not None:
        users.set_language(runtime(), g.user.id, chosen)
    else:
        session["lang"] = chosen
    return redirect(_safe_next(_same_site_referrer()))


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    parts = urlsplit(referrer)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
