"""Values the records service fills in: defaults, copies from referenced
records, and formulas (stored, recomputed on every write of the record)."""

from __future__ import annotations

from graphlib import TopologicalSorter

from officina.definitions.model import Entity, Field
from officina.expressions import Expression
from officina.records.coercion import coerce
from officina.records.context import RecordCache


def formula_order(entity: Entity) -> list[Field]:
    """Formula fields of `entity`, each after the formulas it reads."""
    formulas = {f.name: f for f in entity.fields.values() if f.formula is not None}
    graph = {
        name: {path[0] for path in field.formula.reads if path[0] in formulas}
        for name, field in formulas.items()
    }
    return [formulas[name] for name in TopologicalSorter(graph).static_order()]


def evaluate_value(field: Field, expression: Expression, context: dict):
    """An expression's value stored in `field`, converted to its type."""
    try:
        value = expression.evaluate(context)
    except TypeError:
        # Arithmetic on an empty value (qty * an empty price): empty, as in
        # a spreadsheet, rather than an error.
        return None
    if value is None:
        return None
    try:
        return coerce(field, _plain(value))
    except ValueError:
        if field.type in ("decimal", "money", "percent") and field.scale is not None:
            from decimal import ROUND_HALF_UP, Decimal

            quantum = Decimal(1).scaleb(-field.scale)
            return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
        raise


def _plain(value):
    """Records reached through a reference are stored by id."""
    identity = getattr(value, "id", None)
    if identity is not None and not isinstance(value, int | float | str):
        return identity
    return value


def apply_defaults(entity: Entity, values: dict, given: set[str], context_for) -> None:
    """Defaults for fields not given on a new record."""
    for name, field in entity.fields.items():
        if name in given or field.default is None or not field.stored:
            continue
        if isinstance(field.default, Expression):
            values[name] = evaluate_value(field, field.default, context_for())
        else:
            values[name] = coerce(field, field.default)


def apply_copies(
    entity: Entity, values: dict, given: set[str], changed: set[str], cache: RecordCache
) -> None:
    """`copy_from` values: taken when the reference is set or changes, unless
    the value itself was given in the same write."""
    for name, field in entity.fields.items():
        if field.copy_from is None or name in given:
            continue
        reference, source = field.copy_from
        if reference not in changed and values.get(name) is not None:
            continue
        target_id = values.get(reference)
        if target_id is None:
            continue
        target_entity = entity.fields[reference].to
        record = cache.get(target_entity, target_id)
        if record is not None:
            values[name] = record.get(source)


def apply_formulas(order: list[Field], values: dict, context_for) -> None:
    """Recompute every formula, in dependency order. The context is made
    once: each formula's value (never a reference) is put into it for the
    formulas after it."""
    context = None
    for field in order:
        if context is None:
            context = context_for()
        value = evaluate_value(field, field.formula, context)
        values[field.name] = context[field.name] = value
