"""Value conversions between storages: exact, or refused with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from officina.schema.conversions import NotConvertible, converter, literal
from officina.schema.history import archived_name, latest_archive, original_name
from officina.schema.storage import Storage

TEXT = Storage("text")
INTEGER = Storage("integer", 64)
SMALL = Storage("integer", 16)
MONEY = Storage("decimal", 18, 2)


@pytest.mark.parametrize(
    ("old", "new", "value", "converted"),
    [
        (TEXT, INTEGER, "12", 12),
        (TEXT, INTEGER, " -7 ", -7),
        (TEXT, INTEGER, "   ", None),
        (TEXT, MONEY, "12.5", Decimal("12.50")),
        (TEXT, Storage("boolean"), "Yes", True),
        (TEXT, Storage("date"), "2026-11-27", dt.date(2026, 11, 27)),
        (INTEGER, MONEY, 5, Decimal("5.00")),
        (MONEY, INTEGER, Decimal("12.00"), 12),
        (MONEY, Storage("decimal", 18, 3), Decimal("1.25"), Decimal("1.250")),
        (MONEY, Storage("string", 10), Decimal("12.50"), "12.50"),
        (INTEGER, TEXT, 42, "42"),
        (Storage("string", 255), Storage("string", 5), "short", "short"),
        (Storage("boolean"), TEXT, False, "false"),
        (Storage("date"), Storage("datetime"), dt.date(2026, 1, 2),
         dt.datetime(2026, 1, 2, tzinfo=dt.UTC)),
    ],
)  # fmt: skip
def test_values_that_convert(old, new, value, converted):
    assert converter(old, new)(value) == converted


@pytest.mark.parametrize(
    ("old", "new", "value", "reason"),
    [
        (TEXT, INTEGER, "ten", "is not a whole number"),
        (TEXT, INTEGER, "1.5", "is not a whole number"),
        (TEXT, INTEGER, "١٢", "is not a whole number"),  # only ASCII digits
        (TEXT, MONEY, "1.234", "has more than 2 decimal places"),
        (TEXT, MONEY, "1e3", "is not a number"),
        (MONEY, INTEGER, Decimal("1.50"), "has decimal places"),
        (MONEY, Storage("decimal", 4, 2), Decimal("123.00"),
         "has more than 2 digits before the decimal point"),
        (INTEGER, SMALL, 40000, "is too large for 16-bit integers"),
        (Storage("string", 255), Storage("string", 3), "four",
         "is longer than 3 characters"),
        (Storage("datetime"), Storage("date"),
         dt.datetime(2026, 1, 2, 10, 30, tzinfo=dt.UTC), "has a time of day"),
        (TEXT, Storage("date"), "27/11/2026",
         "is not a date written as YYYY-MM-DD"),
    ],
)  # fmt: skip
def test_values_that_do_not_convert(old, new, value, reason):
    with pytest.raises(NotConvertible) as refused:
        converter(old, new)(value)
    assert refused.value.reason == reason


def test_conversions_officina_does_not_guess():
    assert converter(Storage("json"), INTEGER) is None
    assert converter(Storage("time"), Storage("date")) is None
    assert converter(INTEGER, Storage("json")) is None


def test_yaml_defaults_as_stored_values():
    assert literal(0, MONEY) == Decimal("0.00")
    assert literal("2026-11-27", Storage("date")) == dt.date(2026, 11, 27)
    assert literal(3, Storage("string", 10)) == "3"
    assert literal(False, Storage("boolean")) is False


def test_archived_names_fit_postgresql_and_are_found_again():
    when = dt.datetime(2026, 11, 27, 10, 15, tzinfo=dt.UTC)
    assert archived_name("phone", when) == "_archived_phone_20261127101500"
    long = "a_field_name_that_is_really_much_too_long_to_archive_as_is"
    archived = archived_name(long, when)
    assert len(archived) == 63
    later = archived_name(long, when + dt.timedelta(days=1))
    assert latest_archive(long, ["x", archived, later]) == later
    assert latest_archive("phone", ["_archived_phones_20261127101500"]) is None
    assert original_name("_archived_phone_20261127101500") == "phone"
