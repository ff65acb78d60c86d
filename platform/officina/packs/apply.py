"""Carrying out a planned pack change, in the order that keeps data safe.

1. The database is migrated to the new definitions: the same `migrate` as
   `officina migrate`, all or nothing, a SQLite database backed up first. A
   removal archives the pack's tables (renamed, kept: installing the pack
   again brings them back with their records).
2. With `--purge`, the archived tables' rows are saved as JSON in the
   site's backups/ folder, then the tables are dropped.
3. site.yaml records the packs and versions (only its `packs:` block).
4. The seed data is loaded through the records service of the new runtime,
   in one transaction (see seeding.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import MetaData, Table, select

from officina.database import create_database_engine
from officina.errors import display_path
from officina.packs.changes import PackChange
from officina.packs.seeding import SeedError, SeedOutcome, forget_seeds, load_seeds
from officina.packs.site_file import installed_packs_text, write_installed_packs
from officina.records.audit import jsonable
from officina.runtime import Runtime
from officina.schema.history import STAMP
from officina.schema.migrate import Migration, migrate
from officina.schema.plan import now
from officina.schema.steps import ArchiveTable

BACKUPS = "backups"


@dataclass
class PackOutcome:
    """What applying a pack change did."""

    change: PackChange
    migration: Migration
    seeds: SeedOutcome | None = None
    dropped: list[str] = field(default_factory=list)
    saved_rows: Path | None = None
    runtime: Runtime | None = None  # the site's new runtime, when kept

    def lines(self) -> list[str]:
        out = []
        done = self.migration.plan.lines(allow_destructive=True)
        if done:
            out.append(
                f"Applied {len(done)} change{'s' if len(done) != 1 else ''} to "
                "the database."
            )
        else:
            out.append("The database already matched; nothing to change.")
        if self.migration.backup is not None:
            out.append(
                "Backup of the database before the changes: "
                f"{display_path(str(self.migration.backup))}"
            )
        if self.dropped:
            out.append(
                f"Dropped {', '.join(self.dropped)}; their rows are saved in "
                f"{display_path(str(self.saved_rows))}"
            )
        if self.seeds is not None:
            out.extend(self.seeds.lines())
        packs = ", ".join(f"{n} {v}" for n, v in self.change.after.items())
        out.append(f"site.yaml now lists: {packs or 'no packs'}.")
        return out


def apply_change(
    change: PackChange,
    *,
    keep_runtime: bool = False,
    retry: str | None = None,
    before_seeds: Callable[[Runtime], None] | None = None,
) -> PackOutcome:
    """Migrate, record in site.yaml, load seed data; `keep_runtime` returns
    the new runtime open (for the web application to swap in).
    `before_seeds` is called with the new runtime before the seed data is
    loaded (`officina demo` adds the users its demo records name there).

    Seed data that cannot be loaded raises SeedError once the rest is
    done, naming `retry` (by default the `officina pack upgrade` commands
    of `change.seed_commands`) as the way to load it once corrected."""
    site = change.site
    backups = Path(site.path).resolve() / BACKUPS
    installed_packs_text(site.path, change.after)  # site.yaml can take it
    engine = create_database_engine(site.database, site_path=site.path)
    try:
        migration = migrate(
            engine,
            change.schema,
            allow_destructive=change.action == "remove",
            backup_dir=backups,
        )
        outcome = PackOutcome(change, migration)
        if change.purge:
            _purge(engine, change, outcome, backups)
    finally:
        engine.dispose()
    write_installed_packs(site.path, change.after)
    if change.action == "remove" and not keep_runtime:
        return outcome
    runtime = Runtime.open(site.path)
    try:
        if before_seeds is not None:
            before_seeds(runtime)
        if change.action != "remove":
            outcome.seeds = SeedOutcome()
        if change.seeds:
            try:
                outcome.seeds = load_seeds(runtime.records, change.seeds, change.after)
            except SeedError as error:
                done = "upgraded" if change.action == "upgrade" else "installed"
                commands = ", then ".join(f"'{c}'" for c in change.seed_commands())
                raise SeedError(
                    f"{error} The pack is {done} and the database is up to date, "
                    "but none of the seed data was loaded: once it is corrected, "
                    f"{retry or 'run ' + commands} to load it."
                ) from None
    except BaseException:
        runtime.close()
        raise
    if keep_runtime:
        outcome.runtime = runtime
    else:
        runtime.close()
    return outcome


def _purge(engine, change: PackChange, outcome: PackOutcome, backups: Path) -> None:
    """Save the rows of the tables the removal archived, then drop them."""
    archived = [
        step.archived
        for step in outcome.migration.plan.steps
        if isinstance(step, ArchiveTable)
    ]
    with engine.begin() as connection:
        rows = {}
        for name in archived:
            stored = Table(name, MetaData(), autoload_with=connection)
            rows[name] = [
                jsonable(dict(row))
                for row in connection.execute(select(stored)).mappings()
            ]
        backups.mkdir(parents=True, exist_ok=True)
        stamp = now().strftime(STAMP)
        path = backups / f"pack-{change.name}-{stamp}.json"
        path.write_text(
            json.dumps(
                {
                    "pack": change.name,
                    "version": change.before[change.name],
                    "tables": rows,
                },
                ensure_ascii=False,
                indent=1,
                default=str,
            ),
            "utf-8",
        )
        operations = Operations(MigrationContext.configure(connection))
        for name in archived:
            operations.drop_table(name)
        forget_seeds(connection, change.name)
    outcome.dropped = archived
    outcome.saved_rows = path
