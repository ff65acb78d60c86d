"""Applying a plan: all or nothing, backed up, checked and recorded.

`migrate` plans again inside its own write transaction (so nobody changes
the data between the checks and the changes), refuses the whole migration
if any step is refused, backs up a SQLite database file first, applies the
steps with Alembic operations, compares once more to prove the database now
matches, and records the migration in `officina_migration`. PostgreSQL runs
all of it in one transaction; so does SQLite, whose schema changes are
transactional too, with foreign key enforcement paused while Alembic copies
tables (as SQLite's documentation prescribes) and checked before commit.

`ensure_up_to_date` is for the server's start-up: one query when the
definitions are those last migrated.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.operations import Operations, ops
from sqlalchemy import Connection, Engine, MetaData, func, inspect, select
from sqlalchemy.schema import sort_tables_and_constraints

from officina.database import WRITE
from officina.errors import OfficinaError
from officina.schema.compare import migration_context
from officina.schema.history import (
    ColumnTypes,
    History,
    is_archived,
    last_version,
    read_history,
    record_migration,
)
from officina.schema.plan import Plan, build_plan, now
from officina.schema.steps import AddTable, Applier, ArchiveColumn, ArchiveTable
from officina.schema.storage import storage_of_type
from officina.schema.tables import Schema

BACKUP_STAMP = "%Y%m%d-%H%M%S"
# Any constant will do: it only keeps two migrations from running at once.
_POSTGRESQL_LOCK = 0x0FF1C1A


class MigrationRefused(OfficinaError):
    """Some steps cannot be applied to the stored data; nothing was changed."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.refusals = list(plan.refusals)
        super().__init__("\n".join(self.refusals))


class SchemaOutOfDate(OfficinaError):
    """The database does not match the definitions the server runs on."""


@dataclass
class Migration:
    """What `migrate` did."""

    plan: Plan
    backup: Path | None = None
    recorded: bool = False


def schema_status(
    engine: Engine, schema: Schema, *, allow_destructive: bool = False
) -> Plan:
    """The plan that would make the database match `schema` (read only)."""
    with engine.connect() as connection:
        return build_plan(connection, schema, allow_destructive=allow_destructive)


def ensure_up_to_date(engine: Engine, schema: Schema, *, site: str | None = None):
    """Raise SchemaOutOfDate unless the database matches the definitions.

    Cheap when the definitions are the ones last migrated: one query."""
    with engine.connect() as connection:
        if last_version(connection) == schema.definitions_version:
            return
        plan = build_plan(
            connection,
            schema,
            allow_destructive=True,
            with_archived=False,
            check=False,
        )
    changes = len(plan)
    if changes:
        where = site if site is not None else "PATH"
        raise SchemaOutOfDate(
            f"the database does not match the definitions ({changes} change"
            f"{'s' if changes != 1 else ''}): run 'officina migrate --site {where}'"
        )


def migrate(
    engine: Engine,
    schema: Schema,
    *,
    allow_destructive: bool = False,
    backup_dir: Path | None = None,
) -> Migration:
    """Make the database match `schema`, or change nothing and raise
    MigrationRefused listing every reason."""
    if engine.dialect.name == "sqlite":
        return _migrate_sqlite(engine, schema, allow_destructive, backup_dir)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_POSTGRESQL_LOCK)))
        return _migrate(connection, schema, allow_destructive, lambda when: None)


def _migrate_sqlite(engine, schema, allow_destructive, backup_dir) -> Migration:
    database = engine.url.database
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        # Outside any transaction, or SQLite ignores it.
        driver.execute("PRAGMA foreign_keys=OFF")
        try:
            connection.execution_options(**{WRITE: True})
            with connection.begin():

                def backup(when: dt.datetime) -> Path | None:
                    if not database or database == ":memory:":
                        return None
                    folder = backup_dir or Path(database).parent / "backups"
                    return backup_sqlite(Path(database), folder, when)

                migration = _migrate(connection, schema, allow_destructive, backup)
                problems = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if problems:
                    raise RuntimeError(
                        f"the migration would break references: {problems[:5]}"
                    )
                return migration
        finally:
            driver.execute("PRAGMA foreign_keys=ON")


def _migrate(connection, schema, allow_destructive, backup) -> Migration:
    when = now()
    history = read_history(connection)
    plan = build_plan(
        connection,
        schema,
        allow_destructive=allow_destructive,
        when=when,
        history=history,
        with_archived=False,
    )
    if plan.refusals:
        raise MigrationRefused(plan)
    if not plan.steps:
        if history.version == schema.definitions_version:
            return Migration(plan)
        # Nothing to change, but remember that these definitions were
        # checked, so the server's start-up check stays one query.
        _record(connection, schema, plan, history, when, None)
        return Migration(plan, recorded=True)
    saved = backup(when)
    apply_plan(connection, plan)
    _verify(connection, schema.metadata, history)
    _record(connection, schema, plan, history, when, saved)
    return Migration(plan, saved, recorded=True)


def apply_plan(connection: Connection, plan: Plan) -> None:
    """Apply the steps in order (they are sorted by phase)."""
    applier = Applier(connection, Operations(MigrationContext.configure(connection)))
    new_tables = [
        step.table_object for step in plan.steps if isinstance(step, AddTable)
    ]
    for step in plan.steps:
        if isinstance(step, AddTable):
            if new_tables:
                _create_tables(applier, new_tables)
                new_tables = []
            continue
        step.apply(applier)


def _create_tables(applier: Applier, tables) -> None:
    """Create new tables in the order their foreign keys need; on PostgreSQL
    the keys closing a cycle (`use_alter`, see cycles.py) are added once all
    the tables exist (SQLite accepts references to tables not created yet)."""
    operations = applier.operations
    sqlite = applier.connection.dialect.name == "sqlite"
    ordered = sort_tables_and_constraints(tables)
    later = [] if sqlite else [fk for t, fks in ordered if t is None for fk in fks]
    later_names = {fk.name for fk in later}
    for table, _ in ordered:
        if table is None:
            continue
        if any(fk.name in later_names for fk in table.foreign_key_constraints):
            table = table.to_metadata(MetaData())
            for fk in list(table.foreign_key_constraints):
                if fk.name in later_names:
                    table.constraints.discard(fk)
        operations.invoke(ops.CreateTableOp.from_table(table))
        for index in table.indexes:
            operations.create_index(
                index.name, table.name, [column.name for column in index.columns]
            )
    for fk in later:
        operations.create_foreign_key(
            fk.name,
            fk.parent.name,
            fk.elements[0].target_fullname.split(".")[0],
            [column.name for column in fk.columns],
            [element.target_fullname.split(".")[1] for element in fk.elements],
            ondelete=fk.ondelete,
        )


def _verify(connection: Connection, metadata: MetaData, history: History) -> None:
    """Compare again: anything left is a bug, and the transaction rolls back."""
    left = compare_metadata(migration_context(connection, history), metadata)
    if left:
        raise RuntimeError(
            "after migrating, the database still differs from the definitions: "
            f"{left!r}"
        )


def _record(connection, schema, plan, history, when, backup) -> None:
    record_migration(
        connection,
        applied_at=when,
        version=schema.definitions_version,
        steps=[step.as_json() for step in plan.steps],
        backup=str(backup) if backup else None,
        column_types=_column_types(connection, schema, plan, history),
    )


def _column_types(
    connection: Connection, schema: Schema, plan: Plan, history: History
) -> ColumnTypes:
    """How every column stores its values now, archived ones included."""
    types: ColumnTypes = {}
    for name, table in schema.metadata.tables.items():
        entries = types[name] = {}
        for column in table.columns:
            storage = storage_of_type(column.type)
            if storage is None:
                continue
            field = column.info.get("field")
            entries[column.name] = {"storage": storage.key}
            if field is not None:
                entries[column.name]["type"] = field.type
    # Archives keep what their data was, for a later restore.
    for table, columns in history.column_types.items():
        if is_archived(table):
            types.setdefault(table, {}).update(columns)
            continue
        for column, entry in columns.items():
            if is_archived(column) and table in types:
                types[table][column] = entry
    for step in plan.steps:
        if isinstance(step, ArchiveTable):
            types[step.archived] = dict(history.column_types.get(step.table, {}))
        elif isinstance(step, ArchiveColumn):
            entry = history.column_types.get(step.table, {}).get(step.column)
            if entry:
                types.setdefault(step.table, {})[step.archived] = entry
    # Forget archives restored since.
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    for table in [name for name in types if name not in existing]:
        del types[table]
    for table, columns in types.items():
        if any(is_archived(column) for column in columns):
            live = {column["name"] for column in inspector.get_columns(table)}
            for column in [c for c in columns if is_archived(c) and c not in live]:
                del columns[column]
    return types


def backup_sqlite(database: Path, folder: Path, when: dt.datetime) -> Path:
    """Copy a SQLite database with SQLite's backup API (which includes what
    is still in the write-ahead log) to `folder/officina-<stamp>.sqlite3`."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = when.strftime(BACKUP_STAMP)
    target = folder / f"officina-{stamp}.sqlite3"
    number = 2
    while target.exists():
        target = folder / f"officina-{stamp}-{number}.sqlite3"
        number += 1
    source = sqlite3.connect(database)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        source.close()
    return target
