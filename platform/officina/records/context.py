"""The values an expression sees while a record is written.

References are loaded when an expression first reaches through them
(`customer.email`), once per write; child rows are the rows being written.
"""

from __future__ import annotations

from jinja2 import Undefined
from sqlalchemy import Connection, select

from officina.definitions import Definitions
from officina.expressions.functions import MOMENT, RECORDS, Moment
from officina.expressions.runtime import Row, Rows
from officina.records.aggregates import aggregate


class RecordCache:
    """Referenced records loaded during one write, by entity and id."""

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
        self._rows: dict[tuple[str, str, int], list[dict]] = {}

    def get(self, entity: str, record_id) -> dict | None:
        key = (entity, record_id)
        if key not in self._records:
            if entity == "user":
                table = self.schema.metadata.tables["officina_user"]
            else:
                table = self.schema.table(entity)
            row = (
                self.connection.execute(select(table).where(table.c.id == record_id))
                .mappings()
                .first()
            )
            self._records[key] = dict(row) if row is not None else None
        return self._records[key]

    def lookup(self, entity: str, field: str, value, result):
        """`lookup()` of the expression language: `result` of the first
        `entity` record whose `field` is `value`, once per write."""
        value = getattr(value, "id", value) if isinstance(value, Row) else value
        if value is None or isinstance(value, Undefined):
            return None
        key = (entity, field, value, result)
        if key not in self._lookups:
            if entity == "user":
                table = self.schema.metadata.tables["officina_user"]
            elif entity in self.definitions.entities:
                table = self.schema.table(entity)
            else:
                return None
            if field not in table.c or result not in table.c:
                return None
            row = self.connection.execute(
                select(table.c[result])
                .where(table.c[field] == value)
                .order_by(table.c.id)
                .limit(1)
            ).first()
            self._lookups[key] = row[0] if row is not None else None
        return self._lookups[key]

    def aggregate(self, entity: str, field: str | None, where):
        """`sum_of()` (of `field`) or `count_of()` (no field) of the
        expression language; never cached, since the write itself may change
        what they count."""
        return aggregate(self, entity, field, where)

    def rows(self, entity: str, field: str, record_id) -> list[dict]:
        """The rows of a referenced record's table field (`order.lines`),
        in their order, once per write."""
        key = (entity, field, record_id)
        if key not in self._rows:
            child = self.definitions.entities[entity].fields[field].of
            table = self.schema.table(child)
            self._rows[key] = [
                dict(row)
                for row in self.connection.execute(
                    select(table)
                    .where(table.c.parent_id == record_id)
                    .order_by(table.c.row_order, table.c.id)
                ).mappings()
            ]
        return self._rows[key]

    def forget(self, entity: str, record_id) -> None:
        self._records.pop((entity, record_id), None)
        for key in [k for k in self._rows if (k[0], k[2]) == (entity, record_id)]:
            del self._rows[key]


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
