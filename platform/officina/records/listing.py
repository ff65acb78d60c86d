"""Listing records: filters, sorting on several fields, keyset pagination.

Pages are found by the values of the last row shown (a cursor), not by an
offset, so page 2,000 is as fast as page 1. A total is counted only when
asked for. Referenced records are loaded in one query per referenced entity
for the whole page (`expand`), never one per row.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Connection,
    String,
    Text,
    and_,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
)

from officina.definitions.model import Entity, Filter
from officina.expressions.functions import MOMENT
from officina.expressions.runtime import Row
from officina.records.coercion import coerce
from officina.records.errors import RecordError
from officina.schema.column_types import UTCDateTime

MAX_LIMIT = 500


# A filter with this operator searches the entity's search fields.
SEARCH = "search"
MAX_SEARCH_WORDS = 8


class ListingError(RecordError):
    """A filter, sort or cursor that cannot be used; the message says why."""

    status = 400


@dataclass(frozen=True)
class Page:
    records: list[dict]
    next_cursor: str | None
    total: int | None = None


def relative_period(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """[start, end) of a named period such as `last_30_days`."""
    week_start = today - dt.timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    previous_month = (month_start - dt.timedelta(days=1)).replace(day=1)
    quarter_start = today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1)
    day = dt.timedelta(days=1)
    periods = {
        "today": (today, today + day),
        "yesterday": (today - day, today),
        "tomorrow": (today + day, today + 2 * day),
        "this_week": (week_start, week_start + 7 * day),
        "last_week": (week_start - 7 * day, week_start),
        "this_month": (month_start, next_month),
        "last_month": (previous_month, month_start),
        "this_quarter": (
            quarter_start,
            (quarter_start + dt.timedelta(days=95)).replace(day=1),
        ),
        "this_year": (
            today.replace(month=1, day=1),
            today.replace(year=today.year + 1, month=1, day=1),
        ),
        "last_year": (
            today.replace(year=today.year - 1, month=1, day=1),
            today.replace(month=1, day=1),
        ),
        "last_7_days": (today - 6 * day, today + day),
        "last_30_days": (today - 29 * day, today + day),
        "last_90_days": (today - 89 * day, today + day),
        "next_7_days": (today, today + 7 * day),
        "next_30_days": (today, today + 30 * day),
    }
    if name not in periods:
        raise ListingError(
            f"'{name}' is not a period; use one of " + ", ".join(periods)
        )
    return periods[name]


def filter_context(actor) -> dict:
    """What the values of filters may use besides the record: the reader as
    `user` (the system's `user.id` is None). Role row filters, views,
    reports and dashboards all see the reader through this one context."""
    return {"user": Row(actor.as_context())}


class Lister:
    """Builds and runs list queries for one entity."""

    def __init__(self, service, entity: Entity):
        self.service = service
        self.entity = entity
        self.table = service.schema.table(entity.name)

    def condition(self, filters: list[Filter], context: dict | None = None):
        """The SQL condition of filters (values may be expressions)."""
        parts = []
        if context is None or MOMENT not in context:
            # today() in a view's filter is the site's date, at the clock's time.
            context = {MOMENT: self.service.moment(), **(context or {})}
        for item in filters:
            parts.append(self._one(item, context))
        return and_(true(), *parts)

    def _field(self, name: str):
        field = self.entity.fields.get(name)
        if field is None and name not in self.table.c:
            raise ListingError(f"'{name}' is not a field of {self.entity.label.get()}")
        return field

    def _value(self, field, value, context, column=None):
        if hasattr(value, "evaluate"):
            value = value.evaluate(context)
        if value is None:
            return value
        if field is None and column is not None:
            return _system_value(column, value)
        if field is None:
            return value
        if field.type == "reference":
            value = getattr(value, "id", value)
        try:
            return coerce(field, value)
        except ValueError as error:
            raise ListingError(f"'{field.name}' {error}") from None

    def _one(self, item: Filter, context: dict):
        if item.operator == SEARCH:
            return self._search(str(item.value))
        if len(item.path) > 1:
            return self._through(item, context)
        name = item.path[0]
        field = self._field(name)
        column = self.table.c[name]
        operator, value = item.operator, item.value
        if operator == "empty":
            empty = column.is_(None)
            if field is not None and field.type in (
                "string",
                "text",
                "email",
                "phone",
                "url",
            ):
                empty = or_(empty, column == "")
            return empty if value else ~empty
        if operator == "within":
            # Periods are days of the site's timezone: 'today' in Shanghai
            # begins at 16:00 UTC of the day before.
            zone = self.service.timezone
            start, end = relative_period(value, self.service.moment().today)
            if isinstance(column.type, UTCDateTime):
                start = dt.datetime.combine(start, dt.time(), zone).astimezone(dt.UTC)
                end = dt.datetime.combine(end, dt.time(), zone).astimezone(dt.UTC)
            return and_(column >= start, column < end)
        if operator in ("in", "not_in"):
            values = [self._value(field, v, context, column) for v in value]
            clause = column.in_(values)
            return clause if operator == "in" else or_(~clause, column.is_(None))
        if operator == "between":
            low, high = (self._value(field, v, context, column) for v in value)
            if low is None or high is None:
                raise ListingError(f"'between' on '{name}' needs two values")
            return and_(column >= low, column <= high)
        if operator in ("contains", "starts_with"):
            text = str(self._value(None, value, context) or "")
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%" if operator == "contains" else f"{escaped}%"
            if isinstance(column.type, JSON):
                # Lists and JSON: search their text ('"red"' in ["red", "blue"]).
                quoted = (
                    f'%"{escaped}"%'
                    if field is not None and field.type in ("multi_choice",)
                    else pattern
                )
                return cast(column, Text).ilike(quoted, escape="\\")
            return column.ilike(pattern, escape="\\")
        converted = self._value(field, value, context, column)
        if converted is None and operator in ("gt", "gte", "lt", "lte"):
            raise ListingError(f"'{operator}' on '{name}' needs a value")
        if operator == "eq":
            return column.is_(None) if converted is None else column == converted
        if operator == "ne":
            return (
                column.is_not(None)
                if converted is None
                else or_(column != converted, column.is_(None))
            )
        comparisons = {
            "gt": column.__gt__,
            "gte": column.__ge__,
            "lt": column.__lt__,
            "lte": column.__le__,
        }
        if operator in comparisons:
            return comparisons[operator](converted)
        raise ListingError(f"'{operator}' is not a filter operator")

    def _search(self, text: str):
        """Every word of `text` in one of the entity's search fields (or its
        title), ignoring case."""
        entity = self.entity
        names = (
            list(entity.search)
            or [
                name
                for name in (entity.title_field, "number", "name", "title")
                if name and name in self.table.c
            ][:1]
        )
        if not names:
            raise ListingError(f"{entity.label.get()} has no fields to search")
        columns = [self.table.c[name] for name in names]
        words = text.split()[:MAX_SEARCH_WORDS]
        parts = []
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            parts.append(
                or_(
                    *(
                        cast(column, Text).ilike(f"%{escaped}%", escape="\\")
                        if not isinstance(column.type, String)
                        else column.ilike(f"%{escaped}%", escape="\\")
                        for column in columns
                    )
                )
            )
        return and_(true(), *parts)

    def _through(self, item: Filter, context: dict):
        """`customer.city = 'Oslo'`: a subquery on the referenced entity."""
        first = self._field(item.path[0])
        if first is None or first.type != "reference":
            raise ListingError(f"'{item.path[0]}' is not a reference")
        target = self.service.definitions.entities.get(first.to)
        if target is None:
            raise ListingError(f"cannot filter through '{item.path[0]}'")
        inner = Lister(self.service, target)
        condition = inner._one(
            Filter(item.path[1:], item.operator, item.value), context
        )
        return self.table.c[item.path[0]].in_(select(inner.table.c.id).where(condition))

    # -- sorting and cursors ---------------------------------------------------
    def order(self, sort: tuple[str, ...]) -> list[tuple[str, bool]]:
        keys = []
        for key in sort or self.entity.sort:
            descending = key.startswith("-")
            name = key.lstrip("-+")
            if name not in self.table.c:
                raise ListingError(
                    f"cannot sort by '{name}': it is not a field of "
                    f"{self.entity.label.get()}"
                )
            if name != "id":
                keys.append((name, descending))
        # The id makes the order total, so a cursor points at exactly one row.
        keys.append(("id", keys[-1][1] if keys else False))
        return keys

    def after(self, keys, cursor: dict):
        """Rows strictly after the cursor row in the sort order (keyset)."""
        columns = [self.table.c[name] for name, _ in keys]
        directions = {descending for _, descending in keys}
        if len(directions) == 1 and all(
            not column.nullable and cursor.get(column.name) is not None
            for column in columns
        ):
            # One direction, no empty values: a row-value comparison, which
            # both engines answer from an index.
            values = tuple_(*[literal(cursor[c.name], c.type) for c in columns])
            row = tuple_(*columns)
            return row < values if directions == {True} else row > values
        conditions = []
        for index, (name, descending) in enumerate(keys):
            column = self.table.c[name]
            value = cursor.get(name)
            equal = [
                self._equal(self.table.c[n], cursor.get(n)) for n, _ in keys[:index]
            ]
            conditions.append(and_(*equal, self._beyond(column, value, descending)))
        return or_(*conditions)

    @staticmethod
    def _equal(column, value):
        return column.is_(None) if value is None else column == value

    @staticmethod
    def _beyond(column, value, descending: bool):
        # Empty values sort last in both directions (NULLS LAST).
        if value is None:
            return false()
        if descending:
            return or_(column < value, column.is_(None))
        return or_(column > value, column.is_(None))

    def _query(self, keys, filters, cursor, extra_condition, context, limit):
        """(the page's SELECT, its WHERE condition)."""
        condition = self.condition(list(filters), context)
        if extra_condition is not None:
            condition = and_(condition, extra_condition)
        query = select(self.table).where(condition)
        if cursor:
            query = query.where(self.after(keys, decode_cursor(cursor, keys, self)))
        for name, descending in keys:
            column = self.table.c[name]
            ordered = column.desc() if descending else column.asc()
            # Empty values last; NOT NULL columns say nothing, so PostgreSQL
            # can walk a plain index backwards for a descending sort.
            query = query.order_by(ordered.nulls_last() if column.nullable else ordered)
        return query.limit(int(limit) + 1), condition

    def run(
        self,
        connection: Connection,
        *,
        filters=(),
        sort=(),
        limit: int = 50,
        cursor: str | None = None,
        count: bool = False,
        extra_condition=None,
        context: dict | None = None,
    ) -> Page:
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise ListingError(f"limit must be between 1 and {MAX_LIMIT}")
        keys = self.order(tuple(sort))
        filters = tuple(filters)
        reusable = not cursor and extra_condition is None and _plain_filters(filters)
        if reusable:
            # The same list asked again (a page refreshed, an API client
            # polling) reuses its statement: SQLAlchemy then neither builds
            # nor re-keys it, and its compiled form is found at once.
            query, condition = self.service.statements.listed(
                (self.entity.name, _filters_key(filters), tuple(sort), int(limit)),
                lambda: self._query(keys, filters, None, None, context, limit),
            )
        else:
            query, condition = self._query(
                keys, filters, cursor, extra_condition, context, limit
            )
        result = connection.execute(query)
        columns = result.keys()
        rows = [dict(zip(columns, row, strict=True)) for row in result.all()]
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            next_cursor = encode_cursor(rows[-1], keys)
        total = None
        if count:
            total = connection.execute(
                select(func.count()).select_from(self.table).where(condition)
            ).scalar_one()
        return Page(rows, next_cursor, total)


# Filter values a list statement can be kept for: constants whose repr
# tells them apart (1, True, "1" and Decimal("1.0") are different filters).
_CONSTANTS = (
    type(None),
    str,
    int,
    bool,
    float,
    Decimal,
    dt.date,
    dt.datetime,
    dt.time,
)


def _plain_filters(filters) -> bool:
    """Filters of constant values only: no expressions (which depend on the
    user or record) and no periods (which depend on the day)."""
    for item in filters:
        if item.operator == "within":
            return False
        values = item.value if type(item.value) is tuple else (item.value,)
        if not all(type(value) in _CONSTANTS for value in values):
            return False
    return True


def _filters_key(filters) -> tuple:
    return tuple(
        (tuple(item.path), item.operator, repr(item.value)) for item in filters
    )


def _system_value(column, value):
    """A filter value for a system column (id, created_at, ...)."""
    try:
        if isinstance(column.type, UTCDateTime):
            moment = (
                value
                if isinstance(value, dt.datetime)
                else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            )
            return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        if column.name in ("id", "version", "created_by", "updated_by"):
            return int(value)
    except (TypeError, ValueError):
        raise ListingError(
            f"'{column.name}' cannot be compared with '{value}'"
        ) from None
    return value


def encode_cursor(row: dict, keys) -> str:
    values = {name: _plain(row.get(name)) for name, _ in keys}
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys, lister: Lister) -> dict:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, dict) or set(values) != {name for name, _ in keys}:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise ListingError(
            "the cursor is not valid for this list; start again from the first page"
        ) from None
    result = {}
    for name, _ in keys:
        field = lister.entity.fields.get(name)
        value = values[name]
        if value is not None and name in ("created_at", "updated_at"):
            value = dt.datetime.fromisoformat(value)
        elif value is not None and field is not None:
            try:
                value = coerce(field, value)
            except ValueError:
                raise ListingError("the cursor is not valid for this list") from None
        result[name] = value
    return result


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


def expand_references(
    connection: Connection,
    service,
    entity: Entity,
    records: list[dict],
    names: list[str],
    actor=None,
) -> None:
    """Replace reference ids by the referenced records, one query per field.

    For an actor, only what they may read: nothing of an entity they may
    not read, no record outside their row filters, no hidden field, and of
    users only the name."""
    for name in dict.fromkeys(names):  # each once, in the order asked
        field = entity.fields.get(name)
        if field is not None and field.type == "table":
            _expand_rows(connection, service, field, records)
            continue
        if field is None or field.type != "reference":
            raise ListingError(
                f"cannot expand '{name}': it is not a reference or a table of rows"
            )
        ids = {record[name] for record in records if record.get(name) is not None}
        if not ids:
            continue
        restricted = actor is not None and not actor.system
        condition = true()
        target = service.definitions.entities.get(field.to)
        if field.to == "user":
            table = service.schema.metadata.tables["officina_user"]
            columns = [
                c
                for c in table.c
                if c.name != "password_hash"
                and (not restricted or c.name in ("id", "name"))
            ]
        else:
            table = service.schema.table(field.to)
            columns = list(table.c)
            if restricted:
                try:
                    service.permit(actor, "read", target)
                except RecordError:
                    continue  # may not read them: the ids stay ids
                condition = service.row_condition(actor, target)
                condition = true() if condition is None else condition
        found = {
            row["id"]: dict(row)
            for row in connection.execute(
                select(*columns).where(table.c.id.in_(sorted(ids)), condition)
            ).mappings()
        }
        if restricted and target is not None:
            found = {
                key: service.shown(target, row, actor) for key, row in found.items()
            }
        for record in records:
            if record.get(name) is not None:
                record[name] = found.get(record[name], {"id": record[name]})


def _expand_rows(connection: Connection, service, field, records: list[dict]) -> None:
    """Child rows of every record of the page, in one query."""
    ids = [record["id"] for record in records]
    table = service.schema.table(field.of)
    by_parent: dict = {record_id: [] for record_id in ids}
    if ids:
        for row in connection.execute(
            select(table)
            .where(table.c.parent_id.in_(ids))
            .order_by(table.c.parent_id, table.c.row_order, table.c.id)
        ).mappings():
            by_parent[row["parent_id"]].append(dict(row))
    for record in records:
        record[field.name] = by_parent[record["id"]]
