"""Administration of template packs: those available and installed; an
install or upgrade shown first (the packs, the schema plan, the seed records
to add) and applied on confirmation, then live at once: the application
swaps in a new runtime. Only the admin role gets here (admin_pages.py)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from officina.app import runtime
from officina.errors import DefinitionErrors, OfficinaError
from officina.packs.apply import apply_change
from officina.packs.changes import PackChange, plan_install, plan_upgrade
from officina.packs.overview import pack_overview
from officina.packs.seeding import SeedError
from officina.runtime import Runtime
from officina.schema.migrate import MigrationRefused
from officina.site import Site
from officina.web.ui import blueprint
from officina.web.ui.i18n import language

ACTIONS = ("install", "upgrade")


@blueprint.get("/admin/packs")
def admin_packs():
    return render_template(
        "ui/admin/packs.html", packs=pack_overview(_site(), language())
    )


def _site() -> Site:
    # site.yaml as it is now: another process may have changed the packs.
    return Site.load(runtime().site.path)


def _plan(name: str, action: str) -> PackChange:
    site = _site()
    if action == "install":
        return plan_install(site, name)
    return plan_upgrade(site, name)


@blueprint.get("/admin/packs/<name>/<action>")
def admin_pack_preview(name: str, action: str):
    if action not in ACTIONS:
        abort(404)
    try:
        change = _plan(name, action)
    except (DefinitionErrors, OfficinaError) as error:
        return _refused(name, action, error)
    return render_template(
        "ui/admin/pack_preview.html",
        name=name,
        action=action,
        change=change,
        plan_lines=change.plan.lines(),
        entities=change.definitions.entities,
        problems=[],
    )


@blueprint.post("/admin/packs/<name>/<action>")
def admin_pack_apply(name: str, action: str):
    if action not in ACTIONS:
        abort(404)
    try:
        change = _plan(name, action)
        if change.refusals:
            raise MigrationRefused(change.plan)
        outcome = apply_change(change, keep_runtime=True)
    except SeedError as error:
        # Only the seed data is missing: the pack is in site.yaml and its
        # tables are there, so the application runs on it from now on.
        _swap(Runtime.open(change.site.path))
        flash(
            _(
                "%(pack)s %(version)s is in place, but its seed data was not "
                "loaded: %(problem)s",
                pack=name,
                version=change.after[name],
                problem=str(error),
            ),
            "danger",
        )
        return redirect(url_for("ui.admin_packs"))
    except (DefinitionErrors, OfficinaError) as error:
        return _refused(name, action, error)
    _swap(outcome.runtime)
    version = change.after[name]
    if action == "install":
        flash(
            _("%(pack)s %(version)s is installed.", pack=name, version=version),
            "success",
        )
    else:
        flash(
            _("%(pack)s is upgraded to %(version)s.", pack=name, version=version),
            "success",
        )
    seeds = outcome.seeds
    if seeds is not None and (seeds.edited or seeds.deleted or seeds.existing):
        flash(
            _(
                "%(count)s seed records were left as they are (edited, deleted or "
                "already there): %(names)s",
                count=len(seeds.edited) + len(seeds.deleted) + len(seeds.existing),
                names=", ".join(
                    str(item) for item in seeds.edited + seeds.deleted + seeds.existing
                ),
            ),
            "warning",
        )
    return redirect(url_for("ui.admin_packs"))


def _swap(new: Runtime) -> None:
    current_app.extensions["officina"].swap(new).close()


def _refused(name: str, action: str, error: Exception):
    if isinstance(error, DefinitionErrors):
        problems = [str(problem) for problem in error]
    elif isinstance(error, MigrationRefused):
        problems = list(error.refusals)
    else:
        problems = [str(error)]
    # Messages of several lines (a problem per line) become one item each.
    problems = [line.strip() for text in problems for line in text.splitlines()]
    return render_template(
        "ui/admin/pack_preview.html",
        name=name,
        action=action,
        change=None,
        plan_lines=[],
        entities={},
        problems=problems,
    ), 422
