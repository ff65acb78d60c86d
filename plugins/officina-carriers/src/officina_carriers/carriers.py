"""Carriers, deterministically: services with rates and delivery estimates,
tracking numbers with a check digit, and where a shipment is after a given
time. Pure functions, no I/O and no state.

Services (the orders pack's shipping options), domestic / international:

    service     days      base rate  per extra kg
    standard    7 / 10     5.99        1.00
    expedited   3 / 5     12.99        2.00
    next_day    1 / 2     24.99        3.50
    pickup      3 / 6      3.49        0.50

The first kilogram is in the base rate; the weight is rounded up to the
next half kilogram; international rates are 2.5 times the domestic ones.
A destination is domestic when it is the origin country, or when either
is unknown.

Tracking numbers of the simulator are two letters of the carrier, ten
digits and a check digit (ISO 7064 MOD 11,10), e.g. `SF12345678903`.
UPS numbers (`1Z...`, with their own check digit) are recognised too.

A shipment moves, counted from the time it shipped:

    picked_up          after 1 hour
    in_transit         after 6 hours
    out_for_delivery   10 hours before the end of its transit days
    delivered          4 hours before the end of its transit days
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Service:
    name: str
    days: int
    international_days: int
    base: Decimal
    per_kg: Decimal


SERVICES = {
    service.name: service
    for service in (
        Service("standard", 7, 10, Decimal("5.99"), Decimal("1.00")),
        Service("expedited", 3, 5, Decimal("12.99"), Decimal("2.00")),
        Service("next_day", 1, 2, Decimal("24.99"), Decimal("3.50")),
        Service("pickup", 3, 6, Decimal("3.49"), Decimal("0.50")),
    )
}
INTERNATIONAL_FACTOR = Decimal("2.5")

# Two letters for the carriers of the orders pack (others: their first two).
CARRIER_PREFIXES = {
    "sf_express": "SF",
    "jd_logistics": "JD",
    "china_post": "EM",
    "ups": "UP",
    "fedex": "FX",
    "dhl": "DH",
    "usps": "US",
    "own_fleet": "OF",
}

PICKED_UP, IN_TRANSIT = "picked_up", "in_transit"
OUT_FOR_DELIVERY, DELIVERED = "out_for_delivery", "delivered"
STAGES = (PICKED_UP, IN_TRANSIT, OUT_FOR_DELIVERY, DELIVERED)

_SIMULATED = re.compile(r"^[A-Z]{2}\d{11}$")
_UPS = re.compile(r"^1Z[0-9A-Z]{16}$")
_SPACES = re.compile(r"[\s-]+")


class CarrierError(ValueError):
    """A request a carrier refuses (an unknown service, a negative weight)."""


# -- services, rates and estimates ------------------------------------------------
def service(name) -> Service:
    found = SERVICES.get(str(name or "standard"))
    if found is None:
        raise CarrierError(
            f"there is no shipping service '{name}' (services: "
            + ", ".join(SERVICES)
            + ")"
        )
    return found


def is_international(country, origin=None) -> bool:
    if not country or not origin:
        return False
    return str(country).strip().upper() != str(origin).strip().upper()


def transit_days(service_name, country=None, origin=None) -> int:
    found = service(service_name)
    if is_international(country, origin):
        return found.international_days
    return found.days


def rate(service_name, weight, country=None, origin=None) -> Decimal:
    """What the carrier charges for a parcel of `weight` kg."""
    found = service(service_name)
    kilograms = Decimal(str(weight or 0))
    if kilograms < 0:
        raise CarrierError(f"a weight cannot be negative (got {weight})")
    chargeable = max(Decimal("0.5"), Decimal(math.ceil(kilograms * 2)) / 2)
    extra = max(Decimal(0), chargeable - 1)
    amount = found.base + found.per_kg * extra
    if is_international(country, origin):
        amount *= INTERNATIONAL_FACTOR
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def estimate(service_name, start, country=None, origin=None) -> dt.date | None:
    """The expected delivery date of a parcel shipped on `start` (a date or
    a datetime)."""
    if start is None:
        return None
    if isinstance(start, str):
        start = dt.datetime.fromisoformat(start)
    if isinstance(start, dt.datetime):
        start = start.date()
    return start + dt.timedelta(days=transit_days(service_name, country, origin))


def quotes(weight, country=None, origin=None, start=None) -> list[dict]:
    """Every service with its rate and estimate, cheapest first."""
    found = [
        {
            "service": name,
            "rate": rate(name, weight, country, origin),
            "days": transit_days(name, country, origin),
            "estimate": estimate(name, start, country, origin),
        }
        for name in SERVICES
    ]
    return sorted(found, key=lambda quote: (quote["rate"], quote["days"]))


# -- tracking numbers ----------------------------------------------------------------
def mod11_10(digits: str) -> int:
    """The ISO 7064 MOD 11,10 check digit of a string of digits."""
    product = 10
    for char in digits:
        total = (product + int(char)) % 10 or 10
        product = (total * 2) % 11
    return (11 - product) % 10


def ups_check_digit(body: str) -> int:
    """The check digit of a UPS number: the 15 characters after `1Z`."""
    total = 0
    for position, char in enumerate(body):
        value = int(char) if char.isdigit() else (ord(char) - 63) % 10
        total += value * (2 if position % 2 else 1)
    return (10 - total % 10) % 10


def prefix(carrier) -> str:
    name = str(carrier or "own_fleet")
    found = CARRIER_PREFIXES.get(name)
    if found:
        return found
    letters = re.sub(r"[^A-Za-z]", "", name).upper()
    return (letters + "XX")[:2]


def tracking_number(carrier, *seed) -> str:
    """A simulator tracking number for `carrier`, the same for the same
    seed (e.g. the order's number)."""
    text = "\x1f".join(str(part) for part in (carrier, *seed))
    body = str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[-10:].rjust(10, "0")
    return f"{prefix(carrier)}{body}{mod11_10(body)}"


def valid_tracking_number(text) -> bool:
    """Whether `text` is a tracking number whose check digit is right (the
    simulator's format, or UPS's)."""
    if text is None:
        return False
    value = _SPACES.sub("", str(text)).upper()
    if _SIMULATED.match(value):
        return mod11_10(value[2:12]) == int(value[12])
    if _UPS.match(value):
        return value[17].isdigit() and ups_check_digit(value[2:17]) == int(value[17])
    return False


# -- tracking events ----------------------------------------------------------------
def _utc(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def events(shipped_at, service_name=None, country=None, origin=None) -> list:
    """[(stage, when)] of a shipment, from the time it shipped."""
    start = _utc(shipped_at)
    end = start + dt.timedelta(days=transit_days(service_name, country, origin))
    return [
        (PICKED_UP, start + dt.timedelta(hours=1)),
        (IN_TRANSIT, start + dt.timedelta(hours=6)),
        (OUT_FOR_DELIVERY, end - dt.timedelta(hours=10)),
        (DELIVERED, end - dt.timedelta(hours=4)),
    ]


def stage(shipped_at, now, service_name=None, country=None, origin=None):
    """(stage, when) a shipment has reached at `now`; None before pick-up."""
    if shipped_at is None:
        return None
    reached = None
    now = _utc(now)
    for event in events(shipped_at, service_name, country, origin):
        if event[1] <= now:
            reached = event
    return reached
