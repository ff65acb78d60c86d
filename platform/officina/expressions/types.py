"""Static types the checker gives to names in an expression.

They are deliberately coarse: enough to say "entity 'customer' has no field
'emial'" or "'lines' holds many rows; use sum(lines.amount)" at load time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Value:
    """A single value: kind is text, number, boolean, date, datetime, time,
    list, file or any. `options` lists the allowed values of a choice."""

    kind: str = "any"
    options: frozenset | None = field(default=None, compare=False)
    field: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Record:
    """One record of `entity`: its fields are reachable with a dot."""

    entity: str


@dataclass(frozen=True)
class Rows:
    """The child rows of a table field (or the records of a lookup)."""

    entity: str


@dataclass(frozen=True)
class Column:
    """One field taken from many rows, e.g. `lines.amount`: aggregate it."""

    of: Value | Record
    source: str


ANY = Value("any")
Type = Value | Record | Rows | Column

# entity name -> {field name: Type}; None when the entity is unknown.
FieldResolver = Callable[[str], Mapping[str, Type] | None]


def describe(kind: Type) -> str:
    if isinstance(kind, Record):
        return f"a record of '{kind.entity}'"
    if isinstance(kind, Rows):
        return f"rows of '{kind.entity}'"
    if isinstance(kind, Column):
        return f"a column of many rows ({kind.source})"
    return {"any": "a value", "list": "a list"}.get(kind.kind, f"a {kind.kind} value")
