"""The simulated provider: test cards, other methods, Luhn, references."""

from __future__ import annotations

import pytest
from officina_payments import simulator
from officina_payments.simulator import PaymentError

ORDER = "ORD-2026-000001"


@pytest.mark.parametrize(
    ("card", "status", "reason"),
    [
        ("4242 4242 4242 4242", "authorized", None),
        ("5555-5555-5555-4444", "authorized", None),
        ("4000000000000002", "declined", "insufficient funds"),
        ("4000000000000069", "declined", "expired card"),
        ("4000000000000119", "timeout", "payment provider timed out"),
        ("4242424242424241", "declined", "invalid card number"),
    ],
)
def test_test_cards(card, status, reason):
    outcome = simulator.authorize(ORDER, "49.90", "card", card)
    assert (outcome.status, outcome.reason) == (status, reason)
    assert (outcome.reference is not None) == (status == "authorized")


@pytest.mark.parametrize("method", ["paypal", "alipay", "wechat_pay", "bank_transfer"])
def test_other_methods_are_decided_by_the_cents(method):
    assert simulator.authorize(ORDER, "10.00", method).status == "authorized"
    declined = simulator.authorize(ORDER, "10.02", method)
    assert (declined.status, declined.reason) == ("declined", "insufficient funds")
    assert simulator.authorize(ORDER, "10.19", method).status == "timeout"


def test_a_card_without_a_number_is_decided_by_the_cents():
    assert simulator.authorize(ORDER, "20.00", "card").status == "authorized"
    assert simulator.authorize(ORDER, "20.02", "card", "").status == "declined"


def test_unknown_methods_and_bad_amounts():
    outcome = simulator.authorize(ORDER, "5", "cash_on_delivery")
    assert outcome.status == "declined" and "not supported" in outcome.reason
    for amount in ("0", "-1", "lots"):
        with pytest.raises(PaymentError):
            simulator.authorize(ORDER, amount)


def test_luhn():
    assert simulator.luhn_valid("4242424242424242")
    assert simulator.luhn_valid("4000 0000 0000 0002")
    assert simulator.luhn_valid("378282246310005")  # 15 digits (Amex)
    assert not simulator.luhn_valid("4242424242424243")
    assert not simulator.luhn_valid("1234")
    assert not simulator.luhn_valid("4242-abcd-4242-4242")
    assert not simulator.luhn_valid(None)
    assert simulator.masked("4000 0000 0000 0002") == "card ending 0002"


def test_references_carry_the_amount_and_belong_to_the_order():
    authorised = simulator.authorize(ORDER, "49.90", "card", "4242424242424242")
    assert authorised.reference.startswith("SIM-AUTH-4990-")
    assert simulator.parse_reference(authorised.reference, ORDER) == ("AUTH", 4990)
    again = simulator.authorize(ORDER, "49.90", "card", "4242424242424242")
    assert again.reference == authorised.reference  # deterministic
    with pytest.raises(PaymentError, match="is not one of"):
        simulator.parse_reference(authorised.reference, "ORD-2026-000002")
    forged = authorised.reference.replace("4990", "9990")
    with pytest.raises(PaymentError):
        simulator.parse_reference(forged, ORDER)
    with pytest.raises(PaymentError, match="not a payment reference"):
        simulator.parse_reference("ch_demo_1001", ORDER)


def test_capture_void_refund():
    auth = simulator.authorize(ORDER, "100.00", "paypal").reference
    with pytest.raises(PaymentError, match="only 100.00 was authorised"):
        simulator.capture(ORDER, "100.01", auth)
    captured = simulator.capture(ORDER, "80", auth)
    assert captured.status == "captured"
    assert captured.reference.startswith("SIM-CAPT-8000-")
    assert simulator.capture(ORDER, None, auth).reference.startswith("SIM-CAPT-10000-")
    voided = simulator.void(ORDER, auth)
    assert voided.status == "voided" and voided.reference.startswith("SIM-VOID-")
    with pytest.raises(PaymentError, match="only an authorisation can be voided"):
        simulator.void(ORDER, captured.reference)
    with pytest.raises(PaymentError, match="only a captured payment"):
        simulator.refund(ORDER, "10", auth)
    with pytest.raises(PaymentError, match="only 80.00 was captured"):
        simulator.refund(ORDER, "90", captured.reference)
    refunded = simulator.refund(ORDER, "30", captured.reference)
    assert refunded.status == "refunded"
    assert refunded.reference.startswith("SIM-RFND-3000-")
    with pytest.raises(PaymentError, match="only an authorisation can be captured"):
        simulator.capture(ORDER, "1", refunded.reference)
