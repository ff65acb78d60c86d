"""Loading a pack's seed (and, on request, demo) records into a site.

Every record is written through the records service, in one transaction:
nothing of a pack's seed data is written unless all of it is. References
name the other record by its seed key (a category by its code, a customer
by e-mail), or by any unique field of the referenced entity.

What was loaded is remembered in `officina_seed`: the record, and a digest
of the values the pack gave as they were stored. Loading again (an upgrade,
a second `officina demo`) adds the records that are new, updates the ones
nobody has edited since (their digest still matches), and leaves alone, and
reports, the ones a user edited or deleted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy import (
    JSON,
    Boolean,
    Connection,
    and_,
    column,
    delete,
    insert,
    inspect,
    select,
    table,
    update,
)

from officina.definitions import Definitions
from officina.definitions.model import Entity, Seed
from officina.errors import OfficinaError
from officina.records import RecordsService
from officina.records.audit import jsonable
from officina.records.coercion import coerce
from officina.records.errors import RecordError, RecordNotFound
from officina.records.service import Transaction
from officina.schema.column_types import UTCDateTime
from officina.schema.tables import SEEDS


class SeedError(OfficinaError):
    """A seed record could not be written; nothing of the seed data was."""


@dataclass(frozen=True)
class SeedItem:
    pack: str
    entity: str
    key: str
    demo: bool = False

    def __str__(self) -> str:
        return f"{self.entity} {self.key}"


@dataclass
class SeedOutcome:
    """What loading seed data did, record by record."""

    added: list[SeedItem] = field(default_factory=list)
    updated: list[SeedItem] = field(default_factory=list)
    unchanged: list[SeedItem] = field(default_factory=list)
    edited: list[SeedItem] = field(default_factory=list)  # kept as the user left it
    deleted: list[SeedItem] = field(default_factory=list)  # not brought back
    existing: list[SeedItem] = field(default_factory=list)  # not the pack's record

    def lines(self) -> list[str]:
        """The outcome in words, skipped records named."""
        parts = [
            f"{len(self.added)} added",
            f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged",
        ]
        out = [f"Seed data: {', '.join(parts)}."]
        if self.edited:
            out.append(
                "Skipped, edited since they were loaded (your changes are kept): "
                + _names(self.edited)
            )
        if self.deleted:
            out.append(
                "Skipped, deleted since they were loaded (not brought back): "
                + _names(self.deleted)
            )
        if self.existing:
            out.append(
                "Skipped, a record with the same key is already there (left as "
                "it is): " + _names(self.existing)
            )
        return out


def _names(items: list[SeedItem]) -> str:
    return ", ".join(str(item) for item in items)


def seeds_of(
    definitions: Definitions, packs: set[str], demo_packs: set[str] = frozenset()
) -> list[Seed]:
    """The seed documents of `packs` (with the demo ones of `demo_packs`),
    referenced entities first, then in the packs' and files' order."""
    order = list(definitions.packs)
    chosen = [
        seed
        for seed in definitions.seeds
        if seed.pack in packs and (not seed.demo or seed.pack in demo_packs)
    ]
    chosen.sort(key=lambda seed: (order.index(seed.pack), seed.demo))
    return _referenced_first(definitions, chosen)


def _referenced_first(definitions: Definitions, seeds: list[Seed]) -> list[Seed]:
    def targets(entity: Entity) -> set[str]:
        found = set()
        for item in entity.fields.values():
            if item.type == "reference" and item.to:
                found.add(item.to)
            elif item.type == "table" and item.of in definitions.entities:
                found |= targets(definitions.entities[item.of])
        return found

    needs = {
        index: {
            other
            for other, candidate in enumerate(seeds)
            if candidate.entity != seed.entity
            and candidate.entity in targets(definitions.entities[seed.entity])
        }
        for index, seed in enumerate(seeds)
    }
    ordered: list[int] = []
    while len(ordered) < len(seeds):
        ready = [
            index
            for index in range(len(seeds))
            if index not in ordered and needs[index] <= set(ordered)
        ]
        # A circle of references: take the earliest and go on.
        ordered.append(
            ready[0] if ready else min(set(range(len(seeds))) - set(ordered))
        )
    return [seeds[index] for index in ordered]


def seed_key(seed: Seed, record: dict, index: int) -> str:
    """How a seed record is known across versions: its key's value(s), or
    its place in the file when the seed has no key."""
    if not seed.key:
        return f"#{index + 1}"
    values = [record.get(name) for name in seed.key]
    if len(values) == 1:
        return str(values[0])
    return json.dumps([str(value) for value in values], ensure_ascii=False)


def _tracking():
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
    seeds = _tracking()
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
        seeds = _tracking()
        connection.execute(delete(seeds).where(seeds.c.pack == pack))


def load_seeds(
    records: RecordsService, seeds: list[Seed], versions: dict[str, str]
) -> SeedOutcome:
    """Load `seeds` (see `seeds_of`) in one transaction; SeedError if any
    record cannot be written, and then nothing is."""
    outcome = SeedOutcome()
    with records.transaction() as transaction:
        loader = _Loader(transaction, versions, outcome)
        for seed in seeds:
            loader.load(seed)
    return outcome


class _Loader:
    def __init__(self, transaction: Transaction, versions: dict, outcome):
        self.transaction = transaction
        self.connection = transaction.connection
        self.definitions = transaction.definitions
        self.versions = versions
        self.outcome = outcome
        self.known = tracked(self.connection)
        self.found: dict[tuple, int | None] = {}
        self.seeds = _tracking()

    def load(self, seed: Seed) -> None:
        entity = self.definitions.entities[seed.entity]
        for index in _self_referenced_first(entity, seed):
            record = seed.records[index]
            key = seed_key(seed, record, index)
            item = SeedItem(seed.pack, seed.entity, key, seed.demo)
            try:
                self._one(seed, entity, record, item)
            except RecordError as error:
                raise SeedError(
                    f"{_where(record)}: {seed.entity} {item.key} of the pack "
                    f"'{seed.pack}' cannot be loaded: {error}. Hint: correct the "
                    "record in the pack's seed file."
                ) from None

    def _one(self, seed: Seed, entity: Entity, record, item: SeedItem) -> None:
        values, state = self._values(entity, record)
        shape = _shape(entity, record)
        known = self.known.get((item.pack, item.entity, item.key))
        if known is None:
            existing = self._existing(seed, entity, values)
            if existing is not None:
                self.outcome.existing.append(item)
                return
            created = self.transaction.create(entity.name, values, state=state)
            self._remember(item, created["id"], shape, None)
            self.outcome.added.append(item)
            return
        try:
            current = self.transaction.get(entity.name, known["record_id"])
        except RecordNotFound:
            self.outcome.deleted.append(item)
            return
        if _digest(_snapshot(current, known["fields"])) != known["digest"]:
            self.outcome.edited.append(item)
            return
        changes = _changes(self.definitions, entity, values, current)
        if changes:
            self.transaction.update(entity.name, known["record_id"], changes)
            self.outcome.updated.append(item)
        else:
            self.outcome.unchanged.append(item)
        self._remember(item, known["record_id"], shape, known)

    def _remember(self, item: SeedItem, record_id, shape: dict, known) -> None:
        stored = self.transaction.get(item.entity, record_id)
        row = {
            "record_id": record_id,
            "digest": _digest(_snapshot(stored, shape)),
            "fields": shape,
            "version": self.versions.get(item.pack, ""),
            "updated_at": self.transaction.now,
        }
        if known is not None:
            self.connection.execute(
                update(self.seeds).where(self.seeds.c.id == known["id"]).values(**row)
            )
            return
        self.connection.execute(
            insert(self.seeds).values(
                pack=item.pack,
                entity=item.entity,
                key=item.key,
                demo=item.demo,
                loaded_at=self.transaction.now,
                **row,
            )
        )

    def _values(self, entity: Entity, record) -> tuple[dict, str | None]:
        """The record's values for the records service, references found."""
        values: dict = {}
        state = None
        for name, value in record.items():
            item = entity.fields[name]
            if entity.workflow and name == entity.workflow.field:
                state = value
            elif item.type == "reference" and value is not None:
                values[name] = self._reference(item.to, value, record, name)
            elif item.type == "table":
                child = self.definitions.entities[item.of]
                values[name] = [self._values(child, row)[0] for row in value or ()]
            else:
                values[name] = _plain(value)
        return values, state

    def _reference(self, target: str, value, record, name: str) -> int:
        key = (target, str(value))
        if key not in self.found:
            self.found[key] = self._find(target, value)
        if self.found[key] is None:
            fields = ", ".join(_key_fields(self.definitions, target)) or "none"
            raise SeedError(
                f"{_where(record, name)}: '{name}' names '{value}', but there is no "
                f"{target} with that key ({fields}). Hint: name a record of the seed "
                f"data of '{target}' (loaded first) or one already in the database."
            )
        return self.found[key]

    def _find(self, target: str, value) -> int | None:
        entity = self.definitions.entities.get(target)
        if entity is None:
            return None
        rows = self.transaction.schema.table(target)
        for name in _key_fields(self.definitions, target):
            try:
                wanted = coerce(entity.fields[name], value)
            except ValueError:
                continue
            found = self.connection.execute(
                select(rows.c.id).where(rows.c[name] == wanted).limit(1)
            ).scalar()
            if found is not None:
                return found
        return None

    def _existing(self, seed: Seed, entity: Entity, values: dict) -> int | None:
        """A record with the seed record's key that the pack did not load."""
        if not seed.key or any(values.get(name) is None for name in seed.key):
            return None
        rows = self.transaction.schema.table(entity.name)
        try:
            condition = and_(
                *(
                    rows.c[name] == coerce(entity.fields[name], values[name])
                    for name in seed.key
                )
            )
        except ValueError:
            return None
        return self.connection.execute(
            select(rows.c.id).where(condition).limit(1)
        ).scalar()


def _key_fields(definitions: Definitions, entity_name: str) -> list[str]:
    """The fields a seed value may name a record of `entity_name` by: its
    seed documents' key, then its other unique fields."""
    entity = definitions.entities.get(entity_name)
    if entity is None:
        return []
    names = [
        seed.key[0]
        for seed in definitions.seeds
        if seed.entity == entity_name and len(seed.key) == 1
    ]
    names += [name for name, item in entity.fields.items() if item.unique]
    return list(dict.fromkeys(names))


def _self_referenced_first(entity: Entity, seed: Seed) -> list[int]:
    """Record indexes, each after the records of the same seed it names (a
    category after its parent category)."""
    own = [
        name
        for name, item in entity.fields.items()
        if item.type == "reference" and item.to == entity.name
    ]
    if not own or len(seed.key) != 1:
        return list(range(len(seed.records)))
    position = {
        str(record.get(seed.key[0])): index for index, record in enumerate(seed.records)
    }
    ordered: list[int] = []
    visiting: set[int] = set()

    def visit(index: int) -> None:
        if index in ordered or index in visiting:
            return
        visiting.add(index)
        for name in own:
            named = seed.records[index].get(name)
            if named is not None and str(named) in position:
                visit(position[str(named)])
        ordered.append(index)

    for index in range(len(seed.records)):
        visit(index)
    return ordered


def _shape(entity: Entity, record) -> dict[str, list[str]]:
    """The fields a seed record gives: {field: []}, or {table field: [the
    row fields given]}."""
    shape: dict[str, list[str]] = {}
    for name, value in record.items():
        if entity.fields[name].type == "table":
            shape[name] = sorted({key for row in value or () for key in row})
        else:
            shape[name] = []
    return shape


def _snapshot(record: dict, shape: dict) -> dict:
    out = {}
    for name, row_fields in shape.items():
        value = record.get(name)
        if row_fields:
            value = [{key: row.get(key) for key in row_fields} for row in value or ()]
        out[name] = value
    return jsonable(out)


def _digest(snapshot: dict) -> str:
    text = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _changes(definitions: Definitions, entity: Entity, values: dict, current):
    """The values of the seed record that differ from the stored record."""
    changes = {}
    for name, value in values.items():
        item = entity.fields[name]
        if item.type == "table":
            child = definitions.entities[item.of]
            stored = current.get(name) or []
            # Each row by the fields it gives (the others have defaults).
            if len(stored) != len(value) or any(
                _coerced(child, row, list(row)) != {key: old.get(key) for key in row}
                for row, old in zip(value, stored, strict=True)
            ):
                changes[name] = value
        elif _coerced(entity, values, [name]) != {name: current.get(name)}:
            changes[name] = value
    return changes


def _coerced(entity: Entity, values: dict, names: list[str]) -> dict | None:
    """The values as the records service stores them (None: some are wrong,
    and the records service will say how)."""
    try:
        return {name: coerce(entity.fields[name], values.get(name)) for name in names}
    except ValueError:
        return None


def _plain(value):
    """A value read from YAML as plain Python (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _where(record, name: str | None = None) -> str:
    try:
        return str(record.value_at(name) if name else record.location)
    except (AttributeError, KeyError):
        return "seed data"
