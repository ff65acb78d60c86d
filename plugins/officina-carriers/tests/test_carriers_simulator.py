"""Services, rates, estimates, tracking numbers and tracking progression."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from officina_carriers import carriers, plugin


@pytest.mark.parametrize(
    ("service", "weight", "country", "expected"),
    [
        ("standard", 0.3, None, "5.99"),
        ("standard", 1.0, "CN", "5.99"),
        ("standard", 1.2, None, "6.49"),  # 1.5 kg: half a kilo more
        ("expedited", 2.3, None, "15.99"),  # 2.5 kg
        ("next_day", 0, None, "24.99"),
        ("pickup", 3, None, "4.49"),
        ("standard", 1.0, "US", "14.98"),  # international: 2.5 times
    ],
)
def test_rates(service, weight, country, expected):
    assert carriers.rate(service, weight, country, "CN") == Decimal(expected)


def test_unknown_services_and_weights_are_refused():
    with pytest.raises(carriers.CarrierError, match="no shipping service 'boat'"):
        carriers.rate("boat", 1)
    with pytest.raises(carriers.CarrierError):
        carriers.rate("standard", -1)
    assert plugin.shipping_rate("boat", 1) is None


def test_estimates():
    monday = dt.date(2026, 3, 2)
    assert carriers.estimate("next_day", monday) == dt.date(2026, 3, 3)
    assert carriers.estimate("expedited", monday) == dt.date(2026, 3, 5)
    assert carriers.estimate("standard", "2026-03-02T10:00:00") == dt.date(2026, 3, 9)
    assert carriers.estimate("standard", monday, "US", "CN") == dt.date(2026, 3, 12)
    assert carriers.estimate("standard", None) is None
    quotes = carriers.quotes(1, start=monday)
    assert [quote["service"] for quote in quotes][0] == "pickup"
    assert {quote["service"] for quote in quotes} == set(carriers.SERVICES)


def test_tracking_numbers_have_a_check_digit():
    number = carriers.tracking_number("sf_express", "ORD-2026-000001")
    assert number.startswith("SF") and len(number) == 13
    assert number == carriers.tracking_number("sf_express", "ORD-2026-000001")
    assert carriers.valid_tracking_number(number)
    assert carriers.valid_tracking_number(number.lower())
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not carriers.valid_tracking_number(wrong)
    swapped = number[:2] + number[3] + number[2] + number[4:]
    if swapped != number:
        assert not carriers.valid_tracking_number(swapped)
    assert carriers.valid_tracking_number("SF12345678903")
    assert not carriers.valid_tracking_number("SF12345678904")
    assert carriers.valid_tracking_number("1Z 999 AA1 01 2345 6784")  # UPS
    assert not carriers.valid_tracking_number("1Z999AA10123456785")
    for text in (None, "", "not a number", "SF1234"):
        assert not carriers.valid_tracking_number(text)
    assert carriers.prefix("acme_cargo") == "AC"


def test_the_expression_functions_hook():
    functions = plugin.officina_expression_functions()
    assert functions["valid_tracking_number"]("SF12345678903") is True
    assert functions["shipping_rate"]("standard", 1) == Decimal("5.99")
    assert functions["delivery_estimate"]("next_day", dt.date(2026, 3, 2)) == dt.date(
        2026, 3, 3
    )


def test_tracking_progression():
    shipped = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)

    def at(hours, service="expedited", country=None):
        reached = carriers.stage(
            shipped, shipped + dt.timedelta(hours=hours), service, country, "CN"
        )
        return reached and reached[0]

    assert at(0.5) is None
    assert at(1) == "picked_up"
    assert at(6) == "in_transit"
    assert at(3 * 24 - 11) == "in_transit"
    assert at(3 * 24 - 10) == "out_for_delivery"
    assert at(3 * 24 - 4) == "delivered"
    assert at(100) == "delivered"
    assert at(20, "next_day") == "delivered"
    assert at(3 * 24, country="US") == "in_transit"  # international: 5 days
    naive = carriers.stage("2026-03-02T12:00:00", shipped + dt.timedelta(hours=2))
    assert naive[0] == "picked_up"
    assert carriers.stage(None, shipped) is None
