"""A checked expression or templated text, compiled on first use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from jinja2 import Undefined


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
        return self.environment.compile_expression(self.source, undefined_to_none=True)

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        """The value of the expression (or the rendered text) in `context`."""
        if self.template:
            return self._compiled.render(context)
        value = self._compiled(**context)
        return None if isinstance(value, Undefined) else value

    def __str__(self) -> str:
        return self.source
