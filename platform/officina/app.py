"""create_app: the Flask application of one site.

The application holds the site's `Runtime` (definitions, tables, database,
records service) in `app.extensions["officina"]`, never in module globals,
so a new runtime can be swapped in whole when definitions change.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, g, jsonify, request

from officina.auth import authenticate_token
from officina.auth.backends import authenticate_by_backends
from officina.automation.extensions import call_hook
from officina.resources import shipped_templates
from officina.runtime import Runtime
from officina.web.problems import register_error_handlers

SECRET_FILE = ".secret_key"


class RuntimeHolder:
    """The application's current runtime; replaced whole, never edited."""

    def __init__(self, runtime: Runtime):
        self.current = runtime

    def swap(self, runtime: Runtime) -> Runtime:
        old, self.current = self.current, runtime
        return old


def runtime() -> Runtime:
    """The runtime of the application handling the current request."""
    from flask import current_app

    return current_app.extensions["officina"].current


def create_app(
    site: str | Path | None = None,
    *,
    runtime_: Runtime | None = None,
    config: dict | None = None,
) -> Flask:
    """The application for the site at `site` (or an already open runtime)."""
    opened = runtime_ or Runtime.open(
        site if site is not None else os.environ.get("OFFICINA_SITE", ".")
    )
    # `officina` is a namespace package (no __init__.py yet), so Flask
    # cannot find its root by itself.
    app = Flask(
        "officina",
        root_path=str(Path(__file__).parent),
        template_folder=str(shipped_templates()),
    )
    app.config.update(
        SECRET_KEY=_secret_key(opened.site.path),
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=32 * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.config.update(config or {})
    app.extensions["officina"] = RuntimeHolder(opened)
    app.json.sort_keys = False

    @app.before_request
    def identify():
        g.actor = authenticate_token(runtime(), request.headers.get("Authorization"))
        if g.actor is None and request.blueprint == "api":
            g.actor = authenticate_by_backends(runtime(), request)

    @app.get("/health")
    def health():
        return jsonify(status="ok", definitions=runtime().definitions.version)

    register_error_handlers(app)
    from officina.web.api import blueprint as api

    app.register_blueprint(api)
    from officina.web import ui

    ui.install(app)
    if opened.plugins is not None:
        # Blueprints and routes of the site's plugins (hook officina_routes).
        call_hook(opened.plugins, "officina_routes", app=app)

    @app.context_processor
    def site_name():
        return {"site_name": runtime().site.name}

    @app.after_request
    def protect(response):
        # Pages and files of this application only: no script, style or
        # frame from anywhere else, and no guessing of content types.
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html" and request.blueprint != "api":
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _secret_key(site_path: Path) -> str:
    """The site's session key, made once and kept in the site folder (shared
    by every process of the site)."""
    path = site_path / SECRET_FILE
    if not path.exists():
        key = secrets.token_hex(32)
        try:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(key)
            os.chmod(path, 0o600)
        except FileExistsError:
            pass
    return path.read_text("utf-8").strip()
