"""Records as JSON: exact decimals as strings, dates in ISO 8601.

Flask's default JSON provider writes dates as HTTP dates and decimals as
floats-in-disguise; the API converts values itself before they reach it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import Response, current_app

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


# Field types whose values hold documents or rows: records with them go
# through `jsonable`, which also drops the row columns inside them.
_NESTED_TYPES = frozenset({"json", "attachment", "table"})


def flat(entity, records: list[dict], expanded) -> bool:
    """Whether `jsonable(records)` would only convert values (no key of any
    record dropped, nothing nested): then `response` can encode them as
    they are."""
    if expanded or any(f.type in _NESTED_TYPES for f in entity.fields.values()):
        return False
    if not records:
        return True
    keys = records[0].keys()
    if any(key in _ROW_COLUMNS or key.startswith("_") for key in keys):
        return False
    return all(record.keys() == keys for record in records)


def response(body, status: int = 200) -> Response:
    """`body` answered as `jsonify(jsonable(body))` would answer it, but with
    Decimals, dates and times converted by the encoder as it meets them:
    a page of records is not copied first. Only for bodies whose records
    are `flat`."""
    provider = current_app.json
    if (provider.compact is None and current_app.debug) or provider.compact is False:
        options: dict = {"indent": 2}
    else:
        options = {"separators": (",", ":")}
    text = provider.dumps(body, default=_encode_value, **options)
    return current_app.response_class(
        f"{text}\n", status=status, mimetype=provider.mimetype
    )


def _encode_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return [jsonable(item) for item in value]
    return current_app.json.default(value)
