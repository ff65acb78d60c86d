"""A migration plan: the steps in words, what is refused, what is archived.

`build_plan` compares the definitions with the database (compare.py), checks
every step against the stored data (steps.py, constraints.py), and lists the
data kept under archived names. It reads only; migrate.py applies a plan.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Connection, inspect

from officina.schema.compare import compare
from officina.schema.constraints import AddIndex, DropIndex
from officina.schema.history import History, is_archived, original_name, read_history
from officina.schema.steps import AddTable, Step, count
from officina.schema.survey import Survey
from officina.schema.tables import SYSTEM_PREFIX, Schema


@dataclass(frozen=True)
class Archived:
    """A removed table or column, kept under its archived name."""

    table: str  # the archived table's name, or the table holding the column
    name: str  # the archived name
    column: bool
    count: int  # records (of a table) or values (of a column)

    def describe(self) -> str:
        if self.column:
            return (
                f"archived: column `{original_name(self.name)}` of `{self.table}` "
                f"kept as `{self.name}` ({count(self.count, 'value')})"
            )
        return (
            f"archived: table `{original_name(self.name)}` kept as `{self.name}` "
            f"({count(self.count, 'record')})"
        )


@dataclass
class Plan:
    """What `officina migrate` would do, checked against the stored data."""

    steps: list[Step]
    refusals: list[str]  # every reason `migrate` would refuse, all at once
    definitions_version: str
    archived: list[Archived] = field(default_factory=list)
    blocked: bool = False  # refused for the data, not only for permission

    def lines(self, allow_destructive: bool = False) -> list[str]:
        """The changes in words, in the order they are applied; index changes
        are summed up per table."""
        entries: list[str | list[Step]] = []
        indexes: dict[str, list[Step]] = {}
        # Quiet steps belong to shown ones; alone, they are shown themselves.
        shown_steps = [step for step in self.steps if not step.quiet] or self.steps
        own: list[Step] = []
        for step in shown_steps:
            if str(getattr(step, "table", "")).startswith(SYSTEM_PREFIX):
                # Officina's own tables are one line: users need not know them.
                if not own:
                    entries.append(own)
                own.append(step)
                continue
            if isinstance(step, AddIndex | DropIndex):
                if step.table not in indexes:
                    indexes[step.table] = []
                    entries.append(indexes[step.table])
                indexes[step.table].append(step)
                continue
            text = step.describe()
            if step.destructive and not allow_destructive:
                text += " (needs --allow-destructive)"
            entries.append(text)
        return [
            entry
            if isinstance(entry, str)
            else _own_tables(entry)
            if entry is own
            else _indexes(entry)
            for entry in entries
        ]

    def __len__(self) -> int:
        return len(self.lines())

    def __bool__(self) -> bool:
        return bool(self.steps)

    def render(self, site: str | None = None, allow_destructive=False) -> str:
        """The plan as `officina plan` prints it."""
        out: list[str] = []
        lines = self.lines(allow_destructive)
        if not lines:
            out.append("The database matches the definitions.")
        else:
            changes = count(len(lines), "change")
            out.append(f"The database does not match the definitions: {changes}.")
            out.extend(f"  {n}. {line}" for n, line in enumerate(lines, 1))
        if self.refusals:
            out.append("")
            out.append(
                f"{count(len(self.refusals), 'change')} cannot be applied "
                "(nothing is applied until all can):"
            )
            out.extend(f"  - {refusal}" for refusal in self.refusals)
        if self.archived:
            out.append("")
            out.append("Data kept from removed fields and entities (recoverable):")
            out.extend(f"  - {item.describe()}" for item in self.archived)
        if lines and not self.blocked:
            command = "officina migrate" + (f" --site {site}" if site else "")
            if self.refusals:  # only --allow-destructive is missing
                command += " --allow-destructive (removed data is archived)"
            out.append("")
            out.append(f"Apply with: {command}")
        return "\n".join(out)


def _own_tables(steps: list[Step]) -> str:
    if all(isinstance(step, AddTable) for step in steps):
        return f"set up Officina's own tables ({len(steps)})"
    return f"update Officina's own tables ({count(len(steps), 'change')})"


def _indexes(steps: list[Step]) -> str:
    if len(steps) == 1:
        return steps[0].describe()
    added = sum(isinstance(step, AddIndex) for step in steps)
    removed = len(steps) - added
    parts = [count(added, "added", "added")] if added else []
    parts += [count(removed, "removed", "removed")] if removed else []
    return f"update the search indexes of `{steps[0].table}` ({', '.join(parts)})"


def build_plan(
    connection: Connection,
    schema: Schema,
    *,
    allow_destructive: bool = False,
    when: dt.datetime | None = None,
    history: History | None = None,
    with_archived: bool = True,
    check: bool = True,
) -> Plan:
    """Compare, then check every step against the stored data (unless
    `check` is false); the plan lists what is refused."""
    when = when or now()
    history = history if history is not None else read_history(connection)
    comparison = compare(connection, schema.metadata, history, when)
    survey = Survey(connection, comparison.tables)
    steps = sorted(comparison.steps, key=lambda step: step.phase)
    refusals: list[str] = []
    for step in steps if check else ():
        refusals.extend(step.check(survey))
    blocked = bool(refusals)
    if not allow_destructive:
        refusals.extend(step.permission() for step in steps if step.destructive)
    return Plan(
        steps=steps,
        refusals=refusals,
        definitions_version=schema.definitions_version,
        archived=list_archived(connection, survey) if with_archived else [],
        blocked=blocked,
    )


def list_archived(connection: Connection, survey: Survey) -> list[Archived]:
    """Every archived table and column in the database, with its count."""
    inspector = inspect(connection)
    found: list[Archived] = []
    for name in sorted(inspector.get_table_names()):
        if is_archived(name):
            rows = survey.count_values(name, "id")
            found.append(Archived(name, name, False, rows))
            continue
        for column in inspector.get_columns(name):
            if is_archived(column["name"]):
                values = survey.count_values(name, column["name"])
                found.append(Archived(name, column["name"], True, values))
    return found


def now() -> dt.datetime:
    """The time a migration is stamped with: UTC, whole seconds."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
