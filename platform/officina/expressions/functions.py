"""The functions a business user may call in expressions.

Each `Function` carries its implementation and what the checker needs: how
many arguments it takes, whether it aggregates many rows, what it returns.
Plugins add functions through the `officina_expression_functions` hook; the
built-in set below is registered the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from officina.expressions import types as t


@dataclass(frozen=True)
class Function:
    name: str
    call: Callable
    min_args: int
    max_args: int | None
    returns: str = "any"
    aggregate: bool = False  # takes rows or a column of rows as first argument
    doc: str = ""


def _present(values: Iterable) -> list:
    return [value for value in values if value is not None]


def _sum(values=()):
    total = 0
    for value in _present(values):
        total = total + value
    return total


def _count(values=()):
    return len(_present(values))


def _avg(values=()):
    present = _present(values)
    if not present:
        return None
    return _sum(present) / len(present)


def _min(*args):
    values = _present(args[0]) if len(args) == 1 else _present(args)
    return min(values) if values else None


def _max(*args):
    values = _present(args[0]) if len(args) == 1 else _present(args)
    return max(values) if values else None


def _round(value, digits=0):
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP)
    shifted = Decimal(str(value)).quantize(
        Decimal(1).scaleb(-int(digits)), rounding=ROUND_HALF_UP
    )
    return int(shifted) if digits == 0 else float(shifted)


# The name under which an expression's context holds the `Moment` it is
# evaluated at: set by the records layer, so that now() inside a write is
# the write's time (the records service's clock) and today() is the date in
# the site's timezone.
MOMENT = "_moment"


class Moment:
    """The time an expression is evaluated at, and that day's date in the
    site's timezone; made once per write, read by every now() and today()."""

    __slots__ = ("now", "today")

    def __init__(self, now: dt.datetime, zone: dt.tzinfo = dt.UTC):
        self.now = now
        self.today = now.astimezone(zone).date()


def _now(context):
    moment = context.get(MOMENT)
    return moment.now if moment is not None else dt.datetime.now(dt.UTC)


def _today(context):
    moment = context.get(MOMENT)
    return moment.today if moment is not None else dt.datetime.now(dt.UTC).date()


_now.needs_context = True
_today.needs_context = True


def _as_date(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


def _as_datetime(value):
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        return _as_datetime(dt.datetime.fromisoformat(value))
    return value


def _days_between(start, end):
    if start is None or end is None:
        return None
    return (_as_date(end) - _as_date(start)).days


def _hours_between(start, end):
    if start is None or end is None:
        return None
    return (_as_datetime(end) - _as_datetime(start)).total_seconds() / 3600


def _add_days(value, days):
    if value is None:
        return None
    return value + dt.timedelta(days=float(days))


def _add_hours(value, hours):
    if value is None:
        return None
    return _as_datetime(value) + dt.timedelta(hours=float(hours))


def _coalesce(*values):
    for value in values:
        if value not in (None, ""):
            return value
    return None


def _text(value):
    return "" if value is None else str(value)


def _number(value):
    if value in (None, ""):
        return None
    if isinstance(value, int | float | Decimal):
        return value
    return Decimal(str(value).strip())


def _contains(haystack, needle):
    if haystack is None:
        return False
    return needle in haystack


def _length(value):
    return 0 if value is None else len(value)


def _format_date(value, pattern="%Y-%m-%d"):
    if value is None:
        return ""
    return value.strftime(pattern)


def _part(name: str):
    def extract(value):
        return None if value is None else getattr(_as_date(value), name)

    return extract


def _weekday(value):
    return None if value is None else _as_date(value).isoweekday()


def _floor(value):
    return None if value is None else math.floor(value)


def _ceil(value):
    return None if value is None else math.ceil(value)


def _abs(value):
    return None if value is None else abs(value)


# The name under which an expression's context holds the records it may
# read (records.context.RecordCache): set by the records layer.
RECORDS = "_records"


def _lookup(context, entity, field, value, result):
    """`result` of the first `entity` record whose `field` is `value`; None
    when there is none (or no database to ask, as in checks)."""
    records = context.get(RECORDS)
    if records is None:
        return None
    return records.lookup(entity, field, value, result)


_lookup.needs_context = True


def _sum_of(context, entity, field, where=None):
    """The total of `field` over the `entity` records matching `where`
    (0 when none match, or with no database to ask, as in checks)."""
    records = context.get(RECORDS)
    if records is None:
        return 0
    return records.aggregate(entity, field, where)


def _count_of(context, entity, where=None):
    """How many `entity` records match `where`."""
    records = context.get(RECORDS)
    if records is None:
        return 0
    return records.aggregate(entity, None, where)


_sum_of.needs_context = True
_count_of.needs_context = True


def _join(values, separator=", "):
    return separator.join(str(value) for value in _present(values))


def _string(name: str):
    def apply(value, *args):
        return None if value is None else getattr(str(value), name)(*args)

    return apply


BUILTIN_FUNCTIONS: tuple[Function, ...] = (
    Function("sum", _sum, 1, 1, "number", True, "sum(lines.amount): total of a column"),
    Function("count", _count, 1, 1, "number", True, "count(lines): how many rows"),
    Function("avg", _avg, 1, 1, "number", True, "avg(lines.price): the mean"),
    Function("min", _min, 1, None, "any", True, "min(a, b) or min(lines.price)"),
    Function("max", _max, 1, None, "any", True, "max(a, b) or max(lines.price)"),
    Function("join", _join, 1, 2, "text", True, "join(lines.sku, ', ')"),
    Function("round", _round, 1, 2, "number", doc="round(x, 2)"),
    Function("abs", _abs, 1, 1, "number"),
    Function("floor", _floor, 1, 1, "number"),
    Function("ceil", _ceil, 1, 1, "number"),
    Function("now", _now, 0, 0, "datetime", doc="the current date and time (UTC)"),
    Function("today", _today, 0, 0, "date", doc="today's date in the site's timezone"),
    Function("days_between", _days_between, 2, 2, "number"),
    Function("hours_between", _hours_between, 2, 2, "number"),
    Function("add_days", _add_days, 2, 2, "date"),
    Function("add_hours", _add_hours, 2, 2, "datetime"),
    Function("year", _part("year"), 1, 1, "number"),
    Function("month", _part("month"), 1, 1, "number"),
    Function("day", _part("day"), 1, 1, "number"),
    Function("weekday", _weekday, 1, 1, "number", doc="1 = Monday ... 7 = Sunday"),
    Function("format_date", _format_date, 1, 2, "text"),
    Function("coalesce", _coalesce, 1, None, "any", doc="the first non-empty value"),
    Function("text", _text, 1, 1, "text"),
    Function("number", _number, 1, 1, "number"),
    Function("length", _length, 1, 1, "number"),
    Function("contains", _contains, 2, 2, "boolean"),
    Function("upper", _string("upper"), 1, 1, "text"),
    Function("lower", _string("lower"), 1, 1, "text"),
    Function("trim", _string("strip"), 1, 1, "text"),
    Function("starts_with", _string("startswith"), 2, 2, "boolean"),
    Function("ends_with", _string("endswith"), 2, 2, "boolean"),
    Function("replace", _string("replace"), 3, 3, "text"),
    Function(
        "lookup", _lookup, 4, 4, "any", doc="lookup('entity', 'field', value, 'result')"
    ),
    Function(
        "sum_of",
        _sum_of,
        2,
        3,
        "number",
        doc="sum_of('entity', 'field', {'field': value, ...})",
    ),
    Function(
        "count_of",
        _count_of,
        1,
        2,
        "number",
        doc="count_of('entity', {'field': value})",
    ),
)


def return_type(function: Function, arguments: list[t.Type]) -> t.Type:
    """The static type of a call, from the function and its argument types."""
    if function.name in ("min", "max", "coalesce") and arguments:
        first = arguments[0]
        if isinstance(first, t.Column) and isinstance(first.of, t.Value):
            return t.Value(first.of.kind)
        if isinstance(first, t.Value):
            return t.Value(first.kind)
        return t.ANY
    if (
        function.name in ("add_days",)
        and arguments
        and isinstance(arguments[0], t.Value)
    ):
        return t.Value(arguments[0].kind if arguments[0].kind != "any" else "date")
    return t.Value(function.returns)
