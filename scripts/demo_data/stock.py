"""The stock ledger of the demo shop, kept as the inventory pack keeps it:
opening stock 91 days ago, receipts of purchase orders, a reservation per
line when an order is allocated, a shipment when it ships, a release when
it is cancelled, returns put back on the shelf. The stock levels are the
sums of their movements, so the ledger adds up.

Stock never runs out for an allocated order: when it would, the opening
stock was larger. A few products ran short lately (a write-off) and their
paid orders wait as backorders for a purchase order on its way.
"""

from __future__ import annotations

import math
import random
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from demo_data.catalogue import SUPPLIERS, Product
from demo_data.clock import DAY, NOW, at
from demo_data.orders import Order

OPENING = 91 * DAY
LEAD_TIME = {name: lead for name, _c, _e, _p, lead, _r in SUPPLIERS}
WAREHOUSE_NAMES = {
    "SH01": "Shanghai Central DC",
    "SZ01": "Shenzhen South DC",
    "LA01": "Los Angeles Fulfilment Center",
}


@dataclass
class Movement:
    kind: str
    product: Product
    warehouse: str
    quantity: int
    when: float
    reference: str
    order: str | None = None
    purchase_order: str | None = None
    reason: str | None = None
    note: str | None = None


@dataclass
class PurchaseOrder:
    supplier: str
    warehouse: str
    ordered: float
    received: float | None
    lines: list[tuple[Product, int]] = field(default_factory=list)
    number: str = ""


@dataclass
class Ledger:
    movements: list[Movement]
    purchase_orders: list[PurchaseOrder]
    levels: dict  # (sku, warehouse) -> (on_hand, reserved)
    products: dict  # sku -> Product


def shortages(rng: random.Random, orders: list[Order]) -> dict:
    """The (product, warehouse) pairs behind the orders waiting as
    backorders now, with when they ran out (a write-off just before the
    first of them was paid)."""
    short: dict[tuple[str, str], float] = {}
    for order in orders:
        if order.status == "backordered" and order.stock_problem:
            line = order.lines[0]
            key = (line.product.sku, order.warehouse)
            started = order.times["paid"] + rng.uniform(0.5, 6)
            short[key] = max(short.get(key, 0), started)
    return short


def keep_short_products_for_backorders(
    orders: list[Order], short: dict, products
) -> None:
    """No other order took a short product after it ran out: such a line
    gets the nearest product of the same category instead."""
    for order in orders:
        allocated = order.reserved_at
        if allocated is None or order.status == "backordered":
            continue
        for line in order.lines:
            since = short.get((line.product.sku, order.warehouse))
            if since is not None and allocated < since:
                line.product = _alike(line.product, order.warehouse, short, products)
                line.unit_price = line.product.price


def _alike(product: Product, warehouse: str, short: dict, products) -> Product:
    candidates = [
        other
        for other in products
        if other.category == product.category
        and other.seller is None
        and other.active
        and warehouse in other.warehouses
        and (other.sku, warehouse) not in short
        and other.sku != product.sku
    ]
    return min(candidates, key=lambda other: abs(other.price - product.price))


def make_ledger(rng, orders: list[Order], returns, short: dict, products) -> Ledger:
    by_sku = {product.sku: product for product in products}
    events: dict[tuple[str, str], list[Movement]] = defaultdict(list)
    for order in orders:
        if order.warehouse is None:
            continue
        for index, line in enumerate(order.lines, 1):
            key = (line.product.sku, order.warehouse)
            ref = f"{order.number}/{index}"
            if order.reserved_at is not None and order.reserved_at >= 0:
                events[key].append(
                    Movement(
                        "reservation",
                        line.product,
                        order.warehouse,
                        line.qty,
                        order.reserved_at,
                        f"{ref}-R",
                        order=order.number,
                    )
                )
            if order.happened("shipped"):
                events[key].append(
                    Movement(
                        "shipment",
                        line.product,
                        order.warehouse,
                        line.qty,
                        order.times["shipped"],
                        f"{ref}-S",
                        order=order.number,
                    )
                )
            elif (
                order.status == "cancelled"
                and order.released_at is not None
                and order.reserved_at is not None
            ):
                events[key].append(
                    Movement(
                        "release",
                        line.product,
                        order.warehouse,
                        line.qty,
                        order.released_at,
                        f"{ref}-X",
                        order=order.number,
                    )
                )
    for rma in returns:
        for index, (line, restock) in enumerate(rma.restocked(), 1):
            key = (line.product.sku, rma.order.warehouse)
            events[key].append(
                Movement(
                    "return",
                    line.product,
                    rma.order.warehouse,
                    restock,
                    rma.times["received"],
                    f"{rma.number}/{index}",
                    order=rma.order.number,
                    note=f"Return {rma.number}",
                )
            )
    movements: list[Movement] = []
    # [product, warehouse, ordered, arrives, quantity] of purchase order lines
    arrivals: list[list] = []
    for product in products:
        for warehouse in product.warehouses if product.seller is None else ():
            key = (product.sku, warehouse)
            flow = sorted(events.get(key, []), key=lambda m: -m.when)
            shipped = sum(m.quantity for m in flow if m.kind == "shipment")
            per_day = max(shipped / 90, 0.05)
            lead = LEAD_TIME[product.supplier]
            opening = Movement(
                "receipt",
                product,
                warehouse,
                max(
                    product.reorder_qty,
                    math.ceil(per_day * rng.uniform(25, 45)) + product.safety_stock,
                ),
                OPENING,
                f"OPEN-{product.sku}-{warehouse}",
                note="Opening stock",
            )
            own = [opening]
            on_hand, reserved = opening.quantity, 0
            pending: list[list] = []  # arrivals ordered and not yet received
            cut = short.get(key)
            written_off = False
            for move in flow:
                if cut is not None and move.when < cut and not written_off:
                    on_hand += _receive(pending, cut)
                    on_hand -= _write_off(
                        own, product, warehouse, on_hand - reserved, cut
                    )
                    written_off = True
                    _drop(pending, arrivals)
                on_hand += _receive(pending, move.when)
                if move.kind == "reservation":
                    if on_hand - reserved < move.quantity:
                        more = (
                            move.quantity - (on_hand - reserved) + product.safety_stock
                        )
                        opening.quantity += more
                        on_hand += more
                    reserved += move.quantity
                elif move.kind == "shipment":
                    reserved -= move.quantity
                    on_hand -= move.quantity
                elif move.kind == "release":
                    reserved -= move.quantity
                elif move.kind == "return":
                    on_hand += move.quantity
                own.append(move)
                available = on_hand - reserved
                if (
                    available < product.reorder_point
                    and not pending
                    and not written_off
                ):
                    ordered = move.when - rng.uniform(1, 20)
                    if ordered < 36 and rng.random() < 0.5:
                        continue  # a purchase suggestion nobody has decided on yet
                    arrives = ordered - lead * DAY - rng.uniform(-24, 48)
                    quantity = max(
                        product.reorder_qty, math.ceil(per_day * rng.uniform(30, 50))
                    )
                    arrival = [product, warehouse, ordered, arrives, quantity]
                    pending.append(arrival)
                    arrivals.append(arrival)
            if cut is not None:
                if not written_off:  # nothing moved after it ran short
                    on_hand += _receive(pending, cut)
                    _write_off(own, product, warehouse, on_hand - reserved, cut)
                    _drop(pending, arrivals)
                # The purchase order that will end the shortage.
                arrivals.append(
                    [
                        product,
                        warehouse,
                        cut - 2,
                        cut - 2 - lead * DAY,
                        max(product.reorder_qty, math.ceil(per_day * 40)),
                        "short",
                    ]
                )
            movements.extend(own)
    purchase_orders = _purchase_orders(rng, arrivals)
    number_purchase_orders(purchase_orders, NOW.year)
    for order in purchase_orders:
        if order.received is None or order.received < 0:
            continue
        for index, (product, quantity) in enumerate(order.lines, 1):
            movements.append(
                Movement(
                    "receipt",
                    product,
                    order.warehouse,
                    quantity,
                    order.received,
                    f"{order.number}/{index}",
                    purchase_order=order.number,
                )
            )
    # The levels count the receipts of purchase orders received by now.
    levels = _levels(movements)
    return Ledger(movements, purchase_orders, levels, by_sku)


def _write_off(own: list, product, warehouse: str, available: int, when: float) -> int:
    """The shortage behind today's backorders: what was available written
    off (damaged); how many units."""
    if available > 0:
        own.append(
            Movement(
                "adjustment",
                product,
                warehouse,
                -available,
                when,
                f"ADJ-{product.sku}-{warehouse}",
                reason="damaged",
                note="Water damage in the aisle after a roof leak; written off.",
            )
        )
    return max(available, 0)


def _receive(pending: list, until: float) -> int:
    """The units of the purchase orders arriving by `until`."""
    arrived = [arrival for arrival in pending if arrival[3] >= until]
    for arrival in arrived:
        pending.remove(arrival)
    return sum(arrival[4] for arrival in arrived)


def _drop(pending: list, arrivals: list) -> None:
    """Purchase orders that would have ended a shortage too early: never placed."""
    for arrival in list(pending):
        pending.remove(arrival)
        if arrival in arrivals:
            arrivals.remove(arrival)


def _purchase_orders(rng, arrivals) -> list[PurchaseOrder]:
    """Receipts grouped into purchase orders: per supplier and warehouse,
    the lines ordered within the same week."""
    grouped: dict[tuple, PurchaseOrder] = {}
    for product, warehouse, ordered, arrives, quantity, *short in sorted(
        arrivals, key=lambda a: -a[2]
    ):
        week = int(ordered // (7 * DAY))
        key = (product.supplier, warehouse, week, bool(short))
        order = grouped.get(key)
        if order is None:
            order = grouped[key] = PurchaseOrder(
                product.supplier, warehouse, ordered, arrives
            )
        same = [line for line in order.lines if line[0].sku == product.sku]
        if same:
            same[0][1] += quantity
        else:
            order.lines.append([product, quantity])
        # Received when its first line was due: never later than planned.
        order.received = max(order.received, arrives)
    orders = sorted(grouped.values(), key=lambda o: -o.ordered)
    for order in orders:
        if order.received is not None and order.received < 0:
            order.received = None  # on its way
        if order.ordered < 0:
            order.ordered = 0.5
    return orders


def _levels(movements: list[Movement]) -> dict:
    levels: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for move in movements:
        if move.when < 0:
            continue
        level = levels[(move.product.sku, move.warehouse)]
        if move.kind in ("receipt", "return", "adjustment", "stocktake", "transfer_in"):
            level[0] += move.quantity
        elif move.kind == "reservation":
            level[1] += move.quantity
        elif move.kind == "release":
            level[1] -= move.quantity
        elif move.kind == "shipment":
            level[0] -= move.quantity
            level[1] -= move.quantity
    return dict(levels)


def shortage_text(order: Order, short: dict, ledger: Ledger) -> str:
    """The refusal the allocation met, as the inventory pack words it."""
    line = order.lines[0]
    on_hand, reserved = ledger.levels.get((line.product.sku, order.warehouse), (0, 0))
    return (
        f"Not enough {line.product.name} ({line.product.sku}) in "
        f"{WAREHOUSE_NAMES[order.warehouse]}: {on_hand - reserved} available, "
        f"{line.qty} needed."
    )


def number_purchase_orders(orders: list[PurchaseOrder], year: int) -> None:
    for index, order in enumerate(orders, 1):
        order.number = f"PO-{year}-{index:05d}"


def movement_records(ledger: Ledger) -> list[dict]:
    out = []
    for move in sorted(ledger.movements, key=lambda m: -m.when):
        values: dict = {
            "reference": move.reference,
            "kind": move.kind,
            "product": move.product.sku,
            "warehouse": move.warehouse,
            "quantity": move.quantity,
        }
        if move.reason:
            values["reason"] = move.reason
        if move.note:
            values["note"] = move.note
        if move.order:
            values["order"] = move.order
        if move.purchase_order:
            values["purchase_order"] = move.purchase_order
        values["booked_at"] = at(move.when)
        values["created_at"] = at(move.when)
        out.append(values)
    return out


def level_records(rng: random.Random, ledger: Ledger) -> list[dict]:
    out = []
    for (sku, warehouse), (on_hand, reserved) in sorted(ledger.levels.items()):
        out.append(
            {
                "product": sku,
                "warehouse": warehouse,
                "bin_location": _bin(rng),
                "on_hand": on_hand,
                "reserved": reserved,
                "available": on_hand - reserved,
                "created_at": at(OPENING),
            }
        )
    return out


def _bin(rng: random.Random) -> str:
    """A place on a shelf: aisle, rack, level (A-12-03)."""
    return (
        f"{rng.choice('ABCDEF')}-{rng.randrange(1, 30):02d}-{rng.randrange(1, 8):02d}"
    )


def purchase_order_records(orders: list[PurchaseOrder]) -> list[dict]:
    out = []
    for order in orders:
        values: dict = {
            "number": order.number,
            "supplier": order.supplier,
            "warehouse": order.warehouse,
            "status": "received" if order.received is not None else "ordered",
            # The supplier's own number for it (the same every time).
            "supplier_reference": f"SO-{zlib.crc32(order.number.encode()) % 99999:05d}",
            "ordered_at": at(order.ordered),
        }
        if order.received is not None:
            values["received_at"] = at(order.received)
        values["created_at"] = at(order.ordered + 2)
        values["lines"] = [
            {"product": product.sku, "quantity": quantity}
            for product, quantity in order.lines
        ]
        out.append(values)
    return out


def suggestion_records(ledger: Ledger, purchase_orders) -> list[dict]:
    """Open purchase suggestions for the stock levels below their reorder
    point with nothing on order, as the low-stock alert makes them."""
    on_order = {
        (product.sku, order.warehouse)
        for order in purchase_orders
        if order.received is None
        for product, _quantity in order.lines
    }
    sold = defaultdict(int)
    for move in ledger.movements:
        if move.kind == "shipment" and 0 <= move.when <= 30 * DAY:
            sold[(move.product.sku, move.warehouse)] += move.quantity
    out = []
    for (sku, warehouse), (on_hand, reserved) in sorted(ledger.levels.items()):
        product = ledger.products[sku]
        available = on_hand - reserved
        if available >= product.reorder_point or (sku, warehouse) in on_order:
            continue
        lead = LEAD_TIME[product.supplier]
        quantity = max(
            1,
            math.ceil(sold[(sku, warehouse)] / 30 * lead)
            + product.safety_stock
            - available,
        )
        out.append(
            {
                "product": sku,
                "warehouse": warehouse,
                "supplier": product.supplier,
                "quantity": quantity if quantity > 0 else max(product.reorder_qty, 1),
                "available_then": available,
                "sold_last_30_days": sold[(sku, warehouse)],
                "lead_time_days": lead,
                "created_at": at(2),
            }
        )
    return out


def money_total(lines) -> Decimal:
    return sum((product.cost or Decimal("0")) * quantity for product, quantity in lines)
