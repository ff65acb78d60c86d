"""What seed data a site has loaded: `officina_seed` remembers each record
a pack loaded, with a digest of the values the pack gave as they were
stored, so that loading again can tell the records nobody edited since
(updated to the pack's new values) from those a user changed (left alone).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    column,
    delete,
    inspect,
    select,
    table,
)

from officina.definitions.model import Seed
from officina.records.audit import jsonable
from officina.schema.column_types import UTCDateTime
from officina.schema.tables import SEEDS


@dataclass(frozen=True)
class SeedItem:
    pack: str
    entity: str
    key: str
    demo: bool = False

    def __str__(self) -> str:
        return f"{self.entity} {self.key}"


def seed_key(seed: Seed, record: dict, index: int) -> str:
    """How a seed record is known across versions: its key's value(s), or
    its place in the file when the seed has no key."""
    if not seed.key:
        return f"#{index + 1}"
    values = [record.get(name) for name in seed.key]
    if len(values) == 1:
        return str(values[0])
    return json.dumps([str(value) for value in values], ensure_ascii=False)


def tracking_table():
    """The columns of `officina_seed` this module uses (see tables.py)."""
    return table(
        SEEDS,
        column("id"),
        column("pack"),
        column("entity"),
        column("key"),
        column("record_id"),
        column("digest"),
        column("fields", JSON()),
        column("version"),
        column("demo", Boolean()),
        column("loaded_at", UTCDateTime()),
        column("updated_at", UTCDateTime()),
    )


def tracked(connection: Connection, packs: set[str] | None = None) -> dict:
    """{(pack, entity, key): row} of the seed records loaded so far."""
    if not inspect(connection).has_table(SEEDS):
        return {}
    seeds = tracking_table()
    query = select(seeds)
    if packs is not None:
        query = query.where(seeds.c.pack.in_(sorted(packs)))
    return {
        (row["pack"], row["entity"], row["key"]): dict(row)
        for row in connection.execute(query).mappings()
    }


def demo_loaded(connection: Connection) -> set[str]:
    """The packs whose demo records were loaded into this database."""
    return {pack for (pack, _e, _k), row in tracked(connection).items() if row["demo"]}


def seeds_to_add(connection: Connection, seeds: list[Seed]) -> list[SeedItem]:
    """The seed records not loaded yet (what an install would add)."""
    known = tracked(connection)
    return [
        SeedItem(seed.pack, seed.entity, key, seed.demo)
        for seed in seeds
        for index, record in enumerate(seed.records)
        if (seed.pack, seed.entity, key := seed_key(seed, record, index)) not in known
    ]


def forget_seeds(connection: Connection, pack: str) -> None:
    """Forget what `pack` loaded (its tables are gone)."""
    if inspect(connection).has_table(SEEDS):
        seeds = tracking_table()
        connection.execute(delete(seeds).where(seeds.c.pack == pack))


def snapshot(record: dict, shape: dict) -> dict:
    """The values of a stored record that its seed record gives (`shape`:
    {field: []} or {table field: [row fields]}), as plain JSON values."""
    out = {}
    for name, row_fields in shape.items():
        value = record.get(name)
        if row_fields:
            value = [{key: row.get(key) for key in row_fields} for row in value or ()]
        out[name] = value
    return jsonable(out)


def digest(values: dict) -> str:
    """A fingerprint of a snapshot: it changes when a user edits the record."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
