"""Which foreign keys close a cycle of references between tables.

Two entities may refer to each other: an order to its return request and the
return request to its order. No order of CREATE TABLE statements satisfies
both keys, so one key of every cycle is declared `use_alter`: PostgreSQL
adds it with ALTER TABLE once the tables exist (SQLite accepts a reference
to a table not created yet), and SQLAlchemy, Alembic included, sorts the
tables without it instead of warning about unresolvable cycles.

The choice depends only on the names of the entities and fields, so the
same definitions always give the same tables.
"""

from __future__ import annotations

from officina.definitions import Definitions

# What a key refers to: (referring column, referred entity).
_Edge = tuple[str, str]


def cycle_closing_keys(definitions: Definitions) -> frozenset[tuple[str, str]]:
    """The `(entity, column)` of each foreign key closing a cycle.

    A depth-first walk over the entities in name order, following their
    keys in column name order: a key pointing back at an entity still being
    walked closes a cycle. A simple cycle thus gets exactly one such key.
    References of an entity to itself are left alone: a table can always
    be created with a key to itself."""
    edges = {
        name: sorted(_references(definitions, name))
        for name in sorted(definitions.entities)
    }
    walking: set[str] = set()
    done: set[str] = set()
    closing: set[tuple[str, str]] = set()

    def walk(entity: str) -> None:
        walking.add(entity)
        for column, referent in edges[entity]:
            if referent in walking:
                closing.add((entity, column))
            elif referent not in done:
                walk(referent)
        walking.discard(entity)
        done.add(entity)

    for entity in edges:
        if entity not in done:
            walk(entity)
    return frozenset(closing)


def _references(definitions: Definitions, name: str) -> list[_Edge]:
    """The keys from one entity's table to other entity tables (the
    users table refers to nothing, so keys to it close no cycle)."""
    entity = definitions.entities[name]
    found: list[_Edge] = []
    if entity.parent and entity.parent != name:
        found.append(("parent_id", entity.parent))
    for field in entity.fields.values():
        if (
            field.type == "reference"
            and field.stored
            and field.to not in (name, "user")
            and field.to in definitions.entities
        ):
            found.append((field.name, field.to))
    return found
