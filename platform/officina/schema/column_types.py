"""SQL column types for Officina's field types, exact on every engine.

Money and decimals are never floats: PostgreSQL stores them as NUMERIC; on
SQLite, whose NUMERIC is a float in disguise, they are stored as integers
scaled by their decimal places (12.34 as 1234), which keeps them exact,
sortable and comparable in SQL. Datetimes are stored in UTC and always come
back with their time zone.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
)
from sqlalchemy.types import TypeDecorator, TypeEngine

from officina.definitions.model import Field


class ExactDecimal(TypeDecorator):
    """A decimal with fixed scale: NUMERIC(p, s), or a scaled integer on SQLite."""

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int = 18, scale: int = 2):
        super().__init__(precision, scale)
        self.precision = precision
        self.scale = scale
        self._factor = Decimal(10) ** scale
        self._quantum = Decimal(1).scaleb(-scale)

    def load_dialect_impl(self, dialect) -> TypeEngine:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(
            Numeric(self.precision, self.scale, asdecimal=True)
        )

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        number = _decimal(value).quantize(self._quantum)
        if dialect.name == "sqlite":
            return int(number * self._factor)
        return number

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)  # exact: 1250 -> 12.50
        return Decimal(value).quantize(self._quantum)

    @property
    def python_type(self):
        return Decimal


class UTCDateTime(TypeDecorator):
    """A datetime stored in UTC that always comes back time-zone aware."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @property
    def python_type(self):
        return dt.datetime


def _decimal(value) -> Decimal:
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None


def column_type(field: Field) -> TypeEngine:
    """The SQL type of a stored field."""
    kind = field.type
    if kind in ("string", "email", "phone", "url"):
        return String(field.max_length or 255)
    if kind == "autonumber":
        return String(64)
    if kind == "text":
        return Text()
    if kind == "integer":
        return BigInteger()
    if kind == "rating":
        return SmallInteger()
    if kind in ("decimal", "money", "percent"):
        return ExactDecimal(
            field.precision or 18, field.scale if field.scale is not None else 2
        )
    if kind == "boolean":
        return Boolean(create_constraint=False)
    if kind == "date":
        return Date()
    if kind == "datetime":
        return UTCDateTime()
    if kind == "time":
        return Time()
    if kind == "choice":
        if field.options and all(
            isinstance(o.value, int) and not isinstance(o.value, bool)
            for o in field.options
        ):
            return Integer()
        return String(
            max(64, *(len(str(o.value)) for o in field.options))
            if field.options
            else 64
        )
    if kind == "reference":
        return BigInteger()
    if kind in ("multi_choice", "attachment", "json"):
        return JSON()
    raise ValueError(f"the field type '{kind}' has no column")  # pragma: no cover
