"""The Officina plugin: actions `carriers.book` and `carriers.track`, the
expression functions `valid_tracking_number`, `shipping_rate` and
`delivery_estimate` (pure: see officina_carriers.carriers), and the field
type `tracking_number` (a string whose check digit must be right).

Both actions are `slow`: `officina worker` runs them in a transaction of
their own, like a real call to a carrier, and they write back through the
records service (`context.transaction.update` / `.transition`), so the
pack's rules see the changes.

`carriers.book` gives a record a tracking number (and a carrier when it has
none). `carriers.track`, called by a scheduled rule on shipped records,
finds where the shipment is from the time since it shipped; it writes the
stage to `tracking_status` when the entity has such a field (the orders
pack has none yet) and, once delivered, takes the workflow transition
`deliver` when the record's state allows it.
"""

from __future__ import annotations

from officina.automation.context import ActionContext, ActionFailed, note
from officina.automation.hookspecs import hookimpl
from officina.definitions.field_types import PluginFieldType
from officina_carriers import carriers
from officina_carriers.carriers import CarrierError


def _slow(function):
    function.slow = True
    return function


def _fields(context: ActionContext) -> dict:
    return context.transaction.definitions.entities[context.entity].fields


def _option(context: ActionContext, name: str, field: str | None = None):
    """An option, else the record's field of that name."""
    value = context.options.get(name)
    if value in (None, ""):
        value = context.record.get(field or name)
    return value


def _field(context: ActionContext, option: str, default: str) -> str | None:
    name = context.options.get(option) or default
    if name in _fields(context):
        return name
    if context.options.get(option):
        raise ActionFailed(
            f"{context.entity} has no field '{name}' (carriers option {option})"
        )
    return None


@_slow
def book(context: ActionContext) -> None:
    """Options: carrier (default: the record's, else own_fleet), order (the
    seed of the number; default: the record's number), tracking_field
    (default tracking_number), carrier_field (default carrier)."""
    if context.record_id is None:
        raise ActionFailed("carriers.book runs on a record")
    tracking_field = _field(context, "tracking_field", "tracking_number")
    carrier_field = _field(context, "carrier_field", "carrier")
    if tracking_field is None:
        raise ActionFailed(f"{context.entity} has no field for the tracking number")
    if context.record.get(tracking_field):
        return  # booked already
    carrier = context.options.get("carrier") or (
        context.record.get(carrier_field) if carrier_field else None
    )
    carrier = carrier or "own_fleet"
    seed = context.options.get("order") or context.record.get("number")
    values = {
        tracking_field: carriers.tracking_number(
            carrier, context.entity, context.record_id, seed
        )
    }
    if carrier_field and not context.record.get(carrier_field):
        values[carrier_field] = carrier
    note("carriers", values=values)
    context.transaction.update(context.entity, context.record_id, values)
    context.refresh()


@_slow
def track(context: ActionContext) -> None:
    """Options: tracking_number, shipped_at, service, country (each default:
    the record's tracking_number, shipped_at, shipping_option,
    ship_country), origin (the sender's country), status_field (default
    tracking_status, when the entity has it) and transition (default
    deliver)."""
    if context.record_id is None:
        raise ActionFailed("carriers.track runs on a record")
    number = _option(context, "tracking_number")
    shipped_at = _option(context, "shipped_at")
    if not number or shipped_at is None:
        note("skipped", reason="not shipped")
        return
    if not carriers.valid_tracking_number(number):
        raise ActionFailed(
            f"the carrier does not know the tracking number '{number}' "
            "(its check digit is wrong)"
        )
    try:
        reached = carriers.stage(
            shipped_at,
            context.transaction.now,
            _option(context, "service", "shipping_option"),
            _option(context, "country", "ship_country"),
            context.options.get("origin"),
        )
    except CarrierError as error:
        raise ActionFailed(f"carriers.track: {error}") from None
    if reached is None:
        return
    name, _at = reached
    note("carriers", stage=name)
    status_field = _field(context, "status_field", "tracking_status")
    if status_field and context.record.get(status_field) != name:
        context.transaction.update(
            context.entity, context.record_id, {status_field: name}
        )
        context.refresh()
    if name == carriers.DELIVERED:
        _deliver(context)


def _deliver(context: ActionContext) -> None:
    """Take the delivery transition when the record's state offers it."""
    transition = context.options.get("transition") or "deliver"
    workflow = context.transaction.definitions.entities[context.entity].workflow
    if workflow is None or transition not in workflow.transitions:
        return
    sources = workflow.transitions[transition].sources
    if context.record.get(workflow.field) not in sources:
        return
    context.transaction.transition(
        context.entity,
        context.record_id,
        transition,
        comment="delivered, as the carrier reports",
    )
    context.refresh()


# -- expression functions ----------------------------------------------------
def shipping_rate(service, weight, country=None, origin=None):
    """shipping_rate('expedited', 2.3, 'US', 'CN'): what the carrier charges."""
    try:
        return carriers.rate(service, weight, country, origin)
    except CarrierError:
        return None


def delivery_estimate(service, start, country=None, origin=None):
    """delivery_estimate('standard', shipped_at, ship_country): a date."""
    try:
        return carriers.estimate(service, start, country, origin)
    except CarrierError:
        return None


@hookimpl
def officina_actions():
    return {"carriers.book": book, "carriers.track": track}


def check_tracking_number(value) -> str | None:
    """The check of the `tracking_number` field type."""
    if carriers.valid_tracking_number(value):
        return None
    return (
        "is not a tracking number the carriers know: its check digit is wrong "
        "or its form is not a carrier's (e.g. AB12345678901, or 1Z... of UPS)"
    )


@hookimpl
def officina_field_types():
    return {
        "tracking_number": PluginFieldType(
            name="tracking_number",
            base="string",
            label="Tracking number",
            check=check_tracking_number,
            doc="A carrier's tracking number, refused when its check digit is wrong",
        )
    }


@hookimpl
def officina_expression_functions():
    return {
        "valid_tracking_number": carriers.valid_tracking_number,
        "shipping_rate": shipping_rate,
        "delivery_estimate": delivery_estimate,
    }
