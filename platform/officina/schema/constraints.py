"""Plan steps for unique constraints, indexes and foreign keys, and how
Alembic's differences become them.

Adding a unique constraint first looks for repeated values, adding a foreign
key for values pointing at missing records, both among the values as they
will be after the migration; the refusal names the records to correct.
Dropping these never touches data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Index, MetaData, UniqueConstraint
from sqlalchemy.engine import Inspector

from officina.schema.steps import Applier, Step, count
from officina.schema.survey import FAILED, SHOWN, Survey, TableSource, id_list, shown


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in columns)


@dataclass
class AddUnique(Step):
    """Each value (or combination of values) may be used once only."""

    name: str = ""
    columns: tuple[str, ...] = ()
    values: int = 0
    repeated: int = 0
    converted: bool = False  # re-created after its column changed type
    phase: ClassVar[int] = 110

    def describe(self) -> str:
        if len(self.columns) == 1:
            text = f"make `{self.columns[0]}` unique in `{self.table}`"
        else:
            text = f"make each combination of {_names(self.columns)} unique in "
            text += f"`{self.table}`"
        if self.repeated:
            text += f" ({count(self.repeated, 'value is', 'values are')} repeated)"
        elif self.values > 1:
            text += f" (all {self.values:,} values are different)"
        return text

    def check(self, survey: Survey) -> list[str]:
        seen: dict[tuple, list[int]] = {}
        for record_id, values in survey.projected(self.table, self.columns):
            if any(value is None or value is FAILED for value in values):
                continue
            seen.setdefault(values, []).append(record_id)
        self.values = len(seen)
        repeated = [(values, ids) for values, ids in seen.items() if len(ids) > 1]
        self.repeated = len(repeated)
        if not repeated:
            return []
        if len(self.columns) == 1:
            what = f"`{self.columns[0]}` of `{self.table}` unique"
            noun = "value is" if len(repeated) == 1 else "values are"
        else:
            what = f"each combination of {_names(self.columns)} in `{self.table}` "
            what += "unique"
            noun = "combination is" if len(repeated) == 1 else "combinations are"
        # A constraint re-created after a change of type was asked for by
        # nobody: say it is kept, and that conversion makes values collide.
        verb = "keep" if self.converted else "make"
        after = " once its values are converted" if self.converted else ""
        listed = "; ".join(
            f"{' + '.join(shown(v) for v in values)} by {id_list(ids, len(ids))}"
            for values, ids in repeated[:SHOWN]
        )
        more = "; ..." if len(repeated) > SHOWN else ""
        return [
            f"cannot {verb} {what}{after}: {len(repeated):,} {noun} used more "
            "than once "
            f"({listed}{more}). Hint: change those records so that each value is "
            "used once, then migrate again."
        ]

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.create_unique_constraint(self.name, list(self.columns))


@dataclass
class DropUnique(Step):
    """Values may repeat again."""

    name: str = ""
    columns: tuple[str, ...] = ()
    phase: ClassVar[int] = 11

    def describe(self) -> str:
        if len(self.columns) == 1:
            return f"allow repeated values of `{self.columns[0]}` in `{self.table}`"
        return (
            f"allow repeated combinations of {_names(self.columns)} in `{self.table}`"
        )

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.drop_constraint(self.name, type_="unique")


@dataclass
class AddIndex(Step):
    """An index, for faster searching and sorting: no data changes."""

    name: str = ""
    columns: tuple[str, ...] = ()
    phase: ClassVar[int] = 120

    def describe(self) -> str:
        return f"index {_names(self.columns)} of `{self.table}` for faster searches"

    def apply(self, applier: Applier) -> None:
        applier.operations.create_index(self.name, self.table, list(self.columns))


@dataclass
class DropIndex(Step):
    name: str = ""
    columns: tuple[str, ...] = ()
    phase: ClassVar[int] = 12

    def describe(self) -> str:
        return f"drop the index on {_names(self.columns)} of `{self.table}`"

    def apply(self, applier: Applier) -> None:
        applier.operations.drop_index(self.name, table_name=self.table)


@dataclass
class AddForeignKey(Step):
    """A reference checked by the database: every value must name an
    existing record."""

    name: str = ""
    column: str = ""
    referent: str = ""
    on_delete: str | None = None
    values: int = 0
    missing: int = 0
    phase: ClassVar[int] = 130

    def describe(self) -> str:
        text = f"link `{self.column}` of `{self.table}` to `{self.referent}` records"
        if self.missing:
            records = count(self.missing, "record points", "records point")
            return f"{text} ({records} at missing records)"
        if self.values:
            every = (
                "the only value points"
                if self.values == 1
                else f"all {self.values:,} values point"
            )
            text += f" ({every} at existing records)"
        return text

    def check(self, survey: Survey) -> list[str]:
        existing = survey.ids(self.referent)
        missing: list[tuple[int, int]] = []
        values = 0
        for record_id, (value,) in survey.projected(self.table, (self.column,)):
            if value is None or value is FAILED:
                continue
            values += 1
            if value not in existing:
                missing.append((record_id, value))
        self.values, self.missing = values, len(missing)
        if not missing:
            return []
        listed = ", ".join(f"id {rid}: {value}" for rid, value in missing[:SHOWN])
        more = ", ..." if len(missing) > SHOWN else ""
        records = "record points" if len(missing) == 1 else "records point"
        return [
            f"cannot link `{self.column}` of `{self.table}` to `{self.referent}` "
            f"records: {len(missing):,} {records} at `{self.referent}` records that "
            f"do not exist ({listed}{more}). Hint: correct or empty those values "
            "first."
        ]

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.create_foreign_key(
                self.name,
                self.referent,
                [self.column],
                ["id"],
                ondelete=self.on_delete,
            )


@dataclass
class DropForeignKey(Step):
    name: str = ""
    column: str = ""
    referent: str = ""
    phase: ClassVar[int] = 10

    def describe(self) -> str:
        return (
            f"stop checking that `{self.column}` of `{self.table}` points at "
            f"existing `{self.referent}` records"
        )

    def apply(self, applier: Applier) -> None:
        with applier.batch(self.table) as batch:
            batch.drop_constraint(self.name, type_="foreignkey")


def constraint_steps(
    added: list,
    removed: list,
    *,
    metadata: MetaData,
    inspector: Inspector,
    tables: dict[str, TableSource],
    retyped: dict[str, set[str]],
    archived: set[tuple[str, str]],
    restored: dict[str, str] | None = None,
) -> list[Step]:
    """Steps for the indexes, unique constraints and foreign keys Alembic
    found added or removed (`(table, item)` pairs). Those that only follow a
    renamed, archived or retyped column are not shown in the plan; a retyped
    column's constraints are dropped before and created after the swap.
    `restored` maps the archived name of each table being restored to its
    own: a restored table was compared under its archived name, so its
    references to itself name the archive."""
    restored = restored or {}

    def current(table: str, column: str) -> str | None:
        source = tables.get(table)
        if source is None or column not in source.columns:
            return column
        return source.columns[column].current

    def by_name(found):
        return (found[0], found[1].name or "")

    added, removed = sorted(added, key=by_name), sorted(removed, key=by_name)
    steps: list[Step] = []
    removed_signatures = {
        (t, _signature(item, _columns_of(item), restored)) for t, item in removed
    }
    added_signatures = set()
    for table, item in added:
        columns = tuple(current(table, c) for c in _columns_of(item))
        signature = (table, _signature(item, columns, restored))
        added_signatures.add(signature)
        moved = signature in removed_signatures
        quiet = moved and not retyped.get(table, set()) & set(columns)
        steps.append(
            _step_for(item, table, adding=True, quiet=quiet, restored=restored)
        )
    for table, item in removed:
        columns = _columns_of(item)
        quiet = (table, _signature(item, columns, restored)) in added_signatures or all(
            (table, c) in archived for c in columns
        )
        steps.append(
            _step_for(item, table, adding=False, quiet=quiet, restored=restored)
        )
    dropping = {(t, item.name) for t, item in removed}
    adding = {(t, item.name) for t, item in added}
    for table_name, columns in retyped.items():
        source = tables[table_name]
        steps.extend(
            _drop_around(table_name, source.current, columns, inspector, dropping)
        )
        new_names = {n for n, c in source.columns.items() if c.current in columns}
        target = metadata.tables[table_name]
        wanted = [
            *target.indexes,
            *(c for c in target.constraints if isinstance(c, UniqueConstraint)),
            *target.foreign_key_constraints,
        ]
        for item in wanted:
            if set(_columns_of(item)) & new_names and (
                (table_name, item.name) not in adding
            ):
                step = _step_for(item, table_name, adding=True, quiet=True)
                if isinstance(step, AddUnique):
                    step.converted = True
                steps.append(step)
    return steps


def _drop_around(table, current, columns, inspector, dropping) -> list[Step]:
    """Quiet steps dropping what involves a retyped column now."""
    steps: list[Step] = []
    indexes = [
        index
        for index in inspector.get_indexes(current)
        if not index.get("duplicates_constraint")
    ]
    uniques = inspector.get_unique_constraints(current)
    for kind, items in ((DropIndex, indexes), (DropUnique, uniques)):
        for item in items:
            if set(item["column_names"]) & columns and (
                (table, item["name"]) not in dropping
            ):
                steps.append(
                    kind(
                        table,
                        name=item["name"],
                        columns=tuple(item["column_names"]),
                        quiet=True,
                    )
                )
    for fk in inspector.get_foreign_keys(current):
        if set(fk["constrained_columns"]) & columns and (
            (table, fk["name"]) not in dropping
        ):
            steps.append(
                DropForeignKey(
                    table,
                    name=fk["name"],
                    column=fk["constrained_columns"][0],
                    referent=fk["referred_table"],
                    quiet=True,
                )
            )
    return steps


def _columns_of(item) -> tuple[str, ...]:
    return tuple(column.name for column in item.columns)


def _step_for(
    item, table: str, *, adding: bool, quiet: bool = False, restored=None
) -> Step:
    columns = _columns_of(item)
    if isinstance(item, Index):
        kind = AddIndex if adding else DropIndex
        return kind(table, name=item.name, columns=columns, quiet=quiet)
    if hasattr(item, "elements"):  # a foreign key
        referent = _target(item, restored).split(".")[0]
        if adding:
            return AddForeignKey(
                table,
                name=item.name,
                column=columns[0],
                referent=referent,
                on_delete=item.ondelete,
                quiet=quiet,
            )
        return DropForeignKey(
            table, name=item.name, column=columns[0], referent=referent, quiet=quiet
        )
    kind = AddUnique if adding else DropUnique
    return kind(table, name=item.name, columns=columns, quiet=quiet)


def _target(item, restored=None) -> str:
    """`table.column` a foreign key points at, under the table's own name."""
    table, _, column = item.elements[0].target_fullname.partition(".")
    return f"{(restored or {}).get(table, table)}.{column}"


def _signature(item, columns: tuple, restored=None) -> tuple:
    if hasattr(item, "elements"):
        target = _target(item, restored)
        return ("fk", columns, target, (item.ondelete or "").lower())
    return (type(item).__name__, columns)
