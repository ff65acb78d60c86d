"""Checks the literal records a pack ships (seed and demo data).

The records service checks every value again when the records are written;
checking here means a broken seed file is reported by `officina validate`,
with its line, before anything is installed.

Besides literal values a seed record may hold:

* values written as expressions (`placed_at: "=add_days(now(), -37)"`),
  checked here and evaluated when the records are loaded; expressions that
  differ only in their numbers are checked once (`expressions.shapes`);
* `created_at`, the time the record was made, for records of the past;
* a reference to a row of a table (an order line) as a mapping naming its
  parent record and the row's values: `{order: DEMO-1001, product: PH-1}`;
* a reference to a user (the site's login) as the user's e-mail.
"""

from __future__ import annotations

import re
import warnings

from officina.definitions import language as lang
from officina.definitions.build_fields import literal_problem, value_mismatch
from officina.definitions.context import BuildContext
from officina.definitions.model import Entity, Field
from officina.definitions.source import Mapping, Sequence
from officina.errors import a
from officina.expressions import shapes

# A seed record of the past says when it was made (its other system fields
# are kept by the system).
CREATED_AT = "created_at"


def check_record(
    ctx: BuildContext,
    entities,
    entity: Entity,
    record: Mapping,
    location,
    what: str,
    *,
    complete: bool = True,
) -> None:
    """Every value of one literal record, and (when it is `complete`, not
    values written into a record that is there) its required fields."""
    for name, value in record.items():
        field = entity.fields.get(name)
        where = record.value_at(name)
        if field is None and name == CREATED_AT and not entity.is_child:
            _created_at(ctx, value, where, what)
            continue
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
        if is_expression(value):
            if field.type in ("reference", "attachment"):
                ctx.error(
                    where,
                    f"{what}: '{name}' is {a(field.type)} field, whose value cannot "
                    "be an expression",
                    "name the record by its key, e.g. its code"
                    if field.type == "reference"
                    else "remove the value",
                )
            else:
                expression_problem(
                    ctx, value[1:], field.type, where, f"{what}: '{name}'"
                )
            continue
        if isinstance(value, str) and value.startswith("=="):
            value = value[1:]  # text that starts with '='
        target = entities.get(field.to) if field.type == "reference" else None
        if target is not None and target.is_child and isinstance(value, Mapping):
            _row_reference(ctx, entities, target, value, where, f"{what}: '{name}'")
            continue
        problem = _problem(field, value)
        if problem:
            ctx.error(where, f"{what}: '{name}' {problem}")
    for name, field in entity.fields.items() if complete else ():
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


def is_expression(value) -> bool:
    """Whether a seed value is written as an expression ('=...'); '==' starts
    text that begins with '='."""
    return isinstance(value, str) and value.startswith("=") and value[1:2] != "="


def expression_problem(ctx: BuildContext, source: str, kind: str, location, what):
    """Check a value written as an expression for a field of `kind`: only
    functions to call (no fields: there is no record yet), a fitting result."""
    text = source.strip()
    if "{{" in text or "{%" in text:
        ctx.error(
            location,
            f"{what}: an expression starting with '=' is written without {{{{ }}}}",
            f"write '={text.replace('{{', '').replace('}}', '').strip()}'",
        )
        return
    form, numbers = shapes.shape(text)
    known = ctx.seed_expressions.get(form)
    if known is None and form not in ctx.seed_expressions:
        known, problems = ctx.checker.check(form, shapes.scope(numbers))
        ctx.seed_expressions[form] = known
    if known is None:
        # Said again of the source as written, so the message quotes it.
        ctx.expression(text, location, {}, what)
        return
    produced = getattr(known.result, "kind", "any")
    if value_mismatch(produced, kind):
        ctx.error(
            location,
            f"{what} is {a(kind)} field, but the expression gives {a(produced)} value",
            "e.g. '=add_days(today(), -3)' for a date, "
            "'=add_hours(now(), -5)' for a date and time",
        )


def _created_at(ctx: BuildContext, value, location, what: str) -> None:
    if is_expression(value):
        expression_problem(
            ctx, value[1:], "datetime", location, f"{what}: 'created_at'"
        )
        return
    problem = literal_problem(value, "datetime")
    if problem:
        ctx.error(
            location,
            f"{what}: 'created_at' {problem}",
            "write when the record was made, e.g. 2026-01-31T09:30:00 or "
            "'=add_days(now(), -3)'",
        )


def _row_reference(ctx, entities, target: Entity, value: Mapping, location, what):
    """A row named by its parent record's key and values of its fields."""
    parent = target.parent
    fields = [name for name, field in target.fields.items() if not field.system]
    example = fields[0] if fields else "field"
    if parent not in value:
        ctx.error(
            location,
            f"{what} names a row of '{parent}' without its {parent}",
            f"write {{{parent}: KEY, {example}: ...}}: the {parent} by its seed "
            "key, then values that tell its rows apart",
        )
    elif len(value) < 2:
        ctx.error(
            location,
            f"{what} names {a(parent)} but not which of its rows",
            f"add a value of the row, e.g. {{{parent}: {value[parent]}, "
            f"{example}: ...}}",
        )
    for name in value:
        if name != parent and name not in target.fields:
            ctx.unknown(
                value.key_at(name),
                "field",
                name,
                [parent, *fields],
                f"{what} (a row of '{parent}')",
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
    if field.type == "reference" and field.to == "user":
        if not isinstance(value, str) or "@" not in value:
            return (
                f"must name the user by e-mail (e.g. customer@example.com), "
                f"not {value!r}"
            )
        return ""
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
