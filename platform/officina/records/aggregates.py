"""`sum_of()` and `count_of()` of the expression language: a total over the
records of any entity that match a filter, read in the write's connection
(so a rule sees the records its own change has just written).

The filter is the mapping an expression builds, in the form of definition
filters: `{'product': product, 'kind': 'shipment', 'booked_at': {'gte':
add_days(now(), -30)}}` — a value means "equal", a list "one of", a mapping
gives operators.
"""

from __future__ import annotations

from collections.abc import Mapping

from jinja2 import Undefined
from sqlalchemy import and_, func, or_, select, true

from officina.expressions.runtime import Row
from officina.records.coercion import coerce
from officina.records.errors import RecordError

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between", "empty")


class AggregateError(RecordError):
    """A sum_of() / count_of() that cannot be computed; the message says why."""

    status = 422


def aggregate(cache, entity: str, field: str | None, where) -> object:
    """The sum of `field` (or, without a field, the number) of the `entity`
    records matching `where`; 0 when none match."""
    model = cache.definitions.entities.get(entity)
    if model is None:
        raise AggregateError(f"sum_of()/count_of(): there is no entity '{entity}'")
    table = cache.schema.table(entity)
    what = f"count_of('{entity}')" if field is None else f"sum_of('{entity}')"
    if field is None:
        measure = func.count()
    else:
        if field not in table.c:
            raise AggregateError(f"{what}: '{entity}' has no field '{field}'")
        measure = func.coalesce(func.sum(table.c[field]), 0)
    condition = _condition(model, table, where, what)
    return cache.connection.execute(select(measure).where(condition)).scalar()


def _condition(model, table, where, what: str):
    if where is None or isinstance(where, Undefined):
        return true()
    if not isinstance(where, Mapping):
        raise AggregateError(
            f"{what}: the filter must be a mapping such as {{'status': 'open'}}"
        )
    parts = []
    for name, condition in where.items():
        if name not in table.c:
            raise AggregateError(f"{what}: '{model.name}' has no field '{name}'")
        field = model.fields.get(name)
        column = table.c[name]
        if isinstance(condition, Mapping):
            for operator, value in condition.items():
                parts.append(_one(field, column, operator, value, what))
        elif isinstance(condition, list | tuple):
            parts.append(_one(field, column, "in", condition, what))
        else:
            parts.append(_one(field, column, "eq", condition, what))
    return and_(true(), *parts)


def _one(field, column, operator: str, value, what: str):
    if operator not in OPERATORS:
        raise AggregateError(
            f"{what}: '{operator}' is not a filter operator; use one of "
            + ", ".join(OPERATORS)
        )
    if operator == "empty":
        return column.is_(None) if value else column.is_not(None)
    if operator in ("in", "not_in", "between"):
        values = [_value(field, item, what) for item in (value or ())]
        if operator == "between":
            if len(values) != 2 or None in values:
                raise AggregateError(f"{what}: 'between' takes two values")
            return and_(column >= values[0], column <= values[1])
        clause = column.in_(values)
        return clause if operator == "in" else or_(~clause, column.is_(None))
    converted = _value(field, value, what)
    if operator == "eq":
        return column.is_(None) if converted is None else column == converted
    if operator == "ne":
        if converted is None:
            return column.is_not(None)
        return or_(column != converted, column.is_(None))
    if converted is None:
        raise AggregateError(f"{what}: '{operator}' needs a value")
    return {
        "gt": column.__gt__,
        "gte": column.__ge__,
        "lt": column.__lt__,
        "lte": column.__le__,
    }[operator](converted)


def _value(field, value, what: str):
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Row):
        value = getattr(value, "id", None)
    if field is None or value is None:
        return value
    if field.type == "reference":
        return value
    try:
        return coerce(field, value)
    except ValueError as error:
        raise AggregateError(f"{what}: '{field.name}' {error}") from None
