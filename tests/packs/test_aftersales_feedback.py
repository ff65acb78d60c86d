"""The aftersales pack's support tickets (24-hour first-response SLA,
escalated exactly once), product reviews linked to delivered orders, and
the feedback reports computed from them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aftersales_shop import HOUR, Shop, check_slas, open_shop

from officina.records import SYSTEM
from officina.records.errors import RecordError
from officina.records.reports import run_report


@pytest.fixture
def shop(tmp_path, database_url):
    runtime = open_shop(tmp_path / "shop", database_url)
    yield Shop(runtime)
    runtime.close()


def report(shop, name) -> list[dict]:
    runtime = shop.runtime
    return run_report(
        runtime.records, runtime.definitions.reports[name], SYSTEM
    ).as_dicts()


def open_ticket(shop, **values):
    return shop.records.create(
        "support_ticket",
        {
            "customer": shop.customer["id"],
            "subject": "Where is my parcel?",
            "description": "It has been a week.",
            "category": "order_status",
            **values,
        },
    )


# -- tickets --------------------------------------------------------------------
def test_a_ticket_is_acknowledged_and_answered_within_the_first_response_sla(shop):
    ticket = open_ticket(shop)
    assert ticket["number"].startswith("TCK-2026-")
    assert (ticket["status"], ticket["email"]) == ("new", "rita@example.com")
    assert ticket["first_response_due"] == shop.now + 24 * HOUR
    [received] = shop.emails_to("rita@example.com")
    assert received["subject"] == f"We received your message [{ticket['number']}]"

    shop.tick(3 * HOUR)
    shop.records.transition(
        "support_ticket",
        ticket["id"],
        "reply",
        values={"reply": "It arrives tomorrow, sorry for the wait."},
    )
    answered = shop.records.get("support_ticket", ticket["id"])
    assert answered["status"] == "waiting_customer"
    assert answered["first_response_at"] == shop.now
    assert answered["first_response_hours"] == 3
    assert (answered["reply_count"], answered["reply"]) == (1, None)
    assert answered["last_reply"] == "It arrives tomorrow, sorry for the wait."
    reply = shop.emails_to("rita@example.com")[-1]
    assert reply["subject"] == f"Re: Where is my parcel? [{ticket['number']}]"
    assert "It arrives tomorrow" in reply["text"]

    check_slas(shop.runtime, shop.now + 30 * HOUR)
    assert shop.records.get("support_ticket", ticket["id"])["status"] == (
        "waiting_customer"
    )
    assert not shop.notifications("manager")

    shop.records.transition("support_ticket", ticket["id"], "customer_replied")
    shop.records.transition(
        "support_ticket", ticket["id"], "reply", values={"reply": "It is there."}
    )
    again = shop.records.get("support_ticket", ticket["id"])
    assert again["first_response_at"] == answered["first_response_at"]
    assert again["reply_count"] == 2


def test_an_unanswered_ticket_is_escalated_exactly_once(shop):
    ticket = open_ticket(shop, priority="high")
    check_slas(shop.runtime, shop.now + 23 * HOUR)
    assert shop.records.get("support_ticket", ticket["id"])["status"] == "new"
    for hours in (25, 26, 48, 72):
        check_slas(shop.runtime, shop.now + hours * HOUR)
    escalated = shop.records.get("support_ticket", ticket["id"])
    assert escalated["status"] == "escalated"
    assert escalated["escalation_reason"] == "first_response_sla"
    assert escalated["escalated_at"] == shop.now + 25 * HOUR
    assert shop.transitions_taken("support_ticket", ticket["id"], "escalate") == 1
    [notice] = [
        note
        for note in shop.notifications("manager")
        if ticket["number"] in note["message"]
    ]
    assert notice["message"].endswith("was escalated: first_response_sla")

    shop.records.transition(
        "support_ticket", ticket["id"], "reply", values={"reply": "Sorry!"}
    )
    assert shop.records.get("support_ticket", ticket["id"])["first_response_at"]


def test_resolving_needs_a_resolution_and_tells_the_customer_in_their_language(shop):
    shop.records.update("customer", shop.customer["id"], {"language": "zh"})
    ticket = open_ticket(shop)
    assert ticket["language"] == "zh"
    with pytest.raises(RecordError, match="resolution"):
        shop.records.transition("support_ticket", ticket["id"], "resolve")
    shop.records.transition(
        "support_ticket",
        ticket["id"],
        "resolve",
        values={"resolution": "包裹已重新派送。"},
    )
    mail = shop.emails_to("rita@example.com")[-1]
    assert mail["subject"].startswith("您的问题已解决")
    assert "包裹已重新派送。" in mail["text"]


# -- reviews and the feedback report ------------------------------------------------
def review(shop, order, product, rating, **values):
    return shop.records.create(
        "review",
        {"order": order["id"], "product": product["id"], "rating": rating, **values},
    )


def test_reviews_belong_to_products_of_delivered_orders(shop):
    order = shop.delivered_order([(shop.headphones, 1)])
    with pytest.raises(RecordError, match="not part of the order"):
        review(shop, order, shop.cable, 5)
    written = review(shop, order, shop.headphones, 4, title="Good sound")
    assert written["customer"] == shop.customer["id"]
    assert written["status"] == "submitted"
    with pytest.raises(RecordError):
        review(shop, order, shop.headphones, 5)  # one review per product and order
    undelivered = shop.records.create(
        "order",
        {
            "customer": shop.customer["id"],
            "lines": [{"product": shop.cable["id"], "qty": 1}],
        },
    )
    with pytest.raises(RecordError, match="once the order is delivered"):
        review(shop, undelivered, shop.cable, 5)


def test_a_low_rating_opens_a_support_ticket(shop):
    order = shop.delivered_order([(shop.cable, 1)])
    mails_before = len(shop.emails_to("rita@example.com"))
    review(shop, order, shop.cable, 1, title="Broke", body="Stopped working")
    [ticket] = shop.records.list("support_ticket").records
    assert ticket["channel"] == "review"
    assert ticket["priority"] == "high"
    assert ticket["order"] == order["id"]
    assert ticket["subject"] == f"1-star review of Cable ({order['number']})"
    assert ticket["status"] == "new"
    assert len(shop.emails_to("rita@example.com")) == mails_before  # no receipt mail


def test_the_feedback_report_numbers(shop):
    first = shop.delivered_order([(shop.headphones, 1), (shop.cable, 1)])
    second = shop.delivered_order([(shop.headphones, 2), (shop.cable, 1)])
    third = shop.delivered_order([(shop.headphones, 1)])
    review(shop, first, shop.headphones, 5)
    review(shop, first, shop.cable, 4)
    review(shop, second, shop.headphones, 3)
    review(shop, second, shop.cable, 2)
    rejected = review(shop, third, shop.headphones, 1)
    shop.records.transition("review", rejected["id"], "reject", comment="spam")

    by_product = {
        row["product.name"]: row for row in report(shop, "ratings_by_product")
    }
    assert by_product["Headphones"]["reviews"] == 2
    assert by_product["Headphones"]["average_rating"] == 4
    assert by_product["Cable"]["reviews"] == 2
    assert by_product["Cable"]["average_rating"] == 3

    returns = [
        (second, [(shop.headphones, 2, "defective")]),
        (third, [(shop.headphones, 1, "size_or_fit")]),
        (first, [(shop.cable, 1, "defective")]),
    ]
    for order, items in returns:
        lines = [
            {
                "order_line": shop.line_of(order, product)["id"],
                "qty": qty,
                "reason": reason,
            }
            for product, qty, reason in items
        ]
        rma = shop.records.create(
            "return_request", {"order": order["id"], "lines": lines}
        )
        shop.records.transition("return_request", rma["id"], "approve")
        current = shop.records.get("return_request", rma["id"])
        shop.records.update(
            "return_request",
            rma["id"],
            {
                "lines": [
                    {
                        "id": line["id"],
                        "received_qty": line["qty"],
                        "condition": "resellable",
                    }
                    for line in current["lines"]
                ]
            },
        )
        shop.records.transition("return_request", rma["id"], "receive")
    refused = shop.records.create(
        "return_request",
        {
            "order": first["id"],
            "lines": [
                {
                    "order_line": shop.line_of(first, shop.headphones)["id"],
                    "qty": 1,
                    "reason": "no_longer_needed",
                }
            ],
        },
    )
    shop.records.transition(
        "return_request",
        refused["id"],
        "refuse",
        values={"refusal_reason": "other"},
    )

    reasons = {row["reason"]: row for row in report(shop, "return_reasons")}
    assert set(reasons) == {"defective", "size_or_fit"}  # refused ones left out
    assert (reasons["defective"]["lines"], reasons["defective"]["units"]) == (2, 3)
    assert reasons["defective"]["value"] == 170
    assert (reasons["size_or_fit"]["lines"], reasons["size_or_fit"]["units"]) == (
        1,
        1,
    )

    rates = {row["name"]: row for row in report(shop, "return_rate_by_product")}
    assert (rates["Headphones"]["delivered"], rates["Headphones"]["returned"]) == (
        4,
        3,
    )
    assert rates["Headphones"]["return_rate"] == Decimal("75.0")
    assert (rates["Cable"]["delivered"], rates["Cable"]["returned"]) == (2, 1)
    assert rates["Cable"]["return_rate"] == 50
    assert [row["name"] for row in report(shop, "return_rate_by_product")] == [
        "Headphones",
        "Cable",
    ]  # highest return rate first
