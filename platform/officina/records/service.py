"""The records service: the one way every channel writes a record.

A write runs, in this order and in one transaction: the permission check,
defaults, `copy_from` values, formulas (child rows first, then the record's
own, including aggregates over the rows), validation of everything at once,
the write of the record and its child rows, the audit entry, and the rule
triggers. Forms, the API, rules, imports, the CLI and workflow transitions
all come through here; none writes a table itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from functools import cached_property

from sqlalchemy import Connection, Engine, and_, bindparam, func, select
from sqlalchemy.exc import IntegrityError

from officina.database import WRITE
from officina.definitions import Definitions
from officina.definitions.model import Entity, Filter
from officina.errors import one_of, suggest
from officina.expressions.functions import Moment
from officina.records import audit, workflow
from officina.records.coercion import coerce
from officina.records.compute import (
    apply_copies,
    apply_defaults,
    apply_formulas,
    formula_order,
)
from officina.records.context import RecordCache, record_context
from officina.records.deferred import DeferredWrites, deferred_writes
from officina.records.errors import (
    AdjustmentRefused,
    PermissionDenied,
    Problems,
    RecordConflict,
    RecordInvalid,
    RecordNotFound,
)
from officina.records.listing import (
    SEARCH,
    Lister,
    Page,
    expand_references,
    filter_context,
)
from officina.records.numbering import (
    advance_counters,
    advance_statement,
    counter_key,
    given_value,
    increment_statement,
    next_number,
    period,
)
from officina.records.validation import (
    check_fields,
    check_rows_count,
    check_unique,
    check_validations,
    missing_references,
    report_taken,
    violated_unique,
)
from officina.schema.tables import AUDIT, COUNTERS, USERS, Schema

# List statements kept per runtime (see `Statements.listed`).
LISTED = 256

SYSTEM_COLUMNS = (
    "id",
    "created_at",
    "created_by",
    "updated_at",
    "updated_by",
    "version",
)


@dataclass(frozen=True)
class Actor:
    """Who is writing: a user (id, name, roles) or the system itself."""

    id: int | None = None
    name: str = "system"
    roles: tuple[str, ...] = ()
    language: str = "en"
    system: bool = False

    def as_context(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "roles": list(self.roles),
            "language": self.language,
        }


SYSTEM = Actor(system=True)


@dataclass(frozen=True)
class WriteEvent:
    """What a rule trigger receives after a write, inside the transaction."""

    action: str  # create, update, delete
    entity: str
    record_id: int
    old: dict | None
    new: dict | None
    actor: Actor
    transaction: Transaction
    # Set when the write was a workflow step: its name (the state fields of
    # old and new say where from and where to) and the comment given.
    transition: str | None = None
    comment: str | None = None


PermissionCheck = Callable[..., None]
Trigger = Callable[[WriteEvent], None]


@dataclass
class Hooks:
    """Where other layers plug in: permission checks (the auth layer) and
    triggers after each write (the rules engine)."""

    permission_checks: list[PermissionCheck] = dataclass_field(default_factory=list)
    # Conditions added to every list query (a role's row filters).
    row_filters: list[Callable] = dataclass_field(default_factory=list)
    # Fields an actor may not see: removed from every record they get.
    hidden_fields: list[Callable] = dataclass_field(default_factory=list)
    after_write: list[Trigger] = dataclass_field(default_factory=list)
    # Called with the error after a write transaction was rolled back (the
    # rules engine logs failed rule runs there, so the log outlives the undo).
    after_rollback: list[Callable] = dataclass_field(default_factory=list)


class RecordsService:
    """Create, update, delete, read and list records of any entity."""

    def __init__(
        self,
        definitions: Definitions,
        schema: Schema,
        engine: Engine,
        hooks: Hooks | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        timezone: dt.tzinfo = dt.UTC,
    ):
        self.definitions = definitions
        self.schema = schema
        self.engine = engine
        self.hooks = hooks or Hooks()
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        # The site's timezone: where its days begin (today(), SLAs, lists).
        self.timezone = timezone
        self._formula_orders: dict[str, list] = {}

    def moment(self, now: dt.datetime | None = None) -> Moment:
        """What now() and today() answer in expressions: the clock's time
        (or `now`), and its date in the site's timezone."""
        return Moment(self.clock() if now is None else now, self.timezone)

    # -- transactions -----------------------------------------------------
    @contextmanager
    def transaction(
        self, actor: Actor = SYSTEM, *, all_or_nothing: bool = False
    ) -> Iterator[Transaction]:
        """One write transaction; several writes inside it commit together.
        Their audit entries are written together as it ends (see deferred).

        `all_or_nothing`: the caller ends the transaction at the first
        refused write (a pack's seed data). A write then needs no savepoint
        of its own to let the transaction go on without it, and a unique
        value already taken is left to the table's constraint to refuse
        (with the same message) rather than looked for before each write."""
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            try:
                with connection.begin():
                    deferred = DeferredWrites(
                        connection,
                        lambda values: self.advance_counters(connection, values),
                    ).attach()
                    transaction = Transaction(self, connection, actor, self.clock())
                    transaction.all_or_nothing = all_or_nothing
                    yield transaction
                    deferred.flush()
            except Exception as error:
                for hook in self.hooks.after_rollback:
                    hook(error)
                raise

    def create(self, entity: str, values: dict, *, actor: Actor = SYSTEM) -> dict:
        with self.transaction(actor) as transaction:
            return transaction.create(entity, values)

    def update(
        self,
        entity: str,
        record_id,
        values: dict,
        *,
        version: int | None = None,
        actor: Actor = SYSTEM,
    ) -> dict:
        with self.transaction(actor) as transaction:
            return transaction.update(entity, record_id, values, version=version)

    def delete(
        self,
        entity: str,
        record_id,
        *,
        version: int | None = None,
        actor: Actor = SYSTEM,
    ) -> None:
        with self.transaction(actor) as transaction:
            transaction.delete(entity, record_id, version=version)

    def transition(
        self,
        entity: str,
        record_id,
        name: str,
        *,
        values: dict | None = None,
        comment: str | None = None,
        version: int | None = None,
        actor: Actor = SYSTEM,
    ) -> dict:
        with self.transaction(actor) as transaction:
            return transaction.transition(
                entity, record_id, name, values=values, comment=comment, version=version
            )

    def transitions(self, entity: str, record_id, *, actor: Actor = SYSTEM) -> list:
        """The transitions out of the record's state, each allowed for the
        actor or with the reason it is not."""
        model = self.definitions.entities.get(entity)
        if model is None or model.is_child:
            raise RecordNotFound(entity, record_id)
        self.permit(actor, "read", model)
        with self.engine.connect() as connection:
            if not self.visible(connection, model, record_id, actor):
                raise RecordNotFound(entity, record_id)
            record = Reader(self, connection).get(entity, record_id)
            return workflow.choices(self, connection, model, record, actor)

    def get(self, entity: str, record_id, *, actor: Actor = SYSTEM) -> dict:
        model = self.definitions.entities.get(entity)
        if model is None or model.is_child:
            raise RecordNotFound(entity, record_id)
        self.permit(actor, "read", model)
        with self.engine.connect() as connection:
            if not self.visible(connection, model, record_id, actor):
                raise RecordNotFound(entity, record_id)
            return self.shown(
                model, Reader(self, connection).get(entity, record_id), actor
            )

    # -- what an actor may see -----------------------------------------------
    def permit(
        self, actor: Actor, action: str, entity: Entity, record=None, values=None
    ) -> None:
        for check in self.hooks.permission_checks:
            check(
                actor=actor, action=action, entity=entity, record=record, values=values
            )

    def row_condition(self, actor: Actor, entity: Entity):
        """The rows of `entity` the actor may see (None: all of them)."""
        condition = None
        for row_filter in self.hooks.row_filters:
            part = row_filter(
                actor=actor,
                entity=entity,
                table=self.schema.table(entity.name),
                service=self,
            )
            if part is not None:
                condition = part if condition is None else condition & part
        return condition

    def visible(
        self, connection: Connection, entity: Entity, record_id, actor: Actor
    ) -> bool:
        condition = self.row_condition(actor, entity)
        if condition is None:
            return True
        table = self.schema.table(entity.name)
        return (
            connection.execute(
                select(table.c.id).where(table.c.id == record_id, condition)
            ).first()
            is not None
        )

    def hidden(self, entity: Entity, actor: Actor) -> set[str]:
        """The fields of `entity` the actor may not see."""
        hidden: set[str] = set()
        for hook in self.hooks.hidden_fields:
            hidden |= hook(actor=actor, entity=entity)
        return hidden

    def shown(self, entity: Entity, record: dict, actor: Actor) -> dict:
        """The record without the fields the actor may not see."""
        hidden = self.hidden(entity, actor)
        if not hidden:
            return record
        return {key: value for key, value in record.items() if key not in hidden}

    def list(
        self,
        entity: str,
        *,
        filters=(),
        sort=(),
        limit: int = 50,
        cursor: str | None = None,
        count: bool = False,
        expand=(),
        actor: Actor = SYSTEM,
        context: dict | None = None,
        search: str | None = None,
    ) -> Page:
        """A page of records; see `listing` for filters, sorting and cursors.
        `search`: words that must each be in one of the search fields.
        Filter values see `actor` as `user` unless `context` says otherwise."""
        model = self.definitions.entities.get(entity)
        if model is None or model.is_child:
            raise RecordNotFound(entity, "?")
        hidden = self.hidden(model, actor) if not actor.system else ()
        if hidden:
            _refuse_hidden(model, hidden, filters, sort, actor)
        if search and search.strip():
            fields = tuple(name for name in model.search if name not in hidden)
            if model.search and not fields:  # every search field is hidden
                fields = ("id",)
            filters = (*filters, Filter(fields or ("",), SEARCH, search.strip()))
        self.permit(actor, "read", model)
        extra = self.row_condition(actor, model)
        with self.engine.connect() as connection:
            lister = Lister(self, model)
            page = lister.run(
                connection,
                filters=filters,
                sort=sort,
                limit=limit,
                cursor=cursor,
                count=count,
                extra_condition=extra,
                context={**filter_context(actor), **(context or {})},
            )
            if expand:
                expand_references(
                    connection, self, model, page.records, list(expand), actor
                )
        if hidden:  # found once for the page, not once per record
            records = [
                {k: v for k, v in record.items() if k not in hidden}
                for record in page.records
            ]
            page = Page(records, page.next_cursor, page.total)
        return page

    def adjust(
        self,
        entity: str,
        record_id,
        field: str,
        by,
        *,
        minimum=None,
        maximum=None,
        message: str | None = None,
        actor: Actor = SYSTEM,
    ):
        with self.transaction(actor) as transaction:
            return transaction.adjust(
                entity,
                record_id,
                field,
                by,
                minimum=minimum,
                maximum=maximum,
                message=message,
            )

    def history(self, entity: str, record_id) -> list[dict]:
        with self.engine.connect() as connection:
            return audit.history(
                connection, self.schema.metadata.tables, entity, record_id
            )

    def audit_entries(self, **filters) -> list[dict]:
        """The audit trail across records: by entity, record, user, action,
        period (`since`, `until`); newest first, at most `limit`."""
        with self.engine.connect() as connection:
            return audit.entries(connection, self.schema.metadata.tables, **filters)

    def formula_order(self, entity: Entity) -> list:
        order = self._formula_orders.get(entity.name)
        if order is None:
            order = self._formula_orders[entity.name] = formula_order(entity)
        return order

    @cached_property
    def counters(self):
        return self.schema.metadata.tables[COUNTERS]

    def advance_counters(self, connection: Connection, values: dict[str, int]):
        """Raise counter rows to the numbers given past them (see numbering)."""
        dialect = connection.dialect.name
        statement = self.statements.built(
            ("advance", dialect), lambda: advance_statement(self.counters, dialect)
        )
        advance_counters(self.engine, connection, statement, values)

    @cached_property
    def statements(self) -> Statements:
        return Statements()


class Statements:
    """Statements built once per table and reused: SQLAlchemy then compiles
    each once, and every write only binds its values."""

    def __init__(self):
        self._inserts: dict[str, object] = {}
        self._updates: dict[str, object] = {}
        self._counters: dict[str, object] = {}
        self._built: dict[object, object] = {}
        self._listed: dict[object, object] = {}

    def built(self, key, build: Callable[[], object]):
        """The statement `build()` makes, made once per key and kept here
        (on the runtime's records service, so per definitions version)."""
        statement = self._built.get(key)
        if statement is None:
            statement = self._built[key] = build()
        return statement

    def listed(self, key, build: Callable[[], object]):
        """A list statement kept by its filters, sort and limit; at most
        LISTED of them (the values differ, so the set is not bounded)."""
        statement = self._listed.get(key)
        if statement is None:
            if len(self._listed) >= LISTED:
                self._listed.clear()
            statement = self._listed[key] = build()
        return statement

    def by_id(self, table, *, lock: bool = False):
        """SELECT one row by `:record_id` (optionally FOR UPDATE)."""

        def build():
            query = select(table).where(table.c.id == bindparam("record_id"))
            return query.with_for_update() if lock else query

        return self.built(("by_id", table.name, lock), build)

    def rows(self, table):
        """SELECT the child rows of `:parent_id`, in their order."""
        return self.built(
            ("rows", table.name),
            lambda: (
                select(table)
                .where(table.c.parent_id == bindparam("parent_id"))
                .order_by(table.c.row_order, table.c.id)
            ),
        )

    def counter(self, counters, dialect: str):
        statement = self._counters.get(dialect)
        if statement is None:
            statement = self._counters[dialect] = increment_statement(counters, dialect)
        return statement

    def update(self, table):
        statement = self._updates.get(table.name)
        if statement is None:
            statement = self._updates[table.name] = table.update().where(
                table.c.id == bindparam("match_id"),
                table.c.version == bindparam("match_version"),
            )
        return statement

    def insert(self, table):
        statement = self._inserts.get(table.name)
        if statement is None:
            statement = self._inserts[table.name] = table.insert().returning(*table.c)
        return statement


class Reader:
    """Reads records with their child rows."""

    def __init__(self, service: RecordsService, connection: Connection):
        self.service = service
        self.connection = connection

    def get(self, entity_name: str, record_id, *, lock: bool = False) -> dict:
        entity = self.service.definitions.entities.get(entity_name)
        if entity is None or entity.is_child:
            raise RecordNotFound(entity_name, record_id)
        table = self.service.schema.table(entity_name)
        query = self.service.statements.by_id(
            table, lock=lock and self.connection.dialect.name == "postgresql"
        )
        result = self.connection.execute(query, {"record_id": record_id})
        keys = result.keys()
        row = result.first()
        if row is None:
            raise RecordNotFound(entity_name, record_id)
        record = dict(zip(keys, row, strict=True))
        for name, field in entity.fields.items():
            if field.type == "table":
                record[name] = self.rows(field.of, record_id)
        return record

    def rows(self, child: str, parent_id) -> list[dict]:
        table = self.service.schema.table(child)
        result = self.connection.execute(
            self.service.statements.rows(table), {"parent_id": parent_id}
        )
        keys = result.keys()
        return [dict(zip(keys, row, strict=True)) for row in result]

    def get_many(self, entity_name: str, ids, *, chunk: int = 500) -> dict:
        """{id: record} as `get` reads them, a few queries for many records
        (those not found are left out)."""
        entity = self.service.definitions.entities[entity_name]
        table = self.service.schema.table(entity_name)
        tables = {n: f.of for n, f in entity.fields.items() if f.type == "table"}
        found: dict = {}
        ids = sorted(set(ids))
        for start in range(0, len(ids), chunk):
            part = ids[start : start + chunk]
            for row in self.connection.execute(
                select(table).where(table.c.id.in_(part))
            ).mappings():
                found[row["id"]] = {**row, **{name: [] for name in tables}}
            for name, child in tables.items():
                rows = self.service.schema.table(child)
                for row in self.connection.execute(
                    select(rows)
                    .where(rows.c.parent_id.in_(part))
                    .order_by(rows.c.parent_id, rows.c.row_order, rows.c.id)
                ).mappings():
                    if row["parent_id"] in found:
                        found[row["parent_id"]][name].append(dict(row))
        return found


class Transaction:
    """Writes inside one database transaction, by one actor."""

    def __init__(
        self,
        service: RecordsService,
        connection: Connection,
        actor: Actor,
        now: dt.datetime,
    ):
        self.service = service
        self.connection = connection
        self.actor = actor
        self.now = now
        self.definitions = service.definitions
        self.schema = service.schema
        self.moment = service.moment(now)
        self.cache = RecordCache(
            connection, service.definitions, service.schema, self.moment
        )
        self.reader = Reader(service, connection)
        # False while a pack loads records of the past (seed data with
        # `rules: false`): the rules engine leaves those writes alone.
        self.rules = True
        # {entity: ids} known to exist in this transaction (references to
        # them need no query).
        self.seen: dict[str, set] = {}
        # True when the caller ends the transaction at the first refused
        # write (see RecordsService.transaction): no savepoint per write.
        self.all_or_nothing = False
        # Audit entries and counter moves written when the transaction
        # ends (None outside RecordsService.transaction: written at once).
        self.deferred = deferred_writes(connection)

    # -- public -----------------------------------------------------------
    def create(
        self,
        entity_name: str,
        values: dict,
        *,
        state: str | None = None,
        created_at: dt.datetime | None = None,
    ) -> dict:
        """A new record; `state` (for the system actor only: a pack's seed
        and demo records) starts it in that workflow state, not the initial,
        and `created_at` (the same) dates it back, for records of the past."""
        entity = self._entity(entity_name)
        self._permit("create", entity, None, values)
        problems = Problems()
        record, given, rows = self._incoming(entity, values, problems, creating=True)
        if entity.workflow:
            record[entity.workflow.field] = entity.workflow.initial
            if state is not None and self.actor.system:
                if state in entity.workflow.states:
                    record[entity.workflow.field] = state
                    given.add(entity.workflow.field)  # not its default
                else:
                    states = entity.workflow.states
                    problems.add(
                        entity.workflow.field,
                        f"'{state}' is not a state of {entity.label.get()}. Hint: "
                        + (suggest(state, states) or one_of(states)),
                    )
        back_then = created_at if self.actor.system else None
        record["created_at"] = back_then or self.now  # formulas may read it
        self._complete(entity, record, given, set(given), rows, None, problems)
        if problems:
            raise RecordInvalid(entity.name, problems)
        created = self._insert(entity, record, rows, back_then)
        self._must_see_written(entity, created["id"], "create it")
        return self.service.shown(entity, created, self.actor)

    def update(
        self, entity_name: str, record_id, values: dict, *, version: int | None = None
    ) -> dict:
        entity = self._entity(entity_name)
        current = self.reader.get(entity.name, record_id, lock=True)
        self._must_see(entity, record_id)
        if version is not None and int(version) != current["version"]:
            raise self._conflict(entity, current, int(version))
        self._permit("update", entity, current, values)
        problems = Problems()
        changes, given, rows = self._incoming(entity, values, problems, creating=False)
        tables = {name for name, f in entity.fields.items() if f.type == "table"}
        record = {k: v for k, v in current.items() if k not in tables}
        record.update(changes)
        # Copies: the rows' formulas are computed again (one may read the
        # parent) and compared with the stored rows to find what changed.
        all_rows = {
            name: [dict(row) for row in current.get(name, [])]
            for name, field in entity.fields.items()
            if field.type == "table"
        }
        all_rows.update(rows)
        changed = {name for name in given if current.get(name) != record.get(name)}
        if workflow.limits_edits(entity, current, self.actor):
            changed_rows = {
                name
                for name, given_rows in rows.items()
                if any(_rows_diff(current.get(name, []), given_rows).values())
            }
            refusal = workflow.edit_refusal(
                entity, current, changed | changed_rows, self.actor
            )
            if refusal:
                raise PermissionDenied(refusal)
        self._refuse_locked(entity, current, changed, problems)
        self._complete(entity, record, given, changed, all_rows, current, problems)
        if problems:
            raise RecordInvalid(entity.name, problems)
        return self.service.shown(
            entity, self._update(entity, current, record, all_rows), self.actor
        )

    def delete(
        self, entity_name: str, record_id, *, version: int | None = None
    ) -> None:
        entity = self._entity(entity_name)
        current = self.reader.get(entity.name, record_id, lock=True)
        self._must_see(entity, record_id)
        if version is not None and int(version) != current["version"]:
            raise self._conflict(entity, current, int(version))
        self._permit("delete", entity, current, None)
        table = self.schema.table(entity.name)
        try:
            with self.connection.begin_nested():
                self.connection.execute(table.delete().where(table.c.id == record_id))
        except IntegrityError:
            raise RecordInvalid(entity.name, self._still_referenced(entity)) from None
        self.seen.get(entity.name, set()).discard(record_id)
        self.cache.forget(entity.name, record_id)
        changes = {
            name: [audit.jsonable(value), None]
            for name, value in current.items()
            if name not in SYSTEM_COLUMNS and value is not None
        }
        self._audit(entity, record_id, "delete", changes, current["version"])
        self._trigger("delete", entity, record_id, current, None)

    def transition(
        self,
        entity_name: str,
        record_id,
        name: str,
        *,
        values: dict | None = None,
        comment: str | None = None,
        version: int | None = None,
    ) -> dict:
        """Move the record along its workflow (see `workflow`), with any
        field values the step needs, as one audited write."""
        entity = self._entity(entity_name)
        transition = workflow.find(entity, name)
        current = self.reader.get(entity.name, record_id, lock=True)
        self._must_see(entity, record_id)
        if version is not None and int(version) != current["version"]:
            raise self._conflict(entity, current, int(version))
        self.service.permit(self.actor, "read", entity, current)
        workflow.check_transition(self, entity, transition, current, comment)
        problems = Problems()
        changes, given, rows = self._incoming(
            entity, values or {}, problems, creating=False
        )
        if changes or rows:
            self._permit("update", entity, current, values)
        if problems:
            raise RecordInvalid(entity.name, problems)
        tables = {n for n, f in entity.fields.items() if f.type == "table"}
        record = {k: v for k, v in current.items() if k not in tables}
        record.update(changes)
        # Copies, so that rows whose formulas read the parent (its state)
        # are compared with the stored ones and written when they change.
        all_rows = {
            name: [dict(row) for row in current.get(name, [])] for name in tables
        }
        all_rows.update(rows)
        workflow.guard_and_assign(self, entity, transition, record, all_rows, current)
        changed = {k for k in record if current.get(k) != record.get(k)}
        self._complete(entity, record, given, changed, all_rows, current, problems)
        if problems:
            raise RecordInvalid(entity.name, problems)
        new = self._update(
            entity,
            current,
            record,
            all_rows,
            action="transition",
            comment=(comment or "").strip() or None,
            transition=transition.name,
        )
        return self.service.shown(entity, new, self.actor)

    def get(self, entity_name: str, record_id) -> dict:
        return self.reader.get(entity_name, record_id)

    def forget(self) -> None:
        """Forget which records exist and what they hold, after a rollback
        to a savepoint (an `attempt` refused, an import row that failed):
        what was written since is gone."""
        self.seen.clear()
        self.cache.forget_all()

    def adjust(
        self,
        entity_name: str,
        record_id,
        field_name: str,
        by,
        *,
        minimum=None,
        maximum=None,
        message: str | None = None,
    ):
        """Add `by` to a number in one guarded statement, safe against
        concurrent callers: refused when the result would pass a bound."""
        entity = self._entity(entity_name)
        field = entity.fields.get(field_name)
        if field is None or field.type not in (
            "integer",
            "decimal",
            "money",
            "percent",
        ):
            raise RecordInvalid(
                entity.name, _single(field_name, "is not a number field")
            )
        self._permit("update", entity, {"id": record_id}, {field_name: by})
        self._must_see(entity, record_id)
        amount = coerce(field, by)
        table = self.schema.table(entity.name)
        column = table.c[field_name]
        result_value = func.coalesce(column, 0) + amount
        condition = table.c.id == record_id
        if minimum is not None:
            condition = and_(condition, result_value >= coerce(field, minimum))
        if maximum is not None:
            condition = and_(condition, result_value <= coerce(field, maximum))
        row = self.connection.execute(
            table.update()
            .where(condition)
            .values(
                {
                    field_name: result_value,
                    "version": table.c.version + 1,
                    "updated_at": self.now,
                    "updated_by": self.actor.id,
                }
            )
            .returning(column, table.c.version)
        ).first()
        if row is None:
            current = self.reader.get(entity.name, record_id)  # or RecordNotFound
            bound = minimum if minimum is not None else maximum
            raise AdjustmentRefused(
                message
                or (
                    f"{field.label.get()} of {entity.label.get()} {record_id} is "
                    f"{current.get(field_name)}; changing it by {amount} would pass "
                    f"{bound}"
                )
            )
        new_value, version = row
        old_value = new_value - amount
        changes = {field_name: [audit.jsonable(old_value), audit.jsonable(new_value)]}
        formulas = self.service.formula_order(entity)
        if formulas or self.service.hooks.after_write:
            before = self.reader.get(entity.name, record_id)
            new = self._recompute(entity, before, formulas, changes)
        self.cache.forget(entity.name, record_id)
        self._audit(entity, record_id, "adjust", changes, version)
        if self.service.hooks.after_write:
            old = {**before, field_name: old_value, "version": version - 1}
            self._trigger("update", entity, record_id, old, new)
        return new_value

    def _recompute(self, entity: Entity, record: dict, formulas, changes) -> dict:
        """The adjusted record with its formulas computed again (one may read
        the adjusted number): the changed ones are written, in the row the
        adjustment has locked, and added to `changes` for the audit."""
        if not formulas:
            return record
        user = self.actor.as_context() if self.actor.id is not None else None
        tables = {n for n, f in entity.fields.items() if f.type == "table"}
        values = {k: v for k, v in record.items() if k not in tables}
        rows = {name: record.get(name, []) for name in tables}

        def context_for():
            return record_context(self.cache, entity.name, values, rows=rows, user=user)

        try:
            apply_formulas(formulas, values, context_for)
        except Exception as error:  # noqa: BLE001 - reported, never a traceback
            problems = Problems()
            problems.add(None, f"a formula could not be computed: {error}")
            raise RecordInvalid(entity.name, problems) from None
        changed = {
            field.name: values[field.name]
            for field in formulas
            if values[field.name] != record.get(field.name)
        }
        if not changed:
            return record
        table = self.schema.table(entity.name)
        self.connection.execute(
            table.update().where(table.c.id == record["id"]).values(changed)
        )
        for name, value in changed.items():
            changes[name] = [audit.jsonable(record.get(name)), audit.jsonable(value)]
        return {**record, **changed}

    # -- steps ------------------------------------------------------------
    def _entity(self, name: str) -> Entity:
        entity = self.definitions.entities.get(name)
        if entity is None:
            raise RecordNotFound(name, "?")
        if entity.is_child:
            raise PermissionDenied(
                f"rows of {name} are written through their {entity.parent}"
            )
        return entity

    def _permit(self, action: str, entity: Entity, record, values) -> None:
        self.service.permit(self.actor, action, entity, record, values)

    def _must_see(self, entity: Entity, record_id) -> None:
        """A record outside the actor's rows is, for them, not there."""
        if not self.service.visible(self.connection, entity, record_id, self.actor):
            raise RecordNotFound(entity.name, record_id)

    def _must_see_written(self, entity: Entity, record_id, doing: str) -> None:
        """A role limited to some rows writes records only inside them: a
        customer can neither file a record for another customer nor hand one
        over by editing it. The whole write is undone otherwise."""
        if not self.service.visible(self.connection, entity, record_id, self.actor):
            raise PermissionDenied(
                f"this {entity.label.get(self.actor.language).lower()} would not "
                "be one of the records your roles let you see, so you may not "
                f"{doing}. Hint: check the values that decide whose record it "
                "is (e.g. the customer or the order)"
            )

    def _incoming(
        self, entity: Entity, values: dict, problems: Problems, *, creating: bool
    ) -> tuple[dict, set[str], dict[str, list[dict]]]:
        """Given values converted to field types; problems for the rest."""
        record: dict = {}
        rows: dict[str, list[dict]] = {}
        if not isinstance(values, dict):
            problems.add(None, "the values must be given as field: value pairs")
            return record, set(), rows
        workflow_field = entity.workflow.field if entity.workflow else None
        for name, value in values.items():
            field = entity.fields.get(name)
            if name in SYSTEM_COLUMNS:
                continue  # kept by the system; ignored when sent back
            if field is None:
                problems.add(name, "is not a field of " + entity.label.get())
                continue
            if name == workflow_field:
                if not creating and value is not None:
                    problems.add(name, "changes only through a transition")
                continue
            if field.type == "table":
                rows[name] = self._incoming_rows(entity, field, value, problems)
                continue
            if (field.formula is not None or field.type == "autonumber") and not (
                self.actor.system and field.type == "autonumber"
            ):
                continue  # computed by Officina: a value sent back is ignored
            if field.read_only and not self.actor.system:
                problems.add(name, "is read-only")
                continue
            try:
                record[name] = coerce(field, value)
            except ValueError as error:
                problems.add(name, str(error))
        return record, set(record), rows

    def _incoming_rows(self, entity: Entity, field, value, problems: Problems):
        child = self.definitions.entities[field.of]
        if not isinstance(value, list):
            problems.add(field.name, "must be a list of rows")
            return []
        result = []
        for index, row in enumerate(value):
            if not isinstance(row, dict):
                problems.add_row(field.name, index, None, "must be field: value pairs")
                continue
            row_id = row.get("id")
            if row_id is not None and (
                isinstance(row_id, bool) or not isinstance(row_id, int)
            ):
                problems.add_row(field.name, index, "id", "must be the id of a row")
                continue
            converted: dict = {"id": row_id}
            for name, item in row.items():
                if name in ("id", "parent_id", "row_order", *SYSTEM_COLUMNS):
                    continue
                column = child.fields.get(name)
                if column is None:
                    problems.add_row(
                        field.name,
                        index,
                        name,
                        "is not a field of " + child.label.get(),
                    )
                    continue
                if column.formula is not None:
                    continue
                try:
                    converted[name] = coerce(column, item)
                except ValueError as error:
                    problems.add_row(field.name, index, name, str(error))
            converted["_given"] = {k for k in converted if k not in ("id", "_given")}
            result.append(converted)
        return result

    def _complete(
        self,
        entity: Entity,
        record: dict,
        given: set[str],
        changed: set[str],
        rows: dict[str, list[dict]],
        current,
        problems: Problems,
    ) -> None:
        """Defaults, copies, formulas and validation, child rows first."""
        user = self.actor.as_context() if self.actor.id is not None else None
        language = self.actor.language

        def context_for():
            return record_context(self.cache, entity.name, record, rows=rows, user=user)

        if current is None:
            apply_defaults(entity, record, given, context_for)
        apply_copies(
            entity,
            record,
            given,
            changed | (given if current is None else set()),
            self.cache,
        )
        old_rows = {
            name: {row["id"]: row for row in (current or {}).get(name, [])}
            for name in rows
        }
        for table_name, table_rows in rows.items():
            field = entity.fields[table_name]
            child = self.definitions.entities[field.of]
            for index, row in enumerate(table_rows):
                self._complete_row(
                    child,
                    table_name,
                    index,
                    row,
                    record,
                    old_rows[table_name],
                    user,
                    problems,
                    language,
                )
        try:
            apply_formulas(self.service.formula_order(entity), record, context_for)
        except Exception as error:  # noqa: BLE001 - reported, never a traceback
            problems.add(None, f"a formula could not be computed: {error}")

        def report(name, message):
            problems.add(name, message)

        def with_old():
            # Validations may compare with the record before the change
            # (`old`; every field empty for a new record).
            before = current or dict.fromkeys((*SYSTEM_COLUMNS, *entity.fields))
            return record_context(
                self.cache, entity.name, record, rows=rows, user=user, old=before
            )

        # The record no longer changes: each check reads the same context.
        checked = _once(with_old)
        # Fields whose value could not even be read are not checked again.
        check_fields(entity, record, checked, report, skip=set(problems.fields))
        check_rows_count(entity, rows, report)
        check_validations(entity, checked, language, report)
        # A transaction that ends at the first refusal leaves unique values
        # to the constraints (a query less per record; see _integrity).
        if not self.all_or_nothing:
            check_unique(
                self.connection,
                self.schema.table(entity.name),
                entity,
                record,
                current["id"] if current else None,
                changed | (set(record) if current is None else set()),
                report,
                self.service.statements.built,
            )
        self._check_references(entity, record, rows, problems)

    def _complete_row(
        self,
        child: Entity,
        table_name: str,
        index: int,
        row: dict,
        parent: dict,
        old_rows: dict,
        user,
        problems: Problems,
        language: str,
    ) -> None:
        given = row.pop("_given", set())
        old = old_rows.get(row.get("id"))
        if row.get("id") is not None and old is None:
            problems.add_row(table_name, index, "id", "is not a row of this record")
            return
        if old is not None:
            merged = {k: v for k, v in old.items()}
            merged.update({k: row[k] for k in given})
            row.clear()
            row.update(merged)
        changed = {
            name for name in given if old is None or old.get(name) != row.get(name)
        }

        def context_for():
            return record_context(self.cache, child.name, row, parent=parent, user=user)

        if old is None:
            apply_defaults(child, row, given, context_for)
        apply_copies(child, row, given, changed if old else given | changed, self.cache)
        try:
            apply_formulas(self.service.formula_order(child), row, context_for)
        except Exception as error:  # noqa: BLE001
            problems.add_row(
                table_name, index, None, f"a formula could not be computed: {error}"
            )

        def report(name, message):
            problems.add_row(table_name, index, name, message)

        unreadable = set(problems.rows.get(table_name, {}).get(index, {}))
        checked = _once(context_for)
        check_fields(child, row, checked, report, skip=unreadable)
        check_validations(child, checked, language, report)

    def _refuse_locked(
        self, entity: Entity, current: dict, changed: set[str], problems: Problems
    ) -> None:
        """`readonly_when` holds for the record as it is: those fields stay."""
        if self.actor.system:
            return
        locked = [
            name
            for name in changed
            if name in entity.fields and entity.fields[name].readonly_when is not None
        ]
        if not locked:
            return
        user = self.actor.as_context() if self.actor.id is not None else None
        tables = [n for n, f in entity.fields.items() if f.type == "table"]
        context = record_context(
            self.cache,
            entity.name,
            current,
            rows={name: current.get(name, []) for name in tables},
            user=user,
        )
        for name in locked:
            try:
                holds = bool(entity.fields[name].readonly_when.evaluate(context))
            except Exception:  # noqa: BLE001 - a condition that fails does not hold
                holds = False
            if holds:
                problems.add(name, "cannot be changed now: it is read-only")

    def _check_references(self, entity: Entity, record: dict, rows, problems) -> None:
        wanted: dict[str, set] = {}
        places: list[tuple[str, object, str | None, int | None, str]] = []

        def want(model: Entity, values: dict, table: str | None, index: int | None):
            for name, field in model.fields.items():
                if field.type == "reference" and values.get(name) is not None:
                    wanted.setdefault(field.to, set()).add(values[name])
                    places.append((field.to, values[name], table, index, name))

        want(entity, record, None, None)
        for table_name, table_rows in rows.items():
            child = self.definitions.entities[entity.fields[table_name].of]
            for index, row in enumerate(table_rows):
                want(child, row, table_name, index)
        # Records this transaction has seen are not looked up again (the
        # foreign keys still guard the write).
        for target, ids in wanted.items():
            ids -= self.seen.get(target, set())
        missing = missing_references(self.connection, self.schema, wanted)
        for target, ids in wanted.items():
            self.seen.setdefault(target, set()).update(ids - missing.get(target, set()))
        for target, value, table, index, name in places:
            if value in missing.get(target, ()):
                label = (
                    self.definitions.entities[target].label.get()
                    if target in self.definitions.entities
                    else target
                )
                message = f"there is no {label} with id {value}"
                if table is None:
                    problems.add(name, message)
                else:
                    problems.add_row(table, index, name, message)

    # -- writing ------------------------------------------------------------
    def _stored(self, entity: Entity, values: dict) -> dict:
        table = self.schema.table(entity.name)
        return {k: v for k, v in values.items() if k in table.c and k != "id"}

    def _insert(self, entity: Entity, record: dict, rows, created_at=None) -> dict:
        table = self.schema.table(entity.name)
        for name, field in entity.fields.items():
            if field.type == "autonumber" and field.format:
                self._numbered(entity, record, name, field.format)
        stamp = {
            "created_at": created_at or self.now,
            "updated_at": created_at or self.now,
            "created_by": self.actor.id,
            "updated_by": self.actor.id,
            "version": 1,
        }
        values = self._row_values(table, {**self._stored(entity, record), **stamp})
        try:
            with self._atomic(single=not rows):
                # One compiled statement per table; values travel as parameters.
                inserted = (
                    self.connection.execute(
                        self.service.statements.insert(table), values
                    )
                    .mappings()
                    .one()
                )
                record_id = inserted["id"]
                self._write_rows(entity, record_id, rows, {})
            self.seen.setdefault(entity.name, set()).add(record_id)
        except IntegrityError as error:
            raise RecordInvalid(
                entity.name, self._integrity(entity, error, record)
            ) from None
        self.cache.remember(entity.name, record_id, inserted)
        changes = {
            name: [None, audit.jsonable(value)]
            for name, value in values.items()
            if value is not None and name not in SYSTEM_COLUMNS
        }
        for table_name, table_rows in rows.items():
            changes[table_name] = {"added": [_row_summary(row) for row in table_rows]}
        self._audit(entity, record_id, "create", changes, 1)
        new = dict(inserted)
        for name, field in entity.fields.items():
            if field.type == "table":
                new[name] = [
                    self._row_result(field.of, row) for row in rows.get(name, [])
                ]
        self._trigger("create", entity, record_id, None, new)
        return new

    def _numbered(self, entity: Entity, record: dict, name: str, pattern: str) -> None:
        """The record's next number; a number given (seed data of the past)
        is kept, and its counter moves past it, so it is never handed out."""
        counter = self.service.statements.counter(
            self.service.counters, self.connection.dialect.name
        )
        key = f"{entity.name}.{name}"
        if record.get(name):
            given = given_value(key, pattern, str(record[name]))
            if given is None:
                return  # not one of the pattern's numbers: it cannot clash
            if self.deferred is not None:
                # Moved once, to the highest number the transaction gives.
                self.deferred.advance(*given)
            else:
                self.service.advance_counters(self.connection, dict([given]))
            return
        # {YYYY}, {MM} and {DD} are the date where the site is, as today() is.
        local = self.now.astimezone(self.service.timezone)
        if self.deferred is not None:  # past the numbers given before it
            self.deferred.flush_counter(counter_key(key, period(pattern, local)))
        record[name] = next_number(
            self.service.engine, self.connection, counter, key, pattern, local
        )

    def _update(
        self,
        entity: Entity,
        current: dict,
        record: dict,
        all_rows,
        *,
        action: str = "update",
        comment: str | None = None,
        transition: str | None = None,
    ):
        table = self.schema.table(entity.name)
        stored = self._stored(entity, record)
        changes = audit.diff(
            current, stored, [k for k in stored if k not in SYSTEM_COLUMNS]
        )
        row_changes = {}
        rows = {}
        for table_name, table_rows in all_rows.items():
            difference = _rows_diff(current.get(table_name, []), table_rows)
            if any(difference.values()):
                row_changes[table_name] = difference
                rows[table_name] = table_rows
        if not changes and not row_changes:
            return current
        version = current["version"] + 1
        values = {
            **{k: stored[k] for k in changes},
            "updated_at": self.now,
            "updated_by": self.actor.id,
            "version": version,
        }
        try:
            with self._atomic(single=not rows):
                # One statement per table; the SET columns come from the values.
                result = self.connection.execute(
                    self.service.statements.update(table),
                    {
                        **values,
                        "match_id": current["id"],
                        "match_version": current["version"],
                    },
                )
                if result.rowcount != 1:
                    raise self._conflict(entity, current, current["version"])
                self._write_rows(
                    entity,
                    current["id"],
                    rows,
                    {name: current.get(name, []) for name in rows},
                )
        except IntegrityError as error:
            raise RecordInvalid(
                entity.name, self._integrity(entity, error, record)
            ) from None
        self.cache.forget(entity.name, current["id"])
        if action == "update":  # (a transition may move it out of one's rows)
            self._must_see_written(entity, current["id"], "change it so")
        changes.update(row_changes)
        if transition is not None:
            changes["_transition"] = transition
        self._audit(entity, current["id"], action, changes, version, comment)
        if row_changes:
            new = self.reader.get(entity.name, current["id"])
        else:  # only the record's own columns changed: no need to read it back
            new = {**current, **stored, **values}
        self._trigger(
            "update", entity, current["id"], current, new, transition, comment
        )
        return new

    def _atomic(self, *, single: bool):
        """A savepoint around a write a constraint may refuse, so that the
        transaction can go on without it. SQLite undoes a refused statement
        by itself and keeps the transaction, so one statement there needs
        none (PostgreSQL aborts the whole transaction: always a savepoint).
        Nor does a transaction that ends at the first refusal."""
        if self.all_or_nothing or (single and self.connection.dialect.name == "sqlite"):
            return nullcontext()
        return self.connection.begin_nested()

    @staticmethod
    def _row_values(table, values: dict) -> dict:
        """Every column of `table` given, so one compiled INSERT fits all."""
        return {
            column.name: values.get(column.name)
            for column in table.c
            if column.name != "id"
        }

    def _row_result(self, child: str, row: dict) -> dict:
        table = self.schema.table(child)
        return {column.name: row.get(column.name) for column in table.c}

    def _write_rows(self, entity: Entity, record_id, rows, old_rows) -> None:
        for table_name, table_rows in rows.items():
            child = self.definitions.entities[entity.fields[table_name].of]
            table = self.schema.table(child.name)
            kept = {row["id"] for row in table_rows if row.get("id") is not None}
            removed = [
                row["id"]
                for row in old_rows.get(table_name, [])
                if row["id"] not in kept
            ]
            if removed:
                self.connection.execute(table.delete().where(table.c.id.in_(removed)))
                for row_id in removed:
                    self.cache.forget(child.name, row_id)
            before = {row["id"]: row for row in old_rows.get(table_name, [])}
            new_rows: list[tuple[dict, dict]] = []  # (row, its values)
            for order, row in enumerate(table_rows):
                values = self._stored(child, row)
                previous = before.get(row.get("id"))
                if (
                    previous is not None
                    and previous.get("row_order") == order
                    and all(previous.get(k) == v for k, v in values.items())
                ):
                    continue  # unchanged row
                values.update(
                    row_order=order,
                    parent_id=record_id,
                    updated_at=self.now,
                    updated_by=self.actor.id,
                )
                if row.get("id") is None:
                    values.update(
                        created_at=self.now, created_by=self.actor.id, version=1
                    )
                    new_rows.append((row, self._row_values(table, values)))
                else:
                    values.pop("created_at", None)
                    values.pop("created_by", None)
                    values["version"] = row.get("version", 1) + 1
                    self.connection.execute(
                        table.update().where(table.c.id == row["id"]).values(**values)
                    )
                    self.cache.forget(child.name, row["id"])
            self._insert_rows(table, new_rows)

    def _insert_rows(self, table, new_rows: list[tuple[dict, dict]]) -> None:
        """New child rows, in one statement when there are several (each
        row gets its id and stored values back, in the rows' order)."""
        if len(new_rows) > 1 and (
            self.connection.dialect.insert_executemany_returning_sort_by_parameter_order
        ):
            statement = self.service.statements.built(
                ("insert rows", table.name),
                lambda: table.insert().returning(
                    *table.c, sort_by_parameter_order=True
                ),
            )
            inserted = self.connection.execute(
                statement, [values for _row, values in new_rows]
            ).mappings()
            for (row, _values), stored in zip(new_rows, inserted, strict=True):
                row.update(stored)
            return
        for row, values in new_rows:
            row.update(
                self.connection.execute(self.service.statements.insert(table), values)
                .mappings()
                .one()
            )

    def _audit(
        self,
        entity: Entity,
        record_id,
        action: str,
        changes: dict,
        version: int,
        comment: str | None = None,
    ) -> None:
        audit.record_entry(
            self.connection,
            self.schema.metadata.tables,
            entity=entity.name,
            record_id=record_id,
            action=action,
            changes=changes,
            version=version,
            user_id=self.actor.id,
            at=self.now,
            comment=comment,
            statement=self.service.statements.built(
                "audit.insert", self.schema.metadata.tables[AUDIT].insert
            ),
            deferred=self.deferred,
        )

    def _trigger(
        self,
        action: str,
        entity: Entity,
        record_id,
        old,
        new,
        transition: str | None = None,
        comment: str | None = None,
    ) -> None:
        event = WriteEvent(
            action,
            entity.name,
            record_id,
            old,
            new,
            self.actor,
            self,
            transition,
            comment,
        )
        for trigger in self.service.hooks.after_write:
            trigger(event)

    # -- refusals ------------------------------------------------------------
    def _conflict(self, entity: Entity, current: dict, expected: int) -> RecordConflict:
        if self.deferred is not None:
            self.deferred.flush()  # the last change may be this transaction's
        audit_table = self.schema.metadata.tables[AUDIT]
        users = self.schema.metadata.tables[USERS]
        last = self.connection.execute(
            select(audit_table.c.at, users.c.name)
            .select_from(
                audit_table.outerjoin(users, users.c.id == audit_table.c.user_id)
            )
            .where(
                audit_table.c.entity == entity.name,
                audit_table.c.record_id == current["id"],
            )
            .order_by(audit_table.c.id.desc())
            .limit(1)
        ).first()
        changed_at, changed_by = (
            (last[0], last[1] or "the system") if last else (None, None)
        )
        return RecordConflict(
            entity.name,
            current["id"],
            expected,
            current["version"],
            changed_by,
            changed_at,
        )

    def _integrity(
        self, entity: Entity, error: IntegrityError, values: dict
    ) -> Problems:
        """A constraint the checks above could not see coming (a race), or
        did not look for (an all-or-nothing transaction's unique values)."""
        problems = Problems()
        columns = violated_unique(entity, entity.name, str(error.orig))
        if columns is not None:
            report_taken(entity, columns, values, problems.add)
            return problems
        text = str(error.orig).lower()
        for field in entity.fields.values():
            if field.unique and field.name in text:
                problems.add(field.name, "is already used by another record")
                return problems
        problems.add(None, "another change got there first; please try again")
        return problems

    def _still_referenced(self, entity: Entity) -> Problems:
        problems = Problems()
        referrers = [
            f"{other.label.get()} ({field.name})"
            for other in self.definitions.entities.values()
            for field in other.fields.values()
            if field.type == "reference"
            and field.to == entity.name
            and field.on_delete == "restrict"
        ]
        problems.add(
            None,
            f"this {entity.label.get()} is still used by other records"
            + (f": {', '.join(referrers)}" if referrers else ""),
        )
        return problems


def _once(make: Callable[[], dict]) -> Callable[[], dict]:
    """`make`, called once: later calls get the same context."""
    made: list[dict] = []

    def context() -> dict:
        if not made:
            made.append(make())
        return made[0]

    return context


def _refuse_hidden(entity: Entity, hidden, filters, sort, actor: Actor) -> None:
    """Filtering or sorting by a field one may not see would tell its values."""
    used = [item.path[0] for item in filters if item.path and item.path[0]]
    used += [key.lstrip("-+") for key in sort]
    for name in used:
        if name in hidden:
            raise PermissionDenied(
                f"you may not filter or sort {entity.label.get(actor.language)} "
                f"records by '{name}'"
            )


def _single(name: str, message: str) -> Problems:
    problems = Problems()
    problems.add(name, message)
    return problems


def _row_summary(row: dict) -> dict:
    return {
        k: audit.jsonable(v)
        for k, v in row.items()
        if k not in ("_given", *SYSTEM_COLUMNS) and v is not None
    }


def _rows_diff(old_rows: list[dict], new_rows: list[dict]) -> dict:
    old = {row["id"]: row for row in old_rows}
    added, changed = [], []
    kept = set()
    for row in new_rows:
        if row.get("id") is None or row["id"] not in old:
            added.append(_row_summary(row))
            continue
        kept.add(row["id"])
        before = old[row["id"]]
        fields = [
            k
            for k in row
            if k not in ("_given", "parent_id", "row_order", *SYSTEM_COLUMNS)
        ]
        difference = audit.diff(before, row, fields)
        if difference:
            changed.append({"id": row["id"], **difference})
    removed = [
        _row_summary(row) | {"id": row["id"]}
        for row in old_rows
        if row["id"] not in kept
    ]
    return {"added": added, "changed": changed, "removed": removed}
