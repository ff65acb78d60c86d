"""`officina validate`: check definitions and report every problem at once."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from officina.automation.extensions import extensions
from officina.automation.plugins import load_plugins
from officina.cli.options import site_option
from officina.definitions import load
from officina.errors import DefinitionErrors, Location, Problem
from officina.packs.catalog import MANIFEST, Catalog, definition_files, read_manifest
from officina.site import Site, definition_extensions, pack_folders, site_layers


@click.command()
@site_option
@click.option(
    "--with",
    "with_packs",
    multiple=True,
    metavar="PACK",
    help="Also load this available pack (repeatable).",
)
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print problems.",
)
@click.option(
    "--no-demo",
    "skip_demo",
    is_flag=True,
    help="Leave the demo data of the packs given unchecked (faster).",
)
@click.argument("files", nargs=-1, type=click.Path(path_type=str))
def validate(site_path, with_packs, output, skip_demo, files) -> None:
    """Check definitions: a site's, or the given FILES and pack folders
    (with their demo data).

    Exits with status 1 and lists every problem (file:line:column: message)
    when anything is wrong.
    """
    started = time.perf_counter()
    try:
        definitions, checked, unchecked = _load(
            site_path, with_packs, files, demo=not skip_demo
        )
    except DefinitionErrors as errors:
        if output == "json":
            click.echo(
                json.dumps([_as_json(p) for p in errors], ensure_ascii=False, indent=2)
            )
            raise SystemExit(1) from None
        raise
    elapsed = time.perf_counter() - started
    if output == "json":
        click.echo("[]")
        return
    entities = definitions.entities.values()
    workflows = sum(1 for e in entities if e.workflow)
    click.echo(
        f"OK: {checked} checked in {elapsed:.2f} s: {len(definitions.packs)} packs, "
        f"{len(definitions.entities)} entities, {workflows} workflows, "
        f"{len(definitions.rules)} rules, {len(definitions.views)} views, "
        f"{len(definitions.reports)} reports, {len(definitions.roles)} roles."
    )
    for line in unchecked:
        click.echo(line)


def _load(site_path, with_packs, files, *, demo: bool = True):
    site = (
        Site.load(site_path if site_path is not None else ".")
        if site_path is not None or not files
        else None
    )
    # The plugins of the site (or, for loose files, the installed ones) add
    # to the language, and a `call:` must name an action one provides.
    provided = extensions(load_plugins(site))
    catalog = Catalog(pack_folders(site, provided))
    extra_packs, extra_files, problems = [], [], []
    for name in with_packs:
        source = catalog.get(name)
        if source is None:
            problems.append(
                Problem(
                    Location("--with"),
                    f"the pack '{name}' is not available",
                    "run 'officina pack list' to see them",
                )
            )
        else:
            extra_packs.append(source)
    for given in files:
        path = Path(given)
        if path.name == MANIFEST:
            path = path.parent
        if path.is_dir() and (path / MANIFEST).is_file():
            source, manifest_problems = read_manifest(path)
            problems.extend(manifest_problems)
            if source is not None:
                extra_packs.append(source)
        elif path.is_dir():
            extra_files.extend(definition_files(path))
        elif path.is_file():
            extra_files.append(path)
        else:
            problems.append(Problem(Location(given), "no such file or folder"))
    if problems:
        raise DefinitionErrors(problems)
    layers, problems = site_layers(site, catalog, extra_packs, extra_files)
    if problems:
        raise DefinitionErrors(problems)
    count = sum(len(layer.files) for layer in layers)
    checked = f"{count} file{'s' if count != 1 else ''}"
    # Demo data is checked with the packs and files given (a pack being
    # written), not for a site, which loads it only on request.
    definitions = load(
        layers,
        plugin_actions=set(provided.actions),
        demo=demo and bool(extra_packs or extra_files),
        **definition_extensions(provided),
    )
    given = {source.info.name for source in extra_packs}
    return definitions, checked, _not_checked(layers, given)


def _not_checked(layers, given: set[str]) -> list[str]:
    """The with/<pack>/ folders of the packs given that were left out, and
    how to check them too."""
    loaded = {layer.name: layer.info for layer in layers if layer.info}
    applied = {(layer.name, layer.enhances) for layer in layers if layer.enhances}
    lines = []
    for name in sorted(given):
        for target, wanted in loaded[name].enhances.items():
            if (name, target) in applied:
                continue
            found = loaded.get(target)
            reason = (
                f"{target} {found.version} is not in '{wanted}'"
                if found
                else f"they apply only with {target} {wanted}; add --with {target}"
            )
            lines.append(f"Not checked: {name}/with/{target}/ ({reason}).")
    return lines


def _as_json(problem: Problem) -> dict:
    return {
        "file": problem.location.file,
        "line": problem.location.line,
        "column": problem.location.column,
        "message": problem.message,
        "hint": problem.hint,
    }
