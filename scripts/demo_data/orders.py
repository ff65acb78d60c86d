"""Orders of the last 90 days. Each follows the orders pack's flow from the
moment it was placed: payment, fraud review, allocation (or the seller's
confirmation), packing, shipping, delivery and completion 14 days later,
with holds, backorders and cancellations on the way. Where it stands now
is where its timeline has got to, so the state always matches the times.

Times are hours before now (larger is earlier); `None` is "not yet".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from officina_carriers import carriers
from officina_payments import simulator

from demo_data.catalogue import Product, money
from demo_data.clock import DAY, moment
from demo_data.people import Address, Customer

DAYS = 90
ORDERS = 3000
DRAFTS = 24
RECENT = 0.09  # the share of orders placed in the last two days
# Orders made to wait where the flow passes quickly, so that every state
# has some: {state: how many}.
WAITING = {
    "placed": 10,
    "paid": 4,
    "on_hold": 16,
    "backordered": 14,
    "awaiting_seller": 12,
}
HOLD_REASONS = (
    ["fraud_review"] * 5
    + ["payment_failed"] * 4
    + ["address_issue"] * 4
    + [
        "customer_request",
        "customer_request",
        "payment_review",
    ]
)
RETURN_WINDOW = 14 * DAY
FREE_STANDARD_FROM = Decimal("49")
FEES = {
    "expedited": Decimal("12.99"),
    "next_day": Decimal("24.99"),
    "pickup": Decimal("0"),
}
STANDARD_FEE = Decimal("5.99")
WAREHOUSE_COUNTRY = {"SH01": "CN", "SZ01": "CN", "LA01": "US"}


@dataclass
class Line:
    product: Product
    qty: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.qty


@dataclass
class Order:
    customer: Customer
    address: Address
    channel: str
    method: str
    option: str
    lines: list[Line]
    fulfilment: str
    warehouse: str | None
    seller: str | None
    created: float
    placed: float | None = None
    number: str = ""
    external_id: str | None = None
    priority: str = "normal"
    discount: Decimal = Decimal("0")
    is_gift: bool = False
    gift_note: str | None = None
    customer_note: str | None = None
    times: dict = field(default_factory=dict)  # event -> hours ago
    status: str = "draft"
    hold_reason: str | None = None
    hold_note: str | None = None
    cancel_reason: str | None = None
    internal_note: str | None = None
    satisfaction: int | None = None
    feedback: str | None = None
    stock_problem: str | None = None
    replacement_for: str | None = None  # the return's number (an exchange)
    refunded: Decimal = Decimal("0")
    parcels: list = field(default_factory=list)  # see parcels.py
    # Events of stock: allocated (reserved) and when the reservation ended.
    reserved_at: float | None = None
    released_at: float | None = None
    backorder_hours: float = 0
    # Where the order waits now (see WAITING), and why it is on hold.
    waits: str | None = None
    waits_for: str | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def shipping_fee(self) -> Decimal:
        if self.option == "standard":
            return Decimal("0") if self.subtotal >= FREE_STANDARD_FROM else STANDARD_FEE
        return FEES[self.option]

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping_fee

    @property
    def items(self) -> int:
        return sum(line.qty for line in self.lines)

    @property
    def origin(self) -> str | None:
        return WAREHOUSE_COUNTRY.get(self.warehouse) if self.warehouse else None

    def happened(self, event: str) -> bool:
        when = self.times.get(event)
        return when is not None and when >= 0

    @property
    def stock_reserved(self) -> bool:
        return (
            self.reserved_at is not None
            and self.reserved_at >= 0
            and (self.released_at is None or self.released_at < 0)
        )


def make_orders(rng: random.Random, customers: list[Customer], products: list[Product]):
    own = [p for p in products if p.seller is None and p.active]
    by_seller: dict[str, list[Product]] = {}
    for product in products:
        if product.seller and product.active:
            by_seller.setdefault(product.seller, []).append(product)
    weights = [customer.weight for customer in customers if not customer.blocked_reason]
    buyers = [customer for customer in customers if not customer.blocked_reason]
    orders: list[Order] = []
    for _index in range(ORDERS):
        if rng.random() < RECENT:
            placed = rng.uniform(0.05, 48)
        else:
            placed = _placed_hours_ago(rng)
        customer = rng.choices(buyers, weights)[0]
        orders.append(_order(rng, customer, placed, own, by_seller, placed))
    for _ in range(DRAFTS):
        customer = rng.choices(buyers, weights)[0]
        created = rng.uniform(0.2, 60)
        orders.append(_order(rng, customer, None, own, by_seller, created))
    _make_some_wait(rng, orders, own)
    orders.sort(key=lambda order: -order.created)
    for order in orders:
        order.customer.orders.append(order)
    for order in orders:
        if order.placed is not None:
            _timeline(rng, order)
    return orders


def _make_some_wait(
    rng: random.Random, orders: list[Order], own: list[Product]
) -> None:
    """Some orders of the last days wait where orders pass quickly: for the
    payment of a bank transfer, the warehouse, a hold, stock, a seller."""
    pool = [order for order in orders if order.placed is not None]
    rng.shuffle(pool)
    short = _short_products(rng, own)
    for state, count in WAITING.items():
        for _ in range(count):
            wanted = "seller" if state == "awaiting_seller" else "warehouse"
            order = next(o for o in pool if o.fulfilment == wanted and o.waits is None)
            order.waits = state
            if state == "placed":
                order.method = "bank_transfer"
                order.placed = rng.uniform(0.5, 20)
            elif state == "paid":
                order.method = "card"
                order.placed = rng.uniform(0.01, 0.08)
            elif state == "on_hold":
                order.waits_for = HOLD_REASONS[len([o for o in pool if o.waits_for])]
                order.placed = rng.uniform(1, 30)
                if order.waits_for == "payment_failed":
                    order.method = "card"
                if order.waits_for == "fraud_review":
                    expensive = [
                        p
                        for p in own
                        if p.price >= 800 and order.warehouse in p.warehouses
                    ]
                    if expensive:
                        product = rng.choice(expensive)
                        order.lines = [Line(product, 1, product.price)]
            elif state == "backordered":
                product, warehouse = short[
                    len([o for o in pool if o.waits == state]) % len(short)
                ]
                others = [
                    line
                    for line in order.lines[1:]
                    if warehouse in line.product.warehouses and line.product != product
                ]
                order.lines = [
                    Line(product, rng.choice([1, 1, 2]), product.price),
                    *others,
                ]
                order.warehouse = warehouse
                order.placed = rng.uniform(4, 90)
            else:
                order.placed = rng.uniform(0.5, 20)
            if order.method == "cash_on_delivery" and state in ("on_hold",):
                order.method = "alipay"
            order.created = order.placed


def _short_products(
    rng: random.Random, own: list[Product]
) -> list[tuple[Product, str]]:
    """Four popular products that ran short lately in one of their warehouses."""
    popular = sorted(
        (p for p in own if set(p.warehouses) & {"SH01", "SZ01"}),
        key=lambda p: -p.popularity,
    )[:12]
    picked = rng.sample(popular, 4)
    return [(p, next(w for w in ("SH01", "SZ01") if w in p.warehouses)) for p in picked]


def _placed_hours_ago(rng: random.Random) -> float:
    """Busier lately and in the evening (Chinese time), quieter at night."""
    while True:
        days = DAYS * (1 - math.sqrt(rng.random())) ** 0.8
        hours = days * DAY
        local = (moment(hours).hour + 8) % 24
        if rng.random() < (0.25 if local < 7 else 1.0 if 19 <= local <= 23 else 0.7):
            return max(hours, 0.05)


def _order(rng, customer: Customer, placed, own, by_seller, created) -> Order:
    address = (
        customer.addresses[0] if rng.random() < 0.8 else rng.choice(customer.addresses)
    )
    seller = None
    if rng.random() < 0.14:
        seller = rng.choices(
            ["GADGETHUB", "BAMBOOLIVING", "PANDATEA", "URBANTHREADS"], [3, 2, 3, 2]
        )[0]
        choices = by_seller[seller]
    else:
        choices = own
    count = rng.choices([1, 2, 3, 4], [62, 26, 9, 3])[0]
    picked: list[Product] = []
    while len(picked) < min(count, len(choices)):
        product = rng.choices(choices, [p.popularity for p in choices])[0]
        if product not in picked:
            picked.append(product)
    lines = [
        Line(product, rng.choices([1, 2, 3, 5], [80, 14, 4, 2])[0], product.price)
        for product in picked
    ]
    method = rng.choices(*zip(*customer.payment_methods, strict=True))[0]
    if method == "cash_on_delivery" and seller is None and address.country != "CN":
        method = "card"
    option = rng.choices(
        ["standard", "expedited", "next_day", "pickup"], [70, 15, 8, 7]
    )[0]
    warehouse = None
    if seller is None:
        warehouse = _warehouse(rng, address.country, lines)
        if warehouse is None:  # its items are not all kept in one warehouse
            lines = lines[:1]
            warehouse = _warehouse(rng, address.country, lines)
    order = Order(
        customer=customer,
        address=address,
        channel=rng.choices(["web", "app", "marketplace", "phone"], [50, 30, 12, 8])[0],
        method=method,
        option=option,
        lines=lines,
        fulfilment="seller" if seller else "warehouse",
        warehouse=warehouse,
        seller=seller,
        created=created,
        placed=placed,
    )
    if order.channel == "app":
        order.external_id = f"APP-{rng.randrange(10**9, 10**10)}"
    elif order.channel == "marketplace":
        order.external_id = (
            f"{rng.choice(['TM', 'JD', 'AMZ'])}-{rng.randrange(10**11, 10**12)}"
        )
    draw = rng.random()
    if draw < 0.06:
        order.priority = "high"
    elif draw < 0.07:
        order.priority = "urgent"
    if rng.random() < 0.12 and order.subtotal > 30:
        order.discount = (
            rng.choice([Decimal("5"), Decimal("10"), Decimal("20")])
            if order.subtotal > 60
            else Decimal("5")
        )
    if rng.random() < 0.05:
        order.is_gift = True
        order.gift_note = rng.choice(GIFT_NOTES[customer.language])
    if rng.random() < 0.1:
        order.customer_note = rng.choice(DELIVERY_NOTES[customer.language])
    return order


def _warehouse(rng, country: str, lines: list[Line]) -> str | None:
    if country == "CN":
        preferred = ["SH01", "SZ01"] if rng.random() < 0.6 else ["SZ01", "SH01"]
    elif country in ("US", "CA"):
        preferred = ["LA01", "SH01", "SZ01"]
    else:
        preferred = ["SH01", "LA01", "SZ01"]
    for warehouse in preferred:
        if all(warehouse in line.product.warehouses for line in lines):
            return warehouse
    return None


# -- the flow of one order ------------------------------------------------------------
def _timeline(rng: random.Random, order: Order) -> None:
    """Walk the order along its flow from `placed`, stopping at now (a time
    below 0 is still to come)."""
    t = order.times
    placed = order.placed
    t["placed"] = placed
    order.status = "placed"
    first_order = order.customer.orders.index(order) == 0
    waits = order.waits
    if waits == "placed":
        return  # the bank transfer has not arrived yet
    if waits == "on_hold" and order.waits_for == "payment_failed":
        t["held"] = placed - 0.01
        order.status, order.hold_reason = "on_hold", "payment_failed"
        order.hold_note = "The payment was declined: insufficient funds."
        return
    # -- payment
    if waits is None and order.method == "bank_transfer" and rng.random() < 0.15:
        # The transfer never arrives: cancelled after three days.
        _cancel(order, placed - 72, "payment_failed")
        return
    if (
        waits is None
        and order.method in ("card", "paypal", "alipay", "wechat_pay")
        and rng.random() < 0.015
    ):
        held = placed - rng.uniform(0.005, 0.03)
        if held < 0:
            return
        t["held"] = held
        order.status = "on_hold"
        order.hold_reason = "payment_failed"
        order.hold_note = "The payment was declined: insufficient funds."
        _cancel(order, held - rng.uniform(2, 40), "payment_failed")
        return
    if order.method == "cash_on_delivery" or order.total == 0:
        paid = placed - 0.001
    elif order.method == "bank_transfer":
        paid = placed - rng.uniform(2, 30)
    else:
        paid = placed - rng.uniform(0.005, 0.04)
    if paid < 0:
        return
    t["paid"] = paid
    order.status = "paid"
    at = paid
    if waits == "on_hold":
        t["held"] = max(paid - rng.uniform(0.1, 3), 0.05)
        order.status, order.hold_reason = "on_hold", order.waits_for
        order.hold_note = HOLD_NOTES.get(order.waits_for, "Automatic review")
        return
    # -- review: large first orders wait for the fraud check, a few others
    # are held for a question
    if waits is None and (order.total >= 2000 or (first_order and order.total >= 800)):
        t["held"] = at
        order.hold_note = f"Automatic review: {order.total} from a new customer"
        decided = at - rng.uniform(1, 20)
        if decided < 0:
            order.status, order.hold_reason = "on_hold", "fraud_review"
            return
        if rng.random() < 0.15:
            order.hold_reason = "fraud_review"
            _cancel(order, decided, "fraud")
            return
        at = decided
    elif waits is None and rng.random() < 0.03:
        reason = rng.choice(["address_issue", "customer_request", "payment_review"])
        held = at - rng.uniform(0.2, 6)
        if held >= 0:
            t["held"] = held
            order.hold_note = HOLD_NOTES[reason]
            released = held - rng.uniform(2, 30)
            if released < 0:
                order.status, order.hold_reason = "on_hold", reason
                return
            at = released
    # -- allocation, or the seller's confirmation
    if order.fulfilment == "seller":
        order.status = "awaiting_seller"
        confirmed = at - rng.uniform(0.5, 20)
        if confirmed < 0 or waits == "awaiting_seller":
            return
        if rng.random() < 0.04:
            _cancel(order, confirmed, "seller_declined")
            return
        t["seller_confirmed"] = allocated = confirmed
    else:
        if at < 0.1 or waits == "paid":
            return  # paid a moment ago: the warehouse has not allocated it yet
        if waits == "backordered":
            order.status, order.stock_problem = "backordered", "short"
            return
        allocated = at - 0.002
        if at > 30 and rng.random() < 0.025:
            # A backorder of the past, allocated when stock arrived.
            order.backorder_hours = rng.uniform(20, min(96, at - 1))
            allocated = at - order.backorder_hours
        order.reserved_at = allocated
    t["allocated"] = allocated
    order.status = "allocated"
    # -- packing; the customer may still cancel before it
    packed = allocated - rng.uniform(1, 14)
    if waits is None and rng.random() < 0.025:
        _cancel(
            order, allocated - rng.uniform(0.2, allocated - packed), "customer_request"
        )
        return
    if packed < 0:
        return
    t["packed"] = packed
    order.status = "packed"
    shipped = packed - rng.uniform(0.5, 8)
    if shipped < 0:
        return
    t["shipped"] = shipped
    order.status = "shipped"
    order.released_at = shipped  # the reserved items leave with the parcel
    days = carriers.transit_days(order.option, order.address.country, order.origin)
    delivered = shipped - days * DAY + 4
    if rng.random() < 0.08:
        delivered -= rng.uniform(20, 60)  # late
    else:
        delivered += rng.uniform(0, 18)  # or a little early
    if delivered < 0:
        return
    t["delivered"] = delivered
    order.status = "delivered"
    if delivered - RETURN_WINDOW >= 0:
        t["completed"] = delivered - RETURN_WINDOW
        order.status = "completed"
    if rng.random() < 0.3:
        order.satisfaction = rng.choices([5, 4, 3, 2, 1], [52, 28, 11, 5, 4])[0]
        order.feedback = rng.choice(
            FEEDBACK[order.customer.language][order.satisfaction >= 4]
        )


def _cancel(order: Order, at: float, reason: str) -> None:
    """Cancelled at `at`, unless that is still to come."""
    if at < 0:
        return
    order.times["cancelled"] = at
    order.cancel_reason = reason
    order.status = "cancelled"
    if order.reserved_at is not None:
        order.released_at = at


# -- payments ------------------------------------------------------------------------
def payment(order: Order) -> tuple[str | None, str | None]:
    """(payment_status, payment_reference) as the payment simulator would
    have left them (its references are signed with the order number)."""
    cents = int(order.total * 100)
    if order.method == "cash_on_delivery" or order.total == 0:
        return None, None
    if order.status in ("draft", "placed"):
        return None, None
    if order.hold_reason == "payment_failed" and not order.happened("paid"):
        return "failed", None
    if order.status == "cancelled":
        if not order.happened("paid"):
            return ("failed" if order.cancel_reason == "payment_failed" else None), None
        return "voided", simulator.reference("VOID", order.number, cents)
    if order.happened("shipped"):
        if order.refunded >= order.total:
            return "refunded", simulator.reference("CAPT", order.number, cents)
        return "captured", simulator.reference("CAPT", order.number, cents)
    return "authorized", simulator.reference("AUTH", order.number, cents)


GIFT_NOTES = {
    "en": [
        "Happy birthday! Love, Mum",
        "Congratulations on the new job!",
        "Merry Christmas from all of us",
        "Thank you for everything",
    ],
    "zh": ["生日快乐！", "新婚快乐，百年好合", "祝你学业进步", "中秋快乐，阖家团圆"],
}
DELIVERY_NOTES = {
    "en": [
        "Leave it with the concierge, please.",
        "Please call before delivery.",
        "Back door, the front bell is broken.",
        "Deliver after 6 pm, please.",
    ],
    "zh": [
        "请放门卫室，谢谢。",
        "送货前请先打电话。",
        "工作日白天家里没人，请放快递柜。",
        "请不要放在门口。",
    ],
}
HOLD_NOTES = {
    "address_issue": "The postcode does not match the city; asked the customer.",
    "customer_request": "The customer called to change the delivery address.",
    "payment_review": "The payment provider flagged the payment for review.",
}
FEEDBACK = {
    "en": {
        True: [
            "Fast delivery, well packed.",
            "Exactly as described, thank you!",
            "Great service, will order again.",
            "Arrived a day early.",
        ],
        False: [
            "The parcel was late and the box was crushed.",
            "Nobody answered my e-mails about the delay.",
            "Item fine, but delivery took ages.",
        ],
    },
    "zh": {
        True: [
            "物流很快，包装很好。",
            "东西和描述一致，很满意！",
            "客服态度很好，会回购。",
            "比预计早一天到。",
        ],
        False: [
            "快递太慢了，盒子还压坏了。",
            "催了几次都没人回复。",
            "东西还行，就是配送太慢。",
        ],
    },
}


def number_orders(orders: list[Order], year: int) -> None:
    """Numbers in the order of creation, as the counter would have given them."""
    for index, order in enumerate(sorted(orders, key=lambda o: -o.created), 1):
        order.number = f"ORD-{year}-{index:06d}"


def money_of(value) -> Decimal:
    return money(value)


# -- the records --------------------------------------------------------------------
TIMES = [
    ("placed", "placed_at"),
    ("paid", "paid_at"),
    ("held", "held_at"),
    ("seller_confirmed", "seller_confirmed_at"),
    ("allocated", "allocated_at"),
    ("packed", "packed_at"),
    ("shipped", "shipped_at"),
    ("delivered", "delivered_at"),
    ("completed", "completed_at"),
    ("cancelled", "cancelled_at"),
]


def order_records(orders: list[Order]) -> list[dict]:
    from demo_data.clock import at

    out = []
    for order in sorted(orders, key=lambda o: o.number):
        address = order.address
        values: dict = {
            "number": order.number,
            "customer": order.customer.email,
            "sales_channel": order.channel,
        }
        if order.external_id:
            values["external_id"] = order.external_id
        if order.priority != "normal":
            values["priority"] = order.priority
        values["status"] = order.status
        values["payment_method"] = order.method
        status, reference = payment(order)
        if status:
            values["payment_status"] = status
        if reference:
            values["payment_reference"] = reference
        values["fulfilment"] = order.fulfilment
        if order.warehouse:
            values["warehouse"] = order.warehouse
        if order.seller:
            values["seller"] = order.seller
        values["shipping_option"] = order.option
        values["ship_to"] = address.recipient
        if address.phone:
            values["ship_phone"] = address.phone
        values["ship_line1"] = address.line1
        if address.line2:
            values["ship_line2"] = address.line2
        values["ship_city"] = address.city
        if address.region:
            values["ship_region"] = address.region
        values["ship_postcode"] = address.postcode
        values["ship_country"] = address.country
        if order.discount:
            values["discount"] = order.discount
        if order.is_gift:
            values["is_gift"] = True
            values["gift_note"] = order.gift_note
        if order.customer_note:
            values["customer_note"] = order.customer_note
        live = [parcel for parcel in order.parcels if parcel.status != "cancelled"]
        if order.happened("packed"):
            values["package_count"] = len(live) or 1
        if order.happened("shipped") and live:
            values["carrier"] = live[0].carrier
            values["tracking_number"] = live[0].tracking_number
        if order.times.get("held") is not None:
            note = order.hold_note
            if order.hold_reason == "fraud_review" or note.startswith(
                "Automatic review"
            ):
                tier = order.customer.tier
                note = f"Automatic review: {order.total} from a {tier} customer"
            values["hold_note"] = note
        if order.hold_reason:
            values["hold_reason"] = order.hold_reason
        if order.cancel_reason:
            values["cancel_reason"] = order.cancel_reason
        if order.internal_note:
            values["internal_note"] = order.internal_note
        if order.satisfaction:
            values["satisfaction"] = order.satisfaction
            values["feedback"] = order.feedback
        for event, name in TIMES:
            when = order.times.get(event)
            if when is not None and when >= 0:
                values[name] = at(when)
        values["created_at"] = at(order.created)
        values["lines"] = [
            {
                "product": line.product.sku,
                "qty": line.qty,
                "unit_price": line.unit_price,
            }
            for line in order.lines
        ]
        out.append(values)
    return out
