"""The steps of a migration plan: tables and columns.

Each step says in words what it does (`describe`), checks the stored data
first (`check`, which returns the reasons it cannot be applied, each naming
the entity and field, what is wrong and how to fix it), and applies itself
with Alembic operations (`apply`). Data moves use SQLAlchemy Core. Steps are
applied in the order of their `phase`: constraints are dropped first, then
data is archived, restored and renamed, then tables and columns are added,
converted and constrained.

Type changes are in `retype.py`; unique constraints, indexes and foreign
keys in `constraints.py`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from alembic.operations import Operations
from sqlalchemy import (
    Column,
    Connection,
    Table,
    column,
    inspect,
    table,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from officina.schema.storage import Storage
from officina.schema.survey import MISSING, Survey, id_list, shown


@dataclass
class Applier:
    """What steps apply themselves with: one connection, one transaction."""

    connection: Connection
    operations: Operations

    def batch(self, table_name: str) -> AbstractContextManager:
        """Alembic's batch mode: ALTERs on PostgreSQL, a copied table on
        SQLite (which cannot alter columns in place)."""
        return self.operations.batch_alter_table(table_name)

    def plain(self, column_type: TypeEngine) -> TypeEngine:
        """The engine's own type behind a TypeDecorator: what Alembic's
        `existing_type` expects."""
        if isinstance(column_type, TypeDecorator):
            return column_type.load_dialect_impl(self.connection.dialect)
        return column_type


@dataclass
class Step:
    """One change of the plan."""

    table: str
    phase: ClassVar[int] = 50
    destructive: ClassVar[bool] = False
    quiet: bool = field(default=False, kw_only=True)  # part of another step

    def describe(self) -> str:
        raise NotImplementedError

    def check(self, survey: Survey) -> list[str]:
        """Reasons the step cannot be applied to the data as it is (and
        counts for `describe`)."""
        return []

    def apply(self, applier: Applier) -> None:
        raise NotImplementedError

    def permission(self) -> str:
        """Why a destructive step needs --allow-destructive, in words."""
        return ""

    @property
    def kind(self) -> str:
        return "".join(
            "_" + c.lower() if c.isupper() else c for c in type(self).__name__
        ).lstrip("_")

    def as_json(self) -> dict:
        """The step as recorded in officina_migration."""
        data: dict[str, Any] = {"kind": self.kind, "description": self.describe()}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Storage):
                value = value.key
            if isinstance(value, tuple):
                value = list(value)
            if value is None or isinstance(value, str | int | bool | list):
                data[item.name] = value
        return data


def count(number: int, word: str, plural: str | None = None) -> str:
    """`1 record`, `1,204 records`."""
    return f"{number:,} {word if number == 1 else plural or word + 's'}"


@dataclass
class AddTable(Step):
    """A new entity: its table with keys, indexes and constraints.

    New tables are created together by the migration (see migrate.py), in
    the order their foreign keys need."""

    table_object: Table | None = None
    phase: ClassVar[int] = 70

    def describe(self) -> str:
        return f"add the table `{self.table}`"


@dataclass
class ArchiveTable(Step):
    """A removed entity: its table renamed, kept with all its records."""

    archived: str = ""
    rows: int = 0
    phase: ClassVar[int] = 30
    destructive: ClassVar[bool] = True

    def describe(self) -> str:
        return (
            f"archive the table `{self.table}` ({count(self.rows, 'record')}): "
            f"kept as `{self.archived}`"
        )

    def check(self, survey: Survey) -> list[str]:
        self.rows = survey.rows(self.table)
        return []

    def permission(self) -> str:
        return (
            f"cannot remove the entity `{self.table}` without --allow-destructive: "
            f"its table holds {count(self.rows, 'record')}. Hint: put the entity "
            "back in the definitions, or run 'officina migrate "
            "--allow-destructive' to archive the table as "
            f"`{self.archived}` (kept in the database, recoverable)."
        )

    def apply(self, applier: Applier) -> None:
        inspector = inspect(applier.connection)
        # An archive must not block or cascade from live records, nor hold
        # index names a live table may need: only the data stays.
        for index in inspector.get_indexes(self.table):
            if not index.get("duplicates_constraint"):
                applier.operations.drop_index(index["name"], table_name=self.table)
        names = [fk["name"] for fk in inspector.get_foreign_keys(self.table)]
        uniques = [u["name"] for u in inspector.get_unique_constraints(self.table)]
        if any(names) or any(uniques):
            with applier.batch(self.table) as batch:
                for name in filter(None, names):
                    batch.drop_constraint(name, type_="foreignkey")
                for name in filter(None, uniques):
                    batch.drop_constraint(name, type_="unique")
        applier.operations.rename_table(self.table, self.archived)


@dataclass
class RestoreTable(Step):
    """An entity back in the definitions: its archived table renamed back."""

    archived: str = ""
    rows: int = 0
    phase: ClassVar[int] = 5  # first: later steps use the table's own name

    def describe(self) -> str:
        return (
            f"restore the table `{self.table}` from `{self.archived}` "
            f"({count(self.rows, 'record')})"
        )

    def check(self, survey: Survey) -> list[str]:
        self.rows = survey.rows(self.table)
        return []

    def apply(self, applier: Applier) -> None:
        applier.operations.rename_table(self.archived, self.table)


@dataclass
class AddColumn(Step):
    """A new field: a column, filled with the default in existing records."""

    column: str = ""
    column_object: Column | None = None
    fill: Any = MISSING
    required: bool = False
    rows: int = 0
    expression_default: bool = False
    phase: ClassVar[int] = 80

    def describe(self) -> str:
        text = f"add column `{self.column}` to `{self.table}`"
        if self.rows and self.required and self.fill is MISSING:
            return f"{text} (its {count(self.rows, 'record')} would have no value)"
        if self.rows and self.fill is not MISSING:
            text += (
                f" (its {count(self.rows, 'record')} get the default "
                f"{shown(self.fill)})"
            )
        return text

    def check(self, survey: Survey) -> list[str]:
        self.rows = survey.rows(self.table)
        if not self.required or not self.rows or self.fill is not MISSING:
            return []
        hint = (
            "give the field a fixed default (an expression default is not "
            "evaluated for existing records)"
            if self.expression_default
            else "give the field a default (it is filled into the existing records)"
        )
        return [
            f"cannot add the required field `{self.column}` to `{self.table}`: "
            f"its {count(self.rows, 'record')} would have no value. Hint: {hint}, "
            "or add the field as optional first and fill it in."
        ]

    def apply(self, applier: Applier) -> None:
        column_type = self.column_object.type
        applier.operations.add_column(
            self.table, Column(self.column, column_type, nullable=True)
        )
        if self.fill is not MISSING:
            target = table(self.table, column(self.column, column_type))
            applier.connection.execute(target.update().values({self.column: self.fill}))
        if not self.column_object.nullable:
            with applier.batch(self.table) as batch:
                batch.alter_column(
                    self.column,
                    nullable=False,
                    existing_type=applier.plain(column_type),
                )


@dataclass
class ArchiveColumn(Step):
    """A removed field: its column renamed, kept with all its values."""

    column: str = ""
    archived: str = ""
    values: int = 0
    phase: ClassVar[int] = 35
    destructive: ClassVar[bool] = True

    def describe(self) -> str:
        return (
            f"archive column `{self.column}` of `{self.table}` "
            f"({count(self.values, 'value')}): kept as `{self.archived}`"
        )

    def check(self, survey: Survey) -> list[str]:
        self.values = survey.count_values(self.current_table(survey), self.column)
        return []

    def current_table(self, survey: Survey) -> str:
        source = survey.tables.get(self.table)
        return source.current if source and source.current else self.table

    def permission(self) -> str:
        return (
            f"cannot remove the field `{self.column}` of `{self.table}` without "
            f"--allow-destructive: it holds {count(self.values, 'value')}. Hint: "
            "put the field back in the definitions (or name it in "
            "'renamed_from' if it was renamed), or run 'officina migrate "
            f"--allow-destructive' to archive the column as `{self.archived}` "
            "(kept in the database, recoverable)."
        )

    def apply(self, applier: Applier) -> None:
        # Archived columns accept no values any more: new records leave
        # them empty, so they must allow it.
        with applier.batch(self.table) as batch:
            batch.alter_column(
                self.column, new_column_name=self.archived, nullable=True
            )


@dataclass
class RenameColumn(Step):
    """A field declared `renamed_from` an old one: the column and its data
    move to the new name."""

    old: str = ""
    column: str = ""
    values: int = 0
    phase: ClassVar[int] = 45

    def describe(self) -> str:
        return (
            f"rename `{self.old}` to `{self.column}` in `{self.table}` "
            f"(moves {count(self.values, 'value')})"
        )

    def check(self, survey: Survey) -> list[str]:
        self.values = survey.values(self.table, self.column)
        return []

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.alter_column(self.old, new_column_name=self.column)


@dataclass
class RestoreColumn(RenameColumn):
    """A field back in the definitions: its archived column renamed back."""

    def describe(self) -> str:
        return (
            f"restore `{self.column}` in `{self.table}` from `{self.old}` "
            f"({count(self.values, 'value')})"
        )


@dataclass
class MakeRequired(Step):
    """A field now required: refused while records have no value, unless a
    default fills them."""

    column: str = ""
    column_type: TypeEngine | None = None
    fill: Any = MISSING
    rows: int = 0
    empty: int = 0
    converted: bool = False  # required already, made so again after a swap
    phase: ClassVar[int] = 100

    def describe(self) -> str:
        text = f"make `{self.column}` required in `{self.table}`"
        if self.empty and self.fill is not MISSING:
            return (
                f"{text} (fills {count(self.empty, 'empty value')} with "
                f"{shown(self.fill)})"
            )
        if self.empty:
            return (
                f"{text} ({count(self.empty, 'record has', 'records have')} no value)"
            )
        if not self.rows:
            return text
        if self.rows == 1:
            return f"{text} (its only record has a value)"
        return f"{text} (all {self.rows:,} records have a value)"

    def check(self, survey: Survey) -> list[str]:
        self.rows = survey.rows(self.table)
        empty = [
            record_id
            for record_id, (value,) in survey.projected(
                self.table, (self.column,), fill=False
            )
            if value is None
        ]
        self.empty = len(empty)
        if self.fill is not MISSING:
            if self.empty:
                self.quiet = False  # the plan must say what it fills
            return []
        if not empty:
            return []
        if self.converted:
            what, verb = "keep", "once its values are converted"
            noun = count(len(empty), "record would have", "records would have")
        else:
            what, verb = "make", ""
            noun = count(len(empty), "record has", "records have")
        after = f" {verb}" if verb else ""
        return [
            f"cannot {what} `{self.column}` of `{self.table}` required{after}: "
            f"{noun} no value ({id_list(empty, len(empty))}). Hint: give the "
            "field a default, or fill in those records first."
        ]

    def apply(self, applier: Applier) -> None:
        if self.fill is not MISSING:
            target = table(self.table, column(self.column, self.column_type))
            applier.connection.execute(
                target.update()
                .where(target.c[self.column].is_(None))
                .values({self.column: self.fill})
            )
        with applier.batch(self.table) as batch:
            batch.alter_column(
                self.column,
                nullable=False,
                existing_type=applier.plain(self.column_type),
            )


@dataclass
class MakeOptional(Step):
    """A field no longer required."""

    column: str = ""
    column_type: TypeEngine | None = None
    phase: ClassVar[int] = 100

    def describe(self) -> str:
        return f"make `{self.column}` optional in `{self.table}`"

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.alter_column(
                self.column,
                nullable=True,
                existing_type=applier.plain(self.column_type),
            )
