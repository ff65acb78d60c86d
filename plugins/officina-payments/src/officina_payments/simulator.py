"""A deterministic payment gateway: what the provider would answer.

Pure functions, no state in the process: everything a later step needs
(the kind of transaction, the amount in cents, which order it belongs to)
travels in the payment reference the record keeps, signed so that an edited
or foreign reference is recognised:

    SIM-AUTH-<cents>-<signature>   an authorisation of <cents>
    SIM-CAPT-<cents>-<signature>   a capture of <cents>
    SIM-VOID-<cents>-<signature>   a voided authorisation
    SIM-RFND-<cents>-<signature>   a refund of <cents>

Test cards (any Luhn-valid number; spaces and dashes are ignored):

    4242 4242 4242 4242, 5555 5555 5555 4444, ...   authorised
    ... ending 0002 (4000 0000 0000 0002)             declined: insufficient funds
    ... ending 0069 (4000 0000 0000 0069)             declined: expired card
    ... ending 0119 (4000 0000 0000 0119)             the provider times out
    a number failing the Luhn check                   declined: invalid card number

Other methods (paypal, alipay, wechat_pay, bank_transfer), and cards when no
card number is known, are decided by the cents of the amount:

    .02   declined: insufficient funds
    .19   the provider times out
    else  authorised
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

AUTHORIZED, DECLINED, TIMEOUT = "authorized", "declined", "timeout"
CAPTURED, VOIDED, REFUNDED = "captured", "voided", "refunded"

INSUFFICIENT_FUNDS = "insufficient funds"
EXPIRED_CARD = "expired card"
INVALID_CARD = "invalid card number"
TIMEOUT_REASON = "payment provider timed out"

# Card endings with a fixed answer (the rest of a valid number is free).
CARD_ENDINGS = {
    "0002": (DECLINED, INSUFFICIENT_FUNDS),
    "0069": (DECLINED, EXPIRED_CARD),
    "0119": (TIMEOUT, TIMEOUT_REASON),
}
# Cents of the amount with a fixed answer, for the other methods.
AMOUNT_CENTS = {
    2: (DECLINED, INSUFFICIENT_FUNDS),
    19: (TIMEOUT, TIMEOUT_REASON),
}
METHODS = ("card", "paypal", "alipay", "wechat_pay", "bank_transfer")
KINDS = {"AUTH": AUTHORIZED, "CAPT": CAPTURED, "VOID": VOIDED, "RFND": REFUNDED}
_REFERENCE = re.compile(r"^SIM-(AUTH|CAPT|VOID|RFND)-(\d+)-([0-9A-F]{12})$")
_SEPARATORS = re.compile(r"[\s-]+")


class PaymentError(ValueError):
    """A request the provider refuses outright (unknown reference, an amount
    above what was authorised): retrying does not help."""


@dataclass(frozen=True)
class Outcome:
    """The provider's answer: a status, the new reference, and a reason for
    a decline or a timeout."""

    status: str
    reference: str | None = None
    reason: str | None = None


# -- cards ------------------------------------------------------------------
def card_digits(text) -> str | None:
    """The digits of a card number (12 to 19 of them, spaces and dashes
    allowed), or None when `text` is not one."""
    if text is None:
        return None
    digits = _SEPARATORS.sub("", str(text))
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return None
    return digits


def luhn_valid(number) -> bool:
    """Whether a card number passes the Luhn check (mod 10)."""
    digits = card_digits(number)
    if digits is None:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def masked(number) -> str:
    digits = card_digits(number) or ""
    return f"card ending {digits[-4:]}" if digits else "card"


# -- amounts and references ----------------------------------------------------
def cents(amount) -> int:
    """An amount (number or text) in cents; PaymentError when it is not
    a positive amount."""
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise PaymentError(f"'{amount}' is not an amount") from None
    if value <= 0:
        raise PaymentError(f"the amount must be more than 0 (got {amount})")
    return int(value * 100)


def signature(kind: str, order, amount_cents: int) -> str:
    text = f"officina-payments-simulator\x1f{kind}\x1f{order}\x1f{amount_cents}"
    return hashlib.sha256(text.encode()).hexdigest()[:12].upper()


def reference(kind: str, order, amount_cents: int) -> str:
    """A reference the simulator recognises later: `SIM-AUTH-49900-1A2B...`."""
    return f"SIM-{kind}-{amount_cents}-{signature(kind, order, amount_cents)}"


def parse_reference(text, order) -> tuple[str, int]:
    """(kind, cents) of a simulator reference of this order; PaymentError
    for anything else."""
    match = _REFERENCE.match(str(text or "").strip())
    if match is None:
        raise PaymentError(f"'{text}' is not a payment reference of the simulator")
    kind, amount_cents = match.group(1), int(match.group(2))
    if match.group(3) != signature(kind, order, amount_cents):
        raise PaymentError(f"the payment reference '{text}' is not one of {order}")
    return kind, amount_cents


# -- the operations ------------------------------------------------------------------
def authorize(order, amount, method: str = "card", card=None) -> Outcome:
    """Authorise `amount` for `order`: authorised (with a SIM-AUTH
    reference), declined (with a reason), or timed out."""
    amount_cents = cents(amount)
    method = method or "card"
    if method not in METHODS:
        return Outcome(DECLINED, reason=f"payment method '{method}' is not supported")
    if method == "card" and card is not None and str(card).strip():
        if not luhn_valid(card):
            return Outcome(DECLINED, reason=INVALID_CARD)
        answer = CARD_ENDINGS.get(card_digits(card)[-4:])
    else:
        answer = AMOUNT_CENTS.get(amount_cents % 100)
    if answer is not None:
        status, reason = answer
        return Outcome(status, reason=reason)
    return Outcome(AUTHORIZED, reference("AUTH", order, amount_cents))


def capture(order, amount, reference_text) -> Outcome:
    """Capture (part of) an authorisation."""
    kind, authorised = parse_reference(reference_text, order)
    if kind != "AUTH":
        raise PaymentError(
            f"only an authorisation can be captured; '{reference_text}' is "
            f"{KINDS[kind]}"
        )
    amount_cents = authorised if amount in (None, "") else cents(amount)
    if amount_cents > authorised:
        raise PaymentError(
            f"cannot capture {amount_cents / 100:.2f}: only "
            f"{authorised / 100:.2f} was authorised"
        )
    return Outcome(CAPTURED, reference("CAPT", order, amount_cents))


def void(order, reference_text) -> Outcome:
    """Release an authorisation that was not captured."""
    kind, authorised = parse_reference(reference_text, order)
    if kind != "AUTH":
        raise PaymentError(
            f"only an authorisation can be voided; '{reference_text}' is {KINDS[kind]}"
        )
    return Outcome(VOIDED, reference("VOID", order, authorised))


def refund(order, amount, reference_text) -> Outcome:
    """Refund (part of) a capture."""
    kind, captured = parse_reference(reference_text, order)
    if kind != "CAPT":
        raise PaymentError(
            f"only a captured payment can be refunded; '{reference_text}' is "
            f"{KINDS[kind]}"
        )
    amount_cents = captured if amount in (None, "") else cents(amount)
    if amount_cents > captured:
        raise PaymentError(
            f"cannot refund {amount_cents / 100:.2f}: only "
            f"{captured / 100:.2f} was captured"
        )
    return Outcome(REFUNDED, reference("RFND", order, amount_cents))
