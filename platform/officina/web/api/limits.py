"""Whole numbers too large for their columns, refused before the write.

Stopgap: `records.coercion` accepts any Python int, and the database then
fails (`bigint out of range` on PostgreSQL, OverflowError on SQLite) with a
500. Until the records service checks the range itself, the API does, for
the record's fields and its child rows, and answers with the same `errors`
shape as a RecordInvalid.
"""

from __future__ import annotations

from officina.definitions import Definitions
from officina.definitions.model import Entity

BIGINT = 2**63 - 1
_LIMITS = {"integer": BIGINT, "reference": BIGINT, "rating": 32767}


def range_problems(definitions: Definitions, entity: Entity, values: dict) -> dict:
    """{"fields": ..., "rows": ..., "record": []} of numbers out of range."""
    fields: dict = {}
    rows: dict = {}
    for name, value in values.items():
        field = entity.fields.get(name)
        if field is None:
            continue
        if field.type == "table" and isinstance(value, list):
            child = definitions.entities[field.of]
            for index, row in enumerate(value):
                if isinstance(row, dict):
                    found = _too_large(child, row)
                    if found:
                        rows.setdefault(name, {})[str(index)] = found
        else:
            fields |= _too_large(entity, {name: value})
    return {"fields": fields, "rows": rows, "record": []} if fields or rows else {}


def _too_large(entity: Entity, values: dict) -> dict:
    found = {}
    for name, value in values.items():
        field = entity.fields.get(name)
        limit = _LIMITS.get(field.type) if field is not None else None
        if (
            limit is not None
            and isinstance(value, int)
            and not isinstance(value, bool)
            and abs(value) > limit
        ):
            found[name] = [f"is too large (at most {limit})"]
    return found
