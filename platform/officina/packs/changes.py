"""Planning a change of a site's packs: install, upgrade or remove.

A plan changes nothing. It works out the packs the site will have (with the
dependencies an install brings along), loads and checks the definitions the
site will then run on (the site's own `extend:` documents included), and
compares them with the database: the same schema plan `officina plan`
shows, plus the seed records that would be added. `apply.py` carries it
out. Every refusal names the pack, what is wrong and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from officina.automation.engine import Automation
from officina.automation.extensions import extensions
from officina.automation.plugins import load_plugins
from officina.database import create_database_engine
from officina.definitions import Definitions
from officina.definitions.model import Seed
from officina.errors import (
    DefinitionErrors,
    Location,
    OfficinaError,
    SiteError,
    suggest,
)
from officina.packs.catalog import Catalog
from officina.packs.enhancements import Enhancement, in_effect
from officina.packs.resolve import resolve
from officina.packs.seeding import SeedItem, demo_loaded, seeds_of, seeds_to_add
from officina.packs.versions import Version, VersionError, VersionRange
from officina.schema.migrate import schema_status
from officina.schema.plan import Plan
from officina.schema.steps import ArchiveColumn, ArchiveTable
from officina.schema.tables import Schema, build_schema
from officina.site import Site, load_site_definitions, pack_folders


class PackRefused(OfficinaError):
    """The change cannot be made; nothing was changed."""


@dataclass
class PackChange:
    """A planned change of the site's packs, checked, not yet applied."""

    action: str  # install | upgrade | remove
    name: str
    site: Site
    catalog: Catalog
    before: dict[str, str]  # pack -> version, as site.yaml says now
    after: dict[str, str]  # ... and once the change is made
    definitions: Definitions
    schema: Schema
    plan: Plan
    seeds: list[Seed] = field(default_factory=list)  # loaded after migrating
    seeds_to_add: list[SeedItem] = field(default_factory=list)
    purge: bool = False
    refusals: list[str] = field(default_factory=list)
    # with/<pack>/ folders the change brings into effect, and those it takes
    # out of effect or leaves out (with the reason).
    enhancements_on: list[Enhancement] = field(default_factory=list)
    enhancements_off: dict[Enhancement, str] = field(default_factory=dict)

    @property
    def version(self) -> str | None:
        return self.after.get(self.name)

    @property
    def added(self) -> list[str]:
        """Packs installed along, because the pack needs them."""
        return [n for n in self.after if n not in self.before and n != self.name]

    def summary(self) -> list[str]:
        """What the change is, in words."""
        title = self._title(self.name)
        if self.action == "remove":
            keep = (
                "its tables are dropped after their rows are saved in backups/"
                if self.purge
                else "its tables are archived (kept, recoverable by installing it "
                "again)"
            )
            lines = [f"Removing {self.name} {self.before[self.name]}{title}: {keep}."]
        elif self.action == "upgrade" and self.before[self.name] == self.version:
            lines = [
                f"{self.name} {self.version}{title} is the newest version "
                "available: its tables and seed data are brought up to date."
            ]
        elif self.action == "upgrade":
            lines = [
                f"Upgrading {self.name} {self.before[self.name]} -> "
                f"{self.after[self.name]}{title}."
            ]
        else:
            lines = [f"Installing {self.name} {self.after[self.name]}{title}."]
        if self.added:
            names = ", ".join(f"{n} {self.after[n]}" for n in self.added)
            lines.append(f"Also installing {names}, which {self.name} needs.")
        for enhancement in self.enhancements_on:
            lines.append(
                f"The definitions {enhancement.pack} has for {enhancement.target} "
                f"({enhancement}/) now apply."
            )
        for enhancement, reason in self.enhancements_off.items():
            lines.append(
                f"The definitions {enhancement.pack} has for {enhancement.target} "
                f"({enhancement}/) do not apply: {reason}."
            )
        return lines

    def _title(self, name: str) -> str:
        source = self.catalog.get(name)
        return f" ({source.info.title.get()})" if source else ""

    def seed_counts(self) -> dict[str, int]:
        """Seed records to add, per entity."""
        counts: dict[str, int] = {}
        for item in self.seeds_to_add:
            counts[item.entity] = counts.get(item.entity, 0) + 1
        return counts

    def seed_commands(self) -> list[str]:
        """The commands that load this change's seed data again once it is
        corrected: an upgrade of each pack whose seed data it loads (with
        `--demo` for demo data), each after the packs whose records its
        seed records name. The change's own command cannot: an install
        is refused once the pack is installed, and an upgrade loads only
        the seed data of the pack upgraded."""
        last = {seed.pack: index for index, seed in enumerate(self.seeds)}
        demo = {seed.pack for seed in self.seeds if seed.demo}
        return [
            f"officina pack upgrade {pack}{' --demo' if pack in demo else ''}"
            for pack in sorted(last, key=last.__getitem__)
        ]


def site_catalog(site: Site) -> Catalog:
    """The packs a site may install: the shipped ones, its plugins' and its
    own packs/ folder (the same catalogue its definitions load from)."""
    return Catalog(pack_folders(site, extensions(load_plugins(site))))


def installed(site: Site) -> dict[str, str]:
    return {name: version for name, (version, _where) in site.packs.items()}


def plan_install(
    site: Site,
    name: str,
    *,
    wanted: str | None = None,
    demo: bool = False,
    catalog: Catalog | None = None,
) -> PackChange:
    """Install `name` (and what it needs), with its seed data (and demo
    data with `demo`)."""
    catalog = catalog or site_catalog(site)
    before = installed(site)
    if name in before:
        raise PackRefused(
            f"'{name}' {before[name]} is already installed. Hint: run 'officina "
            f"pack upgrade {name}' to move it to the newest version available."
        )
    version = _available(catalog, name, wanted)
    after = _with_dependencies(site, catalog, {**before, name: version}, name)
    new = {n for n in after if n not in before}
    return _planned(
        "install", name, site, catalog, before, after, new, new if demo else set()
    )


def plan_upgrade(
    site: Site,
    name: str,
    *,
    wanted: str | None = None,
    demo: bool = False,
    catalog: Catalog | None = None,
) -> PackChange:
    """Move `name` to the newest available version (or the newest in
    `wanted`); the site's own customisations stay as they are."""
    catalog = catalog or site_catalog(site)
    before = installed(site)
    if name not in before:
        raise PackRefused(
            f"'{name}' is not installed{_installed_hint(before, name)}. Hint: run "
            f"'officina pack install {name}' to install it."
        )
    version = _available(catalog, name, wanted)
    try:
        older = Version.parse(version) < Version.parse(before[name])
    except VersionError:
        older = False
    if older:
        raise PackRefused(
            f"'{name}' {version} is available, older than the installed "
            f"{before[name]}; packs are not downgraded. Hint: put the pack's "
            f"{before[name]} (or newer) in the site's packs/ folder."
        )
    after = _with_dependencies(site, catalog, {**before, name: version}, name)
    packs = {name} | {n for n in after if n not in before}
    engine = create_database_engine(site.database, site_path=site.path)
    try:
        with engine.connect() as connection:
            demo_packs = demo_loaded(connection) & packs
    finally:
        engine.dispose()
    if demo:
        demo_packs = packs
    return _planned("upgrade", name, site, catalog, before, after, packs, demo_packs)


def plan_sync(
    site: Site, packs: dict[str, str], *, demo: bool, catalog: Catalog
) -> PackChange:
    """Install every pack of `packs` not installed yet and load the seed
    (and demo) data of all of them that is not loaded yet: what `officina
    demo` does, on a new site or again on an existing one."""
    before = installed(site)
    wanted = {**before, **{n: v for n, v in packs.items() if n not in before}}
    name = next(iter(packs), "")
    after = _with_dependencies(site, catalog, wanted, name)
    chosen = set(after)
    return _planned(
        "install", name, site, catalog, before, after, chosen, chosen if demo else set()
    )


def plan_remove(
    site: Site, name: str, *, purge: bool = False, catalog: Catalog | None = None
) -> PackChange:
    """Remove `name`: its tables archived (or, with `purge`, dropped after a
    backup). Refused while another installed pack depends on it."""
    catalog = catalog or site_catalog(site)
    before = installed(site)
    if name not in before:
        raise PackRefused(
            f"'{name}' is not installed{_installed_hint(before, name)}, so there "
            "is nothing to remove."
        )
    dependents = [
        other
        for other in before
        if other != name
        and (source := catalog.get(other)) is not None
        and name in source.info.depends
    ]
    if dependents:
        names = ", ".join(f"'{d}'" for d in dependents)
        raise PackRefused(
            f"cannot remove '{name}': {names} "
            f"{'depends' if len(dependents) == 1 else 'depend'} on it. Hint: remove "
            f"{names} first."
        )
    current = build_schema(load_site_definitions(site, catalog, demo=False))
    after = {n: v for n, v in before.items() if n != name}
    try:
        change = _planned("remove", name, site, catalog, before, after, set(), set())
    except DefinitionErrors as errors:
        lines = "\n".join(f"  {problem}" for problem in errors)
        raise PackRefused(
            f"cannot remove '{name}': the site's own definitions use what it "
            f"defines:\n{lines}\nHint: remove or change these documents in "
            f"{site.definitions_dir} (an 'extend:' of one of its entities, or a "
            "reference to one), then remove the pack. Nothing was changed."
        ) from None
    change.purge = purge
    change.refusals += _foreign_archives(current, change.schema, change.plan)
    return change


def _planned(action, name, site, catalog, before, after, packs, demo_packs):
    target = replace(
        site, packs={n: (v, Location("site.yaml")) for n, v in after.items()}
    )
    plugins = load_plugins(site)
    definitions = load_site_definitions(target, catalog, plugins, demo=bool(demo_packs))
    schema = build_schema(definitions)
    # Refused now what the site's runtime would refuse to open on once the
    # database is migrated and site.yaml rewritten: a misspelt plugin action.
    try:
        Automation(definitions, schema, plugins).check_calls()
    except SiteError as error:
        raise PackRefused(f"{error}\nNothing was changed.") from None
    enhancements_on, enhancements_off = _enhancement_changes(catalog, before, after)
    # A pack whose with/ files come into effect may bring seed records too.
    packs = set(packs) | {enhancement.pack for enhancement in enhancements_on}
    seeds = seeds_of(definitions, packs, demo_packs)
    engine = create_database_engine(site.database, site_path=site.path)
    try:
        plan = schema_status(engine, schema, allow_destructive=action == "remove")
        with engine.connect() as connection:
            to_add = seeds_to_add(connection, seeds)
    finally:
        engine.dispose()
    return PackChange(
        action=action,
        name=name,
        site=site,
        catalog=catalog,
        before=before,
        after=after,
        definitions=definitions,
        schema=schema,
        plan=plan,
        seeds=seeds,
        seeds_to_add=to_add,
        refusals=list(plan.refusals),
        enhancements_on=enhancements_on,
        enhancements_off=enhancements_off,
    )


def _enhancement_changes(catalog: Catalog, before: dict, after: dict):
    """The with/ folders in effect after the change and not before, and those
    the change leaves out: no longer in effect, or not in effect because the
    other pack's version does not fit."""
    was, _ = in_effect(_sources(catalog, before))
    now, left_out = in_effect(_sources(catalog, after))
    switched_on = [enhancement for enhancement in now if enhancement not in was]
    switched_off = {
        enhancement: left_out[enhancement]
        for enhancement in was
        if enhancement in left_out
    }
    for enhancement, reason in left_out.items():
        if enhancement.target in after and enhancement not in was:
            switched_off[enhancement] = reason
    return switched_on, switched_off


def _sources(catalog: Catalog, packs: dict) -> list:
    return [catalog.get(name) for name in packs if catalog.get(name) is not None]


def _available(catalog: Catalog, name: str, wanted: str | None) -> str:
    """The version of `name` the catalogue offers, checked against `wanted`."""
    source = catalog.get(name)
    if source is None:
        known = sorted(catalog.packs)
        hint = suggest(name, known) or (
            f"available packs: {', '.join(known)}"
            if known
            else "no packs are available"
        )
        raise PackRefused(f"the pack '{name}' is not available. Hint: {hint}.")
    version = source.info.version
    if wanted:
        try:
            accepted = Version.parse(version) in VersionRange.parse(wanted)
        except VersionError as error:
            raise PackRefused(
                f"{error}. Hint: write a range such as '>=1.0, <2' or '^1.2'."
            ) from None
        if not accepted:
            raise PackRefused(
                f"'{name}' {version} is available, which is not in '{wanted}'. Hint: "
                f"put a matching version of '{name}' in the site's packs/ folder, or "
                "change --version."
            )
    return version


def _with_dependencies(
    site: Site, catalog: Catalog, wanted: dict[str, str], name: str
) -> dict[str, str]:
    """`wanted` plus the packs they need (at the catalogue's versions), or
    PackRefused naming every missing or conflicting dependency."""
    requested = {n: (v, Location("site.yaml")) for n, v in wanted.items()}
    order, problems = resolve(requested, catalog)
    if problems:
        lines = "\n".join(f"  {problem}" for problem in problems)
        raise PackRefused(
            f"the packs cannot be installed together:\n{lines}\nHint: install or "
            "upgrade the packs named above first, or choose another version. "
            "Nothing was changed."
        )
    # Installed packs keep their place in site.yaml; new ones follow,
    # dependencies first.
    before = installed(site)
    after = {n: v for n, v in wanted.items() if n in before}
    for source in order:
        after.setdefault(
            source.info.name, wanted.get(source.info.name, source.info.version)
        )
    return after


def _installed_hint(before: dict[str, str], name: str) -> str:
    if not before:
        return " (no packs are installed)"
    hint = suggest(name, before)
    return f" ({hint})" if hint else f" (installed: {', '.join(before)})"


def _foreign_archives(current: Schema, target: Schema, plan: Plan) -> list[str]:
    """Archiving steps a removal did not cause: data the user's own pending
    edits would archive. They need `officina migrate --allow-destructive`,
    knowingly, not a pack removal."""
    tables = set(current.metadata.tables) - set(target.metadata.tables)
    columns = {
        (name, column.name)
        for name, table in current.metadata.tables.items()
        if name in target.metadata.tables
        for column in table.columns
        if column.name not in target.metadata.tables[name].columns
    }
    foreign = [
        step
        for step in plan.steps
        if (isinstance(step, ArchiveTable) and step.table not in tables)
        or (
            isinstance(step, ArchiveColumn) and (step.table, step.column) not in columns
        )
    ]
    return [
        f"{step.describe()}: this is not part of the pack. Hint: run 'officina "
        "plan' to see the changes of your own definitions waiting, and apply "
        "them with 'officina migrate' first."
        for step in foreign
    ]
