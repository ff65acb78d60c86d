"""What an action works with: `ActionContext`, and the errors of actions.

An action (built-in or a plugin's) is called as `action(context)`. The
context holds the transaction to write in (the change's own, so a failing
action undoes the change), the record the rule is about, the options of
the step, and helpers to evaluate expressions, render templated text and
put effects in the outbox.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Undefined

from officina.automation import outbox
from officina.expressions import Expression
from officina.expressions.runtime import Row, Rows
from officina.records.context import RecordCache, record_context
from officina.records.errors import RecordError

# What actions did, for `officina rules test` (None: nobody is listening).
NOTES: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "officina_action_notes", default=None
)


class ActionFailed(RecordError):
    """An action could not do its work; the whole change is undone."""

    status = 422


class CascadeTooDeep(ActionFailed):
    """Rules started each other more deeply than allowed (a loop, usually)."""

    status = 409


@dataclass(frozen=True)
class Link:
    """One rule (or workflow step) running, in the chain of cascades."""

    name: str  # the rule's name, or e.g. 'on_enter:paid' for a workflow step
    entity: str
    record_id: int | None
    rule: str | None = None  # set for rules: a rule does not restart itself


def plain(value):
    """An evaluated value as a record field takes it: records by id."""
    if isinstance(value, Undefined):
        return None
    if isinstance(value, Row):
        return getattr(value, "id", None)
    if isinstance(value, Rows):
        return [plain(row) for row in value]
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def note(kind: str, **details) -> None:
    notes = NOTES.get()
    if notes is not None:
        notes.append({"kind": kind, **details})


class ActionContext:
    """The record, the transaction and the options one step works with."""

    def __init__(
        self,
        automation,
        transaction,
        entity: str,
        record: dict,
        *,
        name: str,
        rule=None,
        old: dict | None = None,
        user: dict | None = None,
        names: Mapping | None = None,
    ):
        self.automation = automation
        self.transaction = transaction
        self.entity = entity
        self.record = record
        self.name = name  # the rule's name, or the workflow step's
        self.rule = rule  # the Rule, when a rule runs
        self.old = old
        self.user = user
        self.names = dict(names or {})  # extra names, e.g. the row of for_each
        self.action = None  # the step being run (an Action)
        self.options: Mapping = {}
        self.step = ""  # the number of the step being run: '2', or '2.1' nested
        # Which try of the worker this is, for a slow action run as a job
        # (1 of 1 when the action runs inside the write itself).
        self.attempt = 1
        self.max_attempts = 1
        self._values: dict | None = None

    @property
    def last_attempt(self) -> bool:
        """Whether a failure now is final (no retry follows)."""
        return self.attempt >= self.max_attempts

    # -- the record ---------------------------------------------------------
    @property
    def record_id(self):
        return self.record.get("id")

    @property
    def connection(self):
        return self.transaction.connection

    @property
    def tables(self):
        return self.transaction.schema.metadata.tables

    @property
    def values(self) -> dict:
        """The names expressions see: the record's fields, `old`, `user`
        and any extra names (the row of a `for_each`)."""
        if self._values is None:
            model = self.transaction.definitions.entities[self.entity]
            rows = {
                name: self.record.get(name) or []
                for name, field in model.fields.items()
                if field.type == "table"
            }
            cache = RecordCache(
                self.connection,
                self.transaction.definitions,
                self.transaction.schema,
                self.transaction.moment,
            )
            values = record_context(
                cache, self.entity, self.record, rows=rows, user=self.user, old=self.old
            )
            values.update(self.names)
            self._values = values
        return self._values

    def refresh(self) -> None:
        """Read the record again after a step changed it."""
        if self.record_id is None:
            return
        try:
            self.record = self.transaction.get(self.entity, self.record_id)
        except RecordError:  # deleted meanwhile: keep what we had
            return
        self._values = None

    def nested(self, names: Mapping) -> ActionContext:
        """A context for nested steps that see more names (`row`)."""
        inner = ActionContext(
            self.automation,
            self.transaction,
            self.entity,
            self.record,
            name=self.name,
            rule=self.rule,
            old=self.old,
            user=self.user,
            names={**self.names, **names},
        )
        inner.attempt, inner.max_attempts = self.attempt, self.max_attempts
        return inner

    # -- values ---------------------------------------------------------------
    def evaluate(self, value):
        """A value of the options: expressions evaluated, templated text
        rendered, mappings and lists walked."""
        if isinstance(value, Expression):
            return value.evaluate(self.values)
        if isinstance(value, Mapping):
            return {key: self.evaluate(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.evaluate(item) for item in value]
        return value

    def render(self, value) -> str:
        """Templated text (or a literal) as text."""
        result = self.evaluate(value)
        if result is None or isinstance(result, Undefined):
            return ""
        return str(result)

    def holds(self, expression) -> bool:
        if expression is None:
            return True
        try:
            return bool(expression.evaluate(self.values))
        except Exception:  # noqa: BLE001 - a condition that fails does not hold
            return False

    # -- effects ----------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict, *, key: str | None = None) -> dict:
        """Put an effect in the outbox, in this transaction."""
        job = outbox.enqueue(
            self.connection,
            self.tables,
            kind,
            payload,
            key=key,
            rule=self.name,
            entity=self.entity,
            record_id=self.record_id,
            now=getattr(self.transaction, "now", None),
        )
        note("job", job_kind=kind, payload=payload)
        return job

    def run(self, actions, names: Mapping | None = None) -> None:
        """Run nested steps (for `for_each`)."""
        inner = self.nested(names or {})
        self.automation.run_actions(inner, actions, prefix=f"{self.step}.")

    def __repr__(self) -> str:
        return f"<ActionContext {self.name} {self.entity} {self.record_id}>"


def describe(value: Any) -> Any:
    """A value as `rules test` shows it."""
    value = plain(value)
    if isinstance(value, dict):
        return {key: describe(item) for key, item in value.items()}
    return value
