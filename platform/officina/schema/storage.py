"""How a column stores its values, independent of the database engine.

Alembic compares SQL types, which is not enough to keep data intact: on
SQLite an integer, a money amount with two decimal places and one with three
are all INTEGER columns, yet moving from one to another must rescale every
stored value. A `Storage` names the representation exactly
(`decimal(18,2)`, `string(120)`, `integer(64)`...); the migration history
records it for every column, so a change Alembic cannot see is still found
and converted value by value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
from sqlalchemy.types import TypeEngine

from officina.schema.column_types import ExactDecimal, UTCDateTime

FAMILIES = (
    "string",
    "text",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "time",
    "json",
)
_KEY = re.compile(r"^([a-z]+)(?:\((\d+)(?:,(\d+))?\))?$")


@dataclass(frozen=True)
class Storage:
    """A column's value representation: a family and its size parameters.

    `size` is a string's maximum length or an integer's bits; `scale` is a
    decimal's places (its precision is then `size`).
    """

    family: str
    size: int | None = None
    scale: int | None = None

    @property
    def key(self) -> str:
        """`decimal(18,2)`, `string(120)`, `text`: stable, stored as JSON."""
        if self.family == "decimal":
            return f"decimal({self.size},{self.scale})"
        if self.size is not None:
            return f"{self.family}({self.size})"
        return self.family

    @classmethod
    def parse(cls, key: str) -> Storage | None:
        match = _KEY.match(key or "")
        if not match or match.group(1) not in FAMILIES:
            return None
        family, size, scale = match.groups()
        return cls(
            family,
            int(size) if size else None,
            int(scale) if scale is not None else None,
        )

    def sql_type(self) -> TypeEngine:
        """A type that reads and writes values in this representation."""
        if self.family == "string":
            return String(self.size)
        if self.family == "text":
            return Text()
        if self.family == "integer":
            return {16: SmallInteger, 32: Integer}.get(self.size or 64, BigInteger)()
        if self.family == "decimal":
            return ExactDecimal(self.size or 18, self.scale or 0)
        if self.family == "boolean":
            return Boolean(create_constraint=False)
        if self.family == "date":
            return Date()
        if self.family == "datetime":
            return UTCDateTime()
        if self.family == "time":
            return Time()
        return JSON()

    def __str__(self) -> str:
        return self.key


def storage_of_type(sql_type: TypeEngine) -> Storage | None:
    """The storage of a SQLAlchemy type: one Officina declares, or one
    reflected from the database (None when Officina does not know it)."""
    if isinstance(sql_type, ExactDecimal):
        return Storage("decimal", sql_type.precision, sql_type.scale)
    if isinstance(sql_type, UTCDateTime):
        return Storage("datetime")
    if isinstance(sql_type, Text):
        return Storage("text")
    if isinstance(sql_type, String):
        if sql_type.length is None:
            return Storage("text")
        return Storage("string", sql_type.length)
    if isinstance(sql_type, SmallInteger):
        return Storage("integer", 16)
    if isinstance(sql_type, BigInteger):
        return Storage("integer", 64)
    if isinstance(sql_type, Integer):
        return Storage("integer", 32)
    if isinstance(sql_type, Numeric):
        return Storage("decimal", sql_type.precision or 18, sql_type.scale or 0)
    if isinstance(sql_type, Boolean):
        return Storage("boolean")
    if isinstance(sql_type, DateTime):
        return Storage("datetime")
    if isinstance(sql_type, Date):
        return Storage("date")
    if isinstance(sql_type, Time):
        return Storage("time")
    if isinstance(sql_type, JSON):
        return Storage("json")
    return None


def type_words(field_type: str | None, storage: Storage, other: Storage) -> str:
    """How a user names the type: the field type, with the size when only
    the size changes (`string of up to 120 characters`)."""
    word = field_type or storage.family
    if storage.family != other.family:
        return word
    if storage.family == "string" and storage.size != other.size:
        return f"{word} of up to {storage.size:,} characters"
    if storage.family == "decimal":
        if storage.scale != other.scale:
            places = "place" if storage.scale == 1 else "places"
            return f"{word} with {storage.scale} decimal {places}"
        if storage.size != other.size:
            return f"{word} of {storage.size} digits"
    if storage.family == "integer" and storage.size != other.size:
        return f"{word} of {storage.size} bits"
    return word
