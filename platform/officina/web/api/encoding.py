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
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {
            key: jsonable(item)
            for key, item in value.items()
            if key not in _ROW_COLUMNS and not key.startswith("_")
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return value
