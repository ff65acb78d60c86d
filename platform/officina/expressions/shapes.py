"""Expressions that differ only in their numbers, such as the thousands of
`=add_hours(now(), -897.5)` of a pack's demo data, share one shape.

`shape()` takes the numbers out of an expression's source, leaving a name
in the place of each (`add_hours(now(), -number_of_shape_0)`), so the
shape is checked and compiled once and evaluated with the numbers as its
variables. Numbers inside quoted text stay where they are.
"""

from __future__ import annotations

import re

from officina.expressions import types as t

PLACEHOLDER = "number_of_shape_"

_PIECES = re.compile(
    r"""'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])"""
)


def shape(source: str) -> tuple[str, tuple[int | float, ...]]:
    """(the source with its numbers replaced by names, the numbers)."""
    if PLACEHOLDER in source:
        return source, ()  # a name of ours written out: left as it is
    numbers: list[int | float] = []

    def take(match: re.Match) -> str:
        if match.group(1) is None:
            return match.group(0)  # quoted text
        text = match.group(1)
        numbers.append(float(text) if "." in text else int(text))
        return f"{PLACEHOLDER}{len(numbers) - 1}"

    return _PIECES.sub(take, source), tuple(numbers)


def scope(numbers: tuple) -> dict[str, t.Type]:
    """The names of a shape's numbers, for the checker."""
    return {f"{PLACEHOLDER}{index}": t.Value("number") for index in range(len(numbers))}


def variables(numbers: tuple) -> dict[str, int | float]:
    """The names of a shape's numbers with their values, to evaluate it."""
    return {f"{PLACEHOLDER}{index}": number for index, number in enumerate(numbers)}
