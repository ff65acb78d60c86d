"""The rules engine: rules, transition and state actions, run inside the
transaction of the write that triggered them.

`Automation.install(hooks)` adds one `after_write` trigger (and one
`after_rollback` hook) to the records service's hooks; it never replaces
the hooks already there. For every write it runs, in this order:

1. the workflow's actions when a transition was taken: the `on_exit` of
   the state left, the transition's `do:`, the `on_enter` of the state
   entered (and, for a new record, the `on_enter` of the initial state);
2. the entity's rules whose trigger matches, by `order` then name, each
   only when its `when:` holds. `run: later` rules are put in the outbox
   (a job "rule") and run by the worker in a transaction of their own.

Actions write through the records service in the same transaction, so
their writes start rules in turn (cascades): a rule never restarts itself
by its own writes unless it says `retrigger: true`, and a chain deeper
than `MAX_DEPTH` is refused with the chain named. A failing action undoes
the whole change with a message the user sees.

Every run is logged in `officina_rule_run`: runs that did their work or
were skipped in the change's own transaction; failed runs after the change
was rolled back, in a transaction of their own, so the log keeps them.

The scheduler calls `run_scheduled` (cron and interval rules) and
`run_breach` (SLA breach actions).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, true, update

from officina.automation import outbox
from officina.automation.context import (
    NOTES,
    ActionContext,
    ActionFailed,
    CascadeTooDeep,
    Link,
    describe,
    note,
)
from officina.automation.extensions import extensions
from officina.database import WRITE
from officina.definitions import Definitions
from officina.definitions.model import Action, Entity, Rule
from officina.errors import SiteError, one_of, suggest
from officina.expressions.functions import MOMENT
from officina.records import SYSTEM, Actor
from officina.records.audit import jsonable
from officina.records.errors import RecordError, RecordNotFound
from officina.records.listing import Lister
from officina.records.service import SYSTEM_COLUMNS, Transaction, WriteEvent
from officina.schema.tables import AUDIT, RULE_RUNS, RULE_STATES, Schema

MAX_DEPTH = 8
BATCH = 200
DONE, SKIPPED, FAILED = "done", "skipped", "failed"
# Triggers run by the scheduler, not by writes.
TIMED = ("schedule", "every")
# The rules (and workflow steps) running now, outermost first.
CHAIN: contextvars.ContextVar[tuple[Link, ...]] = contextvars.ContextVar(
    "officina_rule_chain", default=()
)
_FAILED_RUNS = "officina_failed_rule_runs"


def collect_actions(plugins) -> dict:
    """{name: callable} of every action the plugins provide (a later plugin
    overrides an action of an earlier one)."""
    return dict(extensions(plugins).actions)


def walk_actions(definitions: Definitions) -> Iterable[tuple[str, Action]]:
    """(where, action) for every action of rules, transitions and states,
    nested ones included."""

    def walk(where, actions):
        for action in actions:
            yield where, action
            yield from walk(where, action.actions)
            yield from walk(where, action.options.get("otherwise") or ())

    for entity in definitions.entities.values():
        for rule in entity.rules.values():
            yield from walk(f"rule '{rule.name}' of {entity.name}", rule.actions)
        if entity.workflow is None:
            continue
        for transition in entity.workflow.transitions.values():
            yield from walk(
                f"transition '{transition.name}' of {entity.name}", transition.actions
            )
        for state in entity.workflow.states.values():
            for hook in ("on_enter", "on_exit", "on_breach"):
                yield from walk(
                    f"{hook} of state '{state.name}' of {entity.name}",
                    getattr(state, hook),
                )


@dataclass
class RunResult:
    """What one run came to (for `officina rules test`)."""

    outcome: str
    error: str | None = None
    condition: object = None
    notes: list = field(default_factory=list)


class Automation:
    """Rules and workflow actions of one definitions version."""

    def __init__(
        self, definitions: Definitions, schema: Schema, plugins=None, engine=None
    ):
        self.definitions = definitions
        self.engine = engine  # where failed runs are logged after a rollback
        self.schema = schema
        self.plugins = plugins
        self.tables = schema.metadata.tables
        self.actions = collect_actions(plugins)
        self.rules: dict[str, list[Rule]] = {}
        for entity in definitions.entities.values():
            rules = [
                rule
                for rule in entity.rules.values()
                if rule.enabled and rule.trigger.kind not in TIMED
            ]
            self.rules[entity.name] = sorted(rules, key=lambda r: (r.order, r.name))
        self._email_environment = None
        self.problems: list[str] = []  # see check_calls

    # -- setting up ----------------------------------------------------------
    def install(self, hooks):
        """Add the engine to the records service's hooks (after the others)."""
        hooks.after_write.append(self.after_write)
        hooks.after_rollback.append(self.after_rollback)
        return hooks

    def check_calls(self, *, strict: bool = False) -> list[str]:
        """The `call:` steps naming an action no plugin provides, as
        messages. A likely misspelling of a provided action is refused
        (SiteError); so is any unknown name when `strict`. Others are
        returned (and kept in `problems`): such a step fails when it runs,
        saying which plugin is missing, so a site whose pack expects a plugin
        not yet installed still opens."""
        problems, refused = [], []
        provided = [name for name in self.actions if "." in name]
        for where, action in walk_actions(self.definitions):
            if action.kind != "call":
                continue
            name = action.options.get("action")
            if name in self.actions:
                continue
            location = getattr(action.source, "location", None)
            prefix = f"{location}: " if location else ""
            close = suggest(name, provided)
            hint = close or (
                f"plugin actions provided: {', '.join(sorted(provided))}"
                if provided
                else "no plugin provides actions yet"
            )
            message = (
                f"{prefix}{where} calls the action '{name}', which no plugin "
                f"provides. Hint: {hint}; install the plugin and list it under "
                "'plugins:' in site.yaml"
            )
            problems.append(message)
            if close or strict:
                refused.append(message)
        self.problems = problems
        if refused:
            raise SiteError("\n".join(refused))
        return problems

    def find_rule(self, name: str) -> Rule:
        """A rule by name (`entity.rule` when two entities share a name)."""
        entity_name, _, rule_name = name.rpartition(".")
        found = [
            rule
            for rule in self.definitions.rules
            if rule.name == rule_name
            and (not entity_name or rule.entity == entity_name)
        ]
        if len(found) == 1:
            return found[0]
        names = sorted({rule.name for rule in self.definitions.rules})
        if len(found) > 1:
            raise SiteError(
                f"several entities have a rule '{name}'. Hint: write it as "
                + " or ".join(f"'{rule.entity}.{rule.name}'" for rule in found)
            )
        raise SiteError(
            f"there is no rule '{name}'. Hint: "
            + (suggest(rule_name, names) or one_of(names))
        )

    # -- after each write ------------------------------------------------------
    def after_write(self, event: WriteEvent) -> None:
        entity = self.definitions.entities.get(event.entity)
        if entity is None or entity.is_child:
            return
        if not getattr(event.transaction, "rules", True):
            return  # history being loaded (`rules: false` seed data)
        chain = CHAIN.get()
        writer = chain[-1] if chain else None
        transaction = self._transaction(event.transaction, event.actor)
        user = event.actor.as_context() if event.actor.id is not None else None
        record = dict(event.new if event.new is not None else event.old or {})
        old = event.old if event.old is not None else _empty(entity)
        dirty = False
        shared: dict = {}  # what conditions see, while the record is unchanged
        for name, trigger, actions in self._workflow_steps(entity, event):
            self._execute(
                transaction,
                entity,
                record,
                old,
                name=name,
                trigger=trigger,
                actions=actions,
                user=user,
            )
            dirty = True
        for rule in self.rules.get(entity.name, ()):
            if (
                writer is not None
                and writer.rule == rule.name
                and writer.entity == entity.name
                and not rule.retrigger
            ):
                continue  # a rule does not restart itself by its own writes
            if dirty and event.action != "delete":
                record = transaction.get(entity.name, event.record_id)
                dirty = False
                shared = {}
            trigger = self._matches(rule, entity, event, transaction, record, old)
            if trigger is None:
                continue
            if rule.run == "later":
                self._later(
                    transaction, entity, rule, record, old, trigger, user, event
                )
                continue
            outcome = self._execute(
                transaction,
                entity,
                record,
                old,
                name=rule.name,
                rule=rule,
                trigger=trigger,
                actions=rule.actions,
                when=rule.when,
                user=user,
                shared=shared,
            )
            if outcome == DONE:
                dirty = True
                shared = {}

    def after_rollback(self, error: BaseException) -> None:
        """Log the failed runs of a change that was undone."""
        self.write_failed_runs(error)

    # -- triggers ------------------------------------------------------------
    def _workflow_steps(self, entity: Entity, event: WriteEvent):
        workflow = entity.workflow
        if workflow is None or event.action == "delete":
            return []
        states = workflow.states
        new_state = (event.new or {}).get(workflow.field)
        steps = []
        if event.action == "create":
            state = states.get(new_state)
            if state is not None and state.on_enter:
                steps.append((f"on_enter:{state.name}", "created", state.on_enter))
            return steps
        if event.transition is None:
            return steps
        transition = workflow.transitions.get(event.transition)
        old_state = (event.old or {}).get(workflow.field)
        moved = old_state != new_state
        trigger = f"transition: {event.transition}"
        if moved and old_state in states and states[old_state].on_exit:
            steps.append((f"on_exit:{old_state}", trigger, states[old_state].on_exit))
        if transition is not None and transition.actions:
            steps.append((f"do:{transition.name}", trigger, transition.actions))
        if moved and new_state in states and states[new_state].on_enter:
            steps.append((f"on_enter:{new_state}", trigger, states[new_state].on_enter))
        return steps

    def _matches(self, rule, entity, event, transaction, record, old) -> str | None:
        if rule.trigger.kind == "threshold":
            return self._threshold(rule, entity, event, transaction, record, old)
        return trigger_matches(
            rule,
            entity,
            event.action,
            old if event.old is not None else None,
            event.new,
            event.transition,
        )

    def _threshold(self, rule, entity, event, transaction, record, old) -> str | None:
        table = self.tables[RULE_STATES]
        key = (
            (table.c.rule == rule.name)
            & (table.c.entity == entity.name)
            & (table.c.record_id == event.record_id)
        )
        connection = transaction.connection
        if event.action == "delete":
            connection.execute(delete(table).where(key))
            return None
        context = ActionContext(self, transaction, entity.name, record, name=rule.name)
        active = context.holds(rule.trigger.threshold)
        stored = connection.execute(select(table.c.active).where(key)).first()
        if stored is None:
            before = False
            if event.old is not None:
                previous = ActionContext(
                    self, transaction, entity.name, dict(event.old), name=rule.name
                )
                before = previous.holds(rule.trigger.threshold)
            connection.execute(
                insert(table).values(
                    rule=rule.name,
                    entity=entity.name,
                    record_id=event.record_id,
                    active=active,
                    changed_at=transaction.now,
                )
            )
        else:
            before = bool(stored[0])
            if before != active:
                connection.execute(
                    update(table)
                    .where(key)
                    .values(active=active, changed_at=transaction.now)
                )
        return "threshold" if active and not before else None

    def _later(self, transaction, entity, rule, record, old, trigger, user, event):
        context = ActionContext(
            self, transaction, entity.name, record, name=rule.name, old=old, user=user
        )
        if not context.holds(rule.when):
            self._log(
                transaction.connection,
                rule.name,
                entity.name,
                event.record_id,
                trigger,
                SKIPPED,
                0,
                None,
                [link.name for link in CHAIN.get()] + [rule.name],
            )
            return
        payload = {
            "rule": rule.name,
            "entity": entity.name,
            "record_id": event.record_id,
            "trigger": trigger,
        }
        if event.action == "delete":
            payload["record"] = jsonable(_without_system(record))
        version = (event.new or event.old or {}).get("version")
        context.enqueue(
            "rule",
            payload,
            key=outbox.new_key(
                "rule", rule.name, entity.name, event.record_id, version, trigger
            ),
        )

    # -- running -------------------------------------------------------------
    def _transaction(self, transaction: Transaction, actor: Actor) -> Transaction:
        """The change's transaction, as the system acting for the user: rules
        are the site's own, so the user's permissions do not limit them."""
        if actor.system:
            return transaction
        acting = Actor(
            id=actor.id,
            name=actor.name,
            roles=actor.roles,
            language=actor.language,
            system=True,
        )
        return Transaction(
            transaction.service, transaction.connection, acting, transaction.now
        )

    def _execute(
        self,
        transaction: Transaction,
        entity: Entity,
        record: dict,
        old: dict | None,
        *,
        name: str,
        trigger: str,
        actions,
        rule: Rule | None = None,
        when=None,
        user: dict | None = None,
        log_skipped: bool = False,
        shared: dict | None = None,
    ) -> str:
        """Run one rule (or workflow step) on one record; its outcome.

        A rule whose condition does not hold did not run: it is not logged
        (unless `log_skipped`; a write would otherwise log every rule of its
        entity). `shared` carries the names expressions see from one rule to
        the next while the record stays as it is."""
        chain = CHAIN.get()
        record_id = record.get("id")
        names = [link.name for link in chain] + [name]
        started = time.perf_counter()
        failure: RecordError | None = None
        outcome = DONE
        if len(chain) >= MAX_DEPTH:
            failure = CascadeTooDeep(
                f"rules started each other more than {MAX_DEPTH} deep: "
                + " → ".join(names)
                + ". A rule probably triggers itself through others; change a "
                "trigger or a condition so that the chain ends"
            )
        else:
            context = ActionContext(
                self,
                transaction,
                entity.name,
                record,
                name=name,
                rule=rule,
                old=old,
                user=user,
            )
            if shared is not None and shared.get("values") is not None:
                context._values = shared["values"]
            token = CHAIN.set(
                (
                    *chain,
                    Link(name, entity.name, record_id, rule.name if rule else None),
                )
            )
            try:
                if when is not None and not context.holds(when):
                    outcome = SKIPPED
                    if shared is not None:
                        shared["values"] = context._values
                else:
                    self.run_actions(context, actions)
            except RecordError as error:
                failure = error
            except Exception as error:  # noqa: BLE001 - contained, reported below
                failure = _wrapped(error, f"{_what(name, rule)} failed: {error}")
            finally:
                CHAIN.reset(token)
        duration = int((time.perf_counter() - started) * 1000)
        if failure is not None:
            runs = failure.__dict__.setdefault(_FAILED_RUNS, [])
            runs.append(
                {
                    "rule": name,
                    "entity": entity.name,
                    "record_id": record_id,
                    "trigger": trigger,
                    "outcome": FAILED,
                    "duration_ms": duration,
                    "error": str(failure),
                    "chain": names,
                    "at": dt.datetime.now(dt.UTC),
                }
            )
            raise failure
        if outcome == DONE or log_skipped:
            self._log(
                transaction.connection,
                name,
                entity.name,
                record_id,
                trigger,
                outcome,
                duration,
                None,
                names,
            )
        if outcome == SKIPPED:
            note("skipped", rule=name, reason="the condition does not hold")
        return outcome

    def run_actions(self, context: ActionContext, actions, *, prefix: str = "") -> None:
        """Run steps in order; a failing step stops the run with its reason."""
        for index, action in enumerate(actions, 1):
            step = f"{prefix}{index}"
            if action.when is not None and not context.holds(action.when):
                note("skipped", step=step, action=action.kind)
                continue
            handler = self.actions.get(action.kind)
            what = _what(context.name, context.rule)
            if handler is None:
                raise ActionFailed(
                    f"{what}, step {step}: there is no action '{action.kind}'"
                )
            context.action = action
            context.step = step
            context.options = action.options
            if action.kind == "call":
                handler = self.actions.get(action.options.get("action"), handler)
                context.options = {
                    key: describe(context.evaluate(value))
                    for key, value in (action.options.get("with") or {}).items()
                }
                if action.options.get("action") not in self.actions:
                    raise ActionFailed(
                        f"{what}, step {step}: no plugin provides the action "
                        f"'{action.options.get('action')}'. Hint: install the "
                        "plugin and list it under 'plugins:' in site.yaml"
                    )
                if getattr(handler, "slow", False):
                    context.enqueue(
                        "call",
                        {
                            "action": action.options.get("action"),
                            "options": jsonable(context.options),
                            "entity": context.entity,
                            "record_id": context.record_id,
                            "rule": context.name,
                        },
                    )
                    continue
            try:
                handler(context)
            except RecordError:
                raise
            except Exception as error:  # noqa: BLE001 - a plugin's failure is contained
                label = (
                    f"'{action.options.get('action')}'"
                    if action.kind == "call"
                    else action.kind
                )
                raise _wrapped(
                    error,
                    f"{what}, step {step} ({label}) failed: "
                    f"{error or type(error).__name__}",
                ) from error

    # -- the run log -------------------------------------------------------------
    def _log(
        self, connection, rule, entity, record_id, trigger, outcome, ms, error, chain
    ):
        connection.execute(
            insert(self.tables[RULE_RUNS]).values(
                rule=rule,
                entity=entity,
                record_id=record_id,
                trigger=trigger[:64],
                outcome=outcome,
                duration_ms=ms,
                error=error,
                chain=chain,
                at=dt.datetime.now(dt.UTC),
            )
        )

    def write_failed_runs(self, error: BaseException, connection=None) -> int:
        """Write the failed runs an error carries (once); how many."""
        runs = (
            error.__dict__.pop(_FAILED_RUNS, None)
            if hasattr(error, "__dict__")
            else None
        )
        if not runs:
            return 0
        for run in runs:
            run["trigger"] = run["trigger"][:64]
        table = self.tables[RULE_RUNS]
        if connection is not None:
            connection.execute(insert(table), runs)
            return len(runs)
        if self.engine is None:
            return 0
        with self.engine.connect() as own:
            own = own.execution_options(**{WRITE: True})
            with own.begin():
                own.execute(insert(table), runs)
        return len(runs)

    # -- run by the worker -----------------------------------------------------------
    def run_later(self, runtime, payload: Mapping) -> str:
        """Run a `run: later` rule (a job "rule") in a transaction of its own."""
        rule = self._rule_of(payload)
        entity = self.definitions.entities[rule.entity]
        try:
            with runtime.records.transaction(SYSTEM) as transaction:
                try:
                    record = transaction.get(entity.name, payload["record_id"])
                except RecordNotFound:
                    if "record" not in payload:
                        return SKIPPED
                    record = dict(payload["record"], id=payload["record_id"])
                return self._execute(
                    transaction,
                    entity,
                    record,
                    None,
                    name=rule.name,
                    rule=rule,
                    trigger=str(payload.get("trigger") or "later"),
                    actions=rule.actions,
                )
        except RecordError as error:
            self._write_after(runtime, error)
            raise

    def run_call(
        self, runtime, payload: Mapping, *, attempt: int = 1, max_attempts: int = 1
    ) -> None:
        """Run a slow plugin action (a job "call") in a transaction of its
        own; `attempt` of `max_attempts` is the worker's try."""
        name = payload.get("action")
        handler = self.actions.get(name)
        if handler is None:
            raise ActionFailed(f"no plugin provides the action '{name}'")
        with runtime.records.transaction(SYSTEM) as transaction:
            entity = payload.get("entity")
            record = {}
            if entity and payload.get("record_id") is not None:
                record = transaction.get(entity, payload["record_id"])
            context = ActionContext(
                self, transaction, entity, record, name=str(payload.get("rule") or name)
            )
            context.options = dict(payload.get("options") or {})
            context.step = "1"
            context.attempt, context.max_attempts = attempt, max_attempts
            handler(context)

    # -- run by the scheduler ----------------------------------------------------------
    def run_scheduled(self, runtime, rule_name: str, now: dt.datetime) -> int:
        """Run a `schedule` or `every` rule on each record of its entity for
        which `when` holds, in batches; how many records it acted on. A
        record whose actions fail is undone alone and logged."""
        rule = self.find_rule(rule_name)
        entity = self.definitions.entities[rule.entity]
        table = self.schema.table(entity.name)
        trigger = (
            f"schedule: {rule.trigger.schedule}"
            if rule.trigger.kind == "schedule"
            else f"every: {rule.trigger.every.text if rule.trigger.every else ''}"
        )
        acted = 0
        last = 0
        visited = _visited(runtime, rule, entity, now)
        while True:
            with runtime.records.transaction(SYSTEM) as transaction:
                connection = transaction.connection
                ids = list(
                    connection.execute(
                        select(table.c.id)
                        .where(table.c.id > last, visited)
                        .order_by(table.c.id)
                        .limit(BATCH)
                    ).scalars()
                )
                if not ids:
                    return acted
                for record_id in ids:
                    try:
                        with connection.begin_nested():
                            record = transaction.get(entity.name, record_id)
                            outcome = self._execute(
                                transaction,
                                entity,
                                record,
                                None,
                                name=rule.name,
                                rule=rule,
                                trigger=trigger,
                                actions=rule.actions,
                                when=rule.when,
                                log_skipped=False,
                            )
                    except RecordError as error:
                        transaction.forget()  # what the savepoint wrote is gone
                        self.write_failed_runs(error, connection)
                        continue
                    if outcome == DONE:
                        acted += 1
                last = ids[-1]

    def run_breach(self, runtime, entity: str, record_id, state: str, now) -> bool:
        """Run a state's `on_breach` actions for a record still in it, in a
        transaction of its own, as the system. False when there is nothing
        to do (no actions, or the record moved on)."""
        model = self.definitions.entities[entity]
        if model.workflow is None or state not in model.workflow.states:
            return False
        actions = model.workflow.states[state].on_breach
        if not actions:
            return False
        try:
            with runtime.records.transaction(SYSTEM) as transaction:
                record = transaction.get(entity, record_id)
                if record.get(model.workflow.field) != state:
                    return False
                self._execute(
                    transaction,
                    model,
                    record,
                    None,
                    name=f"on_breach:{state}",
                    trigger="sla breach",
                    actions=actions,
                )
        except RecordError as error:
            self._write_after(runtime, error)
            raise
        return True

    def _write_after(self, runtime, error) -> None:
        """Failed runs of a job or a breach, if no hook wrote them already."""
        if not hasattr(error, "__dict__") or _FAILED_RUNS not in error.__dict__:
            return
        with runtime.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            with connection.begin():
                self.write_failed_runs(error, connection)

    def _rule_of(self, payload: Mapping) -> Rule:
        entity = self.definitions.entities.get(str(payload.get("entity")))
        if entity is not None and payload.get("rule") in entity.rules:
            return entity.rules[payload["rule"]]
        return self.find_rule(str(payload.get("rule")))

    # -- trying rules out -----------------------------------------------------------
    def dry_run(self, runtime, rule_name: str, record_id) -> RunResult:
        """What a rule would do to a record now: its condition's value and
        every effect of its actions, inside a transaction rolled back at the
        end, so nothing is written and nothing is sent."""
        rule = self.find_rule(rule_name)
        entity = self.definitions.entities[rule.entity]
        notes: list = []
        with runtime.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            outer = connection.begin()
            token = NOTES.set(notes)
            try:
                transaction = Transaction(
                    runtime.records, connection, SYSTEM, runtime.records.clock()
                )
                record = transaction.get(entity.name, record_id)
                context = ActionContext(
                    self,
                    transaction,
                    entity.name,
                    record,
                    name=rule.name,
                    old=_empty(entity),
                )
                condition = None
                if rule.when is not None:
                    try:
                        condition = rule.when.evaluate(context.values)
                    except Exception as error:  # noqa: BLE001 - shown to the user
                        condition = f"error: {error}"
                try:
                    outcome = self._execute(
                        transaction,
                        entity,
                        record,
                        _empty(entity),
                        name=rule.name,
                        rule=rule,
                        trigger="test",
                        actions=rule.actions,
                        when=rule.when,
                    )
                    return RunResult(outcome, None, condition, notes)
                except RecordError as error:
                    error.__dict__.pop(_FAILED_RUNS, None)
                    return RunResult(FAILED, str(error), condition, notes)
            finally:
                NOTES.reset(token)
                outer.rollback()

    def replay(self, runtime, rule_name: str, since, until=None) -> dict:
        """How often a rule would have fired on the changes in a period, from
        the audit trail; writes nothing. Fields a change did not touch are
        taken as they are now (the trail keeps only what changed)."""
        rule = self.find_rule(rule_name)
        entity = self.definitions.entities[rule.entity]
        table = self.schema.table(entity.name)
        audit = self.tables[AUDIT]
        fired: list[dict] = []
        changes = 0
        with runtime.engine.connect() as connection:
            transaction = Transaction(
                runtime.records, connection, SYSTEM, runtime.records.clock()
            )
            if rule.trigger.kind in TIMED:
                visited = _visited(runtime, rule, entity, runtime.records.clock())
                ids = connection.execute(
                    select(table.c.id).where(visited).order_by(table.c.id)
                ).scalars()
                for record_id in ids:
                    changes += 1
                    record = transaction.get(entity.name, record_id)
                    context = ActionContext(
                        self, transaction, entity.name, record, name=rule.name
                    )
                    if context.holds(rule.when):
                        fired.append({"record_id": record_id, "at": None})
                return {"rule": rule, "changes": changes, "fired": fired}
            query = (
                select(audit)
                .where(audit.c.entity == entity.name, audit.c.at >= since)
                .order_by(audit.c.id)
            )
            if until is not None:
                query = query.where(audit.c.at < until)
            for entry in connection.execute(query).mappings():
                changes += 1
                try:
                    current = transaction.get(entity.name, entry["record_id"])
                except RecordNotFound:
                    current = {"id": entry["record_id"]}
                action, old, new, transition = _from_audit(entity, entry, current)
                if rule.trigger.kind == "threshold":
                    after = ActionContext(
                        self, transaction, entity.name, new or {}, name=rule.name
                    ).holds(rule.trigger.threshold)
                    before = old is not None and ActionContext(
                        self, transaction, entity.name, old, name=rule.name
                    ).holds(rule.trigger.threshold)
                    trigger = "threshold" if after and not before else None
                    if action == "delete":
                        trigger = None
                else:
                    trigger = trigger_matches(
                        rule, entity, action, old, new, transition
                    )
                if trigger is None:
                    continue
                record = new if new is not None else old
                context = ActionContext(
                    self,
                    transaction,
                    entity.name,
                    record,
                    name=rule.name,
                    old=old if old is not None else _empty(entity),
                )
                if context.holds(rule.when):
                    fired.append(
                        {
                            "record_id": entry["record_id"],
                            "at": entry["at"],
                            "trigger": trigger,
                        }
                    )
        return {"rule": rule, "changes": changes, "fired": fired}

    # -- e-mail templates ------------------------------------------------------------
    @property
    def email_environment(self):
        """A sandbox (HTML-escaping) that loads the site's and packs'
        templates by name, for `send_email: {template: ...}`, with the
        plugins' expression functions and template filters."""
        if self._email_environment is None:
            from jinja2 import FunctionLoader

            from officina.expressions.environment import ExpressionEnvironment

            templates = self.definitions.templates

            def load(name: str):
                key = name.rsplit(".", 1)[0] if "." in name.rsplit("/", 1)[-1] else name
                path = templates.get(key) or templates.get(name)
                if path is None:
                    return None
                with open(path, encoding="utf-8") as file:
                    return file.read()

            provided = extensions(self.plugins)
            self._email_environment = ExpressionEnvironment(
                provided.functions,
                filters=provided.filters,
                loader=FunctionLoader(load),
                autoescape=True,
            )
        return self._email_environment

    def template_name(self, name: str) -> str | None:
        templates = self.definitions.templates
        for candidate in (name, f"email/{name}"):
            if candidate in templates:
                return candidate
        return None


def trigger_matches(rule: Rule, entity: Entity, action, old, new, transition):
    """The trigger (as the run log shows it) when a write matches the rule's
    `on:`; None otherwise. `old` is None for a new record."""
    trigger = rule.trigger
    kind = trigger.kind
    if kind == "created":
        return "created" if action == "create" else None
    if kind == "updated":
        return "updated" if action == "update" else None
    if kind == "saved":
        return "saved" if action in ("create", "update") else None
    if kind == "deleted":
        return "deleted" if action == "delete" else None
    if kind == "changed":
        if action != "update" or old is None or new is None:
            return None
        changed = []
        for name in trigger.fields:
            before, after = _comparable(old.get(name)), _comparable(new.get(name))
            if before == after:
                continue
            start, end = trigger.changes.get(name, (None, None))
            if start is not None and not _same(before, start):
                continue
            if end is not None and not _same(after, end):
                continue
            changed.append(name)
        return f"changed: {', '.join(changed)}" if changed else None
    if kind == "transition":
        if transition is not None and transition in trigger.names:
            return f"transition: {transition}"
        return None
    if kind == "entered":
        workflow = entity.workflow
        if workflow is None or action not in ("create", "update") or new is None:
            return None
        state = new.get(workflow.field)
        before = old.get(workflow.field) if old is not None else None
        if state in trigger.names and (action == "create" or before != state):
            return f"entered: {state}"
        return None
    return None


def _visited(runtime, rule: Rule, entity: Entity, now: dt.datetime):
    """The SQL condition of the records a timed rule visits: its `where`,
    with today() and now() as at `now`."""
    if not rule.where:
        return true()
    lister = Lister(runtime.records, entity)
    return lister.condition(list(rule.where), {MOMENT: runtime.records.moment(now)})


def _same(value, expected) -> bool:
    return value == expected or str(value) == str(expected)


def _comparable(value):
    if isinstance(value, list):
        return [
            {k: v for k, v in row.items() if k not in (*SYSTEM_COLUMNS, "row_order")}
            if isinstance(row, dict)
            else row
            for row in value
        ]
    return value


def _empty(entity: Entity) -> dict:
    """`old` of a record that did not exist before: every field empty."""
    return {name: None for name in entity.fields}


def _without_system(record: dict) -> dict:
    return dict(record)


def _what(name: str, rule) -> str:
    if rule is not None:
        return f"rule '{name}'"
    kind, _, subject = name.partition(":")
    if kind == "do":
        return f"the actions of the transition '{subject}'"
    return f"the {kind} actions of the state '{subject}'"


def _wrapped(error: BaseException, message: str) -> ActionFailed:
    failed = ActionFailed(message)
    runs = (
        error.__dict__.pop(_FAILED_RUNS, None) if hasattr(error, "__dict__") else None
    )
    if runs:
        failed.__dict__[_FAILED_RUNS] = runs
    failed.__cause__ = error
    return failed


def _from_audit(entity: Entity, entry, current: dict):
    """(action, old, new, transition) of an audit entry, with the fields it
    did not change taken from the record as it is now."""
    changes = dict(entry["changes"] or {})
    transition = changes.pop("_transition", None)
    action = entry["action"]
    new = dict(current)
    old = dict(current)
    for name, change in changes.items():
        if isinstance(change, list) and len(change) == 2 and name in entity.fields:
            old[name], new[name] = change
    if action == "create":
        return "create", None, new, None
    if action == "delete":
        return "delete", old, None, None
    return "update", old, new, transition
