"""`officina pack list|install|upgrade|remove`: a site's template packs.

Each change is planned first and shown (the packs, the schema plan, the seed
records to add), then applied: the same migration as `officina migrate`
(SQLite backed up first), site.yaml's `packs:` rewritten, seed data loaded.
`--dry-run` stops after showing the plan.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import click
from sqlalchemy.exc import OperationalError

from officina.cli.migrations import _unreachable
from officina.cli.options import site_option
from officina.packs.apply import apply_change
from officina.packs.changes import PackChange, plan_install, plan_remove, plan_upgrade
from officina.packs.overview import pack_overview
from officina.schema.steps import count
from officina.site import Site

dry_run_option = click.option(
    "--dry-run", is_flag=True, help="Show what would change, and change nothing."
)
version_option = click.option(
    "--version",
    "wanted",
    metavar="RANGE",
    help="The version wanted, e.g. '^1.2' or '1.1.0' (default: the newest).",
)


@click.group()
def pack() -> None:
    """List, install, upgrade and remove template packs."""


@pack.command("list")
@site_option
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def list_packs(site_path: str | None, output: str) -> None:
    """The packs available to the site and those installed, with versions."""
    site = Site.load(site_path if site_path is not None else ".")
    rows = pack_overview(site)
    if output == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("No packs are available.")
        return
    click.echo(f"Packs of the site '{site.name}':")
    width = max(len(row["name"]) for row in rows)
    title_width = max(len(row["title"]) for row in rows)
    for row in rows:
        state = {
            "installed": f"installed {row['installed']}",
            "upgradable": f"installed {row['installed']}, {row['available']} available",
            "available": "not installed",
            "missing": f"installed {row['installed']}, no longer available",
        }[row["status"]]
        depends = ", ".join(f"{n} {r}" for n, r in row["depends"].items())
        enhances = ", ".join(f"{n} {r}" for n, r in row["enhances"].items())
        click.echo(
            f"  {row['name']:<{width}}  {row['available'] or '-':<8}  "
            f"{row['title']:<{title_width}}  [{state}]"
            + (f"  needs: {depends}" if depends else "")
            + (f"  works with: {enhances}" if enhances else "")
        )


@pack.command()
@click.argument("name")
@version_option
@click.option(
    "--demo", is_flag=True, help="Load the pack's demo records too (demo sites)."
)
@dry_run_option
@site_option
def install(
    name: str, wanted: str | None, demo: bool, dry_run: bool, site_path: str | None
) -> None:
    """Install the pack NAME and the packs it needs, with its seed data."""
    site = Site.load(site_path if site_path is not None else ".")
    _run(site, lambda: plan_install(site, name, wanted=wanted, demo=demo), dry_run)


@pack.command()
@click.argument("name")
@version_option
@click.option(
    "--demo",
    is_flag=True,
    help="Load the pack's demo records too, if they are not loaded yet (demo sites).",
)
@dry_run_option
@site_option
def upgrade(
    name: str, wanted: str | None, demo: bool, dry_run: bool, site_path: str | None
) -> None:
    """Upgrade the pack NAME to the newest available version (your own
    customisations in definitions/ are kept)."""
    site = Site.load(site_path if site_path is not None else ".")
    _run(site, lambda: plan_upgrade(site, name, wanted=wanted, demo=demo), dry_run)


@pack.command()
@click.argument("name")
@click.option(
    "--purge",
    is_flag=True,
    help="Drop the pack's tables (their rows are saved in backups/ first) "
    "instead of archiving them.",
)
@dry_run_option
@site_option
def remove(name: str, purge: bool, dry_run: bool, site_path: str | None) -> None:
    """Remove the pack NAME. Its data is archived (kept; installing the pack
    again brings it back) unless --purge."""
    site = Site.load(site_path if site_path is not None else ".")
    _run(site, lambda: plan_remove(site, name, purge=purge), dry_run)


def _run(site: Site, planned: Callable[[], PackChange], dry_run: bool) -> None:
    try:
        _show_and_apply(planned(), dry_run)
    except OperationalError as error:
        raise _unreachable(site, error) from None


def _show_and_apply(change: PackChange, dry_run: bool) -> None:
    for line in describe(change):
        click.echo(line)
    if change.refusals:
        for refusal in change.refusals:
            click.echo(f"Refused: {refusal}", err=True)
        where = f" --site {change.site.path}"
        click.echo(
            f"Nothing was changed. Run 'officina plan{where}' to see the whole plan.",
            err=True,
        )
        raise SystemExit(1)
    if dry_run:
        click.echo("Nothing was changed (--dry-run).")
        return
    outcome = apply_change(change)
    for line in outcome.lines():
        click.echo(line)


def describe(change: PackChange) -> list[str]:
    """The change, its schema plan and the seed records it adds, in words."""
    out = list(change.summary())
    lines = change.plan.lines(allow_destructive=change.action == "remove")
    if lines:
        out.append(f"Changes to the database ({len(lines)}):")
        out.extend(f"  {number}. {line}" for number, line in enumerate(lines, 1))
    else:
        out.append("The database needs no changes.")
    counts = change.seed_counts()
    if counts:
        parts = ", ".join(f"{entity} {number}" for entity, number in counts.items())
        out.append(
            f"Seed records to add: {count(len(change.seeds_to_add), 'record')} "
            f"({parts})."
        )
    return out
