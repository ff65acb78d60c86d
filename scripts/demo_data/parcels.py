"""The shipments (parcels) of the orders, as the shipping pack makes them:
one holding every item once the order is allocated, a second one when the
warehouse splits it; a carrier from the carrier routes, a tracking number
with its check digit, and where the carrier's tracking says it is now."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from officina_carriers import carriers

from demo_data.clock import DAY, at
from demo_data.orders import Order

EXCEPTIONS = {
    "damaged": "The carrier reports the outer box was damaged in sorting.",
    "address_problem": "The courier cannot find the building; the phone goes to "
    "voicemail.",
    "delayed": "Held at the regional hub because of bad weather.",
}


@dataclass
class Parcel:
    order: Order
    items: list[tuple[str, int]]  # (SKU, quantity)
    carrier: str
    created: float
    number: str = ""
    status: str = "packing"
    tracking_number: str | None = None
    tracking_status: str | None = None
    tracking_updated: float | None = None
    packed: float | None = None
    shipped: float | None = None
    delivered: float | None = None
    cancelled: float | None = None
    late: bool = False
    exception: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def item_count(self) -> int:
        return sum(qty for _sku, qty in self.items)


def carrier_routes(definitions: Path) -> dict[tuple[str, str], str]:
    """(service, destination country or '*') -> carrier, from the shipping
    pack's seed data."""
    text = (definitions / "shipping" / "seed" / "carrier_routes.yaml").read_text(
        "utf-8"
    )
    records = yaml.safe_load(text)["records"]
    return {(row["service"], row["destination"]): row["carrier"] for row in records}


def make_parcels(rng: random.Random, orders: list[Order], routes) -> list[Parcel]:
    parcels: list[Parcel] = []
    for order in sorted(orders, key=lambda o: -(o.times.get("allocated") or -1)):
        allocated = order.times.get("allocated")
        if allocated is None:
            continue
        carrier = (
            routes.get((order.option, order.address.country))
            or routes[(order.option, "*")]
        )
        groups = [[(line.product.sku, line.qty) for line in order.lines]]
        if len(order.lines) > 1 and order.happened("packed") and rng.random() < 0.15:
            cut = rng.randrange(1, len(order.lines))
            groups = [groups[0][:cut], groups[0][cut:]]
        for index, items in enumerate(groups):
            parcel = Parcel(order, items, carrier, created=allocated)
            _follow(rng, parcel, order, index)
            order.parcels.append(parcel)
            parcels.append(parcel)
    return parcels


def _follow(rng: random.Random, parcel: Parcel, order: Order, index: int) -> None:
    t = order.times
    if order.status == "cancelled":
        parcel.status = "cancelled"
        parcel.cancelled = t["cancelled"]
        return
    if not order.happened("packed"):
        return
    parcel.packed = t["packed"] + (0.05 * index)
    parcel.status = "packed"
    parcel.tracking_number = carriers.tracking_number(
        parcel.carrier, order.number, index
    )
    if not order.happened("shipped"):
        return
    parcel.shipped = t["shipped"]
    parcel.status = "shipped"
    if order.happened("delivered"):
        parcel.delivered = t["delivered"] - 0.5 * index
        parcel.status = "delivered"
        parcel.tracking_status = "delivered"
        parcel.tracking_updated = parcel.delivered
        return
    # On its way: where the carrier's tracking says it is now.
    reached = carriers.stage(
        _moment(parcel.shipped),
        _moment(0),
        order.option,
        order.address.country,
        order.origin,
    )
    if reached is not None:
        stage, when = reached
        if stage == "delivered":
            stage, when = "out_for_delivery", None
        parcel.tracking_status = stage
        parcel.tracking_updated = (
            (_moment(0) - when).total_seconds() / 3600 if when is not None else 0.5
        )
        parcel.status = "in_transit"
    days = carriers.transit_days(order.option, order.address.country, order.origin)
    if parcel.shipped > days * DAY:
        parcel.late = True
    if parcel.status == "in_transit" and rng.random() < 0.06:
        parcel.exception = rng.choice(list(EXCEPTIONS))
        parcel.status = "exception"


def _moment(hours_ago: float):
    from demo_data.clock import moment

    return moment(hours_ago)


def number_parcels(parcels: list[Parcel], year: int) -> None:
    for index, parcel in enumerate(sorted(parcels, key=lambda p: -p.created), 1):
        parcel.number = f"SHP-{year}-{index:06d}"


def parcel_records(parcels: list[Parcel]) -> list[dict]:
    out = []
    for parcel in sorted(parcels, key=lambda p: p.number):
        values: dict = {"number": parcel.number, "order": parcel.order.number}
        values["status"] = parcel.status
        values["carrier"] = parcel.carrier
        if parcel.tracking_number:
            values["tracking_number"] = parcel.tracking_number
        if parcel.tracking_status:
            values["tracking_status"] = parcel.tracking_status
            values["tracking_updated_at"] = at(parcel.tracking_updated)
        if parcel.late:
            values["late"] = True
        if parcel.exception:
            values["exception_reason"] = parcel.exception
            values["exception_note"] = EXCEPTIONS[parcel.exception]
        if parcel.status == "cancelled":
            values["order_cancelled"] = True
        for name in ("packed", "shipped", "delivered", "cancelled"):
            when = getattr(parcel, name)
            if when is not None:
                values[f"{name}_at"] = at(when)
        values["created_at"] = at(parcel.created)
        values["items"] = [{"product": sku, "qty": qty} for sku, qty in parcel.items]
        out.append(values)
    return out


def order_shipping_records(orders: list[Order]) -> list[dict]:
    """What the shipping pack keeps on each order: its parcels counted, the
    items packed and delivered, the latest tracking event."""
    out = []
    for order in sorted(orders, key=lambda o: o.number):
        live = [parcel for parcel in order.parcels if parcel.status != "cancelled"]
        if not order.parcels:
            continue
        values: dict = {"number": order.number, "shipment_count": len(live)}
        packed = sum(p.item_count for p in live if p.status != "packing")
        if packed:
            values["packed_items"] = packed
        delivered = sum(p.item_count for p in live if p.status == "delivered")
        if delivered:
            values["delivered_items"] = delivered
        if delivered and delivered >= order.items:
            values["tracking_status"] = "delivered"
        elif any(p.status == "exception" for p in live):
            values["tracking_status"] = "exception"
        else:
            latest = [p.tracking_status for p in live if p.tracking_status]
            if latest:
                values["tracking_status"] = latest[0]
        out.append(values)
    return out
