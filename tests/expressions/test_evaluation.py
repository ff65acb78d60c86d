"""Evaluating checked expressions, and the sandbox that guards them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from jinja2.sandbox import SecurityError

from officina.expressions import types as t
from officina.expressions.checker import ExpressionChecker
from officina.expressions.environment import ExpressionEnvironment
from officina.expressions.runtime import Row, wrap

TYPES = {
    "order": {
        "lines": t.Rows("line"),
        "placed_at": t.Value("date"),
        "note": t.Value("text"),
        "customer": t.Record("customer"),
        "status": t.Value("text"),
    },
    "line": {
        "qty": t.Value("number"),
        "price": t.Value("number"),
        "items": t.Value("number"),
        "count": t.Value("number"),
    },
    "customer": {"email": t.Value("text")},
}
ORDER = wrap(
    {
        "lines": [
            {"qty": 2, "price": Decimal("9.95"), "items": 1, "count": 4},
            {"qty": 1, "price": Decimal("0.10"), "items": 2, "count": 5},
            {"qty": None, "price": Decimal("3.00"), "items": 3, "count": 6},
        ],
        "placed_at": dt.date(2026, 11, 20),
        "note": "fragile",
        "customer": {"email": "ana@example.com"},
        "status": "paid",
    }
)


@pytest.fixture
def evaluate():
    environment = ExpressionEnvironment()
    checker = ExpressionChecker(environment, TYPES.get)
    scope = dict(TYPES["order"])

    def run(source, context=None, *, template=False):
        expression, problems = checker.check(source, scope, template=template)
        assert problems == []
        values = {
            "lines": ORDER.lines,
            "placed_at": ORDER.placed_at,
            "note": ORDER.note,
            "customer": ORDER.customer,
            "status": ORDER.status,
        }
        values.update(context or {})
        return expression.evaluate(values)

    return run


def test_aggregates_over_child_rows_keep_exact_decimals(evaluate):
    assert evaluate("sum(lines.price)") == Decimal("13.05")
    assert evaluate("count(lines)") == 3
    assert evaluate("sum(lines.qty)") == 3  # empty values are skipped
    assert evaluate("max(lines.price)") == Decimal("9.95")


def test_field_names_never_collide_with_methods(evaluate):
    # 'items' and 'count' are fields here, not dict/list methods.
    assert evaluate("sum(lines.items)") == 6
    assert evaluate("sum(lines.count)") == 15


def test_dates_and_functions(evaluate):
    assert evaluate("days_between(placed_at, add_days(placed_at, 7))") == 7
    assert evaluate("upper(note) ~ '!'") == "FRAGILE!"
    assert evaluate("coalesce(none, '', 'x')") == "x"
    assert evaluate("round(2.345, 2)") == 2.35


def test_navigation_through_an_empty_reference_gives_nothing(evaluate):
    assert evaluate("customer.email", {"customer": None}) is None


def test_functions_take_a_field_through_an_empty_reference_as_empty(evaluate):
    # A product without a supplier: coalesce() falls back to the default
    # lead time instead of handing on the missing value.
    empty = {"customer": None}
    assert evaluate("coalesce(customer.email, 'no e-mail')", empty) == "no e-mail"
    assert evaluate("customer.email | coalesce('no e-mail')", empty) == "no e-mail"
    assert evaluate("length(customer.email)", empty) == 0
    assert evaluate("max(customer.email, 'x')", empty) == "x"


def test_templated_text_renders(evaluate):
    text = evaluate(
        "Order for {{ customer.email }}: {{ count(lines) }} lines", template=True
    )
    assert text == "Order for ana@example.com: 3 lines"


def test_sandbox_refuses_huge_repetition(evaluate):
    with pytest.raises(SecurityError):
        evaluate("note * 100000000")
    with pytest.raises(SecurityError):
        evaluate("2 ** 100000")


def test_sandbox_blocks_what_the_checker_would_refuse():
    environment = ExpressionEnvironment()
    # Compiled directly, bypassing the checker: the sandbox still holds.
    steal = environment.compile_expression("note.__class__.__mro__")
    assert steal(note="x") is None
    call = environment.compile_expression("note.upper()")
    with pytest.raises(SecurityError):
        call(note="x")


def test_rows_are_read_only():
    row = Row({"qty": 1})
    with pytest.raises(AttributeError):
        row.qty = 2
