"""The list query string: `field__op=value` filters, sort, limit, cursor.

Every parameter is checked and converted here, so a bad one is a 400 that
names it, before any SQL is built. Values are converted to the field's type
with the records service's own `coerce`, so a filter means what a stored
value means.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass, replace

from officina.definitions import Definitions
from officina.definitions.language import FILTER_OPERATORS, RELATIVE_PERIODS
from officina.definitions.model import Entity, Field, Filter, Label
from officina.errors import suggest
from officina.records.coercion import MAX_INTEGER as BIGINT
from officina.records.coercion import coerce
from officina.records.listing import MAX_LIMIT

DEFAULT_LIMIT = 50
RESERVED = ("sort", "limit", "cursor", "count", "expand")


def integer_limit(field: Field) -> int:
    """The largest whole number the column of `field` holds."""
    if field.name == "version":
        return 2**31 - 1
    return 32767 if field.type == "rating" else BIGINT


# Types whose values are lists or documents: only `empty` applies to them,
# and they cannot be sorted (PostgreSQL has no order for JSON).
DOCUMENT_TYPES = {"json", "multi_choice", "attachment", "table"}
# System columns every record has, by the field type their values take.
SYSTEM_FIELDS = {
    "id": "integer",
    "version": "integer",
    "created_at": "datetime",
    "created_by": "integer",
    "updated_at": "datetime",
    "updated_by": "integer",
}
_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


class BadParameter(Exception):
    """A query parameter the API cannot use; `parameter` names it."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"query parameter '{parameter}': {message}")


@dataclass(frozen=True)
class ListQuery:
    filters: tuple[Filter, ...] = ()
    sort: tuple[str, ...] = ()
    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    count: bool = False
    expand: tuple[str, ...] = ()


def filter_operators(field_type: str) -> list[str]:
    """The operators a field of `field_type` can be filtered with."""
    if field_type in DOCUMENT_TYPES:
        return ["empty"]
    return [
        operator
        for operator, types in FILTER_OPERATORS.items()
        if types is None or field_type in types
    ]


def filterable(entity: Entity) -> dict[str, str]:
    """{name: field type} of everything a list of `entity` filters on."""
    names = {name: field.type for name, field in entity.fields.items() if field.stored}
    return names | SYSTEM_FIELDS


def parse_list_query(
    definitions: Definitions, entity: Entity, args: Iterable[tuple[str, str]]
) -> ListQuery:
    """The list query of `args` (name, value pairs); BadParameter if unusable."""
    options: dict = {}
    filters = []
    for name, value in args:
        if "\x00" in name or "\x00" in value:
            raise BadParameter(name, "may not contain NUL characters")
        if name in RESERVED:
            if name in options:
                raise BadParameter(name, "is given more than once")
            options[name] = _option(entity, name, value)
        else:
            filters.append(_filter(definitions, entity, name, value))
    return ListQuery(filters=tuple(filters), **options)


def _option(entity: Entity, name: str, value: str):
    if name == "limit":
        if not value.strip().isdigit() or not 1 <= int(value) <= MAX_LIMIT:
            raise BadParameter(name, f"must be a number from 1 to {MAX_LIMIT}")
        return int(value)
    if name == "count":
        if value.lower() not in _BOOLEANS:
            raise BadParameter(name, "must be true or false")
        return _BOOLEANS[value.lower()]
    if name == "cursor":
        return value
    if name == "sort":
        keys = [_sort_key(entity, key) for key in value.split(",")]
        # A field given twice sorts by its first mention only.
        first = {key.lstrip("-"): key for key in reversed(keys)}
        return tuple(dict.fromkeys(first[key.lstrip("-")] for key in keys))
    # Each expanded once: the records service would expand an id, then
    # fail on the record it put in its place.
    return tuple(dict.fromkeys(_expanded(entity, key) for key in value.split(",")))


def _sort_key(entity: Entity, key: str) -> str:
    name = key.strip().lstrip("-+")
    kind = filterable(entity).get(name)
    if kind is None or kind in DOCUMENT_TYPES:
        hint = suggest(name, _sortable(entity))
        raise BadParameter(
            "sort", f"cannot sort by '{name}'" + (f"; {hint}" if hint else "")
        )
    return ("-" if key.strip().startswith("-") else "") + name


def _sortable(entity: Entity) -> list[str]:
    return [n for n, t in filterable(entity).items() if t not in DOCUMENT_TYPES]


def _expanded(entity: Entity, name: str) -> str:
    name = name.strip()
    field = entity.fields.get(name)
    if field is None or field.type not in ("reference", "table"):
        choices = [
            n for n, f in entity.fields.items() if f.type in ("reference", "table")
        ]
        hint = suggest(name, choices)
        raise BadParameter(
            "expand",
            f"'{name}' is not a reference or a table of rows"
            + (f"; {hint}" if hint else ""),
        )
    return name


def _filter(definitions: Definitions, entity: Entity, name: str, value: str) -> Filter:
    dotted, _, operator = name.partition("__")
    operator = operator or "eq"
    path = tuple(dotted.split("."))
    target = entity
    for step in path[:-1]:
        field = target.fields.get(step)
        if (
            field is None
            or field.type != "reference"
            or field.to not in (definitions.entities)
        ):
            raise BadParameter(name, f"'{step}' is not a reference to follow")
        target = definitions.entities[field.to]
    kinds = filterable(target)
    last = path[-1]
    if last not in kinds:
        candidates = [*kinds, *RESERVED]
        hint = suggest(last if len(path) > 1 else dotted, candidates)
        raise BadParameter(
            name, "is not a known parameter" + (f"; {hint}" if hint else "")
        )
    kind = kinds[last]
    allowed = filter_operators(kind)
    if operator not in allowed:
        raise BadParameter(
            name,
            f"'{operator}' does not apply to a {kind} field; use one of "
            + ", ".join(allowed),
        )
    field = target.fields.get(last) or Field(name=last, type=kind, label=Label(()))
    return Filter(path, operator, _filter_value(name, field, operator, value))


def _filter_value(parameter: str, field: Field, operator: str, value: str):
    if operator == "empty":
        if value.lower() not in _BOOLEANS:
            raise BadParameter(parameter, "must be true or false")
        return _BOOLEANS[value.lower()]
    if operator == "within":
        if value not in RELATIVE_PERIODS:
            raise BadParameter(
                parameter, "must be one of " + ", ".join(RELATIVE_PERIODS)
            )
        return value
    if operator in ("contains", "starts_with"):
        return value
    if operator in ("in", "not_in", "between"):
        parts = value.split(",")
        if operator == "between" and len(parts) != 2:
            raise BadParameter(parameter, "must be two values: low,high")
        values = tuple(_one_value(parameter, field, part) for part in parts)
    else:
        values = (_one_value(parameter, field, value),)
    if operator not in ("eq", "ne") and None in values:
        raise BadParameter(
            parameter,
            f"needs a value; use {parameter.partition('__')[0]}__empty=true "
            "for records without one",
        )
    return values if operator in ("in", "not_in", "between") else values[0]


def _one_value(parameter: str, field: Field, text: str):
    kind = "integer" if field.type == "reference" else field.type
    try:
        value = coerce(field if kind == field.type else replace(field, type=kind), text)
    except ValueError as error:
        raise BadParameter(parameter, str(error)) from None
    except ArithmeticError:  # decimal.InvalidOperation: too many digits
        raise BadParameter(parameter, "has too many digits") from None
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and abs(value) > integer_limit(field)
    ):
        raise BadParameter(parameter, "is too large")
    return value


# -- cursors --------------------------------------------------------------
# The records service's cursors hold the values of the last row shown. The
# API signs them, so a cursor a client made up or edited is refused before
# its values reach SQL.
def sign_cursor(secret: str, entity: str, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return f"{cursor}.{_signature(secret, entity, cursor)}"


def open_cursor(secret: str, entity: str, signed: str) -> str:
    cursor, _, signature = signed.rpartition(".")
    if not cursor or not hmac.compare_digest(
        signature, _signature(secret, entity, cursor)
    ):
        raise BadParameter(
            "cursor",
            "is not a cursor of this list; start again from the first page",
        )
    return cursor


def _signature(secret: str, entity: str, cursor: str) -> str:
    digest = hmac.new(
        secret.encode(), f"{entity}:{cursor}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()
