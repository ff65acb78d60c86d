"""The Officina plugin: actions `payments.authorize`, `payments.capture`,
`payments.void` and `payments.refund`, answered by the simulator.

Each action is `slow`: a rule's `call:` puts it in the outbox and `officina
worker` runs it in a transaction of its own, like a real network call. The
answer is written back through the records service
(`context.transaction.update`), so the pack's rules take the workflow on:

* payment_status: authorized, captured, voided, refunded, or — for a
  decline — `declined` when the field offers that choice, else `failed`
  (the orders pack's choice);
* payment_reference: the simulator's reference (SIM-AUTH-..., see
  officina_payments.simulator);
* the reason of a decline, in `hold_note` when the entity has that field
  (the orders pack shows it with the hold).

The field names can be changed per call with the options `status_field`,
`reference_field` and `reason_field`.

A timeout raises RetryLater, so the worker tries again with backoff, while
the record has been unchanged for less than `give_up_after` seconds
(default 300; a failed attempt rolls back, so it changes nothing). After
that — or at the job's last attempt (`context.last_attempt`), whichever
comes first — it is recorded as a decline with the reason "payment provider
timed out", so the order goes on hold instead of the job dying with the
order left waiting. With the worker's backoff (30 s, 1 min, 2 min, 4 min,
...) that is 4 or 5 attempts, within the outbox's 8.
"""

from __future__ import annotations

import datetime as dt

from officina.automation.context import ActionContext, ActionFailed, note
from officina.automation.hookspecs import hookimpl
from officina.automation.outbox import RetryLater
from officina_payments import simulator
from officina_payments.simulator import PaymentError

GIVE_UP_AFTER = dt.timedelta(minutes=5)


def _slow(function):
    function.slow = True
    return function


# -- the record ---------------------------------------------------------------
def _fields(context: ActionContext) -> dict:
    return context.transaction.definitions.entities[context.entity].fields


def _field_name(context: ActionContext, option: str, default: str) -> str | None:
    """The field an answer goes to: the option's, else the default when the
    entity has it."""
    name = context.options.get(option)
    if name:
        if name not in _fields(context):
            raise ActionFailed(
                f"{context.entity} has no field '{name}' (payments option {option})"
            )
        return name
    return default if default in _fields(context) else None


def _declined_value(context: ActionContext, field: str) -> str:
    options = {option.value for option in _fields(context)[field].options}
    if simulator.DECLINED in options or not options:
        return simulator.DECLINED
    return "failed"


def _order(context: ActionContext):
    order = context.options.get("order")
    if order in (None, ""):
        order = context.record.get("number") or context.record_id
    if order in (None, ""):
        raise ActionFailed("payments: the option 'order' is missing")
    return order


def _write(context: ActionContext, outcome: simulator.Outcome) -> dict:
    """Write the provider's answer on the record; the values written."""
    if context.record_id is None:
        raise ActionFailed("payments: the action runs on a record")
    status_field = _field_name(context, "status_field", "payment_status")
    reference_field = _field_name(context, "reference_field", "payment_reference")
    reason_field = _field_name(context, "reason_field", "hold_note")
    values = {}
    if status_field:
        status = outcome.status
        if status == simulator.DECLINED:
            status = _declined_value(context, status_field)
        values[status_field] = status
    if reference_field and outcome.reference:
        values[reference_field] = outcome.reference
    if reason_field and outcome.reason:
        values[reason_field] = f"Payment declined: {outcome.reason}"
    note("payments", outcome=outcome.status, values=values)
    context.transaction.update(context.entity, context.record_id, values)
    context.refresh()
    return values


def _current(context: ActionContext, option: str, default: str):
    field = _field_name(context, option, default)
    return context.record.get(field) if field else None


def _refused(error: PaymentError, what: str) -> ActionFailed:
    return ActionFailed(f"the payment provider refused the {what}: {error}")


def _waited(context: ActionContext) -> dt.timedelta:
    """How long the record has been unchanged."""
    since = context.record.get("updated_at") or context.record.get("created_at")
    now = getattr(context.transaction, "now", None)
    if since is None or now is None:
        return dt.timedelta(0)
    if isinstance(since, str):
        since = dt.datetime.fromisoformat(since)
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now - since


# -- the actions ------------------------------------------------------------------
@_slow
def authorize(context: ActionContext) -> None:
    """Options: order, amount, method (card, paypal, alipay, wechat_pay,
    bank_transfer), card (a card number; when missing, the record's
    payment reference is read as the card the checkout stored), and
    give_up_after (seconds a timeout is retried)."""
    options = context.options
    status = _current(context, "status_field", "payment_status")
    if status not in (None, "", "pending"):
        note("skipped", reason=f"payment already {status}")
        return  # answered already (a job delivered twice)
    method = options.get("method") or "card"
    card = options.get("card")
    if card in (None, "") and method == "card":
        stored = _current(context, "reference_field", "payment_reference")
        card = stored if simulator.card_digits(stored) else None
    try:
        outcome = simulator.authorize(
            _order(context), options.get("amount"), method, card
        )
    except PaymentError as error:
        raise _refused(error, "authorisation") from None
    if outcome.status == simulator.TIMEOUT:
        limit = options.get("give_up_after")
        limit = (
            GIVE_UP_AFTER if limit in (None, "") else dt.timedelta(seconds=float(limit))
        )
        if _waited(context) < limit and not context.last_attempt:
            raise RetryLater("the payment provider timed out (simulated); trying again")
        outcome = simulator.Outcome(simulator.DECLINED, reason=simulator.TIMEOUT_REASON)
    _write(context, outcome)


@_slow
def capture(context: ActionContext) -> None:
    """Options: order, amount (default: all that was authorised), reference."""
    if _current(context, "status_field", "payment_status") == simulator.CAPTURED:
        return
    try:
        outcome = simulator.capture(
            _order(context), context.options.get("amount"), _reference(context)
        )
    except PaymentError as error:
        raise _refused(error, "capture") from None
    _write(context, outcome)


@_slow
def void(context: ActionContext) -> None:
    """Options: order, reference."""
    if _current(context, "status_field", "payment_status") == simulator.VOIDED:
        return
    try:
        outcome = simulator.void(_order(context), _reference(context))
    except PaymentError as error:
        raise _refused(error, "void") from None
    _write(context, outcome)


@_slow
def refund(context: ActionContext) -> None:
    """Options: order, amount (default: all that was captured), reference."""
    if _current(context, "status_field", "payment_status") == simulator.REFUNDED:
        return
    try:
        outcome = simulator.refund(
            _order(context), context.options.get("amount"), _reference(context)
        )
    except PaymentError as error:
        raise _refused(error, "refund") from None
    _write(context, outcome)


def _reference(context: ActionContext):
    """The reference to act on: the record's as it is now (the rule's
    option was evaluated before the worker's run), else the option's."""
    current = _current(context, "reference_field", "payment_reference")
    return current or context.options.get("reference")


@hookimpl
def officina_actions():
    return {
        "payments.authorize": authorize,
        "payments.capture": capture,
        "payments.void": void,
        "payments.refund": refund,
    }
