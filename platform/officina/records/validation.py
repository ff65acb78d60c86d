"""Validation of a record about to be written: every problem, at once.

Field by field (required, required_when, lengths, ranges, pattern, options,
the check of a plugin's field type), then the entity's own validations,
then what needs the database: unique values and references that must exist
(one query per referenced entity).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Connection, and_, bindparam, func, select

from officina.definitions.model import Entity, Field
from officina.expressions import Expression
from officina.records.coercion import is_empty
from officina.records.errors import Problems
from officina.schema.tables import constraint_name

Report = Callable[[str | None, str], None]


def _bound(bound, context_for):
    if isinstance(bound, Expression):
        return bound.evaluate(context_for())
    return bound


def _condition(expression: Expression | None, context_for) -> bool:
    if expression is None:
        return False
    try:
        return bool(expression.evaluate(context_for()))
    except Exception:  # noqa: BLE001 - a condition that fails is not met
        return False


def check_fields(
    entity: Entity,
    values: dict,
    context_for,
    report: Report,
    *,
    only: set[str] | None = None,
    skip: set[str] = frozenset(),
) -> None:
    """Field-level checks; `only` limits them to the fields written, `skip`
    leaves out fields already reported."""
    for name, field in entity.fields.items():
        if not field.stored or field.system or name in skip:
            continue
        if only is not None and name not in only:
            continue
        value = values.get(name)
        if is_empty(value):
            # Whether it is shown matters only for a field that is required.
            required = field.formula is None and (
                field.required or _condition(field.required_when, context_for)
            )
            if required and (
                field.visible_when is None
                or _condition(field.visible_when, context_for)
            ):
                report(name, "is required")
            continue
        _check_value(field, value, context_for, report)


def _check_value(field: Field, value, context_for, report: Report) -> None:
    name = field.name
    if isinstance(value, str):
        if field.max_length is not None and len(value) > field.max_length:
            report(name, f"is longer than {field.max_length} characters")
        if field.min_length is not None and len(value) < field.min_length:
            report(name, f"is shorter than {field.min_length} characters")
        if field.pattern and not re.fullmatch(field.pattern, value):
            report(name, "is not in the expected form")
    if (
        field.type == "multi_choice"
        and field.min_length is not None
        and len(value) < field.min_length
    ):
        report(name, f"needs at least {field.min_length} choices")
    low, high = _bound(field.min, context_for), _bound(field.max, context_for)
    try:
        if low is not None and value < low:
            report(name, f"must be at least {low}")
        if high is not None and value > high:
            report(name, f"must be at most {high}")
    except TypeError:
        pass  # a bound of another kind (an empty expression result)
    if field.check is not None:
        problem = _plugin_check(field, value)
        if problem:
            report(name, problem)


def _plugin_check(field: Field, value) -> str | None:
    """What the check of a plugin's field type finds wrong with `value`."""
    try:
        problem = field.check(value)
    except Exception as error:  # noqa: BLE001 - a plugin's fault, not the user's
        return (
            f"cannot be checked as a {field.plugin_type} "
            f"({type(error).__name__}: {error}); tell the administrator"
        )
    if not problem:
        return None
    if isinstance(problem, str):
        return problem
    return f"is not a valid {field.plugin_type}"


def check_rows_count(entity: Entity, rows: dict[str, list], report: Report) -> None:
    for name, field in entity.fields.items():
        if field.type != "table" or name not in rows:
            continue
        count = len(rows[name])
        if field.min_rows is not None and count < field.min_rows:
            report(
                name,
                f"needs at least {field.min_rows} "
                f"row{'s' if field.min_rows != 1 else ''}",
            )
        if field.max_rows is not None and count > field.max_rows:
            report(name, f"takes at most {field.max_rows} rows")


def check_validations(
    entity: Entity, context_for, language: str, report: Report
) -> None:
    for validation in entity.validations:
        try:
            passed = validation.check.evaluate(context_for())
        except Exception:  # noqa: BLE001 - a check that cannot run fails
            passed = False
        if not passed:
            message = validation.message.get(language)
            if validation.fields:
                for name in validation.fields:
                    report(name, message)
            else:
                report(None, message)


def check_unique(
    connection: Connection,
    table,
    entity: Entity,
    values: dict,
    record_id,
    changed: set[str],
    report: Report,
    built: Callable | None = None,
) -> None:
    """Unique fields and combinations, with a message instead of an
    IntegrityError (the constraint still guards against races). `built`
    (key, make) keeps the statements, made once per table and columns."""
    for columns in unique_combinations(entity):
        if not set(columns) & changed:
            continue
        if any(values.get(column) is None for column in columns):
            continue

        def make(columns=columns):
            # child uniques are table-wide, like the constraint
            condition = and_(
                *(table.c[c] == bindparam(f"unique_{c}") for c in columns),
                table.c.id != bindparam("unique_id"),
            )
            return select(table.c.id).where(condition).limit(1)

        statement = (built or (lambda _key, build: build()))(
            ("unique", table.name, columns), make
        )
        parameters = {f"unique_{c}": values[c] for c in columns}
        parameters["unique_id"] = record_id if record_id is not None else -1
        taken = connection.execute(statement, parameters).first()
        if taken is not None:
            report_taken(entity, columns, values, report)


def unique_combinations(entity: Entity) -> list[tuple[str, ...]]:
    """The fields (alone or together) whose values no two records share;
    each has a unique constraint of the same columns (see schema.tables)."""
    combinations = [(f.name,) for f in entity.fields.values() if f.unique and f.stored]
    return combinations + list(entity.unique)


def report_taken(entity: Entity, columns, values: dict, report: Report) -> None:
    """The values of `columns` are another record's already."""
    if len(columns) == 1:
        report(
            columns[0],
            f"'{values.get(columns[0])}' is already used by "
            f"another {entity.label.get()}",
        )
        return
    shown = ", ".join(columns)
    for column in columns:
        report(column, f"the combination of {shown} is already used")


def violated_unique(entity: Entity, table: str, error_text: str) -> tuple | None:
    """The unique combination of `entity` a database error refused, if it
    says which: PostgreSQL names the constraint, SQLite its columns."""
    text = error_text.lower()
    failed = text.partition("unique constraint failed:")[2].strip().splitlines()
    for columns in unique_combinations(entity):
        if f'"{constraint_name("uq", table, columns)}"'.lower() in text:
            return columns
        if failed and failed[0] == ", ".join(f"{table}.{c}" for c in columns).lower():
            return columns
    return None


def missing_references(
    connection: Connection, schema, wanted: dict[str, set]
) -> dict[str, set]:
    """Of the ids wanted per entity, those that do not exist."""
    missing: dict[str, set] = {}
    for entity, ids in wanted.items():
        if not ids:
            continue
        table = (
            schema.metadata.tables["officina_user"]
            if entity == "user"
            else schema.table(entity)
        )
        found = set(
            connection.execute(
                select(table.c.id).where(table.c.id.in_(sorted(ids)))
            ).scalars()
        )
        if found != ids:
            missing[entity] = ids - found
    return missing


def count(connection: Connection, table, condition) -> int:
    return connection.execute(
        select(func.count()).select_from(table).where(condition)
    ).scalar_one()


__all__ = [
    "Problems",
    "check_fields",
    "check_rows_count",
    "check_unique",
    "check_validations",
    "missing_references",
    "report_taken",
    "unique_combinations",
    "violated_unique",
]
