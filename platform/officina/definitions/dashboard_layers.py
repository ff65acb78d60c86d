"""Dashboards across packs: `extend_dashboard:` documents, which reports
and views a pack's widgets may show, and the dashboards roles start on.

A dashboard shows reports and views of its own pack and of the packs it
depends on: any other pack may be missing from a site. A pack that depends
on the dashboard's pack adds its own widgets with `extend_dashboard:` (the
shop's overview in the orders pack gets its low-stock list from the
inventory pack), so each widget stays with the pack whose records it shows.
"""

from __future__ import annotations

import dataclasses

from officina.definitions.context import BuildContext
from officina.definitions.merge import appended, builds_on, copy_mapping, may_extend
from officina.errors import one_of, suggest


def extend_dashboards(
    ctx: BuildContext, dashboards: dict, extensions: list, views, reports, site: str
) -> None:
    """Check every dashboard's widgets, then append the widgets of each
    `extend_dashboard:` document to its dashboard (in `dashboards`, a dict of
    name -> document with `body` and `layer`)."""
    for document in dashboards.values():
        _check_widgets(ctx, document, document.body["dashboard"], views, reports, site)
    for document in extensions:
        body = document.body
        target = body["extend_dashboard"]
        base = dashboards.get(target)
        if base is None:
            ctx.error(
                body.value_at("extend_dashboard"),
                f"there is no dashboard '{target}' to extend",
                suggest(target, dashboards) or one_of(dashboards),
            )
            continue
        if not may_extend(
            ctx.problems,
            body.value_at("extend_dashboard"),
            document.layer,
            f"the dashboard '{target}'",
            base.layer.name,
            site,
        ):
            continue
        _check_widgets(ctx, document, target, views, reports, site)
        merged = copy_mapping(base.body)
        merged["widgets"] = appended(base.body["widgets"], body["widgets"])
        dashboards[target] = dataclasses.replace(base, body=merged)


def _check_widgets(ctx, document, dashboard: str, views, reports, site) -> None:
    layer = document.layer
    widgets = document.body["widgets"]
    for item in widgets:
        for kind, known in (("report", reports), ("view", views)):
            shown = known.get(item.get(kind)) if kind in item else None
            if shown is None or builds_on(layer, shown.pack, site):
                continue
            ctx.error(
                item.value_at(kind),
                f"the dashboard '{dashboard}' in the pack '{layer.name}' shows "
                f"the {kind} '{shown.name}' of the pack '{shown.pack}', which "
                "it does not depend on",
                f"add the widget in the pack '{shown.pack}' with "
                f"'extend_dashboard: {dashboard}', or add '{shown.pack}' under "
                f"'depends:' in {layer.name}/pack.yaml",
            )


def check_home_dashboards(ctx: BuildContext, roles: dict, dashboards: dict) -> None:
    """A role's `home:` names a dashboard that is offered to the role."""
    for role in roles.values():
        if role.home is None:
            continue
        location = role.source.value_at("home")
        dashboard = dashboards.get(role.home)
        if dashboard is None:
            ctx.error(
                location,
                f"the role '{role.name}' starts on the dashboard '{role.home}', "
                "which does not exist",
                suggest(role.home, dashboards) or one_of(dashboards),
            )
        elif dashboard.roles and role.name not in dashboard.roles:
            ctx.error(
                location,
                f"the role '{role.name}' starts on the dashboard '{role.home}', "
                "which is not offered to it",
                f"add '{role.name}' to the roles of the dashboard '{role.home}'",
            )
