"""`officina demo`: a site with every shipped pack, checked and described."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click

from officina.errors import SiteError
from officina.packs.apply import apply_change
from officina.packs.catalog import Catalog
from officina.packs.changes import plan_sync, site_catalog
from officina.site import Site, default_pack_folders, init_site


@click.command()
@click.option(
    "--site",
    "site_path",
    default="demo-site",
    show_default=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Where to create (or reuse) the demo site.",
)
@click.option(
    "--language",
    default="en",
    show_default=True,
    help="Language of the labels shown (en or zh).",
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Start the web application when the site is ready.",
)
@click.option("--port", default=8000, show_default=True, type=int)
@click.pass_context
def demo(ctx, site_path: str, language: str, serve: bool, port: int) -> None:
    """Create a demo site with all shipped packs and their demo data (a shop
    of the last 90 days), users for every role, start the worker and serve
    it."""
    folder = Path(site_path)
    catalog = Catalog(default_pack_folders())
    if (folder / "site.yaml").exists():
        site = Site.load(folder)
        click.echo(f"Using the demo site in {folder}")
    else:
        site = init_site(folder, name="Officina demo shop")
        click.echo(f"Created the demo site in {folder}")
    # The same path as 'officina pack install --demo' for every shipped
    # pack: on an existing demo site it adds only what is missing.
    shipped = {name: source.info.version for name, source in catalog.packs.items()}
    change = plan_sync(site, shipped, demo=True, catalog=site_catalog(site))
    if change.refusals:
        raise SiteError(
            "the demo site's database cannot be brought up to date: "
            + "; ".join(change.refusals)
        )
    # Running it again loads the seed data not loaded, of every pack. The
    # users come first: demo records name them (the demo customer's and
    # seller's logins, so that they see their own orders).
    logins: list[tuple[str, tuple[str, ...]]] = []
    done = apply_change(
        change,
        retry=f"run 'officina demo --site {folder}' again",
        before_seeds=lambda runtime: logins.extend(_demo_users(runtime)),
    )
    definitions = change.definitions
    changes = len(done.migration.plan.lines(allow_destructive=True))
    click.echo(
        "The database is up to date."
        if not changes
        else f"Created the database ({changes} changes)."
    )
    for line in done.seeds.lines() if done.seeds else ():
        click.echo(line)
    for pack in definitions.packs.values():
        click.echo(f"\n{pack.title.get(language)} ({pack.name} {pack.version})")
        for entity in definitions.entities.values():
            if entity.pack != pack.name:
                continue
            states = ""
            if entity.workflow:
                states = "  states: " + " -> ".join(entity.workflow.states)
            click.echo(
                f"  {entity.label.get(language):<24} {len(entity.fields):>3} fields"
                f"  {len(entity.rules):>2} rules{states}"
            )
    click.echo(
        f"\nDefinitions version {definitions.version}: "
        f"{len(definitions.entities)} entities, {len(definitions.rules)} rules, "
        f"{len(definitions.views)} views, {len(definitions.roles)} roles."
    )
    click.echo(f"Check them again at any time: officina validate --site {folder}")
    click.echo(f"\nSign in at http://127.0.0.1:{port}/ as (password {DEMO_PASSWORD}):")
    for email, roles in logins:
        click.echo(f"  {email:<36} {', '.join(roles)}")
    click.echo(
        f"A token for the API: officina token create admin@example.com --site {folder}"
    )
    if serve:
        from officina.cli.serve import serve as serve_command

        # The worker delivers the demo's e-mails (into demo-site/mail/) and
        # runs its schedules; it stops with the server on Ctrl+C (the same
        # process group).
        officina = Path(sys.executable).parent / "officina"
        subprocess.Popen(
            [
                str(officina) if officina.exists() else "officina",
                "worker",
                "--site",
                str(folder),
            ]
        )
        click.echo("Started the worker (e-mails, webhooks, schedules).")
        ctx.invoke(serve_command, site_path=str(folder), port=port)


DEMO_PASSWORD = "officina-demo"


def _demo_users(runtime) -> list[tuple[str, tuple[str, ...]]]:
    """An administrator and one user per role (made once); their logins."""
    from officina.auth import add_user, find_user

    wanted = [("admin@example.com", "Demo Admin", ("admin",))]
    for name, role in runtime.definitions.roles.items():
        wanted.append(
            (f"{name.replace('_', '.')}@example.com", role.label.get(), (name,))
        )
    for email, name, roles in wanted:
        if find_user(runtime, email) is None:
            add_user(
                runtime,
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                roles=list(roles),
            )
    return [(email, roles) for email, _name, roles in wanted]
