"""A checked expression or templated text, compiled on first use."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jinja2 import Undefined, nodes
from jinja2.parser import Parser
from jinja2.utils import consume


@dataclass(frozen=True)
class Expression:
    """`source` has been checked; `reads` holds the dotted paths it reads.

    Compilation to Python code is deferred to the first evaluation and then
    kept, so loading many definitions stays fast and running stays cheap.
    """

    source: str
    template: bool = False
    names: frozenset = frozenset()
    reads: frozenset = frozenset()
    result: Any = field(default=None, compare=False, repr=False)
    environment: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def _compiled(self):
        if self.template:
            return self.environment.from_string(self.source)
        # What Jinja's compile_expression makes: a template that stores the
        # expression's value in 'result'.
        parser = Parser(self.environment, self.source, state="variable")
        expression = parser.parse_expression()
        expression.set_environment(self.environment)
        body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
        return self.environment.from_string(nodes.Template(body, lineno=1))

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value of the expression (or the rendered text) in `context`."""
        template = self._compiled
        if self.template:
            return template.render(context)
        # The values are read where they are, the functions behind them,
        # rather than copied into a new dictionary at every evaluation
        # (compile_expression copies them twice, and lists the globals):
        # writes go into the Jinja context's own variables, never into
        # `context`.
        environment = template.environment
        scope = environment.context_class(
            environment,
            ChainMap(context, template.globals),
            template.name,
            template.blocks,
        )
        consume(template.root_render_func(scope))
        value = scope.vars["result"]
        return None if isinstance(value, Undefined) else value

    def __str__(self) -> str:
        return self.source
