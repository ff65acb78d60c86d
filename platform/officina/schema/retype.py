"""Plan steps for a field whose type changes.

`ChangeType` converts every value with the Python function of
conversions.py, the one the check ran: into a new column, which then takes
the old one's place (Alembic's add, drop and rename), identically on both
engines. `AlignType` only respells a column's SQL type when the stored
values stay exactly the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Column, bindparam, column, select, table
from sqlalchemy.types import TypeEngine

from officina.schema.conversions import Converter
from officina.schema.steps import Applier, Step, count
from officina.schema.storage import Storage
from officina.schema.survey import PAGE, Survey, shown

CONVERTING = "_officina_converting"  # a retyped column's new values, meanwhile


@dataclass
class ChangeType(Step):
    """A field whose type (or size) changed: every value converted exactly,
    or the change refused naming the values that do not convert."""

    column: str = ""
    old: Storage | None = None
    new: Storage | None = None
    old_words: str = ""
    new_words: str = ""
    new_type: TypeEngine | None = None
    convert: Converter | None = None
    supported: bool = True
    values: int = 0
    emptied: int = 0
    failed: int = 0
    phase: ClassVar[int] = 90

    def describe(self) -> str:
        text = (
            f"change `{self.column}` of `{self.table}` from {self.old_words} "
            f"to {self.new_words}"
        )
        if not self.supported:
            return text + " (not supported)"
        if self.failed:
            verb = "does" if self.failed == 1 else "do"
            return (
                f"{text} ({self.failed:,} of {self.values:,} values {verb} not convert)"
            )
        if not self.values:
            return text + " (no values to convert)"
        every = "the only value converts" if self.values == 1 else None
        every = every or f"all {self.values:,} values convert"
        if self.emptied:
            becomes = "becomes" if self.emptied == 1 else "become"
            every += f"; {count(self.emptied, 'blank text')} {becomes} empty"
        return f"{text} ({every})"

    def check(self, survey: Survey) -> list[str]:
        what = (
            f"cannot change `{self.column}` of `{self.table}` from "
            f"{self.old_words} to {self.new_words}"
        )
        if not self.supported:
            return [
                f"{what}: Officina cannot convert these values automatically. "
                "Hint: keep the field's type, or add a new field of the new type, "
                "fill it in, then remove this one."
            ]
        report = survey.conversion(self.table, self.column)
        self.values, self.emptied = report.values, report.emptied
        self.failed = report.failed
        if not report.failed:
            return []
        listed = "; ".join(
            f"id {record_id}: {shown(value)} {reason}"
            for record_id, value, reason in report.failures
        )
        more = "; ..." if report.failed > len(report.failures) else ""
        verb = "does" if report.failed == 1 else "do"
        return [
            f"{what}: {report.failed:,} of {report.values:,} values {verb} not "
            f"convert ({listed}{more}). Hint: correct those records first, or "
            "keep the field's type."
        ]

    def apply(self, applier: Applier) -> None:
        """Convert into a new column, then swap it in: the conversion is the
        same Python function the check ran, on both engines."""
        applier.operations.add_column(
            self.table, Column(CONVERTING, self.new_type, nullable=True)
        )
        old = table(self.table, column("id"), column(self.column, self.old.sql_type()))
        new = table(self.table, column("id"), column(CONVERTING, self.new_type))
        update = (
            new.update()
            .where(new.c.id == bindparam("record_id"))
            .values({CONVERTING: bindparam("converted")})
        )
        last = None
        while True:
            query = (
                select(old.c.id, old.c[self.column])
                .where(old.c[self.column].is_not(None))
                .order_by(old.c.id)
                .limit(PAGE)
            )
            if last is not None:
                query = query.where(old.c.id > last)
            rows = applier.connection.execute(query).all()
            batch = [
                {"record_id": record_id, "converted": value}
                for record_id, value in ((r[0], self.convert(r[1])) for r in rows)
                if value is not None
            ]
            if batch:
                applier.connection.execute(update, batch)
            if len(rows) < PAGE:
                break
            last = rows[-1][0]
        with applier.batch(self.table) as batch_operations:
            batch_operations.drop_column(self.column)
            batch_operations.alter_column(
                CONVERTING,
                new_column_name=self.column,
                nullable=True,  # MakeRequired follows when it must not be
                existing_type=applier.plain(self.new_type),
            )


@dataclass
class AlignType(Step):
    """The column's SQL type spelt as the definitions spell it, when the
    stored values stay exactly the same (not shown in plans)."""

    column: str = ""
    column_type: TypeEngine | None = None
    live_type: TypeEngine | None = None
    phase: ClassVar[int] = 95

    def describe(self) -> str:
        return f"adjust the SQL type of `{self.column}` in `{self.table}`"

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.alter_column(
                self.column, type_=self.column_type, existing_type=self.live_type
            )
