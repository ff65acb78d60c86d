"""Workflow transitions: which a user may take on a record now (and why not
the others), and taking one, inside a records-service transaction.

A transition is checked in this order: it exists, it starts from the
record's state, the user's roles grant it (the role's `transitions:` and the
transition's own `roles:`), its `when` condition holds, the fields it
`requires` are filled in, a comment is given where one is required. Then
its `set:` values and the new state are written like any update (formulas,
validation, audit entry with the comment, rule triggers). State `editable`
and `edit_roles` limit plain updates.
"""

from __future__ import annotations

from dataclasses import dataclass

from officina.definitions.model import Entity, Label, Transition
from officina.errors import one_of, suggest
from officina.expressions import Expression
from officina.records.coercion import is_empty
from officina.records.context import RecordCache, record_context
from officina.records.errors import (
    PermissionDenied,
    Problems,
    RecordError,
    RecordInvalid,
)

ADMIN = "admin"
MAX_COMMENT = 10_000


class TransitionRefused(RecordError):
    """The transition cannot be taken now; the message says why."""

    status = 409


class UnknownTransition(RecordError):
    status = 404


@dataclass(frozen=True)
class Choice:
    """A transition as one user sees it on one record."""

    name: str
    label: Label
    to: str
    allowed: bool
    reason: str | None
    confirm: Label
    comment: str


def starts_from(transition: Transition, entity: Entity, state) -> bool:
    if "*" in transition.sources:
        current = entity.workflow.states.get(state)
        return current is not None and not current.final
    return state in transition.sources


def role_refusal(service, actor, entity: Entity, transition: Transition):
    """Why the actor's roles may not take `transition` (None: they may)."""
    if actor.system or ADMIN in actor.roles:
        return None
    try:
        service.permit(actor, f"transition:{transition.name}", entity)
    except PermissionDenied as error:
        return str(error)
    if transition.roles and not set(transition.roles) & set(actor.roles):
        return "only " + ", ".join(transition.roles) + " may take it"
    return None


def _context(cache, entity: Entity, record: dict, rows, actor, old=None) -> dict:
    user = actor.as_context() if actor.id is not None else None
    return record_context(cache, entity.name, record, rows=rows, user=user, old=old)


def _holds(expression: Expression | None, context) -> bool:
    if expression is None:
        return True
    try:
        return bool(expression.evaluate(context))
    except Exception:  # noqa: BLE001 - a guard that fails does not hold
        return False


def choices(service, connection, entity: Entity, record: dict, actor) -> list[Choice]:
    """Every transition out of the record's state, allowed or with the reason
    it is not (for buttons, kanban drops and the API)."""
    if entity.workflow is None:
        return []
    state = record.get(entity.workflow.field)
    cache = RecordCache(
        connection, service.definitions, service.schema, service.moment()
    )
    rows = {
        name: record.get(name) or []
        for name, field in entity.fields.items()
        if field.type == "table"
    }
    context = None
    found = []
    language = actor.language
    for transition in entity.workflow.transitions.values():
        if not starts_from(transition, entity, state):
            continue
        reason = role_refusal(service, actor, entity, transition)
        if reason is None and transition.when is not None:
            context = context or _context(cache, entity, record, rows, actor)
            if not _holds(transition.when, context):
                reason = "its condition does not hold for this record"
        if reason is None:
            missing = [
                entity.fields[name].label.get(language)
                for name in transition.requires
                if name in entity.fields and is_empty(record.get(name))
            ]
            if missing:
                reason = "fill in " + ", ".join(missing) + " first"
        found.append(
            Choice(
                transition.name,
                transition.label,
                transition.to,
                reason is None,
                reason,
                transition.confirm,
                transition.comment,
            )
        )
    return found


def find(entity: Entity, name: str) -> Transition:
    workflow = entity.workflow
    if workflow is None or name not in workflow.transitions:
        names = list(workflow.transitions) if workflow else []
        hint = (suggest(name, names) or one_of(names)) if names else None
        raise UnknownTransition(
            f"{entity.label.get()} has no transition '{name}'"
            + (f"; {hint}" if hint else "")
        )
    return workflow.transitions[name]


def check_transition(
    transaction, entity: Entity, transition: Transition, current: dict, comment
):
    """Refuse a transition that may not be taken from the current record."""
    actor = transaction.actor
    state = current.get(entity.workflow.field)
    if not starts_from(transition, entity, state):
        label = (
            entity.workflow.states[state].label.get(actor.language)
            if (state in entity.workflow.states)
            else state
        )
        raise TransitionRefused(
            f"'{transition.label.get(actor.language)}' cannot be taken from the "
            f"state '{label}'"
        )
    reason = role_refusal(transaction.service, actor, entity, transition)
    if reason is not None:
        raise PermissionDenied(
            f"you may not take '{transition.label.get(actor.language)}': {reason}"
        )
    if transition.comment == "required" and not (comment or "").strip():
        raise RecordInvalid(
            entity.name,
            Problems(record=[f"'{transition.label.get()}' needs a comment"]),
        )
    if comment is not None and len(comment) > MAX_COMMENT:
        raise RecordInvalid(
            entity.name,
            Problems(record=[f"a comment may be at most {MAX_COMMENT} characters"]),
        )


def guard_and_assign(
    transaction, entity: Entity, transition: Transition, record, rows, current
):
    """Check `when` and `requires` on the record about to be written, and
    apply the transition's `set:` values and new state to it."""
    actor = transaction.actor
    context = _context(transaction.cache, entity, record, rows, actor, old=current)
    if not _holds(transition.when, context):
        raise TransitionRefused(
            f"'{transition.label.get(actor.language)}' is not possible for this "
            "record now: its condition does not hold"
        )
    for name, value in transition.assignments.items():
        if isinstance(value, Expression):
            value = value.evaluate(context)
        record[name] = value
    record[entity.workflow.field] = transition.to
    problems = Problems()
    for name in transition.requires:
        if is_empty(record.get(name)):
            problems.add(
                name, f"is needed to {transition.label.get(actor.language).lower()}"
            )
    if problems:
        raise RecordInvalid(entity.name, problems)


def limits_edits(entity: Entity, current: dict, actor) -> bool:
    """Whether the record's state limits what may change, or who may change
    it (so that what changed needs working out at all)."""
    if entity.workflow is None or actor.system:
        return False
    state = entity.workflow.states.get(current.get(entity.workflow.field))
    return state is not None and (bool(state.edit_roles) or state.editable != "all")


def edit_refusal(entity: Entity, current: dict, changed: set[str], actor):
    """Why the record's state forbids changing these fields (None: it does not)."""
    if entity.workflow is None or actor.system:
        return None
    state = entity.workflow.states.get(current.get(entity.workflow.field))
    if state is None:
        return None
    label = state.label.get(actor.language)
    if state.edit_roles and ADMIN not in actor.roles:
        if not set(state.edit_roles) & set(actor.roles):
            return (
                f"records in the state '{label}' may be changed only by "
                + ", ".join(state.edit_roles)
            )
    if state.editable == "all":
        return None
    allowed = () if state.editable == "none" else state.editable
    locked = sorted(changed - set(allowed))
    if locked:
        return f"in the state '{label}' these fields cannot change: " + ", ".join(
            locked
        )
    return None
