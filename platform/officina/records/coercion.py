"""Turning values as they arrive (JSON, form text, YAML) into field values.

`coerce(field, value)` returns the value in the field's Python type, or
raises `ValueError` with a message a user understands ("must be a whole
number"). Empty text counts as no value.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from officina.definitions.model import Field

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}$")
_URL = re.compile(r"^(https?|ftp)://[^\s/$.?#][^\s]*$", re.IGNORECASE)
# The largest whole numbers the database stores (64 bits; ratings 16 bits).
MAX_INTEGER = 2**63 - 1
MAX_RATING = 32_767
_TRUE = {"true", "1", "yes", "on", "y", "t"}
_FALSE = {"false", "0", "no", "off", "n", "f", ""}


def is_empty(value) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, list | tuple | dict) and not value)
    )


def coerce(field: Field, value):
    """`value` as the Python value of `field`, or ValueError saying why not."""
    if is_empty(value) and field.type not in ("boolean", "json"):
        return None
    if _has_nul(value):
        # No database stores it in text (PostgreSQL refuses it outright).
        raise ValueError("may not contain the NUL character")
    kind = field.type
    if kind in ("string", "text", "autonumber"):
        if isinstance(value, dict | list):
            raise ValueError("must be text")
        return str(value).strip() if kind != "text" else str(value)
    if kind == "email":
        text = str(value).strip()
        if not _EMAIL.match(text):
            raise ValueError(f"'{text}' is not an e-mail address")
        return text
    if kind == "phone":
        text = str(value).strip()
        if not _PHONE.match(text):
            raise ValueError(f"'{text}' is not a phone number")
        return text
    if kind == "url":
        text = str(value).strip()
        if not _URL.match(text):
            raise ValueError(f"'{text}' is not a web address (http://...)")
        return text
    if kind == "integer":
        return _bounded(_integer(value), -MAX_INTEGER - 1, MAX_INTEGER)
    if kind == "rating":
        return _bounded(_integer(value), 0, MAX_RATING)
    if kind in ("decimal", "money", "percent"):
        return _decimal(value, field)
    if kind == "boolean":
        return _boolean(value)
    if kind == "date":
        return _date(value)
    if kind == "datetime":
        return _datetime(value)
    if kind == "time":
        return _time(value)
    if kind == "choice":
        return _choice(field, value)
    if kind == "multi_choice":
        values = (
            value
            if isinstance(value, list | tuple)
            else [part.strip() for part in str(value).split(",") if part.strip()]
        )
        return [_choice(field, item) for item in values]
    if kind == "reference":
        if isinstance(value, dict):
            value = value.get("id")
        return _bounded(_integer(value, "must be the id of a record"), 1, MAX_INTEGER)
    if kind == "json":
        return value
    if kind == "attachment":
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError("must be uploaded files")
        return value
    raise ValueError(f"cannot store a value in a {kind} field")  # pragma: no cover


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


def _bounded(number: int, low: int, high: int) -> int:
    """Whole numbers the database can store (64 bits; ratings 16)."""
    if number < low:
        raise ValueError(f"must be at least {low}")
    if number > high:
        raise ValueError("is too large")
    return number


def _integer(value, message: str = "must be a whole number") -> int:
    if isinstance(value, bool):
        raise ValueError(message)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        if value != int(value):
            raise ValueError(message)
        return int(value)
    text = str(value).strip().replace("_", "")
    if re.fullmatch(r"[-+]?\d+", text):
        return int(text)
    raise ValueError(f"{message}, not '{value}'")


def _decimal(value, field: Field) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    try:
        number = (
            Decimal(str(value).strip().replace(",", ""))
            if not isinstance(value, Decimal)
            else value
        )
    except InvalidOperation:
        raise ValueError(f"must be a number, not '{value}'") from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    scale = field.scale if field.scale is not None else 2
    precision = field.precision or 18
    quantum = Decimal(1).scaleb(-scale)
    # The size first: quantizing a huge number would overflow the context.
    if number != 0 and number.adjusted() >= precision - scale:
        raise ValueError(
            f"is too large (at most {precision - scale} digits before the point)"
        )
    try:
        exact = number.quantize(quantum)
    except InvalidOperation:
        raise ValueError(f"may have at most {scale} digits after the point") from None
    if number != exact:
        raise ValueError(f"may have at most {scale} digits after the point")
    return exact


def _boolean(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"must be yes or no, not '{value}'")


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise ValueError(f"'{value}' is not a date like 2026-01-31") from None


def _datetime(value) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip().replace("Z", "+00:00")
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(
                f"'{value}' is not a date and time like 2026-01-31T09:30"
            ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _time(value) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        return dt.time.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"'{value}' is not a time like 09:30") from None


def _choice(field: Field, value):
    for option in field.options:
        if value == option.value or str(value) == str(option.value):
            return option.value
    shown = ", ".join(str(option.value) for option in field.options)
    raise ValueError(f"'{value}' is not one of the options ({shown})")
