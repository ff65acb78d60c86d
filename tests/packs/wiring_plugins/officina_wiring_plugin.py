"""A plugin of the hook-wiring tests, listed in a test site's site.yaml.

It trusts the header `X-Trusted-User` (an e-mail) from 127.0.0.1 only, adds
a route, a template filter and a folder of packs.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, g, jsonify

from officina.auth import find_user
from officina.auth.users import actor_of
from officina.automation.hookspecs import hookimpl

TRUSTED_HEADER = "X-Trusted-User"
PACKS = Path(__file__).parent / "packs"


class TrustedProxy:
    """Signs in the user a proxy on this machine names in a header."""

    def authenticate(self, runtime, request):
        email = request.headers.get(TRUSTED_HEADER)
        if not email or request.remote_addr != "127.0.0.1":
            return None
        user = find_user(runtime, email)
        return actor_of(user) if user is not None and user["active"] else None


def mask(value, keep=4):
    """mask(card): all but the last `keep` characters hidden."""
    text = "" if value is None else str(value)
    return "*" * max(len(text) - keep, 0) + text[-keep:]


wiring = Blueprint("wiring", __name__, url_prefix="/wiring")


@wiring.get("/whoami")
def whoami():
    actor = g.get("actor")
    return jsonify(plugin="wiring", user=actor.name if actor else None)


@hookimpl
def officina_auth_backends():
    return [TrustedProxy()]


@hookimpl
def officina_routes(app):
    app.register_blueprint(wiring)


@hookimpl
def officina_jinja_filters():
    return {"mask": mask}


@hookimpl
def officina_pack_folders():
    return [PACKS]
