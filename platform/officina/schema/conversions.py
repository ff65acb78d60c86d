"""Converting stored values from one storage to another, exactly or not at all.

A conversion is a Python function from a value as read with the old storage
to the value written with the new one. It raises `NotConvertible` rather
than round, truncate or guess: the migration counts those values and refuses
the change, naming the records to correct. The same function both checks
(when planning) and converts (when migrating), so what the plan promises is
what happens.

Blank text becomes an empty value (NULL) when text turns into a number, a
date or a yes/no; the plan says how many.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from officina.schema.storage import Storage

Converter = Callable[[Any], Any]
TEXTUAL = ("string", "text")
_INTEGER_TEXT = re.compile(r"^\s*[+-]?[0-9]+\s*$")
_DECIMAL_TEXT = re.compile(r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$")
_TRUE = ("true", "yes", "y", "t", "1")
_FALSE = ("false", "no", "n", "f", "0")


class NotConvertible(ValueError):
    """A value that cannot become the new type; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def converter(old: Storage, new: Storage) -> Converter | None:
    """The conversion from `old` to `new`, or None when Officina has none."""
    if old == new:
        return _same
    read = _reader(old.family, new.family)
    if read is None:
        return None
    fit = _fitter(new)

    def convert(value: Any) -> Any:
        if value is None:
            return None
        value = read(value)
        return None if value is None else fit(value)

    return convert


def _same(value: Any) -> Any:
    return value


def _reader(old: str, new: str) -> Converter | None:
    if new in TEXTUAL:
        return _TO_TEXT.get(old)
    if old in TEXTUAL:
        parse = _FROM_TEXT.get(new)
        return None if parse is None else _unless_blank(parse)
    if old == new:
        return _same
    return _BETWEEN.get((old, new))


def _unless_blank(parse: Converter) -> Converter:
    def read(value: str) -> Any:
        return None if not str(value).strip() else parse(str(value))

    return read


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


def _iso(value) -> str:
    return value.isoformat()


_TO_TEXT: dict[str, Converter] = {
    "string": str,
    "text": str,
    "integer": str,
    "decimal": _decimal_text,
    "boolean": lambda value: "true" if value else "false",
    "date": _iso,
    "datetime": _iso,
    "time": _iso,
}


def _integer_from_text(text: str) -> int:
    if not _INTEGER_TEXT.match(text):
        raise NotConvertible("is not a whole number")
    return int(text)


def _decimal_from_text(text: str) -> Decimal:
    if not _DECIMAL_TEXT.match(text):
        raise NotConvertible("is not a number")
    return Decimal(text.strip())


def _boolean_from_text(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise NotConvertible("is not yes or no (true, false, yes, no, 1, 0)")


def _iso_parser(kind: type, what: str) -> Converter:
    def parse(text: str):
        try:
            return kind.fromisoformat(text.strip())
        except ValueError:
            raise NotConvertible(f"is not {what}") from None

    return parse


_FROM_TEXT: dict[str, Converter] = {
    "integer": _integer_from_text,
    "decimal": _decimal_from_text,
    "boolean": _boolean_from_text,
    "date": _iso_parser(dt.date, "a date written as YYYY-MM-DD"),
    "datetime": _iso_parser(dt.datetime, "a date and time written as ISO 8601"),
    "time": _iso_parser(dt.time, "a time written as HH:MM[:SS]"),
}


def _integer_from_decimal(value: Decimal) -> int:
    if value != value.to_integral_value():
        raise NotConvertible("has decimal places")
    return int(value)


def _boolean_from_number(value) -> bool:
    if value in (0, 1):
        return bool(value)
    raise NotConvertible("is neither 0 nor 1")


def _date_from_datetime(value: dt.datetime) -> dt.date:
    if value.timetz().replace(tzinfo=None) != dt.time():
        raise NotConvertible("has a time of day")
    return value.date()


_BETWEEN: dict[tuple[str, str], Converter] = {
    ("integer", "decimal"): Decimal,
    ("decimal", "integer"): _integer_from_decimal,
    ("boolean", "integer"): int,
    ("integer", "boolean"): _boolean_from_number,
    ("decimal", "boolean"): _boolean_from_number,
    ("boolean", "decimal"): lambda value: Decimal(int(value)),
    ("date", "datetime"): lambda value: dt.datetime.combine(
        value, dt.time(), tzinfo=dt.UTC
    ),
    ("datetime", "date"): _date_from_datetime,
}


def _fitter(new: Storage) -> Converter:
    """Checks that a converted value fits the new storage's size."""
    if new.family == "string" and new.size:
        limit = new.size

        def fit_length(value: str) -> str:
            if len(value) > limit:
                raise NotConvertible(f"is longer than {limit:,} characters")
            return value

        return fit_length
    if new.family == "integer":
        bits = new.size or 64
        largest = 2 ** (bits - 1) - 1

        def fit_range(value: int) -> int:
            if not -largest <= value <= largest:
                raise NotConvertible(f"is too large for {bits}-bit integers")
            return value

        return fit_range
    if new.family == "decimal":
        return _decimal_fitter(new.size or 18, new.scale or 0)
    return _same


def _decimal_fitter(precision: int, scale: int) -> Converter:
    quantum = Decimal(1).scaleb(-scale)
    whole_digits = precision - scale

    def fit(value: Decimal) -> Decimal:
        try:
            exact = value.quantize(quantum)
        except InvalidOperation:
            raise NotConvertible(f"has more than {precision} digits") from None
        if exact != value:
            places = "place" if scale == 1 else "places"
            raise NotConvertible(f"has more than {scale} decimal {places}")
        if len(str(abs(int(exact)))) > whole_digits and int(exact) != 0:
            raise NotConvertible(
                f"has more than {whole_digits} digits before the decimal point"
            )
        return exact

    return fit


def literal(value: Any, storage: Storage) -> Any:
    """A default written in YAML as a value of `storage`; NotConvertible
    when it is not one."""
    if value is None or storage.family == "json":
        return value
    if storage.family in TEXTUAL:
        return str(value)
    if isinstance(value, str):
        return converter(Storage("text"), storage)(value)
    if storage.family == "decimal" and not isinstance(value, bool):
        return _fitter(storage)(Decimal(str(value)))
    if storage.family == "integer" and isinstance(value, float | Decimal):
        return _fitter(storage)(_integer_from_decimal(Decimal(str(value))))
    return value
