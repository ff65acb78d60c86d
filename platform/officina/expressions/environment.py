"""The sandboxed Jinja2 environment every expression and template runs in.

Two guards stand beside the load-time checker: attribute access reaches only
the fields of records handed in by the engine, and only registered functions
can be called. No user text is ever passed to Python's eval or exec.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from jinja2 import ChainableUndefined, Undefined, pass_context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from officina.expressions.functions import BUILTIN_FUNCTIONS, Function
from officina.expressions.runtime import Row, Rows

# Results larger than this (text or list repetition, powers) are refused, so an
# expression cannot exhaust memory: 'x' * 10**9 fails instead of allocating.
MAX_REPEAT = 100_000
MAX_EXPONENT = 1_000


class ExpressionEnvironment(ImmutableSandboxedEnvironment):
    """A sandbox whose globals are exactly the registered functions."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(
        self,
        functions: Iterable[Function] = BUILTIN_FUNCTIONS,
        *,
        filters: Iterable[Function] = (),
        **options,
    ):
        """`functions` can be called and used as filters; `filters` (the
        plugins' template filters) only as filters: `value | name(...)`."""
        options.setdefault("undefined", ChainableUndefined)
        options.setdefault("autoescape", False)
        super().__init__(**options)
        registered = {}
        for function in functions:
            registered[function.name] = function
        self.functions: Mapping[str, Function] = MappingProxyType(registered)
        as_filters = dict(registered)
        for function in filters:
            as_filters[function.name] = function
        self.filter_functions: Mapping[str, Function] = MappingProxyType(as_filters)
        self._callables = frozenset(id(f.call) for f in registered.values())
        self.globals.clear()
        self.filters.clear()
        self.globals.update({name: f.call for name, f in registered.items()})
        self.filters.update(
            {name: _as_filter(f.call) for name, f in as_filters.items()}
        )

    def call_binop(self, context, operator, left, right):
        if operator == "**":
            if isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
                raise SecurityError(f"the power {right} is too large")
            return left**right
        for count, sequence in ((left, right), (right, left)):
            if (
                isinstance(sequence, str | list | tuple)
                and isinstance(count, int)
                and count * max(len(sequence), 1) > MAX_REPEAT
            ):
                raise SecurityError("the repeated text would be too long")
        return left * right

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return isinstance(obj, Row | Rows) and not attr.startswith("_")

    def is_safe_callable(self, obj) -> bool:
        return id(obj) in self._callables

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja's signature
        if not __self.is_safe_callable(__obj):
            raise SecurityError("only registered functions can be called")
        # Jinja >= 3.1.5 passes the variables of the enclosing {% block %}
        # to calls made inside it; they are Jinja's, not the function's.
        kwargs.pop("_block_vars", None)
        args, kwargs = _defined(args, kwargs)
        if getattr(__obj, "needs_context", False):  # e.g. lookup(): reads records
            return __obj(__context, *args, **kwargs)
        return __obj(*args, **kwargs)


def _defined(args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """The arguments with Jinja's Undefined made None. A field read through
    an empty reference (`product.supplier.lead_time_days` of a product
    without a supplier) is Undefined; functions are written for None, so
    `coalesce(product.supplier.lead_time_days, 7)` gives 7."""
    if any(isinstance(value, Undefined) for value in args):
        args = tuple(None if isinstance(value, Undefined) else value for value in args)
    if any(isinstance(value, Undefined) for value in kwargs.values()):
        kwargs = {
            name: None if isinstance(value, Undefined) else value
            for name, value in kwargs.items()
        }
    return args, kwargs


def _as_filter(call):
    """A function as a filter. One that reads the expression's context (as
    lookup() and now() do: `needs_context`) is handed it by Jinja, as `call`
    hands it to a function called."""
    if not getattr(call, "needs_context", False):

        def plain(*args, **kwargs):
            args, kwargs = _defined(args, kwargs)
            return call(*args, **kwargs)

        return plain

    @pass_context
    def with_context(context, *args, **kwargs):
        args, kwargs = _defined(args, kwargs)
        return call(context, *args, **kwargs)

    return with_context
