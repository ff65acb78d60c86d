"""Reading the stored data a migration would touch, to check it first.

Checks look at the values as they will be after the migration: renamed
columns under their new names, converted values in their new type, empty
values filled with a default. `TableSource` says where each column's values
come from; `Survey` reads them (in pages, by id) and answers the checks'
questions: how many rows and values, which values do not convert, which are
empty, repeated, or point at missing records.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, column, func, select, table

from officina.schema.conversions import Converter, NotConvertible
from officina.schema.storage import Storage

PAGE = 1000
SHOWN = 5  # offending records named in a message


class _Marker:
    """A value no column holds: MISSING (no default), FAILED (no conversion)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


MISSING: Any = _Marker("MISSING")
FAILED: Any = _Marker("FAILED")


@dataclass
class ColumnSource:
    """Where a column's values come from, and what happens to them."""

    current: str | None  # the column's name now; None for a new column
    storage: Storage | None = None  # how the current column stores values
    convert: Converter | None = None  # to the new storage, when it changes
    fill: Any = MISSING  # the default given to rows left without a value


@dataclass
class TableSource:
    """A table after the migration, and where its data is now."""

    name: str
    current: str | None  # its name now (an archived name when restored)
    columns: dict[str, ColumnSource] = field(default_factory=dict)


@dataclass
class ConversionReport:
    values: int = 0
    converted: int = 0
    emptied: int = 0  # blank texts that become empty values
    failed: int = 0
    failures: list[tuple[int, Any, str]] = field(default_factory=list)


class Survey:
    """Answers the checks' questions about one database's current data."""

    def __init__(self, connection: Connection, tables: dict[str, TableSource]):
        self.connection = connection
        self.tables = tables
        self._counts: dict[tuple, int] = {}
        self._conversions: dict[tuple[str, str], ConversionReport] = {}

    def rows(self, name: str) -> int:
        """How many records the table holds now."""
        source = self.tables.get(name)
        if source is None or source.current is None:
            return 0
        key = ("rows", source.current)
        if key not in self._counts:
            self._counts[key] = self.connection.execute(
                select(func.count()).select_from(table(source.current))
            ).scalar_one()
        return self._counts[key]

    def values(self, name: str, column_name: str) -> int:
        """How many records have a value in the column now."""
        source = self.tables.get(name)
        column_source = source.columns.get(column_name) if source else None
        if source is None or source.current is None or column_source is None:
            return 0
        if column_source.current is None:
            return 0
        return self.count_values(source.current, column_source.current)

    def count_values(self, current_table: str, current_column: str) -> int:
        key = ("values", current_table, current_column)
        if key not in self._counts:
            self._counts[key] = self.connection.execute(
                select(func.count(column(current_column))).select_from(
                    table(current_table)
                )
            ).scalar_one()
        return self._counts[key]

    def conversion(self, name: str, column_name: str) -> ConversionReport:
        """Which values of a retyped column convert, and which do not."""
        key = (name, column_name)
        if key in self._conversions:
            return self._conversions[key]
        report = ConversionReport()
        source = self.tables[name].columns[column_name]
        for record_id, (value,) in self._read(
            name, (column_name,), convert=False, fill=False
        ):
            if value is None:
                continue
            report.values += 1
            try:
                converted = source.convert(value)
            except NotConvertible as problem:
                report.failed += 1
                if len(report.failures) < SHOWN:
                    report.failures.append((record_id, value, problem.reason))
                continue
            if converted is None:
                report.emptied += 1
            else:
                report.converted += 1
        self._conversions[key] = report
        return report

    def projected(
        self, name: str, columns: tuple[str, ...], *, fill: bool = True
    ) -> Iterator[tuple[int, tuple]]:
        """(id, values) of every record as they will be after the migration
        (with defaults filled in, unless `fill` is false); a value that will
        not convert is FAILED."""
        return self._read(name, columns, convert=True, fill=fill)

    def ids(self, name: str) -> set[int]:
        """The ids of a table's records now (none for a new table)."""
        source = self.tables.get(name)
        if source is None or source.current is None:
            return set()
        return set(
            self.connection.execute(
                select(column("id")).select_from(table(source.current))
            ).scalars()
        )

    def _read(
        self, name: str, columns: tuple[str, ...], *, convert: bool, fill: bool
    ) -> Iterator[tuple[int, tuple]]:
        source = self.tables[name]
        if source.current is None:
            return
        sources = [source.columns[wanted] for wanted in columns]
        stored = sorted({s.current for s in sources if s.current is not None})
        typed = {
            s.current: s.storage.sql_type() if s.storage is not None else None
            for s in sources
            if s.current is not None
        }
        current = table(
            source.current,
            column("id"),
            *(column(stored_name, typed[stored_name]) for stored_name in stored),
        )
        last = None
        while True:
            query = select(current).order_by(current.c.id).limit(PAGE)
            if last is not None:
                query = query.where(current.c.id > last)
            rows = self.connection.execute(query).mappings().all()
            for row in rows:
                yield (
                    row["id"],
                    tuple(_value(row, s, convert=convert, fill=fill) for s in sources),
                )
            if len(rows) < PAGE:
                return
            last = rows[-1]["id"]


def _value(row, source: ColumnSource, *, convert: bool, fill: bool) -> Any:
    value = row[source.current] if source.current is not None else None
    if convert and value is not None and source.convert is not None:
        try:
            value = source.convert(value)
        except NotConvertible:
            return FAILED
    if value is None and fill and source.fill is not MISSING:
        return source.fill
    return value


def shown(text: Any, limit: int = 40) -> str:
    """A stored value as a message quotes it (as YAML would write it),
    shortened when long."""
    if isinstance(text, bool):
        return "true" if text else "false"
    if text is None:
        return "empty"
    if isinstance(text, str):
        quoted = text if len(text) <= limit else text[: limit - 1] + "…"
        return f"'{quoted}'"
    return str(text)


def id_list(ids: list[int], total: int) -> str:
    """`ids 4, 9, 17, ...`: the first few ids of the records concerned."""
    text = ", ".join(str(i) for i in ids[:SHOWN])
    if total > SHOWN:
        text += ", ..."
    return f"id{'s' if total != 1 else ''} {text}"
