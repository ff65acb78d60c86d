"""`officina plan` and `officina migrate`: schema changes, shown then applied."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from officina.cli.options import site_option
from officina.database import create_database_engine
from officina.errors import SiteError, display_path
from officina.schema.migrate import MigrationRefused, schema_status
from officina.schema.migrate import migrate as apply_migration
from officina.schema.tables import build_schema
from officina.site import Site, load_site_definitions

BACKUPS = "backups"


def _open(site_path: str | None):
    folder = site_path if site_path is not None else "."
    site = Site.load(folder)
    schema = build_schema(load_site_definitions(site))
    engine = create_database_engine(site.database, site_path=site.path)
    return site, schema, engine


def _site_argument(site_path: str | None) -> str:
    return site_path if site_path is not None else "."


@click.command()
@site_option
def plan(site_path: str | None) -> None:
    """Show how the database would change to match the definitions.

    Changes nothing. Lists the changes in words, those that cannot be applied
    yet and why, and the data kept from removed fields and entities.
    """
    site, schema, engine = _open(site_path)
    try:
        status = schema_status(engine, schema)
    except OperationalError as error:
        raise _unreachable(site, error) from None
    finally:
        engine.dispose()
    click.echo(status.render(site=site_path))


@click.command()
@site_option
@click.option(
    "--allow-destructive",
    is_flag=True,
    help="Archive removed fields and entities (renamed, kept, recoverable).",
)
def migrate(site_path: str | None, allow_destructive: bool) -> None:
    """Change the database to match the definitions, all or nothing.

    On SQLite the database file is first backed up into the site's backups/
    folder. Exits with status 1, changing nothing, if any change is refused.
    """
    site, schema, engine = _open(site_path)
    try:
        done = apply_migration(
            engine,
            schema,
            allow_destructive=allow_destructive,
            backup_dir=Path(site.path).resolve() / BACKUPS,
        )
    except MigrationRefused as refused:
        count = len(refused.refusals)
        for refusal in refused.refusals:
            click.echo(f"Refused: {refusal}", err=True)
        click.echo(
            f"Nothing was changed: {count} change{'s' if count != 1 else ''} "
            f"cannot be applied. Run 'officina plan --site "
            f"{_site_argument(site_path)}' to see the whole plan.",
            err=True,
        )
        raise SystemExit(1) from None
    except OperationalError as error:
        raise _unreachable(site, error) from None
    finally:
        engine.dispose()
    lines = done.plan.lines(allow_destructive=True)
    if not lines:
        click.echo("The database matches the definitions.")
        return
    click.echo(f"Applied {len(lines)} change{'s' if len(lines) != 1 else ''}:")
    for number, line in enumerate(lines, 1):
        click.echo(f"  {number}. {line}")
    if done.backup is not None:
        shown = display_path(str(done.backup))
        click.echo(f"Backup of the database before the changes: {shown}")


def _unreachable(site: Site, error: OperationalError) -> SiteError:
    reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
    return SiteError(
        f"cannot use the database of the site '{site.name}' ({reason}). Hint: "
        "check 'database:' in site.yaml and that the database server is running."
    )
