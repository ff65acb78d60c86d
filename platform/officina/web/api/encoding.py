"""Records as JSON: exact decimals as strings, dates in ISO 8601.

Flask's default JSON provider writes dates as HTTP dates and decimals as
floats-in-disguise; the API converts values itself before they reach it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

# Columns of child rows that say where a row belongs; the API's caller
# knows that from the record the rows sit in.
_ROW_COLUMNS = ("parent_id",)


def jsonable(value: Any) -> Any:
    """`value` with every Decimal, date, datetime and time made JSON text."""
    if isinstance(value, dict):
        return _record(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _record(record: dict) -> dict:
    # A page holds thousands of values: plain ones are copied as they are,
    # and only the few that need it are converted (no call per value).
    result = {}
    for key, item in record.items():
        if key in _ROW_COLUMNS or key.startswith("_"):
            continue
        kind = type(item)
        if item is None or kind is str or kind is int or kind is bool:
            result[key] = item
        elif kind is Decimal:
            result[key] = str(item)
        elif isinstance(item, dt.date | dt.time):
            result[key] = item.isoformat()
        else:
            result[key] = jsonable(item)
    return result
