"""Which entities an expression reads through the functions it calls (say,
whether a formula reads other records with `sum_of`)."""

from __future__ import annotations

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.parser import Parser

from officina.expressions.expression import Expression


def entities_read(expression: Expression, functions) -> frozenset[str] | None:
    """The entities named by the calls of `functions` (such as sum_of), whose
    first argument is the entity; None when one is not written out."""
    found = set()
    for name, call in _calls(expression):
        if name not in functions:
            continue
        first = call.args[0] if call.args else None
        if not isinstance(first, nodes.Const) or not isinstance(first.value, str):
            return None
        found.add(first.value)
    return frozenset(found)


def _calls(expression: Expression) -> list[tuple[str, nodes.Call]]:
    environment = expression.environment
    if environment is None:
        return []
    try:
        if expression.template:
            tree = environment.parse(expression.source)
        else:
            tree = Parser(environment, expression.source, state="variable")
            tree = tree.parse_expression()
    except TemplateSyntaxError:
        return []  # checked when loaded: not expected
    calls = [tree] if isinstance(tree, nodes.Call) else []  # find_all skips it
    calls += tree.find_all(nodes.Call)
    return [
        (call.node.name, call) for call in calls if isinstance(call.node, nodes.Name)
    ]
