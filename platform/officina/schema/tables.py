"""The database tables of a set of definitions, as SQLAlchemy Core metadata.

Every entity is a real table: typed columns, a primary key, foreign keys with
the declared on-delete behaviour, unique constraints and indexes. Child
entities (rows of a table field) carry their parent's key and a row order.
Officina's own tables (users, audit trail, counters, applied migrations)
share the same metadata and start with `officina_`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from types import MappingProxyType

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from officina.definitions import Definitions
from officina.definitions.model import Entity, Field
from officina.schema.column_types import UTCDateTime, column_type
from officina.schema.cycles import cycle_closing_keys

ID = BigInteger().with_variant(Integer(), "sqlite")
MAX_IDENTIFIER = 63  # PostgreSQL's limit; SQLite has none
ARCHIVE_PREFIX = "_archived_"
SYSTEM_PREFIX = "officina_"
USERS = "officina_user"
TOKENS = "officina_token"
AUDIT = "officina_audit"
COUNTERS = "officina_counter"
MIGRATIONS = "officina_migration"
IDEMPOTENCY = "officina_idempotency"
LOGIN_THROTTLE = "officina_login_throttle"
COMMENTS = "officina_comment"
IMPORTS = "officina_import"
JOBS = "officina_job"
RULE_RUNS = "officina_rule_run"
RULE_STATES = "officina_rule_state"
NOTIFICATIONS = "officina_notification"
SCHEDULES = "officina_schedule"
STATE_CLOCKS = "officina_state_clock"
SEEDS = "officina_seed"

_ON_DELETE = {"restrict": "RESTRICT", "cascade": "CASCADE", "set_null": "SET NULL"}


def constraint_name(kind: str, table: str, columns) -> str:
    """A deterministic name within PostgreSQL's 63 characters."""
    name = f"{kind}_{table}_{'_'.join(columns)}"
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - 9]}_{digest}"


@dataclass(frozen=True)
class Schema:
    """The tables of one definitions version; built once and shared."""

    metadata: MetaData
    tables: MappingProxyType  # entity name -> Table
    definitions_version: str

    def table(self, entity: str) -> Table:
        return self.tables[entity]


def build_schema(definitions: Definitions) -> Schema:
    metadata = MetaData()
    _system_tables(metadata)
    tables = {}
    closing = cycle_closing_keys(definitions)
    # Parents before children and referenced tables before referring ones do
    # not matter to SQLAlchemy: foreign keys are resolved by name.
    for entity in definitions.entities.values():
        tables[entity.name] = _entity_table(metadata, entity, closing)
    return Schema(metadata, MappingProxyType(tables), definitions.version)


def _entity_table(
    metadata: MetaData, entity: Entity, closing: frozenset[tuple[str, str]]
) -> Table:
    name = entity.name
    columns: list = [
        Column("id", ID, primary_key=True, autoincrement=True),
    ]
    if entity.parent:
        columns.append(
            Column(
                "parent_id",
                ID,
                ForeignKey(
                    f"{entity.parent}.id",
                    ondelete="CASCADE",
                    name=constraint_name("fk", name, ["parent_id"]),
                    use_alter=(name, "parent_id") in closing,
                ),
                nullable=False,
            )
        )
        columns.append(Column("row_order", Integer, nullable=False, default=0))
    for field in entity.fields.values():
        if field.stored:
            columns.append(
                field_column(name, field, closes_cycle=(name, field.name) in closing)
            )
    columns += [
        Column("created_at", UTCDateTime(), nullable=False),
        Column(
            "created_by",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="SET NULL",
                name=constraint_name("fk", name, ["created_by"]),
            ),
        ),
        Column("updated_at", UTCDateTime(), nullable=False),
        Column(
            "updated_by",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="SET NULL",
                name=constraint_name("fk", name, ["updated_by"]),
            ),
        ),
        Column("version", Integer, nullable=False, default=1),
    ]
    table = Table(name, metadata, *columns)
    for field in entity.fields.values():
        if field.unique and field.stored:
            table.append_constraint(
                UniqueConstraint(
                    field.name, name=constraint_name("uq", name, [field.name])
                )
            )
    for combination in entity.unique:
        table.append_constraint(
            UniqueConstraint(
                *combination, name=constraint_name("uq", name, combination)
            )
        )
    for columns_indexed in index_columns(entity):
        Index(
            constraint_name("ix", name, columns_indexed),
            *[table.c[c] for c in columns_indexed],
        )
    return table


def field_column(table: str, field: Field, *, closes_cycle: bool = False) -> Column:
    """The column of one stored field; a reference that `closes_cycle` (see
    cycles.py) is a key added once the tables exist."""
    arguments = []
    if field.type == "reference":
        target = USERS if field.to == "user" else field.to
        arguments.append(
            ForeignKey(
                f"{target}.id",
                ondelete=_ON_DELETE.get(field.on_delete or "restrict"),
                name=constraint_name("fk", table, [field.name]),
                use_alter=closes_cycle,
            )
        )
    # Required fields are NOT NULL in the database too, unless the records
    # service may leave them empty for a while (conditional or computed).
    nullable = not (
        field.system
        or (field.required and field.required_when is None and field.formula is None)
    )
    if field.type == "reference" and field.on_delete == "set_null":
        nullable = True
    return Column(
        field.name,
        ID if field.type == "reference" else column_type(field),
        *arguments,
        nullable=nullable,
        # For the migration planner (renamed_from, default, field type); SQL
        # never sees it.
        info={"field": field},
    )


def index_columns(entity: Entity) -> list[tuple[str, ...]]:
    """Indexes: declared ones, references, searched and sorted fields, state.

    Columns already leading a unique constraint are indexed by it.
    """
    wanted: list[tuple[str, ...]] = []
    unique_leads = {c[0] for c in entity.unique} | {
        f.name for f in entity.fields.values() if f.unique
    }

    def add(columns: tuple[str, ...]):
        if (
            columns
            and columns not in wanted
            and not (len(columns) == 1 and columns[0] in unique_leads)
        ):
            wanted.append(columns)

    for columns in entity.indexes:
        add(tuple(columns))
    if entity.parent:
        add(("parent_id", "row_order"))
    for field in entity.fields.values():
        if not field.stored:
            continue
        if field.index or field.type == "reference":
            add((field.name,))
    if entity.workflow:
        add((entity.workflow.field,))
    sort = tuple(key.lstrip("-+") for key in entity.sort)
    if sort and sort != ("created_at",):
        add(sort)
    add(("created_at",))
    for name in entity.search:
        add((name,))
    return wanted


def _system_tables(metadata: MetaData) -> None:
    Table(
        USERS,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("email", String(254), nullable=False, unique=True),
        Column("name", String(200), nullable=False),
        Column("password_hash", String(255)),
        Column("language", String(16), nullable=False, default="en"),
        Column("roles", JSON, nullable=False, default=list),
        Column(
            "active", Boolean(create_constraint=False), nullable=False, default=True
        ),
        Column("created_at", UTCDateTime(), nullable=False),
    )
    Table(
        TOKENS,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column(
            "user_id",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="CASCADE",
                name=constraint_name("fk", TOKENS, ["user_id"]),
            ),
            nullable=False,
        ),
        Column("name", String(100), nullable=False),
        Column("prefix", String(16), nullable=False),
        Column("token_hash", String(64), nullable=False, unique=True),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("revoked_at", UTCDateTime()),
        Index("ix_officina_token_user", "user_id"),
    )
    Table(
        AUDIT,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("entity", String(64), nullable=False),
        Column("record_id", BigInteger, nullable=False),
        Column("action", String(32), nullable=False),
        Column("changes", JSON, nullable=False),
        Column("version", Integer, nullable=False),
        Column("user_id", BigInteger),
        Column("at", UTCDateTime(), nullable=False),
        Column("comment", Text),
        Index("ix_officina_audit_record", "entity", "record_id", "id"),
        Index("ix_officina_audit_at", "at"),
    )
    Table(
        COUNTERS,
        metadata,
        Column("name", String(128), primary_key=True),
        Column("value", BigInteger, nullable=False),
    )
    Table(
        IDEMPOTENCY,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("key", String(255), nullable=False),
        Column(
            "user_id",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="CASCADE",
                name=constraint_name("fk", IDEMPOTENCY, ["user_id"]),
            ),
            nullable=False,
        ),
        # SHA-256 of method, path and body: a reused key with another
        # request is refused rather than answered with the first response.
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("response", JSON, nullable=False),
        Column("created_at", UTCDateTime(), nullable=False),
        UniqueConstraint(
            "user_id",
            "key",
            name=constraint_name("uq", IDEMPOTENCY, ["user_id", "key"]),
        ),
    )
    Table(
        LOGIN_THROTTLE,
        metadata,
        # "email:<address>" or "ip:<address>": failed sign-ins are counted
        # per account and per client, in the database, so every process of
        # the site sees the same count.
        Column("key", String(300), primary_key=True),
        Column("failures", Integer, nullable=False),
        Column("first_failure_at", UTCDateTime(), nullable=False),
        Column("locked_until", UTCDateTime()),
    )
    Table(
        COMMENTS,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("entity", String(64), nullable=False),
        Column("record_id", BigInteger, nullable=False),
        Column(
            "user_id",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="SET NULL",
                name=constraint_name("fk", COMMENTS, ["user_id"]),
            ),
        ),
        Column("body", Text, nullable=False),
        Column("at", UTCDateTime(), nullable=False),
        Index("ix_officina_comment_record", "entity", "record_id", "id"),
    )
    Table(
        IMPORTS,
        metadata,
        # An import of a CSV or XLSX file: its settings, and its progress
        # kept here so that any process can show it.
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("entity", String(64), nullable=False),
        Column(
            "user_id",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="SET NULL",
                name=constraint_name("fk", IMPORTS, ["user_id"]),
            ),
        ),
        Column("file_name", String(255), nullable=False),
        Column("file_key", String(64), nullable=False),
        Column("mapping", JSON, nullable=False),
        Column("mode", String(16), nullable=False),
        Column("key_field", String(64)),
        Column("status", String(16), nullable=False),
        Column("total", Integer),
        Column("processed", Integer, nullable=False, default=0),
        Column("created", Integer, nullable=False, default=0),
        Column("updated", Integer, nullable=False, default=0),
        Column("failed", Integer, nullable=False, default=0),
        Column("problems", JSON),
        Column("report_key", String(64)),
        Column("message", Text),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("started_at", UTCDateTime()),
        Column("finished_at", UTCDateTime()),
        Index("ix_officina_import_status", "status"),
    )
    Table(
        JOBS,
        metadata,
        # The outbox: external effects (e-mail, webhooks, slow plugin
        # actions) written in the transaction of the change that caused
        # them, delivered later by `officina worker`.
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("kind", String(64), nullable=False),
        Column("payload", JSON, nullable=False),
        # Passed to the receiver (Message-ID, webhook header) so that a
        # repeated delivery can be recognised.
        Column("idempotency_key", String(128), nullable=False, unique=True),
        Column("status", String(16), nullable=False),  # pending running done dead
        Column("attempts", Integer, nullable=False, default=0),
        Column("max_attempts", Integer, nullable=False, default=8),
        Column("next_attempt_at", UTCDateTime(), nullable=False),
        Column("last_error", Text),
        Column("rule", String(64)),
        Column("entity", String(64)),
        Column("record_id", BigInteger),
        Column("claimed_by", String(128)),
        Column("claimed_at", UTCDateTime()),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("finished_at", UTCDateTime()),
        Index("ix_officina_job_due", "status", "next_attempt_at"),
    )
    Table(
        RULE_RUNS,
        metadata,
        # Every run of a rule: what started it, what came of it.
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("rule", String(64), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("record_id", BigInteger),
        Column("trigger", String(64), nullable=False),
        Column("outcome", String(16), nullable=False),  # done skipped failed
        Column("duration_ms", Integer, nullable=False),
        Column("error", Text),
        Column("chain", JSON),  # the rules that led here, for cascades
        Column("at", UTCDateTime(), nullable=False),
        Index("ix_officina_rule_run_rule", "rule", "id"),
        Index("ix_officina_rule_run_at", "at"),
    )
    Table(
        RULE_STATES,
        metadata,
        # Whether a threshold rule's condition held at a record's last
        # write: it fires when this turns true, and re-arms when false.
        Column("rule", String(64), primary_key=True),
        Column("entity", String(64), primary_key=True),
        Column("record_id", BigInteger, primary_key=True),
        Column("active", Boolean(create_constraint=False), nullable=False),
        Column("changed_at", UTCDateTime(), nullable=False),
    )
    Table(
        NOTIFICATIONS,
        metadata,
        # In-app messages: to one user, or to everyone with a role.
        Column("id", ID, primary_key=True, autoincrement=True),
        Column(
            "user_id",
            ID,
            ForeignKey(
                f"{USERS}.id",
                ondelete="CASCADE",
                name=constraint_name("fk", NOTIFICATIONS, ["user_id"]),
            ),
        ),
        Column("role", String(64)),
        Column("message", Text, nullable=False),
        Column("entity", String(64)),
        Column("record_id", BigInteger),
        Column("rule", String(64)),
        Column("created_at", UTCDateTime(), nullable=False),
        Column("read_by", JSON),  # ids of users who have read a role's message
        Column("read_at", UTCDateTime()),
        Index("ix_officina_notification_user", "user_id", "id"),
        Index("ix_officina_notification_role", "role", "id"),
    )
    Table(
        SCHEDULES,
        metadata,
        # When each scheduled thing (a cron or interval rule, the SLA check)
        # is due next. A worker runs it only if it moves next_run_at from
        # the value it read: with several workers, each due run happens once.
        Column("key", String(128), primary_key=True),
        Column("next_run_at", UTCDateTime(), nullable=False),
        Column("last_run_at", UTCDateTime()),
        Column("last_outcome", Text),
    )
    Table(
        STATE_CLOCKS,
        metadata,
        # Since when each record of a workflow is in its state, and whether
        # the state's SLA breach has fired for this stay.
        Column("entity", String(64), primary_key=True),
        Column("record_id", BigInteger, primary_key=True),
        Column("state", String(64), nullable=False),
        Column("entered_at", UTCDateTime(), nullable=False),
        Column("due_at", UTCDateTime()),
        Column("breached_at", UTCDateTime()),
        Index("ix_officina_state_clock_due", "breached_at", "due_at"),
    )
    Table(
        SEEDS,
        metadata,
        # The seed and demo records each pack loaded: which record, and a
        # digest of its values as loaded, so an upgrade updates only the
        # records nobody has edited since and never brings back deleted ones.
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("pack", String(64), nullable=False),
        Column("entity", String(64), nullable=False),
        Column("key", String(255), nullable=False),
        Column("record_id", BigInteger, nullable=False),
        Column("digest", String(64), nullable=False),
        Column("fields", JSON, nullable=False),  # {field: [row fields]} digested
        Column("version", String(64), nullable=False),  # of the pack
        Column("demo", Boolean(create_constraint=False), nullable=False),
        Column("loaded_at", UTCDateTime(), nullable=False),
        Column("updated_at", UTCDateTime(), nullable=False),
        UniqueConstraint(
            "pack",
            "entity",
            "key",
            name=constraint_name("uq", SEEDS, ["pack", "entity", "key"]),
        ),
    )
    Table(
        MIGRATIONS,
        metadata,
        Column("id", ID, primary_key=True, autoincrement=True),
        Column("applied_at", UTCDateTime(), nullable=False),
        Column("definitions_version", String(64), nullable=False),
        Column("steps", JSON, nullable=False),
        Column("backup", Text),
        # How every column stored its values after this migration, e.g.
        # "decimal(18,2)": what Alembic cannot see on SQLite, where all
        # integers and exact decimals are INTEGER columns.
        Column("column_types", JSON),
    )
