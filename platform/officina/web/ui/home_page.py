"""The start page: the user's dashboards first (the widgets of the one
their role starts on, links to the others), then the records they work on.
"""

from __future__ import annotations

from flask import g, render_template

from officina.app import runtime
from officina.definitions.model import Dashboard
from officina.web.ui import blueprint
from officina.web.ui.display import show
from officina.web.ui.report_pages import dashboard_widgets, readable_dashboards


@blueprint.get("/")
def home():
    dashboards = readable_dashboards()
    start = start_dashboard(dashboards)
    return render_template(
        "ui/home.html",
        dashboards=dashboards,
        start=start,
        widgets=dashboard_widgets(start) if start else [],
        show=show,
    )


def start_dashboard(dashboards: list[Dashboard]) -> Dashboard | None:
    """The `home:` dashboard of the user's first role that names one they
    may open; else the first dashboard they may open."""
    roles = runtime().definitions.roles
    offered = {dashboard.name: dashboard for dashboard in dashboards}
    for name in g.user.roles:
        role = roles.get(name)
        if role is not None and role.home in offered:
            return offered[role.home]
    return dashboards[0] if dashboards else None
