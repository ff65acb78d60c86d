"""`visible_when`, `required_when` and `readonly_when` for values being
typed: the server works them out (the same expressions the records service
checks), so the browser only shows the answer."""

from __future__ import annotations

from officina.definitions.model import Entity
from officina.records.coercion import coerce
from officina.records.context import RecordCache, record_context


def has_conditions(entity: Entity) -> bool:
    return any(
        f.visible_when or f.required_when or f.readonly_when
        for f in entity.fields.values()
    )


def evaluate_conditions(runtime, entity: Entity, values: dict, actor) -> dict:
    """{field: {"visible", "required", "readonly"}} for fields with conditions."""
    if not has_conditions(entity):
        return {}
    record = {}
    rows = {}
    for name, field in entity.fields.items():
        value = values.get(name)
        if field.type == "table":
            rows[name] = _rows(runtime, field.of, value)
            continue
        try:
            record[name] = coerce(field, value)
        except (ValueError, ArithmeticError):
            record[name] = None  # not a value yet: the condition sees none
    for key in ("id", "created_at", "created_by", "updated_at", "updated_by"):
        record[key] = values.get(key)
    user = actor.as_context() if actor.id is not None else None
    result = {}
    with runtime.engine.connect() as connection:
        cache = RecordCache(
            connection, runtime.definitions, runtime.schema, runtime.records.moment()
        )
        context = record_context(cache, entity.name, record, rows=rows, user=user)
        for name, field in entity.fields.items():
            if not (field.visible_when or field.required_when or field.readonly_when):
                continue
            result[name] = {
                "visible": field.visible_when is None
                or _met(field.visible_when, context),
                "required": field.required or _met(field.required_when, context),
                "readonly": _met(field.readonly_when, context),
            }
    return result


def _rows(runtime, child: str, value) -> list[dict]:
    if not isinstance(value, list):
        return []
    fields = runtime.definitions.entities[child].fields
    rows = []
    for row in value:
        if not isinstance(row, dict):
            continue
        converted = {}
        for name, field in fields.items():
            try:
                converted[name] = coerce(field, row.get(name))
            except (ValueError, ArithmeticError):
                converted[name] = None
        rows.append(converted)
    return rows


def _met(expression, context) -> bool:
    if expression is None:
        return False
    try:
        return bool(expression.evaluate(context))
    except Exception:  # noqa: BLE001 - a condition that fails is not met
        return False
