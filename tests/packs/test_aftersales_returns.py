"""The aftersales pack's returns, end to end on a real site: requested for a
delivered order, decided within the SLA, received and inspected (restock or
write-off), refunded through the payments plugin, or exchanged for a free
replacement order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from aftersales_shop import HOUR, Shop, check_slas, open_shop

from officina.records.errors import RecordError


@pytest.fixture
def shop(tmp_path, database_url):
    runtime = open_shop(tmp_path / "shop", database_url)
    yield Shop(runtime)
    runtime.close()


def request_return(shop, order, items, *, resolution="refund", **values):
    """A return request of `items` [(product, qty, reason)] of `order`."""
    lines = [
        {
            "order_line": shop.line_of(order, product)["id"],
            "qty": qty,
            "reason": reason,
        }
        for product, qty, reason in items
    ]
    return shop.records.create(
        "return_request",
        {"order": order["id"], "resolution": resolution, "lines": lines, **values},
    )


def inspect(shop, rma, conditions):
    """The warehouse records what arrived: {product id: (received, condition)}."""
    current = shop.records.get("return_request", rma["id"])
    lines = [
        {
            "id": line["id"],
            "received_qty": conditions[line["product"]][0],
            "condition": conditions[line["product"]][1],
        }
        for line in current["lines"]
    ]
    return shop.records.update("return_request", rma["id"], {"lines": lines})


def test_a_return_is_approved_received_and_refunded_through_the_provider(shop):
    order = shop.delivered_order([(shop.headphones, 1), (shop.cable, 2)])
    assert order["total"] == 100  # free standard shipping from 49
    rma = request_return(
        shop,
        order,
        [(shop.headphones, 1, "defective"), (shop.cable, 1, "no_longer_needed")],
        description="Left ear is silent",
    )
    assert rma["number"].startswith("RMA-2026-")
    assert rma["status"] == "requested"
    assert rma["customer"] == shop.customer["id"]
    assert rma["within_return_window"] is True
    assert (rma["items_value"], rma["refund_amount"]) == (90, 90)
    assert rma["refund_method"] == "original_payment"
    assert rma["warehouse"] == shop.warehouse["id"]
    [acknowledged] = shop.emails_to("rita@example.com")[-1:]
    assert rma["number"] in acknowledged["subject"]

    shop.tick(20 * HOUR)
    shop.records.transition("return_request", rma["id"], "approve")
    approved = shop.emails_to("rita@example.com")[-1]
    assert approved["subject"] == f"Your return {rma['number']} is approved"
    assert "1 Harbor Way" in approved["text"] and "90.00" in approved["text"]
    check_slas(shop.runtime, shop.tick(10 * HOUR))  # past 24h: decided in time
    assert not [
        note
        for note in shop.notifications("manager")
        if rma["number"] in note["message"]
    ]

    inspect(
        shop,
        rma,
        {
            shop.headphones["id"]: (1, "resellable"),
            shop.cable["id"]: (1, "resellable"),
        },
    )
    shop.records.transition("return_request", rma["id"], "receive")
    refunding = shop.records.get("return_request", rma["id"])
    assert refunding["status"] == "refunding"
    assert refunding["refund_status"] == "pending"
    assert (refunding["restock_units"], refunding["write_off_units"]) == (2, 0)
    assert [line["outcome"] for line in refunding["lines"]] == ["restock", "restock"]
    [call] = [
        job
        for job in shop.jobs("call")
        if job["payload"]["action"] == "payments.refund"
    ]
    options = call["payload"]["options"]
    assert options["order"] == order["number"]
    assert options["reference"] == order["payment_reference"]
    assert str(options["amount"]) in ("90", "90.0", "90.00")

    shop.work()  # the provider answers
    refunded = shop.records.get("return_request", rma["id"])
    assert refunded["status"] == "refunded"
    assert refunded["refund_status"] == "refunded"
    assert refunded["refund_reference"].startswith("SIM-RFND-9000-")
    assert refunded["refunded_at"] is not None
    mail = shop.emails_to("rita@example.com")[-1]
    assert mail["subject"] == f"Your refund for {rma['number']} is on its way"
    assert refunded["refund_reference"] in mail["text"]
    after = shop.order(order["id"])
    assert after["refunded_amount"] == 90
    assert after["payment_status"] == "captured"  # 10 of 100 not refunded
    headphones = shop.records.get("product", shop.headphones["id"])
    assert (headphones["units_delivered"], headphones["units_returned"]) == (1, 1)
    assert headphones["return_rate"] == 100
    cable = shop.records.get("product", shop.cable["id"])
    assert (cable["units_delivered"], cable["units_returned"]) == (2, 1)
    assert cable["return_rate"] == 50


def test_the_whole_order_refunded_marks_its_payment_refunded(shop):
    order = shop.delivered_order([(shop.cable, 1)])  # 10 + 5.99 shipping
    rma = request_return(
        shop, order, [(shop.cable, 1, "wrong_item")], refund_shipping=True
    )
    assert rma["refund_amount"] == Decimal("15.99")
    shop.records.transition("return_request", rma["id"], "approve")
    inspect(shop, rma, {shop.cable["id"]: (1, "resellable")})
    shop.records.transition("return_request", rma["id"], "receive")
    shop.work()
    after = shop.order(order["id"])
    assert after["refunded_amount"] == Decimal("15.99")
    assert after["payment_status"] == "refunded"
    with pytest.raises(RecordError, match="more than what is left to refund"):
        request_return(shop, order, [(shop.cable, 1, "other")])


def test_cash_on_delivery_is_refunded_by_hand_and_confirmed_by_finance(shop):
    order = shop.delivered_order([(shop.cable, 1)], cash_on_delivery=True)
    rma = request_return(shop, order, [(shop.cable, 1, "defective")])
    assert rma["refund_method"] == "manual"
    shop.records.transition("return_request", rma["id"], "approve")
    inspect(shop, rma, {shop.cable["id"]: (1, "resellable")})
    shop.records.transition("return_request", rma["id"], "receive")
    assert not [
        job
        for job in shop.jobs("call")
        if job["payload"]["action"] == "payments.refund"
    ]
    assert any(
        rma["number"] in note["message"] and "by hand" in note["message"]
        for note in shop.notifications("finance")
    )
    with pytest.raises(RecordError, match="refund_reference|Refund reference"):
        shop.records.transition("return_request", rma["id"], "confirm_refund")
    shop.records.transition(
        "return_request",
        rma["id"],
        "confirm_refund",
        values={"refund_reference": "BANK-2026-0042"},
    )
    refunded = shop.records.get("return_request", rma["id"])
    assert (refunded["status"], refunded["refund_status"]) == ("refunded", "refunded")
    assert shop.order(order["id"])["refunded_amount"] == 10
    mail = shop.emails_to("rita@example.com")[-1]
    assert "BANK-2026-0042" in mail["text"]


def test_damaged_items_are_written_off_not_restocked(shop):
    order = shop.delivered_order([(shop.headphones, 2)])
    rma = request_return(shop, order, [(shop.headphones, 2, "damaged_in_transit")])
    shop.records.transition("return_request", rma["id"], "approve")
    with pytest.raises(RecordError, match="condition of every returned item"):
        shop.records.transition("return_request", rma["id"], "receive")
    inspect(shop, rma, {shop.headphones["id"]: (2, "damaged")})
    shop.records.transition("return_request", rma["id"], "receive")
    received = shop.records.get("return_request", rma["id"])
    assert (received["restock_units"], received["write_off_units"]) == (0, 2)
    assert received["write_off_value"] == 160
    [line] = received["lines"]
    assert (line["outcome"], line["restock_qty"], line["write_off_qty"]) == (
        "write_off",
        0,
        2,
    )
    assert any(
        received["number"] in note["message"] and "written off" in note["message"]
        for note in shop.notifications("finance")
    )
    shop.work()
    assert shop.records.get("return_request", rma["id"])["status"] == "refunded"


def test_an_exchange_creates_a_free_replacement_order(shop):
    order = shop.delivered_order([(shop.headphones, 1), (shop.cable, 1)])
    rma = request_return(
        shop,
        order,
        [(shop.headphones, 1, "size_or_fit")],
        resolution="exchange",
    )
    current = shop.records.get("return_request", rma["id"])
    line = current["lines"][0]
    shop.records.update(
        "return_request",
        rma["id"],
        {"lines": [{"id": line["id"], "replacement_product": shop.cable["id"]}]},
    )
    shop.records.transition("return_request", rma["id"], "approve")
    inspect(shop, rma, {shop.headphones["id"]: (1, "resellable")})
    shop.records.transition("return_request", rma["id"], "receive")

    exchanged = shop.records.get("return_request", rma["id"])
    assert exchanged["status"] == "exchanged"
    assert exchanged["refund_status"] is None
    replacement = shop.order(exchanged["exchange_order"])
    assert replacement["replacement_for"] == rma["id"]
    assert replacement["customer"] == shop.customer["id"]
    assert [(line["product"], line["qty"]) for line in replacement["lines"]] == [
        (shop.cable["id"], 1)
    ]
    assert replacement["total"] == 0
    assert replacement["status"] == "paid"  # placed, nothing to pay
    assert replacement["ship_line1"] == "7 Elm St"
    assert not [
        job
        for job in shop.jobs("call")
        if job["payload"].get("record_id") == replacement["id"]
    ]  # the payment provider is not asked for nothing
    subjects = [mail["subject"] for mail in shop.emails_to("rita@example.com")]
    assert f"Your replacement for {rma['number']} is on its way" in subjects
    assert f"Order confirmation {replacement['number']}" in subjects


def test_a_request_waiting_more_than_24_hours_is_flagged_once(shop):
    order = shop.delivered_order([(shop.cable, 1)])
    rma = request_return(shop, order, [(shop.cable, 1, "other")])
    check_slas(shop.runtime, shop.now + 25 * HOUR)
    check_slas(shop.runtime, shop.now + 26 * HOUR)
    flagged = [
        note
        for note in shop.notifications("manager")
        if rma["number"] in note["message"]
    ]
    assert len(flagged) == 1
    assert "waited 24 hours for a decision" in flagged[0]["message"]


def test_refusals_need_a_reason_and_tell_the_customer(shop):
    order = shop.delivered_order([(shop.cable, 1)])
    rma = request_return(shop, order, [(shop.cable, 1, "other")])
    with pytest.raises(RecordError, match="refusal_reason|Why refused"):
        shop.records.transition("return_request", rma["id"], "refuse")
    shop.records.transition(
        "return_request",
        rma["id"],
        "refuse",
        values={
            "refusal_reason": "outside_return_window",
            "decision_note": "Sorry!",
        },
    )
    mail = shop.emails_to("rita@example.com")[-1]
    assert mail["subject"] == f"About your return request {rma['number']}"
    assert "14-day return window has ended" in mail["text"]


def test_only_items_of_the_delivered_order_can_be_returned(shop):
    delivered = shop.delivered_order([(shop.cable, 1)])
    other = shop.delivered_order([(shop.headphones, 1)])
    with pytest.raises(RecordError, match="not part of the order"):
        shop.records.create(
            "return_request",
            {
                "order": delivered["id"],
                "lines": [
                    {
                        "order_line": shop.line_of(other, shop.headphones)["id"],
                        "qty": 1,
                        "reason": "other",
                    }
                ],
            },
        )
    with pytest.raises(RecordError, match="More items than were ordered"):
        request_return(shop, delivered, [(shop.cable, 2, "other")])
    draft = shop.records.create(
        "order",
        {
            "customer": shop.customer["id"],
            "lines": [{"product": shop.cable["id"], "qty": 1}],
        },
    )
    with pytest.raises(RecordError, match="Only delivered orders"):
        request_return(shop, draft, [(shop.cable, 1, "other")])


def test_the_sla_flags_returns_awaiting_a_decision_only(shop):
    order = shop.delivered_order([(shop.cable, 1)])
    rma = request_return(shop, order, [(shop.cable, 1, "other")])
    shop.records.transition("return_request", rma["id"], "approve")
    check_slas(shop.runtime, shop.now + dt.timedelta(days=2))
    assert not [
        note
        for note in shop.notifications("manager")
        if rma["number"] in note["message"]
    ]
