"""The values an expression sees while a record is written.

References are loaded when an expression first reaches through them
(`customer.email`), once per write; child rows are the rows being written.
"""

from __future__ import annotations

from jinja2 import Undefined
from sqlalchemy import Connection, select

from officina.definitions import Definitions
from officina.expressions.functions import RECORDS
from officina.expressions.runtime import Row, Rows


class RecordCache:
    """Referenced records loaded during one write, by entity and id."""

    def __init__(self, connection: Connection, definitions: Definitions, schema):
        self.connection = connection
        self.definitions = definitions
        self.schema = schema
        self._records: dict[tuple[str, int], dict | None] = {}
        self._lookups: dict[tuple, object] = {}

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

    def forget(self, entity: str, record_id) -> None:
        self._records.pop((entity, record_id), None)


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
        return super().__getattr__(name)


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
    if old is not None:
        context["old"] = Row(wrap_values(cache, entity, old))
    return context
