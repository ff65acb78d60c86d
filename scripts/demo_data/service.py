"""After-sales of the demo shop: return requests (refunded, exchanged with
a free replacement order, refused, some items damaged), support tickets in
every state, and product reviews (a low rating opens a ticket, as the
after-sales pack's rule does)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal

from officina_payments import simulator

from demo_data.clock import DAY, at
from demo_data.orders import Line, Order, _timeline

REASONS_BY_CATEGORY = {
    "FASHION": ["size_or_fit", "size_or_fit", "not_as_described", "no_longer_needed"],
    "SPORTS": ["size_or_fit", "defective", "no_longer_needed"],
    "ELEC-PHONE": ["defective", "damaged_in_transit", "not_as_described", "wrong_item"],
    "ELEC-COMP": ["defective", "damaged_in_transit", "no_longer_needed"],
    "ELEC-AUDIO": ["defective", "not_as_described", "no_longer_needed"],
}
DEFAULT_REASONS = [
    "damaged_in_transit",
    "not_as_described",
    "no_longer_needed",
    "wrong_item",
    "arrived_late",
]
DESCRIPTIONS = {
    "en": {
        "size_or_fit": "Too small; I need one size larger.",
        "defective": "It stopped working after two days.",
        "damaged_in_transit": "The box arrived crushed and the item is broken.",
        "wrong_item": "I received a different colour from the one I ordered.",
        "not_as_described": "The material feels much cheaper than in the photos.",
        "no_longer_needed": "Bought it twice by mistake.",
        "arrived_late": "It arrived after the event I needed it for.",
    },
    "zh": {
        "size_or_fit": "尺码偏小，想换大一码。",
        "defective": "用了两天就坏了，无法开机。",
        "damaged_in_transit": "外箱压坏了，商品也摔坏了。",
        "wrong_item": "收到的颜色和下单的不一样。",
        "not_as_described": "实物和图片差别很大，做工一般。",
        "no_longer_needed": "不小心重复下单了。",
        "arrived_late": "到货太晚，已经用不上了。",
    },
}
DAMAGING = {"damaged_in_transit", "defective"}


@dataclass
class Return:
    order: Order
    lines: list[tuple[Line, int, str]]  # (order line, quantity, reason)
    resolution: str
    requested: float
    number: str = ""
    status: str = "requested"
    times: dict = field(default_factory=dict)
    received: list[tuple[int, str]] = field(default_factory=list)  # (qty, condition)
    refusal_reason: str | None = None
    restocking_fee: Decimal = Decimal("0")
    refund_shipping: bool = False
    replacement: Order | None = None
    replacement_products: list = field(default_factory=list)
    waits: str | None = None  # see WAITING_RETURNS

    @property
    def refund_amount(self) -> Decimal:
        value = sum(
            (line.unit_price * qty for line, qty, _r in self.lines), Decimal("0")
        )
        value -= self.restocking_fee
        if self.refund_shipping:
            value += self.order.shipping_fee
        return max(value, Decimal("0"))

    @property
    def original_payment(self) -> bool:
        return self.order.method not in ("cash_on_delivery", "bank_transfer")

    def restocked(self):
        """(order line, units back on the shelf) once received."""
        if "received" not in self.times or self.times["received"] < 0:
            return []
        return [
            (line, qty)
            for (line, _q, _r), (qty, condition) in zip(
                self.lines, self.received, strict=True
            )
            if condition == "resellable" and qty
        ]


# Returns made to wait where they pass quickly: {state: how many}.
WAITING_RETURNS = {"requested": 5, "refunding": 4}


def make_returns(rng: random.Random, orders: list[Order], products) -> list[Return]:
    returns: list[Return] = []
    delivered = [
        order
        for order in orders
        if order.happened("delivered") and order.fulfilment == "warehouse"
    ]
    for order in delivered:
        if rng.random() > 0.06:
            continue
        requested = order.times["delivered"] - rng.uniform(0.3, 12.5) * DAY
        if requested < 0.5:
            continue
        rma = _request(rng, order, requested)
        _progress(rng, rma, products)
        returns.append(rma)
    # A few of the last days wait for a decision, or for a refund by hand.
    recent = [o for o in delivered if o.times["delivered"] < 10 * DAY]
    recent = [o for o in recent if all(r.order is not o for r in returns)]
    rng.shuffle(recent)
    for state, wanted in WAITING_RETURNS.items():
        for order in [
            o
            for o in recent
            if state == "requested" or o.method in ("cash_on_delivery", "bank_transfer")
        ][:wanted]:
            recent.remove(order)
            if state == "requested":
                rma = _request(rng, order, rng.uniform(0.5, 18))
            else:
                rma = _request(
                    rng, order, min(order.times["delivered"] - 1, rng.uniform(40, 90))
                )
                rma.resolution = "refund"
            rma.waits = state
            _progress(rng, rma, products)
            returns.append(rma)
    return returns


def _request(rng: random.Random, order: Order, requested: float) -> Return:
    picked = rng.sample(
        order.lines, 1 if len(order.lines) == 1 or rng.random() < 0.8 else 2
    )
    lines = []
    for line in picked:
        reasons = REASONS_BY_CATEGORY.get(line.product.category, DEFAULT_REASONS)
        lines.append((line, rng.randint(1, line.qty), rng.choice(reasons)))
    exchange = any(r == "size_or_fit" for _l, _q, r in lines) or rng.random() < 0.2
    return Return(order, lines, "exchange" if exchange else "refund", requested)


def _progress(rng: random.Random, rma: Return, products) -> None:
    t = rma.times
    if rma.waits == "requested":
        return  # customer service decides within 24 hours
    decided = rma.requested - rng.uniform(1, 20)
    if decided < 0:
        return
    t["decided"] = decided
    if rma.waits is None and rng.random() < 0.1:
        rma.status = "refused"
        rma.refusal_reason = rng.choice(
            ["outside_return_window", "damaged_by_customer", "no_evidence"]
        )
        return
    rma.status = "approved"
    if any(
        r in DAMAGING | {"wrong_item", "not_as_described"} for _l, _q, r in rma.lines
    ):
        rma.refund_shipping = True
    elif rma.resolution == "refund" and rng.random() < 0.3:
        rma.restocking_fee = Decimal("5.00")
    # Never more than was paid: a discount's share is kept back.
    excess = rma.refund_amount - (rma.order.total - rma.order.refunded)
    if excess > 0:
        rma.restocking_fee += excess
    if rma.waits is None and rng.random() < 0.05:
        withdrawn = decided - rng.uniform(5, 48)
        if withdrawn >= 0:
            t["cancelled"] = withdrawn
            rma.status = "cancelled"
        return
    received = decided - rng.uniform(2, 9) * DAY
    if rma.waits == "refunding":
        received = rng.uniform(1, 18)  # refunded by hand within two days
    if received < 0:
        return
    t["received"] = received
    rma.status = "received"
    for _line, qty, reason in rma.lines:
        damaged = reason in DAMAGING and rng.random() < 0.7
        rma.received.append((qty, "damaged" if damaged else "resellable"))
    if rma.resolution == "exchange":
        for line, _qty, reason in rma.lines:
            rma.replacement_products.append(
                _other_size(line.product, products) if reason == "size_or_fit" else None
            )
        rma.status = "exchanged"
        return
    if rma.waits is None and rng.random() < 0.04:
        t["closed"] = received - rng.uniform(2, 30)
        if t["closed"] >= 0:
            rma.status = "closed"
        return
    rma.status = "refunding"
    done = received - (
        rng.uniform(0.01, 0.1) if rma.original_payment else rng.uniform(20, 60)
    )
    if done >= 0:
        t["refunded"] = done
        rma.status = "refunded"
        rma.order.refunded += rma.refund_amount


def _other_size(product, products):
    """The next size of a product sold in sizes (same SKU stem)."""
    stem = product.sku.rsplit("-", 1)[0]
    sizes = [
        p
        for p in products
        if p.sku.rsplit("-", 1)[0] == stem and p.sku != product.sku and p.active
    ]
    return sizes[0] if sizes else None


def replacement_orders(rng: random.Random, returns: list[Return]) -> list[Order]:
    """The free replacement order of each exchange, placed on receipt."""
    made = []
    for rma in returns:
        if rma.status != "exchanged":
            continue
        original = rma.order
        lines = [
            Line(other or line.product, qty, (other or line.product).price)
            for (line, qty, _r), other in zip(
                rma.lines, rma.replacement_products, strict=True
            )
        ]
        order = Order(
            customer=original.customer,
            address=original.address,
            channel=original.channel,
            method=original.method,
            option=original.option,
            lines=lines,
            fulfilment="warehouse",
            warehouse=original.warehouse,
            seller=None,
            created=rma.times["received"],
            placed=rma.times["received"] - 0.001,
            priority="high",
        )
        order.discount = order.subtotal + order.shipping_fee
        order.customer.orders.append(order)
        _timeline(rng, order)
        rma.replacement = order
        made.append(order)
    return made


def number_returns(returns: list[Return], year: int) -> None:
    for index, rma in enumerate(sorted(returns, key=lambda r: -r.requested), 1):
        rma.number = f"RMA-{year}-{index:05d}"


def return_records(returns: list[Return]) -> list[dict]:
    out = []
    for rma in sorted(returns, key=lambda r: r.number):
        language = rma.order.customer.language
        values: dict = {
            "number": rma.number,
            "order": rma.order.number,
            "status": rma.status,
            "resolution": rma.resolution,
            "description": DESCRIPTIONS[language][rma.lines[0][2]],
            "within_return_window": True,
        }
        t = rma.times
        if "decided" in t:
            values["decided_at"] = at(t["decided"])
        if rma.refusal_reason:
            values["refusal_reason"] = rma.refusal_reason
            values["decision_note"] = (
                "商品已使用且包装缺失，不符合退货条件。"
                if language == "zh"
                else "The item shows signs of use and the packaging is missing."
            )
        if "received" in t:
            values["received_at"] = at(t["received"])
            values["stock_booked"] = True
            if any(condition == "damaged" for _q, condition in rma.received):
                values["inspection_note"] = (
                    "Damaged on arrival; photos attached to the carrier claim."
                )
        if rma.restocking_fee:
            values["restocking_fee"] = rma.restocking_fee
        if rma.refund_shipping:
            values["refund_shipping"] = True
        cents = int(rma.refund_amount * 100)
        if rma.status in ("refunding", "refunded"):
            values["refund_status"] = (
                "refunded" if rma.status == "refunded" else "pending"
            )
        if rma.status == "refunded":
            values["refund_reference"] = (
                simulator.reference("RFND", rma.order.number, cents)
                if rma.original_payment
                else f"BANK-{rma.number[-5:]}"
            )
            values["refunded_at"] = at(t["refunded"])
        if rma.replacement is not None:
            values["exchange_order"] = rma.replacement.number
        values["created_at"] = at(rma.requested)
        rows = []
        for index, (line, qty, reason) in enumerate(rma.lines):
            row = {
                "order_line": {"order": rma.order.number, "product": line.product.sku},
                "qty": qty,
                "reason": reason,
            }
            if rma.replacement_products and rma.replacement_products[index] is not None:
                row["replacement_product"] = rma.replacement_products[index].sku
            if rma.received:
                row["received_qty"], row["condition"] = rma.received[index]
            rows.append(row)
        values["lines"] = rows
        out.append(values)
    return out


# -- reviews --------------------------------------------------------------------------
REVIEWS = {
    "en": {
        5: [
            ("Love it", "Exactly what I hoped for, and it arrived quickly."),
            ("Excellent quality", "Solid, well made and great value."),
        ],
        4: [
            ("Very good", "Does the job well; the instructions could be clearer."),
            ("Happy with it", "Good quality for the price."),
        ],
        3: [
            ("It's OK", "Works, but nothing special."),
            ("Average", "Fine for the price, the colour is a bit off."),
        ],
        2: [
            ("Disappointed", "Feels cheap and one part was loose."),
            ("Not great", "Smaller than I expected from the photos."),
        ],
        1: [
            (
                "Broke after a week",
                "Stopped working after a few days. Very disappointed.",
            ),
            ("Do not buy", "Arrived scratched and support was slow."),
        ],
    },
    "zh": {
        5: [
            ("非常满意", "质量很好，物流也快，会回购。"),
            ("超出预期", "做工精致，性价比很高。"),
        ],
        4: [
            ("不错", "整体满意，说明书可以再详细一点。"),
            ("挺好的", "这个价格买到很值。"),
        ],
        3: [("一般", "能用，但没有想象中好。"), ("中规中矩", "颜色和图片有点色差。")],
        2: [
            ("有点失望", "做工粗糙，有个零件松了。"),
            ("不太满意", "尺寸比图片看起来小很多。"),
        ],
        1: [
            ("质量太差", "用了几天就坏了，很失望。"),
            ("不推荐", "收到就有划痕，客服回复也慢。"),
        ],
    },
}


@dataclass
class Review:
    order: Order
    line: Line
    rating: int
    created: float
    status: str = "published"
    published: float | None = None


def make_reviews(rng: random.Random, orders: list[Order]) -> list[Review]:
    reviews = []
    for order in orders:
        delivered = order.times.get("delivered")
        if delivered is None or delivered < 0 or order.replacement_for:
            continue
        for line in order.lines:
            if rng.random() > 0.2:
                continue
            created = delivered - rng.uniform(0.5, 10) * DAY
            if created < 0.2:
                continue
            review = Review(
                order,
                line,
                rng.choices([5, 4, 3, 2, 1], [50, 26, 12, 6, 6])[0],
                created,
            )
            if created < 2 * DAY:
                review.status = "submitted"
            elif rng.random() < 0.08:
                review.status = "rejected"
            else:
                review.published = created - rng.uniform(2, 30)
            reviews.append(review)
    return reviews


def review_records(rng: random.Random, reviews: list[Review]) -> list[dict]:
    out = []
    for review in sorted(reviews, key=lambda r: -r.created):
        language = review.order.customer.language
        title, body = rng.choice(REVIEWS[language][review.rating])
        values: dict = {
            "order": review.order.number,
            "product": review.line.product.sku,
            "status": review.status,
            "rating": review.rating,
            "title": title,
            "body": body,
            "would_recommend": review.rating >= 4,
        }
        if review.status == "rejected":
            values["moderation_note"] = (
                "Mentions another shop's prices; rejected under the review rules."
            )
        if review.published is not None:
            values["published_at"] = at(review.published)
            if review.rating <= 2:
                values["shop_reply"] = (
                    "很抱歉给您带来不好的体验，客服已联系您处理。"
                    if language == "zh"
                    else "We are sorry to hear this; our service team contacted you."
                )
        values["created_at"] = at(review.created)
        out.append(values)
    return out


# -- support tickets ------------------------------------------------------------------
SUBJECTS = {
    "order_status": ("Where is my order {number}?", "订单 {number} 什么时候发货？"),
    "delivery": ("Parcel for {number} not moving", "订单 {number} 物流一直没更新"),
    "return_refund": ("Refund for {number}", "订单 {number} 的退款进度"),
    "payment": ("Payment problem with {number}", "订单 {number} 付款失败"),
    "product_question": ("Question about {product}", "咨询：{product}"),
    "account": ("Cannot change my e-mail address", "无法修改绑定的邮箱"),
    "complaint": (
        "Unhappy with the service on {number}",
        "对订单 {number} 的服务不满意",
    ),
}
MESSAGES = {
    "order_status": (
        "I ordered days ago and still have no tracking number. When will it ship?",
        "下单好几天了还没有物流信息，请问什么时候发货？",
    ),
    "delivery": (
        "The tracking has shown the same status for three days. Is the parcel lost?",
        "物流信息三天没有更新了，包裹是不是丢了？",
    ),
    "return_refund": (
        "I sent the item back last week. When will I get my money?",
        "上周已经寄回商品，退款什么时候到账？",
    ),
    "payment": (
        "My card was charged but the order says the payment failed.",
        "银行卡已经扣款，订单却显示支付失败。",
    ),
    "product_question": (
        "Does this come with a UK plug, and is there a warranty?",
        "请问这个有保修吗？是否支持七天无理由退货？",
    ),
    "account": (
        "I changed jobs and need to move my account to a new e-mail address.",
        "换了工作邮箱，想修改账号绑定的邮箱。",
    ),
    "complaint": (
        "The courier left my parcel in the rain and nobody answers my messages.",
        "快递员把包裹放在门外淋雨，联系客服也没人回复。",
    ),
}
REPLIES = (
    "Thank you for getting in touch. We have checked with the warehouse and "
    "will update you within a day.",
    "您好，我们已经联系仓库核实，会在一个工作日内给您答复。",
)
RESOLUTIONS = (
    "Explained the status; the customer is happy with the answer.",
    "已向客户说明情况，客户表示满意。",
)


@dataclass
class Ticket:
    customer: object
    category: str
    created: float
    order: Order | None = None
    rma: Return | None = None
    channel: str = "web"
    priority: str = "normal"
    subject: str = ""
    description: str = ""
    number: str = ""
    status: str = "new"
    times: dict = field(default_factory=dict)
    replies: int = 0
    escalation: str | None = None
    satisfaction: int | None = None
    waits: str | None = None  # see WAITING_TICKETS


def make_tickets(
    rng, customers, orders: list[Order], returns: list[Return], reviews
) -> list[Ticket]:
    tickets: list[Ticket] = []
    placed = [o for o in orders if o.placed is not None and o.placed > 0]
    for _ in range(230):
        category = rng.choices(
            [
                "order_status",
                "delivery",
                "return_refund",
                "payment",
                "product_question",
                "account",
                "complaint",
            ],
            [30, 20, 15, 8, 15, 4, 8],
        )[0]
        order = (
            rng.choice(placed)
            if category not in ("product_question", "account")
            else None
        )
        rma = None
        if category == "return_refund" and returns:
            rma = rng.choice(returns)
            order = rma.order
        customer = order.customer if order else rng.choice(customers)
        earliest = (rma.requested if rma else order.placed if order else 90 * DAY) - 1
        created = rng.uniform(0.2, max(0.3, min(earliest, 60 * DAY)))
        ticket = Ticket(customer, category, created, order, rma)
        ticket.channel = rng.choices(
            ["web", "email", "chat", "phone"], [40, 30, 20, 10]
        )[0]
        if rng.random() < 0.15:
            ticket.priority = rng.choice(["high", "urgent", "low"])
        _texts(ticket, order)
        tickets.append(ticket)
    for review in reviews:
        if review.rating <= 2:
            ticket = Ticket(
                review.order.customer, "complaint", review.created - 0.001, review.order
            )
            ticket.channel = "review"
            ticket.priority = "high"
            product = review.line.product.name
            ticket.subject = (
                f"{review.rating}-star review of {product} ({review.order.number})"
            )
            title, body = REVIEWS[review.order.customer.language][review.rating][0]
            ticket.description = f"{title}\n\n{body}"
            tickets.append(ticket)
    # A few wait where tickets pass quickly: not answered yet, escalated,
    # answered by the customer.
    waiting = [ticket for ticket in tickets if ticket.channel != "review"]
    rng.shuffle(waiting)
    for state, wanted in WAITING_TICKETS.items():
        for ticket in waiting[:wanted]:
            ticket.waits = state
            ticket.created = (
                rng.uniform(0.3, 20) if state == "new" else rng.uniform(30, 100)
            )
        waiting = waiting[wanted:]
    for ticket in tickets:
        _ticket_progress(rng, ticket)
    return tickets


WAITING_TICKETS = {"new": 4, "escalated": 4, "open": 3}


def _texts(ticket: Ticket, order: Order | None) -> None:
    zh = ticket.customer.language == "zh"
    subject = SUBJECTS[ticket.category][1 if zh else 0]
    product = order.lines[0].product.name if order else "X200 Smartphone"
    ticket.subject = subject.format(
        number=order.number if order else "", product=product
    )
    ticket.description = MESSAGES[ticket.category][1 if zh else 0]


def _ticket_progress(rng: random.Random, ticket: Ticket) -> None:
    t = ticket.times
    created = ticket.created
    if ticket.waits == "new":
        return
    if ticket.waits == "escalated":  # no answer within 24 hours
        t["escalated"] = created - 24
        ticket.escalation = "first_response_sla"
        ticket.status = "escalated"
        return
    late = ticket.waits is None and rng.random() < 0.08
    answer = created - (rng.uniform(24.5, 40) if late else rng.uniform(0.2, 20))
    if late and created >= 24:
        t["escalated"] = created - 24
        ticket.escalation = "first_response_sla"
    if answer < 0:
        ticket.status = "escalated" if ticket.escalation else "new"
        return
    t["first_response"] = t["last_reply"] = answer
    ticket.replies = 1
    ticket.status = "waiting_customer"
    if not ticket.escalation and rng.random() < 0.05:
        t["escalated"] = answer - rng.uniform(1, 20)
        if t["escalated"] >= 0:
            ticket.escalation = "customer_request"
        else:
            del t["escalated"]
    at_ = answer
    if ticket.waits == "open":  # the customer answered lately
        t["customer"] = rng.uniform(0.5, min(20, max(answer - 0.5, 0.6)))
        ticket.status = "open"
        return
    if rng.random() < 0.4:  # the customer answers, and gets a second reply
        back = at_ - rng.uniform(2, 48)
        if back < 0:
            return
        ticket.status = "open"
        second = back - rng.uniform(0.5, 20)
        if second < 0:
            return
        t["last_reply"] = at_ = second
        ticket.replies = 2
        ticket.status = "waiting_customer"
    if ticket.escalation:
        resolved = at_ - rng.uniform(10, 96)
        if resolved < 0:
            ticket.status = "escalated"
            return
    else:
        resolved = at_ - rng.uniform(1, 100)
        if resolved < 0:
            return
    t["resolved"] = resolved
    ticket.status = "resolved"
    if resolved - 7 * DAY >= 0:
        ticket.status = "closed"
        if rng.random() < 0.4:
            ticket.satisfaction = rng.choices([5, 4, 3, 2, 1], [45, 30, 12, 7, 6])[0]


def number_tickets(tickets: list[Ticket], year: int) -> None:
    for index, ticket in enumerate(sorted(tickets, key=lambda x: -x.created), 1):
        ticket.number = f"TCK-{year}-{index:05d}"


def ticket_records(tickets: list[Ticket]) -> list[dict]:
    out = []
    for ticket in sorted(tickets, key=lambda x: x.number):
        zh = ticket.customer.language == "zh"
        t = ticket.times
        values: dict = {"number": ticket.number, "customer": ticket.customer.email}
        if ticket.order is not None:
            values["order"] = ticket.order.number
        if ticket.rma is not None:
            values["return_request"] = ticket.rma.number
        values.update(
            status=ticket.status,
            channel=ticket.channel,
            category=ticket.category,
            priority=ticket.priority,
            subject=ticket.subject,
            description=ticket.description,
        )
        if ticket.channel in ("email", "chat"):
            values["external_id"] = (
                f"{ticket.channel.upper()}-{ticket.number[-5:]}{ticket.customer.email[:2].upper()}"
            )
        values["first_response_due"] = at(ticket.created - 24)
        if "first_response" in t:
            values["first_response_at"] = at(t["first_response"])
            values["last_reply"] = REPLIES[1 if zh else 0]
            values["last_reply_at"] = at(t["last_reply"])
            values["reply_count"] = ticket.replies
        if ticket.escalation:
            values["escalation_reason"] = ticket.escalation
            values["escalated_at"] = at(t["escalated"])
        if "resolved" in t:
            values["resolution"] = RESOLUTIONS[1 if zh else 0]
            values["resolved_at"] = at(t["resolved"])
        if ticket.satisfaction:
            values["satisfaction"] = ticket.satisfaction
        values["created_at"] = at(ticket.created)
        out.append(values)
    return out


def product_return_figures(
    products, orders: list[Order], returns: list[Return]
) -> list[dict]:
    """The after-sales figures kept on each product: units delivered and
    returned, and the return rate."""
    delivered: dict[str, int] = {}
    returned: dict[str, int] = {}
    for order in orders:
        if order.happened("delivered"):
            for line in order.lines:
                delivered[line.product.sku] = (
                    delivered.get(line.product.sku, 0) + line.qty
                )
    for rma in returns:
        if rma.times.get("received", -1) >= 0:
            for (line, _q, _r), (qty, _c) in zip(rma.lines, rma.received, strict=True):
                returned[line.product.sku] = returned.get(line.product.sku, 0) + qty
    out = []
    for product in products:
        units = delivered.get(product.sku, 0)
        if not units:
            continue
        back = returned.get(product.sku, 0)
        values = {"sku": product.sku, "units_delivered": units}
        if back:
            values["units_returned"] = back
            values["return_rate"] = round(100 * back / units, 1)
        out.append(values)
    return out
