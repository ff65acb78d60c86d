"""The values an expression sees while a record is written.

References are loaded when an expression first reaches through them
(`customer.email`), once per write; child rows are the rows being written.
"""

from __future__ import annotations

from jinja2 import Undefined
from sqlalchemy import Connection, select

from officina.definitions import Definitions
from officina.definitions.context import USER_FIELDS
from officina.expressions.functions import MOMENT, RECORDS, Moment
from officina.expressions.runtime import Row, Rows
from officina.records.aggregates import aggregate
from officina.schema.tables import USERS


class RecordCache:
    """Referenced records loaded during one transaction, by entity and id.
    The records service forgets a record when it writes it (and every
    lookup, which may now find another), so a later write of the same
    transaction never reads what was there before."""

    def __init__(
        self,
        connection: Connection,
        definitions: Definitions,
        schema,
        moment: Moment | None = None,
    ):
        self.connection = connection
        self.definitions = definitions
        self.schema = schema
        self.moment = moment  # what now() and today() answer (see Moment)
        self._records: dict[tuple[str, int], dict | None] = {}
        self._lookups: dict[tuple, object] = {}
        # {(entity, record id): {table field: rows}}
        self._rows: dict[tuple[str, int], dict[str, list[dict]]] = {}

    def get(self, entity: str, record_id) -> dict | None:
        key = (entity, record_id)
        if key not in self._records:
            table, columns = self._readable(entity)
            row = (
                self.connection.execute(
                    select(*columns.values()).where(table.c.id == record_id)
                )
                .mappings()
                .first()
            )
            self._records[key] = dict(row) if row is not None else None
        return self._records[key]

    def lookup(self, entity: str, field: str, value, result):
        """`lookup()` of the expression language: `result` of the first
        `entity` record whose `field` is `value`, read again after a write."""
        value = getattr(value, "id", value) if isinstance(value, Row) else value
        if value is None or isinstance(value, Undefined):
            return None
        key = (entity, field, value, result)
        if key not in self._lookups:
            if entity != "user" and entity not in self.definitions.entities:
                return None
            table, columns = self._readable(entity)
            if field not in columns or result not in columns:
                return None
            row = self.connection.execute(
                select(columns[result])
                .where(columns[field] == value)
                .order_by(table.c.id)
                .limit(1)
            ).first()
            self._lookups[key] = row[0] if row is not None else None
        return self._lookups[key]

    def _readable(self, entity: str):
        """(the table of `entity`, {name: column} expressions may read): of
        the users, only what `user` shows (never the password hash)."""
        if entity == "user":
            table = self.schema.metadata.tables[USERS]
            return table, {name: table.c[name] for name in USER_FIELDS}
        table = self.schema.table(entity)
        return table, table.c

    def aggregate(self, entity: str, field: str | None, where):
        """`sum_of()` (of `field`) or `count_of()` (no field) of the
        expression language; never cached, since the write itself may change
        what they count."""
        return aggregate(self, entity, field, where)

    def rows(self, entity: str, field: str, record_id) -> list[dict]:
        """The rows of a referenced record's table field (`order.lines`),
        in their order, read again after the record is written."""
        held = self._rows.setdefault((entity, record_id), {})
        if field not in held:
            child = self.definitions.entities[entity].fields[field].of
            table = self.schema.table(child)
            held[field] = [
                dict(row)
                for row in self.connection.execute(
                    select(table)
                    .where(table.c.parent_id == record_id)
                    .order_by(table.c.row_order, table.c.id)
                ).mappings()
            ]
        return held[field]

    def forget(self, entity: str, record_id) -> None:
        """A record just written: it is read again when next reached."""
        self._records.pop((entity, record_id), None)
        self._rows.pop((entity, record_id), None)
        self._lookups.clear()

    def remember(self, entity: str, record_id, stored: dict) -> None:
        """A record just created, as the database returned it (every
        column): a later write reaching it needs no query. Lookups may
        now find it, so they are forgotten."""
        self.forget(entity, record_id)
        self._records[(entity, record_id)] = dict(stored)

    def forget_all(self) -> None:
        """After a rollback to a savepoint: what it wrote is gone."""
        self._records.clear()
        self._rows.clear()
        self._lookups.clear()


class LazyRow(Row):
    """A referenced record, loaded when one of its fields is first read."""

    __slots__ = ("_cache", "_entity", "_id", "_loaded")

    def __init__(self, cache: RecordCache, entity: str, record_id):
        object.__setattr__(self, "_cache", cache)
        object.__setattr__(self, "_entity", entity)
        object.__setattr__(self, "_id", record_id)
        object.__setattr__(self, "_loaded", False)
        super().__init__({"id": record_id})

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        if name == "id":
            return self._id
        if not self._loaded:
            values = self._cache.get(self._entity, self._id) or {"id": self._id}
            object.__setattr__(
                self, "_values", wrap_values(self._cache, self._entity, values)
            )
            object.__setattr__(self, "_loaded", True)
        if name not in self._values:
            rows = self._table_rows(name)
            if rows is not None:
                self._values[name] = rows
        return super().__getattr__(name)

    def _table_rows(self, name: str) -> Rows | None:
        """The rows of a table field, which live in the child entity's table."""
        model = self._cache.definitions.entities.get(self._entity)
        field = model.fields.get(name) if model is not None else None
        if field is None or field.type != "table":
            return None
        return Rows(
            Row(wrap_values(self._cache, field.of, row))
            for row in self._cache.rows(self._entity, name, self._id)
        )


def wrap_values(cache: RecordCache, entity: str, values: dict) -> dict:
    """Field values with references as (lazy) records."""
    definitions = cache.definitions
    fields = (
        definitions.entities[entity].fields if entity in definitions.entities else {}
    )
    wrapped = dict(values)
    for name, field in fields.items():
        if field.type == "reference" and values.get(name) is not None:
            wrapped[name] = LazyRow(cache, field.to, values[name])
    for name in ("created_by", "updated_by"):
        if values.get(name) is not None:
            wrapped[name] = LazyRow(cache, "user", values[name])
    return wrapped


def record_context(
    cache: RecordCache,
    entity: str,
    values: dict,
    *,
    rows: dict[str, list[dict]] | None = None,
    parent: dict | None = None,
    user: dict | None = None,
    old: dict | None = None,
) -> dict:
    """The names an expression on `entity` can use, for one record."""
    definitions = cache.definitions
    model = definitions.entities[entity]
    context = wrap_values(cache, entity, values)
    for name, field in model.fields.items():
        if field.type == "table":
            child_rows = (rows or {}).get(name, [])
            context[name] = Rows(
                Row(wrap_values(cache, field.of, row)) for row in child_rows
            )
        context.setdefault(name, None)
    if model.parent and parent is not None:
        context["parent"] = Row(wrap_values(cache, model.parent, parent))
    context["user"] = Row(user) if user else None
    context[RECORDS] = cache  # for lookup()
    context[MOMENT] = cache.moment  # for now() and today()
    if old is not None:
        context["old"] = Row(wrap_values(cache, entity, old))
    return context
