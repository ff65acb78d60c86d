"""The expression checker: names, fields, functions and choices are checked
at load time, against the scope an expression runs in."""

from __future__ import annotations

import pytest

from officina.expressions import types as t
from officina.expressions.checker import ExpressionChecker
from officina.expressions.environment import ExpressionEnvironment

ENTITIES = {
    "order": {
        "id": t.Value("number"),
        "status": t.Value("text", frozenset({"placed", "paid", "shipped"}), "status"),
        "customer": t.Record("customer"),
        "lines": t.Rows("order_line"),
        "total": t.Value("number"),
        "placed_at": t.Value("datetime"),
        "note": t.Value("text"),
    },
    "order_line": {
        "qty": t.Value("number"),
        "price": t.Value("number"),
        "product": t.Record("product"),
    },
    "customer": {"email": t.Value("text"), "name": t.Value("text")},
    "product": {"price": t.Value("number"), "sku": t.Value("text")},
}


@pytest.fixture
def check():
    checker = ExpressionChecker(ExpressionEnvironment(), ENTITIES.get)
    scope = dict(ENTITIES["order"], user=t.Record("customer"), old=t.Record("order"))

    def run(source: str, *, template: bool = False):
        expression, problems = checker.check(source, scope, template=template)
        return expression, [(p.message, p.hint) for p in problems]

    return run


@pytest.mark.parametrize(
    "source",
    [
        "sum(lines.qty)",
        "count(lines) > 0 and status == 'paid'",
        "customer.email",
        "max(lines.product.price)",
        "days_between(placed_at, now()) > 2",
        "status in ['placed', 'paid']",
        "old.status != status",
        "coalesce(note, 'none') ~ '!'",
        "total if total > 100 else 0",
        "note is none",
        "note|upper",
        "round(total * 1.2, 2)",
    ],
)
def test_sound_expressions_pass(check, source):
    expression, problems = check(source)
    assert problems == []
    assert expression.source == source


@pytest.mark.parametrize(
    ("source", "message", "hint"),
    [
        ("totl > 3", "unknown name 'totl'", "did you mean 'total'?"),
        (
            "customer.emial",
            "'customer' (customer) has no field 'emial'",
            "did you mean 'email'?",
        ),
        ("summ(lines.qty)", "unknown function 'summ'", "did you mean 'sum'?"),
        (
            "lines.qty > 3",
            "a comparison gives many rows (lines.qty), not one value",
            "aggregate them, e.g. sum(...), count(...), min(...) or max(...)",
        ),
        (
            "status == 'shiped'",
            "'shiped' is not an option of 'status'",
            "did you mean 'shipped'?",
        ),
        (
            "note.upper()",
            "'note.upper(...)' cannot be called: only functions can",
            "use a function such as upper(name) instead of name.upper()",
        ),
        (
            "total.amount",
            "'total' is a number value and has no field 'amount'",
            "only references to other records have fields",
        ),
        ("round()", "round() takes 1 to 2 arguments, not 0", "round(x, 2)"),
        (
            "customer.__class__",
            "'__class__' cannot be used: names starting with '_' are private",
            "",
        ),
        ("now", "'now' is a function; call it with brackets", "write now(...)"),
        (
            "sum(total)",
            "sum() needs many rows, such as lines.amount",
            "sum(lines.amount): total of a column",
        ),
    ],
)
def test_mistakes_are_named_with_a_hint(check, source, message, hint):
    expression, problems = check(source)
    assert expression is None
    assert (message, hint) in problems


def test_syntax_errors_suggest_double_equals(check):
    _, problems = check("status = 'paid'")
    ((message, hint),) = problems
    assert message.startswith("the expression 'status = 'paid'' cannot be read")
    assert hint == "compare with '==', not '='"


def test_templated_text_checks_names_in_every_part(check):
    _, problems = check("Order {{ numbr }} for {{ customer.nam }}", template=True)
    assert [message for message, _ in problems] == [
        "unknown name 'numbr'",
        "'customer' (customer) has no field 'nam'",
    ]


def test_loops_in_templates_bring_their_variable_into_scope(check):
    expression, problems = check(
        "{% for line in lines %}{{ line.qty }} x {{ line.product.sku }}{% endfor %}",
        template=True,
    )
    assert problems == []
    _, problems = check(
        "{% for line in lines %}{{ line.qtty }}{% endfor %}", template=True
    )
    assert problems == [
        ("'line' (order_line) has no field 'qtty'", "did you mean 'qty'?")
    ]


def test_reads_record_what_an_expression_depends_on(check):
    expression, _ = check("sum(lines.qty) + total + length(customer.name)")
    assert ("lines", "qty") in expression.reads
    assert ("total",) in expression.reads


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1" * 60_000, "cannot be read: ValueError"),
        ("(" * 5_000 + "1" + ")" * 5_000, "cannot be read: RecursionError"),
        ("+".join(["1"] * 3_000), "is nested too deeply"),
    ],
)
def test_absurd_expressions_are_problems_not_crashes(check, source, message):
    expression, problems = check(source)
    assert expression is None
    assert message in problems[0][0]
