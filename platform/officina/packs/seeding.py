"""Loading a pack's seed (and, on request, demo) records into a site.

Every record is written through the records service, in one transaction:
nothing of a pack's seed data is written unless all of it is. References
name the other record by its seed key (a category by its code, a customer
by e-mail), or by any unique field of the referenced entity; a user (the
site's, not the pack's) by e-mail, left empty while the site has no such
user.

What was loaded is remembered in `officina_seed`: the record, and a digest
of the values the pack gave as they were stored. Loading again (an upgrade,
a second `officina demo`) adds the records that are new, updates the ones
nobody has edited since (their digest still matches), and leaves alone, and
reports, the ones a user edited or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from officina.definitions import Definitions
from officina.definitions.model import Entity, Seed
from officina.definitions.seed_values import CREATED_AT, is_expression
from officina.packs.seed_records import SeedError, SeedValues, where
from officina.packs.seed_refresh import refresh_formulas
from officina.packs.seed_tracking import (
    SeedItem,
    demo_loaded,
    digest,
    forget_seeds,
    seed_key,
    seeds_to_add,
    snapshot,
    tracked,
    tracking_table,
)
from officina.records import RecordsService
from officina.records.coercion import coerce
from officina.records.errors import RecordError
from officina.records.service import Transaction

__all__ = [
    "SeedError",
    "SeedItem",
    "SeedOutcome",
    "demo_loaded",
    "forget_seeds",
    "load_seeds",
    "seed_key",
    "seeds_of",
    "seeds_to_add",
    "tracked",
]


@dataclass
class SeedOutcome:
    """What loading seed data did, record by record."""

    added: list[SeedItem] = field(default_factory=list)
    updated: list[SeedItem] = field(default_factory=list)
    unchanged: list[SeedItem] = field(default_factory=list)
    edited: list[SeedItem] = field(default_factory=list)  # kept as the user left it
    deleted: list[SeedItem] = field(default_factory=list)  # not brought back
    existing: list[SeedItem] = field(default_factory=list)  # not the pack's record
    missing: list[SeedItem] = field(default_factory=list)  # nothing to update
    # E-mails the records name a user by, of no user of the site: the
    # fields are left empty (filled in by a later load once the user exists).
    users_missing: list[str] = field(default_factory=list)

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
        if self.missing:
            out.append(
                "Skipped, no record with that key to update (load the pack "
                "whose records they are first): " + _names(self.missing)
            )
        if self.users_missing:
            out.append(
                "Left empty, no user has the e-mail "
                + ", ".join(self.users_missing)
                + ". Hint: add the user ('officina user add'), then run 'officina "
                "pack upgrade' of the pack again to link the records to it."
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


def load_seeds(
    records: RecordsService, seeds: list[Seed], versions: dict[str, str]
) -> SeedOutcome:
    """Load `seeds` (see `seeds_of`) in one transaction; SeedError if any
    record cannot be written, and then nothing is. Formulas that read other
    records are computed again at the end (see seed_refresh)."""
    outcome = SeedOutcome()
    # A record that cannot be written ends the load (SeedError, below).
    with records.transaction(all_or_nothing=True) as transaction:
        loader = _Loader(transaction, versions, outcome)
        loader.expect_updates(seeds)
        for seed in seeds:
            loader.load(seed)
        refresh_formulas(transaction, loader.added, loader.order)
    outcome.users_missing = loader.values.users_missing
    return outcome


class _Loader:
    def __init__(self, transaction: Transaction, versions: dict, outcome):
        self.transaction = transaction
        self.connection = transaction.connection
        self.definitions = transaction.definitions
        self.versions = versions
        self.outcome = outcome
        self.known = tracked(self.connection)
        self.values = SeedValues(transaction)
        self.seeds = tracking_table()
        self.added: dict[str, list[int]] = {}  # entity -> ids of new records
        self.remembered: list[dict] = []  # new rows of officina_seed
        # `update: true` records of this load, by the record they name:
        # (entity, key fields, key) -> [(seed, record, item)]. A record made
        # in the same load gets their values as it is made (one write),
        # except those naming a record loaded after it.
        self.updates: dict[tuple, list] = {}
        self.done: set[SeedItem] = set()  # updates written that way
        self.keys: dict[str, dict] = {}  # entity -> {key values: id}
        # The entities given records, document after document (with the
        # entities of their rows), for seed_refresh.
        self.order: list[str] = []
        self.current: dict = {}  # id -> record loaded before, of the document

    def expect_updates(self, seeds: list[Seed]) -> None:
        """Note the `update: true` records of the load that name records not
        loaded yet (they are written with them, see `_one`)."""
        for seed in seeds:
            if not seed.update:
                continue
            for index, record in enumerate(seed.records):
                key = seed_key(seed, record, index)
                item = SeedItem(seed.pack, seed.entity, key, seed.demo)
                if (item.pack, item.entity, item.key) not in self.known:
                    found = (seed.entity, seed.key, key)
                    self.updates.setdefault(found, []).append((seed, record, item))

    def load(self, seed: Seed) -> None:
        entity = self.definitions.entities[seed.entity]
        self.keys.pop(seed.entity, None)  # read again: earlier documents added
        # The records loaded before, read together (not one by one).
        self.current = self.transaction.reader.get_many(
            seed.entity,
            [
                self.known[(seed.pack, seed.entity, key)]["record_id"]
                for index, record in enumerate(seed.records)
                if (seed.pack, seed.entity, key := seed_key(seed, record, index))
                in self.known
            ],
        )
        self.order += [seed.entity, *_row_entities(entity, self.definitions)]
        # Records of the past are written as they are: no rule runs for them.
        self.transaction.rules = seed.rules
        try:
            for index in _self_referenced_first(entity, seed):
                record = seed.records[index]
                key = seed_key(seed, record, index)
                item = SeedItem(seed.pack, seed.entity, key, seed.demo)
                try:
                    self._one(seed, entity, record, item)
                except RecordError as error:
                    raise SeedError(
                        f"{where(record)}: {seed.entity} {item.key} of the pack "
                        f"'{seed.pack}' cannot be loaded: {error}. Hint: correct "
                        "the record in the pack's seed file."
                    ) from None
        finally:
            self.transaction.rules = True
        if self.remembered:
            self.connection.execute(insert(self.seeds), self.remembered)
            self.remembered = []

    def _one(self, seed: Seed, entity: Entity, record, item: SeedItem) -> None:
        known = self.known.get((item.pack, item.entity, item.key))
        values, state, created_at = self.values.of(
            seed, entity, record, expressions=known is None
        )
        shape = _shape(entity, record)
        if known is None and seed.update:
            if item not in self.done:
                self._fill(seed, entity, values, shape, item)
            return
        if known is None:
            existing = self._existing(seed, entity, values)
            if existing is not None:
                self.outcome.existing.append(item)
                return
            updates = []
            for update in self.updates.pop((entity.name, seed.key, item.key), []):
                other, other_record, _other_item = update
                try:
                    given = self.values.of(other, entity, other_record)[0]
                except SeedError:
                    # It names a record loaded later (an order naming the
                    # return request that names the order): it is written in
                    # its own document's turn, or fails there.
                    continue
                values.update({k: v for k, v in given.items() if k not in other.key})
                updates.append(update)
            created = self.transaction.create(
                entity.name, values, state=state, created_at=created_at
            )
            self.added.setdefault(entity.name, []).append(created["id"])
            self._remember(item, created, shape, None)
            self.outcome.added.append(item)
            for _other, other_record, other_item in updates:
                self._remember(other_item, created, _shape(entity, other_record), None)
                self.outcome.added.append(other_item)  # part of the new record
                self.done.add(other_item)
            return
        current = self.current.get(known["record_id"])
        if current is None:
            self.outcome.deleted.append(item)
            return
        if digest(snapshot(current, known["fields"])) != known["digest"]:
            self.outcome.edited.append(item)
            return
        changes = _changes(self.definitions, entity, values, current, shape)
        if changes:
            current = self.transaction.update(entity.name, known["record_id"], changes)
            self.outcome.updated.append(item)
        else:
            self.outcome.unchanged.append(item)
        self._remember(item, current, shape, known)

    def _fill(self, seed: Seed, entity: Entity, values, shape, item) -> None:
        """`update: true`: the values written into the record the key names."""
        existing = self._existing(seed, entity, values)
        if existing is None:
            self.outcome.missing.append(item)
            return
        changes = {
            name: value for name, value in values.items() if name not in seed.key
        }
        stored = self.transaction.update(entity.name, existing, changes)
        self._remember(item, stored, shape, None)
        self.outcome.updated.append(item)

    def _remember(self, item: SeedItem, stored: dict, shape: dict, known) -> None:
        row = {
            "record_id": stored["id"],
            "digest": digest(snapshot(stored, shape)),
            "fields": shape,
            "version": self.versions.get(item.pack, ""),
            "updated_at": self.transaction.now,
        }
        if known is not None:
            if any(
                known[name] != value
                for name, value in row.items()
                if name != "updated_at"
            ):
                self.connection.execute(
                    update(self.seeds)
                    .where(self.seeds.c.id == known["id"])
                    .values(**row)
                )
            return
        # Written together at the end of the document (one statement).
        self.remembered.append(
            {
                "pack": item.pack,
                "entity": item.entity,
                "key": item.key,
                "demo": item.demo,
                "loaded_at": self.transaction.now,
                **row,
            }
        )

    def _existing(self, seed: Seed, entity: Entity, values: dict) -> int | None:
        """A record with the seed record's key that the pack did not load (or,
        for `update: true`, the record to update)."""
        if not seed.key or any(values.get(name) is None for name in seed.key):
            return None
        try:
            wanted = tuple(
                coerce(entity.fields[name], values[name]) for name in seed.key
            )
        except ValueError:
            return None
        found = self.keys.get(entity.name)
        if found is None or found.get("key") != seed.key:
            # The keys of the whole table, read once per document rather
            # than once per record.
            rows = self.transaction.schema.table(entity.name)
            columns = [rows.c[name] for name in seed.key]
            found = {"key": seed.key}
            for row in self.connection.execute(select(rows.c.id, *columns)):
                found.setdefault(tuple(row[1:]), row[0])
            self.keys[entity.name] = found
        return found.get(wanted)


def _row_entities(entity: Entity, definitions: Definitions) -> list[str]:
    return [
        field.of
        for field in entity.fields.values()
        if field.type == "table" and field.of in definitions.entities
    ]


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
    row fields given]}. Values written as expressions (and `created_at`)
    are left out: they are set when the record is made, and a later load,
    at a later `now()`, does not move them."""
    shape: dict[str, list[str]] = {}
    for name, value in record.items():
        if name == CREATED_AT and name not in entity.fields or is_expression(value):
            continue
        if entity.fields[name].type == "table":
            shape[name] = sorted(
                {
                    key
                    for row in value or ()
                    for key in row
                    if not is_expression(row[key])
                }
            )
        else:
            shape[name] = []
    return shape


def _changes(definitions: Definitions, entity: Entity, values: dict, current, shape):
    """The values of the seed record that differ from the stored record (of
    the fields in its `shape`)."""
    changes = {}
    for name, value in values.items():
        if name not in shape:
            continue
        item = entity.fields[name]
        if item.type == "table":
            child = definitions.entities[item.of]
            stored = current.get(name) or []
            given = shape[name]
            # Each row by the fields it gives (the others have defaults).
            if len(stored) != len(value) or any(
                _coerced(child, row, [k for k in row if k in given])
                != {key: old.get(key) for key in row if key in given}
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
