"""The generated web UI: sign-in, lists, forms and record pages for every
entity, built at run time from the definitions.

Pages write only through the records service, as the API does. Assets
(Bootstrap, icons, our script) are served by the application itself: the
UI works with no internet.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint(
    "ui",
    __name__,
    static_folder="static",
    static_url_path="/static/officina",
)


def install(app: Flask) -> None:
    """Add the UI, its sessions, CSRF protection and languages to `app`."""
    from flask_bootstrap import Bootstrap5
    from flask_wtf.csrf import CSRFProtect

    from officina.web.api import blueprint as api
    from officina.web.ui import i18n, session

    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    Bootstrap5(app)
    from officina.web.ui.import_pages import allow_large_upload

    app.before_request(allow_large_upload)  # before CSRF reads the form
    csrf = CSRFProtect(app)
    # The API authenticates every request by token, never by cookie, so a
    # forged cross-site request has nothing to ride on.
    csrf.exempt(api)
    app.session_interface = session.SessionInterface()
    i18n.install(app)
    from officina.web.ui.common import RecordIdConverter

    app.url_map.converters["rid"] = RecordIdConverter
    from officina.web.ui import (  # noqa: F401 - each registers its routes
        admin_pages,
        automation_pages,
        common,
        exports,
        form_services,
        home_page,
        import_pages,
        list_pages,
        pack_pages,
        record_pages,
        report_pages,
        rule_pages,
        transition_pages,
        uploads,
    )

    app.register_blueprint(blueprint)
