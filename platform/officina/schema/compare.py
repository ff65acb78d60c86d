"""Comparing the definitions with the live database, as plan steps.

Alembic's comparison (`compare_metadata`) finds the tables, columns,
indexes, unique constraints and foreign keys that differ. This module turns
those differences into Officina's steps and adds what Alembic cannot know:
a new column declared `renamed_from` a removed one is a rename; a table or
column that comes back while an archived copy exists is a restore; and a
column whose recorded storage differs from the definitions' (say, two
decimal places becoming three, invisible on SQLite) is a type change.

Archived tables and columns, and tables that are not Officina's, are left
out of the comparison.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Connection, MetaData, Table, inspect

from officina.definitions.model import Field
from officina.expressions import Expression
from officina.schema.constraints import constraint_steps
from officina.schema.conversions import NotConvertible, converter, literal
from officina.schema.history import (
    History,
    archived_name,
    is_archived,
    latest_archive,
)
from officina.schema.retype import AlignType, ChangeType
from officina.schema.steps import (
    AddColumn,
    AddTable,
    ArchiveColumn,
    ArchiveTable,
    MakeOptional,
    MakeRequired,
    RenameColumn,
    RestoreColumn,
    RestoreTable,
    Step,
)
from officina.schema.storage import Storage, storage_of_type, type_words
from officina.schema.survey import MISSING, ColumnSource, TableSource
from officina.schema.tables import SYSTEM_PREFIX

# Every entity table has these; a table without them is not Officina's.
ENTITY_COLUMNS = frozenset({"id", "created_at", "updated_at", "version"})


@dataclass
class Comparison:
    """The steps that make the database match, and where the data is now."""

    steps: list[Step]
    tables: dict[str, TableSource]


@dataclass
class _Differences:
    """Alembic's differences, sorted by kind, under the tables' new names."""

    new_tables: list[str] = field(default_factory=list)
    removed_tables: list[str] = field(default_factory=list)
    added_columns: dict[str, list[Column]] = field(default_factory=dict)
    removed_columns: dict[str, list[str]] = field(default_factory=dict)
    added: list[tuple[str, object]] = field(default_factory=list)
    removed: list[tuple[str, object]] = field(default_factory=list)


def compare(
    connection: Connection,
    metadata: MetaData,
    history: History,
    when: dt.datetime,
) -> Comparison:
    """The steps that turn the database into `metadata`'s tables."""
    inspector = inspect(connection)
    existing = set(inspector.get_table_names())
    restores = {
        name: archived
        for name in metadata.tables
        if name not in existing and (archived := latest_archive(name, existing))
    }
    context = migration_context(connection, history, restores.values())
    diffs = compare_metadata(context, _comparison_metadata(metadata, restores))
    differences = _sort(diffs, restores)
    planner = _Planner(connection, context, metadata, history, when, restores)
    return planner.plan(differences)


def migration_context(
    connection: Connection, history: History, restored=()
) -> MigrationContext:
    """Alembic's context, comparing only Officina's live tables and columns."""
    restored = set(restored)

    def include_name(name, type_, parent_names) -> bool:
        if type_ == "table":
            return not is_archived(name) or name in restored
        if type_ == "column":
            return not is_archived(name)
        return True

    def include_object(item, name, type_, reflected, compare_to) -> bool:
        if type_ == "table" and reflected and compare_to is None:
            return _is_ours(item, history)
        if reflected and type_ in (
            "index",
            "unique_constraint",
            "foreign_key_constraint",
        ):
            return not any(is_archived(column.name) for column in item.columns)
        return True

    return MigrationContext.configure(
        connection,
        opts={
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": True,
        },
    )


def _is_ours(table: Table, history: History) -> bool:
    return (
        table.name in history.column_types
        or table.name.startswith(SYSTEM_PREFIX)
        or ENTITY_COLUMNS <= {column.name for column in table.columns}
    )


def _comparison_metadata(metadata: MetaData, restores: dict[str, str]) -> MetaData:
    """The definitions' tables, plus each restored table under its archived
    name, so Alembic compares the archive with what it must become."""
    if not restores:
        return metadata
    copy = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(copy)
    for name, archived in restores.items():
        metadata.tables[name].to_metadata(copy, name=archived)
    return copy


def _sort(diffs: list, restores: dict[str, str]) -> _Differences:
    back = {archived: name for name, archived in restores.items()}
    found = _Differences()

    def table_of(item) -> str | None:
        name = item.table.name if hasattr(item, "table") else item.parent.name
        if name in restores:  # the restored table under its own name: skip
            return None
        return back.get(name, name)

    for diff in diffs:
        if isinstance(diff, list):
            continue  # type and nullability changes: the planner sees them
        kind = diff[0]
        if kind in ("add_table", "remove_table"):
            name = diff[1].name
            if name in restores:
                continue
            target = found.new_tables if kind == "add_table" else found.removed_tables
            target.append(back.get(name, name))
        elif kind in ("add_column", "remove_column"):
            name = back.get(diff[2], diff[2])
            if kind == "add_column":
                found.added_columns.setdefault(name, []).append(diff[3])
            else:
                found.removed_columns.setdefault(name, []).append(diff[3].name)
        elif kind in ("add_index", "add_constraint", "add_fk"):
            name = table_of(diff[1])
            if name is not None:
                found.added.append((name, diff[1]))
        elif kind in ("remove_index", "remove_constraint", "remove_fk"):
            name = table_of(diff[1])
            if name is not None:
                found.removed.append((name, diff[1]))
    return found


class _Planner:
    def __init__(self, connection, context, metadata, history, when, restores):
        self.connection = connection
        self.inspector = inspect(connection)
        self.context = context
        self.metadata = metadata
        self.history = history
        self.when = when
        self.restores = restores
        self.steps: list[Step] = []
        self.tables: dict[str, TableSource] = {}
        self.retyped: dict[str, set[str]] = {}  # table -> current column names

    def plan(self, differences: _Differences) -> Comparison:
        for name, table in self.metadata.tables.items():
            if name in differences.new_tables:
                self.steps.append(AddTable(name, table_object=table))
                self.tables[name] = TableSource(
                    name, None, {c.name: ColumnSource(None) for c in table.columns}
                )
            else:
                self._table(name, table, differences)
        for name in sorted(differences.removed_tables):
            self.tables[name] = TableSource(name, name)
            self.steps.append(
                ArchiveTable(name, archived=self._archived_name(name, set()))
            )
        self._constraints(differences)
        return Comparison(self.steps, self.tables)

    def _table(self, name: str, table: Table, differences: _Differences) -> None:
        current = self.restores.get(name, name)
        if name in self.restores:
            self.steps.append(RestoreTable(name, archived=current))
        reflected = {c["name"]: c for c in self.inspector.get_columns(current)}
        archived = [column for column in reflected if is_archived(column)]
        added = {c.name for c in differences.added_columns.get(name, [])}
        removed = sorted(differences.removed_columns.get(name, []))
        source = self.tables[name] = TableSource(name, current)
        for column in table.columns:
            if column.name not in added:
                origin = column.name
            else:
                origin = self._origin(name, column, removed, archived)
            if origin is None:
                source.columns[column.name] = self._new_column(name, column)
            else:
                source.columns[column.name] = self._existing_column(
                    name, current, column, reflected[origin]
                )
        for column_name in removed:
            self.steps.append(
                ArchiveColumn(
                    name,
                    column=column_name,
                    archived=self._archived_name(column_name, set(reflected)),
                )
            )

    def _origin(self, table, column: Column, removed: list, archived: list):
        """The current column a new one takes its data from, if any."""
        renamed = _field(column).renamed_from if _field(column) else ()
        for old in renamed:
            if old in removed:
                removed.remove(old)
                self.steps.append(RenameColumn(table, old=old, column=column.name))
                return old
        candidates = [column.name, *renamed]
        for old in candidates:
            found = old if old in archived else latest_archive(old, archived)
            if found:
                archived.remove(found)
                self.steps.append(RestoreColumn(table, old=found, column=column.name))
                return found
        return None

    def _new_column(self, table: str, column: Column) -> ColumnSource:
        storage = storage_of_type(column.type)
        fill, expression = self._default(column, storage)
        self.steps.append(
            AddColumn(
                table,
                column=column.name,
                column_object=column,
                fill=fill,
                required=not column.nullable,
                expression_default=expression,
            )
        )
        return ColumnSource(None, storage, fill=fill)

    def _existing_column(
        self, table: str, current_table: str, column: Column, reflected: dict
    ) -> ColumnSource:
        current = reflected["name"]
        new = storage_of_type(column.type)
        old, old_type = self.history.storage(current_table, current)
        field_type = _field(column).type if _field(column) else None
        sql_differs = self.context.impl.compare_type(
            Column(current, reflected["type"]), column
        )
        if old is None:
            if sql_differs:
                old, old_type = storage_of_type(reflected["type"]), None
            else:
                old, old_type = new, field_type
        source = ColumnSource(current, old)
        if old == new and sql_differs:
            # Same values, another SQL spelling (an integer becoming a
            # reference is INTEGER, not BIGINT, on SQLite): no conversion.
            self.steps.append(
                AlignType(
                    table,
                    column=column.name,
                    column_type=column.type,
                    live_type=reflected["type"],
                    quiet=True,
                )
            )
        if old != new:
            convert = converter(old, new) if old is not None else None
            shown_old = old or Storage(str(reflected["type"]).lower())
            self.steps.append(
                ChangeType(
                    table,
                    column=column.name,
                    old=old,
                    new=new,
                    old_words=type_words(old_type, shown_old, new),
                    new_words=type_words(field_type, new, shown_old),
                    new_type=column.type,
                    convert=convert,
                    supported=convert is not None,
                )
            )
            source.convert = convert
            self.retyped.setdefault(table, set()).add(current)
        # A converted column comes back nullable: required, it is checked
        # (blank texts become empty) and made NOT NULL again.
        required_now = not reflected["nullable"]
        if not column.nullable and (not required_now or old != new):
            source.fill, _ = self._default(column, new)
            self.steps.append(
                MakeRequired(
                    table,
                    column=column.name,
                    column_type=column.type,
                    fill=source.fill,
                    converted=required_now,
                    quiet=required_now,
                )
            )
        elif required_now and column.nullable:
            self.steps.append(
                MakeOptional(table, column=column.name, column_type=column.type)
            )
        return source

    def _default(self, column: Column, storage: Storage | None):
        """(fill value or MISSING, whether the default is an expression)."""
        definition = _field(column)
        if definition is None or definition.default is None or storage is None:
            return MISSING, False
        if isinstance(definition.default, Expression):
            return MISSING, True
        try:
            return literal(definition.default, storage), False
        except NotConvertible:
            return MISSING, False

    def _archived_name(self, name: str, taken: set[str]) -> str:
        when = self.when
        while (candidate := archived_name(name, when)) in taken:
            when += dt.timedelta(seconds=1)
        return candidate

    def _constraints(self, differences: _Differences) -> None:
        skipped = set(differences.new_tables) | set(differences.removed_tables)
        self.steps.extend(
            constraint_steps(
                [(t, item) for t, item in differences.added if t not in skipped],
                [(t, item) for t, item in differences.removed if t not in skipped],
                metadata=self.metadata,
                inspector=self.inspector,
                tables=self.tables,
                retyped=self.retyped,
                archived={
                    (step.table, step.column)
                    for step in self.steps
                    if isinstance(step, ArchiveColumn)
                },
                restored={archived: name for name, archived in self.restores.items()},
            )
        )


def _field(column: Column) -> Field | None:
    return column.info.get("field")
