"""`officina init`: create a site folder."""

from __future__ import annotations

import click

from officina.site import init_site


@click.command()
@click.argument("path", type=click.Path(path_type=str))
@click.option("--name", help="The site's name (default: the folder's name).")
@click.option(
    "--database",
    help="Database URL (default: a SQLite file inside the site).",
)
def init(path: str, name: str | None, database: str | None) -> None:
    """Create a new site in PATH."""
    site = init_site(path, name=name, database=database)
    click.echo(f"Created the site '{site.name}' in {path}")
    click.echo("  site.yaml      settings: database, packs, languages, e-mail")
    click.echo("  definitions/   your own YAML definitions")
    click.echo("  templates/     your own templates (they override shipped ones)")
    click.echo("  files/         uploaded files")
    click.echo(f"Next: officina validate --site {path}")
