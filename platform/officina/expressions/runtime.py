"""Values handed to expressions at run time: records and their child rows.

`Row` exposes a record's fields as attributes and nothing else (no methods
that a field called `items` or `count` could collide with). `Rows` is a
record's child rows: iterate it, count it, or take one field of every row
(`lines.amount`) to aggregate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Row:
    __slots__ = ("_values",)

    def __init__(self, values: Mapping):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("records are read-only in expressions")

    def __eq__(self, other):
        if isinstance(other, Row):
            return self._values.get("id") == other._values.get("id")
        return self._values.get("id") == other

    def __hash__(self):
        return hash(self._values.get("id"))

    def __str__(self) -> str:
        return str(self._values.get("id", ""))


class Rows:
    __slots__ = ("_rows",)

    def __init__(self, rows: Iterable[Row]):
        object.__setattr__(self, "_rows", tuple(rows))

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: int) -> Row:
        return self._rows[index]

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return Rows.column(self._rows, name)

    @staticmethod
    def column(rows, name: str) -> list:
        values = []
        for row in rows:
            value = getattr(row, name, None)
            values.append(value)
        return values


def wrap(value):
    """Plain dicts and lists of dicts become `Row` and `Rows`."""
    if isinstance(value, Mapping):
        return Row({key: wrap(item) for key, item in value.items()})
    if isinstance(value, list | tuple) and value and isinstance(value[0], Mapping):
        return Rows(wrap(item) for item in value)
    return value
