"""Checks the literal records a pack ships (seed and demo data).

The records service checks every value again when the records are written;
checking here means a broken seed file is reported by `officina validate`,
with its line, before anything is installed.
"""

from __future__ import annotations

import re
import warnings

from officina.definitions import language as lang
from officina.definitions.build_fields import literal_problem
from officina.definitions.context import BuildContext
from officina.definitions.model import Entity, Field
from officina.definitions.source import Mapping, Sequence


def check_record(
    ctx: BuildContext, entities, entity: Entity, record: Mapping, location, what: str
) -> None:
    """Every value of one literal record, and its required fields."""
    for name, value in record.items():
        field = entity.fields.get(name)
        where = record.value_at(name)
        if field is None:
            if name in lang.SYSTEM_FIELDS or name in lang.CHILD_SYSTEM_FIELDS:
                ctx.error(
                    record.key_at(name),
                    f"{what}: '{name}' is kept by the system and cannot be given",
                    "remove it",
                )
            else:
                ctx.unknown(record.key_at(name), "field", name, entity.fields, what)
            continue
        if field.formula is not None:
            ctx.error(
                record.key_at(name),
                f"{what}: '{name}' is computed by a formula and cannot be given",
                "remove it",
            )
            continue
        if value is None:
            continue
        if field.type == "table":
            _rows(ctx, entities, field, value, where, what)
            continue
        problem = _problem(field, value)
        if problem:
            ctx.error(where, f"{what}: '{name}' {problem}")
    for name, field in entity.fields.items():
        if (
            field.required
            and name not in record
            and field.default is None
            and field.formula is None
            and field.copy_from is None
            and not field.system
            and field.type not in ("autonumber", "table")
        ):
            ctx.error(
                location,
                f"{what} lacks the required field '{name}'",
                f"add '{name}: ...'",
            )


def _rows(ctx, entities, field: Field, value, location, what) -> None:
    child = entities.get(field.of)
    if not isinstance(value, Sequence):
        ctx.error(
            location,
            f"{what}: '{field.name}' takes a list of rows",
            f"write {field.name}: [{{...}}, {{...}}]",
        )
        return
    if child is None:
        return
    for index, row in enumerate(value):
        row_location = value.item_at(index)
        row_what = f"{what}, row {index + 1} of '{field.name}'"
        if not isinstance(row, Mapping):
            ctx.error(row_location, f"{row_what} must be a mapping of field values")
            continue
        check_record(ctx, entities, child, row, row_location, row_what)


def _problem(field: Field, value) -> str:
    if field.type == "reference":
        if isinstance(value, bool) or not isinstance(value, str | int):
            return (
                "must name the referenced record by its key (e.g. its code), "
                f"not {value!r}"
            )
        return ""
    if field.type in ("attachment", "json"):
        return ""
    problem = literal_problem(value, field.type, field.option_values)
    if problem:
        return problem
    if isinstance(value, str):
        if field.max_length is not None and len(value) > field.max_length:
            return f"is longer than {field.max_length} characters"
        if field.min_length is not None and len(value) < field.min_length:
            return f"is shorter than {field.min_length} characters"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                matches = not field.pattern or re.fullmatch(field.pattern, value)
            if not matches:
                return f"'{value}' does not match the pattern {field.pattern}"
        except re.error:
            pass  # the pattern itself is reported where it is defined
    if isinstance(value, int | float) and not isinstance(value, bool):
        if isinstance(field.min, int | float) and value < field.min:
            return f"is {value}, below the minimum {field.min}"
        if isinstance(field.max, int | float) and value > field.max:
            return f"is {value}, above the maximum {field.max}"
    return ""
