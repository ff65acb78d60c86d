"""Field types that plugins add (hook `officina_field_types`).

A plugin field type is a built-in type with a name and a check of its own:
`type: tracking_number` is stored, shown, coerced and described in the API
as its `base` (a string, say), and the records service refuses a value its
`check` rejects, like any other field problem.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from officina.definitions import language as lang

# Built-in types a plugin type may stand on: plain values, with no further
# keys they need (options, a target entity, child rows, a number format).
BASE_TYPES = tuple(
    kind
    for kind in lang.FIELD_TYPES
    if kind
    not in ("choice", "multi_choice", "reference", "table", "autonumber", "attachment")
)


@dataclass(frozen=True)
class PluginFieldType:
    """A named field type of a plugin, standing on the built-in `base`.

    `check(value)` receives a non-empty value already coerced to the base
    type and returns what is wrong with it (shown next to the field), or
    None. `pattern`, for text bases, is the regular expression a value must
    match when the field sets no `pattern:` of its own.
    """

    name: str
    base: str
    label: str = ""
    check: Callable[[Any], str | None] | None = None
    pattern: str | None = None
    doc: str = ""
