"""Officina's own actions, registered as a plugin like any other.

Each action is called with an `ActionContext` (officina.automation.context)
whose `options` are the step's options as loaded (expressions not yet
evaluated: a `for_each` evaluates them once per row). Records are written
only through `context.transaction` (the records service, in the change's
transaction); e-mails and webhooks leave through the outbox.

Also the job handlers of the engine's own jobs: "rule" (a `run: later`
rule) and "call" (a slow plugin action).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from markupsafe import Markup
from sqlalchemy import insert, select

from officina.automation.context import (
    ActionContext,
    ActionFailed,
    CascadeTooDeep,
    describe,
    note,
    plain,
)
from officina.automation.hookspecs import hookimpl
from officina.expressions import Expression
from officina.expressions.runtime import Row, Rows
from officina.records.audit import jsonable
from officina.records.errors import RecordError
from officina.records.listing import Lister
from officina.schema.tables import NOTIFICATIONS, USERS

_ADDRESS_SEPARATORS = re.compile(r"[,;]")
_TAGS = re.compile(r"<[^>]+>")
_INLINE_EMAIL = (
    '{% extends "email/layout.html" %}{% block content %}{{ body }}{% endblock %}'
)


# -- values ---------------------------------------------------------------------
def _values(context: ActionContext, assignments: Mapping) -> dict:
    return {name: plain(context.evaluate(value)) for name, value in assignments.items()}


def _ids(context: ActionContext, entity: str, filters) -> list:
    """The ids of `entity`'s records matching a filter, in the transaction."""
    transaction = context.transaction
    model = transaction.definitions.entities[entity]
    lister = Lister(transaction.service, model)
    table = lister.table
    condition = lister.condition(list(filters), context.values)
    return list(
        context.connection.execute(
            select(table.c.id).where(condition).order_by(table.c.id)
        ).scalars()
    )


def _record_id(value):
    value = plain(value)
    if isinstance(value, list):
        return value[0] if value else None
    return value


# -- the actions ----------------------------------------------------------------
def set_fields(context: ActionContext) -> None:
    """Set fields of the record the rule is about (through the records
    service: its own rules run again, but not this one)."""
    values = _values(context, context.options["values"])
    note("set", entity=context.entity, record_id=context.record_id, values=values)
    context.transaction.update(context.entity, context.record_id, values)
    context.refresh()


def create_record(context: ActionContext) -> None:
    options = context.options
    target = options["entity"]
    values = _values(context, options.get("values") or {})
    for table, spec in (options.get("rows") or {}).items():
        if isinstance(spec, Mapping) and "for_each" in spec:
            rows = []
            source = context.evaluate(spec["for_each"]) or ()
            for row in source:
                inner = context.nested({spec.get("as", "row"): row})
                rows.append(_values(inner, spec["values"]))
            values[table] = rows
        else:
            values[table] = [_values(context, row) for row in spec]
    created = context.transaction.create(target, values)
    note("create", entity=target, values=values, record_id=created.get("id"))


def update_records(context: ActionContext) -> None:
    options = context.options
    target = options["entity"]
    values = _values(context, options["values"])
    ids = _ids(context, target, options.get("where") or ())
    note("update", entity=target, record_ids=ids, values=values)
    for record_id in ids:
        context.transaction.update(target, record_id, values)
    if target == context.entity and context.record_id in ids:
        context.refresh()


def adjust_number(context: ActionContext) -> None:
    options = context.options
    target = options["entity"]
    if options.get("record") is not None:
        record_id = _record_id(context.evaluate(options["record"]))
        if record_id is None:
            raise ActionFailed(
                f"rule '{context.name}', step {context.step} (adjust): "
                f"'{options['record'].source}' leads to no record"
            )
        ids = [record_id]
    elif options.get("match"):
        ids = _ids(context, target, options["match"])
        if not ids:
            raise ActionFailed(
                f"rule '{context.name}', step {context.step} (adjust): no "
                f"{target} record matches"
            )
    else:
        ids = [context.record_id]
    by = plain(context.evaluate(options.get("by", 0)))
    minimum = plain(context.evaluate(options.get("min")))
    maximum = plain(context.evaluate(options.get("max")))
    message = (
        context.render(options["message"])
        if options.get("message") is not None
        else None
    )
    for record_id in ids:
        note(
            "adjust",
            entity=target,
            record_id=record_id,
            field=options["field"],
            by=describe(by),
        )
        context.transaction.adjust(
            target,
            record_id,
            options["field"],
            by,
            minimum=minimum,
            maximum=maximum,
            message=message,
        )
    if target == context.entity and context.record_id in ids:
        context.refresh()


def take_transition(context: ActionContext) -> None:
    options = context.options
    target = options.get("entity") or context.entity
    record_id = context.record_id
    if options.get("record") is not None:
        record_id = _record_id(context.evaluate(options["record"]))
        if record_id is None:
            raise ActionFailed(
                f"rule '{context.name}', step {context.step} (transition): "
                f"'{options['record'].source}' leads to no record"
            )
    note("transition", entity=target, record_id=record_id, name=options["name"])
    context.transaction.transition(
        target, record_id, options["name"], comment=f"by rule {context.name}"
    )
    if target == context.entity and record_id == context.record_id:
        context.refresh()


def _addresses(value) -> list[str]:
    value = plain(value) if not isinstance(value, str) else value
    if value is None:
        return []
    if isinstance(value, str):
        parts = _ADDRESS_SEPARATORS.split(value)
    elif isinstance(value, list | tuple):
        parts = [str(item) for item in value if item is not None]
    else:
        parts = [str(value)]
    return [part.strip() for part in parts if part and part.strip()]


def send_email(context: ActionContext) -> None:
    options = context.options
    to = _addresses(context.evaluate(options.get("to")))
    cc = _addresses(context.evaluate(options.get("cc")))
    subject = context.render(options.get("subject")).strip()
    environment = context.automation.email_environment
    values = dict(context.values)
    if options.get("template"):
        name = context.automation.template_name(options["template"])
        if name is None:
            raise ActionFailed(
                f"rule '{context.name}', step {context.step} (send_email): there "
                f"is no e-mail template '{options['template']}'"
            )
        markup = environment.get_template(name).render(values)
        text = html.unescape(_TAGS.sub("", markup)).strip()
    else:
        text = context.render(options.get("body"))
        paragraphs = "".join(
            "<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>\n"
            for part in re.split(r"\n\s*\n", text.strip())
            if part.strip()
        )
        if context.automation.template_name("layout"):
            markup = environment.from_string(_INLINE_EMAIL).render(
                body=Markup(paragraphs)  # noqa: S704 - escaped just above
            )
        else:
            markup = paragraphs
    if not to:
        note("skipped", action="send_email", reason="no address to send to")
        return
    payload = {
        "to": to,
        "cc": cc,
        "subject": subject,
        "html": markup,
        "text": text,
        "reply_to": None,
    }
    context.enqueue("email", payload)


def _user_ids(context: ActionContext, value) -> list[int]:
    value = plain(value) if not isinstance(value, str) else value
    items = value if isinstance(value, list) else [value]
    ids: list[int] = []
    users = context.tables[USERS]
    for item in items:
        if item is None or item == "":
            continue
        if isinstance(item, str) and "@" in item:
            found = context.connection.execute(
                select(users.c.id).where(users.c.email == item.strip().lower())
            ).scalar()
            if found is None:
                found = context.connection.execute(
                    select(users.c.id).where(users.c.email == item.strip())
                ).scalar()
            if found is not None:
                ids.append(found)
            continue
        try:
            ids.append(int(item))
        except (TypeError, ValueError):
            continue
    return list(dict.fromkeys(ids))


def notify(context: ActionContext) -> None:
    options = context.options
    message = context.render(options["message"]).strip()
    users = (
        _user_ids(context, context.evaluate(options["users"]))
        if options.get("users") is not None
        else []
    )
    roles = list(options.get("roles") or ())
    table = context.tables[NOTIFICATIONS]
    common = {
        "message": message,
        "entity": context.entity,
        "record_id": context.record_id,
        "rule": context.name,
        "created_at": context.transaction.now,
    }
    rows = [{**common, "user_id": user, "role": None} for user in users]
    rows += [{**common, "user_id": None, "role": role} for role in roles]
    note("notify", users=users, roles=roles, message=message)
    if rows:
        context.connection.execute(insert(table), rows)


def _tree(context: ActionContext, value):
    if isinstance(value, Expression):
        return jsonable(describe(context.evaluate(value)))
    if isinstance(value, Mapping):
        return {key: _tree(context, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tree(context, item) for item in value]
    return jsonable(value)


def webhook(context: ActionContext) -> None:
    options = context.options
    if "body" in options:
        body = _tree(context, options["body"])
    else:
        body = {
            "entity": context.entity,
            "record": jsonable(
                {
                    key: value
                    for key, value in context.record.items()
                    if not isinstance(value, Row | Rows)
                }
            ),
        }
    payload = {
        "url": context.render(options["url"]).strip(),
        "method": str(options.get("method") or "POST").upper(),
        "headers": {
            key: context.render(value)
            for key, value in (options.get("headers") or {}).items()
        },
        "body": body,
    }
    if options.get("secret"):
        payload["secret"] = options["secret"]
    context.enqueue("webhook", payload)


def for_each(context: ActionContext) -> None:
    options = context.options
    rows = context.evaluate(options["for_each"]) or ()
    alias = options.get("as", "row")
    for row in rows:
        context.run(context.action.actions, {alias: row})
    context.refresh()


def attempt(context: ActionContext) -> None:
    """Run the `attempt` steps in a savepoint. When one is refused (an
    `adjust` past its limits, a record that does not validate, a transition
    that cannot be taken, a plugin action that fails), everything they did
    is undone and the `otherwise` steps run instead, seeing the refusal's
    message as `refusal`. A chain of rules too deep still fails: that is a
    mistake in the definitions, not a refusal."""
    try:
        with context.connection.begin_nested():
            context.run(context.action.actions)
    except CascadeTooDeep:
        raise
    except RecordError as error:
        note("refused", step=context.step, reason=str(error))
        context.transaction.forget()  # what the savepoint wrote is gone
        context.refresh()
        otherwise = context.options.get("otherwise") or ()
        inner = context.nested({"refusal": str(error)})
        context.automation.run_actions(
            inner, otherwise, prefix=f"{context.step}.otherwise."
        )
    context.refresh()


@hookimpl
def officina_actions():
    return {
        "set": set_fields,
        "create": create_record,
        "update": update_records,
        "adjust": adjust_number,
        "transition": take_transition,
        "send_email": send_email,
        "notify": notify,
        "webhook": webhook,
        # `call` is dispatched by the engine to the plugin action it names.
        "call": lambda context: None,
        "for_each": for_each,
        "attempt": attempt,
    }


# -- the engine's own jobs -----------------------------------------------------------
def _payload(job) -> Mapping:
    return job["payload"] if isinstance(job, Mapping) else job.payload


def run_rule_job(job, runtime) -> None:
    """A `run: later` rule, in a transaction of its own."""
    runtime.automation.run_later(runtime, _payload(job))


def run_call_job(job, runtime) -> None:
    """A slow plugin action, in a transaction of its own; the action sees
    which attempt this is."""
    number, limit = 1, 1  # run outside the worker: its only try
    if isinstance(job, Mapping):  # the worker says which try of how many
        number = job.get("attempt", 1)
        limit = job.get("max_attempts", number)
    runtime.automation.run_call(
        runtime, _payload(job), attempt=number, max_attempts=limit
    )


@hookimpl
def officina_job_handlers():
    return {"rule": run_rule_job, "call": run_call_job}
