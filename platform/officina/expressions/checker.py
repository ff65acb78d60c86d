"""Checks an expression or templated text against the names it may use.

The source is parsed with Jinja2's own parser, then every name, field access,
call and comparison is checked against the scope: the fields of the record,
`user`, `old`, loop variables and the registered functions. What is found
wrong comes back as (message, hint) pairs; nothing is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from jinja2 import nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.parser import Parser

from officina.errors import one_of, suggest
from officina.expressions import types as t
from officina.expressions.environment import ExpressionEnvironment
from officina.expressions.expression import Expression
from officina.expressions.functions import return_type

_ARITHMETIC = (
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Pow,
)
_ALLOWED_TESTS = {
    "none",
    "defined",
    "undefined",
    "number",
    "string",
    "even",
    "odd",
    "divisibleby",
    "true",
    "false",
    "in",
}
_TEMPLATE_STATEMENTS = (
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.For,
    nodes.Assign,
)
_FILE_STATEMENTS = _TEMPLATE_STATEMENTS + (nodes.Block, nodes.Extends, nodes.Include)


class ExpressionProblem(NamedTuple):
    """What is wrong, how to fix it, and the line of the text it is on."""

    message: str
    hint: str = ""
    line: int = 1


class ExpressionChecker:
    """Checks sources against scopes; one per definitions load."""

    def __init__(self, environment: ExpressionEnvironment, resolver: t.FieldResolver):
        self.environment = environment
        self.resolver = resolver

    def check(
        self,
        source: str,
        scope: Mapping[str, t.Type],
        *,
        template: bool = False,
        template_file: bool = False,
        many: bool = False,
    ) -> tuple[Expression | None, list[ExpressionProblem]]:
        """An `Expression` when `source` is sound, and the problems found.

        `many` allows the result to be many rows (`for_each: lines`).
        """
        run = _Run(self, scope)
        try:
            if template or template_file:
                tree = self.environment.parse(source)
            else:
                parser = Parser(self.environment, source, state="variable")
                tree = parser.parse_expression()
                if not parser.stream.eos:
                    token = parser.stream.current
                    raise TemplateSyntaxError(
                        f"unexpected '{token.value}' after the expression",
                        token.lineno,
                    )
        except TemplateSyntaxError as error:
            return None, [_syntax(error, source)]
        except (ValueError, RecursionError, MemoryError) as error:
            # Jinja's lexer and parser on absurd input: a number of 60,000
            # digits, brackets nested thousands deep.
            return None, [
                ExpressionProblem(
                    f"the expression '{_short(source)}' cannot be read: "
                    f"{type(error).__name__}",
                    "shorten it: numbers of at most a few dozen digits, brackets "
                    "nested a few levels deep",
                )
            ]
        try:
            if template or template_file:
                run.statements(
                    tree.body,
                    _FILE_STATEMENTS if template_file else _TEMPLATE_STATEMENTS,
                )
                result_type = t.Value("text")
            else:
                result_type = run.infer(tree)
                if isinstance(result_type, t.Rows | t.Column) and not many:
                    run.problem(*_many_rows(result_type, "the expression"))
        except RecursionError:
            return None, [
                ExpressionProblem(
                    f"the expression '{_short(source)}' is nested too deeply",
                    "split it into several fields or conditions",
                )
            ]
        if run.problems:
            return None, run.problems
        expression = Expression(
            source=source,
            template=template or template_file,
            names=frozenset(path[0] for path in run.reads),
            reads=frozenset(run.reads),
            result=result_type,
            environment=self.environment,
        )
        return expression, []


def _syntax(error: TemplateSyntaxError, source: str) -> ExpressionProblem:
    message = error.message or "syntax error"
    hint = "check the brackets and quotes; compare with '==', not '='"
    if (
        "unexpected '='" in message
        or "expected token 'end of print statement'" in message
    ):
        hint = "compare with '==', not '='"
    if "unexpected end of" in message:
        hint = "a bracket or quote is not closed"
    if "{{" in source or "}}" in source:
        hint = "write the expression without {{ }}, e.g. price * quantity"
    return ExpressionProblem(
        f"the expression '{_short(source)}' cannot be read: {message}",
        hint,
        error.lineno or 1,
    )


def _short(source: str) -> str:
    one_line = " ".join(source.split())
    return one_line if len(one_line) <= 60 else one_line[:57] + "..."


def _many_rows(kind: t.Type, what: str) -> tuple[str, str]:
    source = kind.source if isinstance(kind, t.Column) else "the rows"
    return (
        f"{what} gives many rows ({source}), not one value",
        "aggregate them, e.g. sum(...), count(...), min(...) or max(...)",
    )


class _Run:
    def __init__(self, checker: ExpressionChecker, scope: Mapping[str, t.Type]):
        self.checker = checker
        self.functions = checker.environment.functions
        self.scope = dict(scope)
        self.problems: list[ExpressionProblem] = []
        self.line = 1
        self.reads: set[tuple[str, ...]] = set()
        self.locals: set[str] = set()

    def problem(self, message: str, hint: str = "") -> None:
        problem = ExpressionProblem(message, hint, self.line)
        if problem not in self.problems:
            self.problems.append(problem)

    # -- templated text -------------------------------------------------
    def statements(self, body, allowed) -> None:
        for node in body:
            self.line = getattr(node, "lineno", None) or self.line
            if not isinstance(node, allowed):
                kind = type(node).__name__.lower()
                self.problem(
                    f"'{kind}' is not allowed in templated text",
                    "use {{ value }}, {% if %} and {% for %} only",
                )
                continue
            if isinstance(node, nodes.Output):
                for item in node.nodes:
                    if not isinstance(item, nodes.TemplateData):
                        self.value(item, "a value shown in text")
            elif isinstance(node, nodes.If):
                self.infer(node.test)
                self.statements(node.body, allowed)
                for branch in node.elif_:
                    self.infer(branch.test)
                    self.statements(branch.body, allowed)
                self.statements(node.else_, allowed)
            elif isinstance(node, nodes.For):
                iterated = self.infer(node.iter)
                saved = dict(self.scope)
                item = (
                    t.Record(iterated.entity) if isinstance(iterated, t.Rows) else t.ANY
                )
                for target in _targets(node.target):
                    self.scope[target.name] = item
                self.scope["loop"] = t.ANY
                self.statements(node.body, allowed)
                self.statements(node.else_, allowed)
                self.scope = saved
            elif isinstance(node, nodes.Assign):
                self.infer(node.node)
                for target in _targets(node.target):
                    self.scope[target.name] = t.ANY
            elif isinstance(node, nodes.Block):
                self.statements(node.body, allowed)

    # -- expressions ----------------------------------------------------
    def value(self, node, what: str) -> t.Type:
        kind = self.infer(node)
        if isinstance(kind, t.Rows | t.Column):
            self.problem(*_many_rows(kind, what))
        return kind

    def infer(self, node) -> t.Type:  # noqa: C901 - one branch per node kind
        self.line = getattr(node, "lineno", None) or self.line
        if isinstance(node, nodes.Const):
            return _const_type(node.value)
        if isinstance(node, nodes.TemplateData):
            return t.Value("text")
        if isinstance(node, nodes.Name):
            return self.name(node)
        if isinstance(node, nodes.Getattr):
            return self.attribute(node.node, node.attr)
        if isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
                return self.attribute(node.node, node.arg.value)
            base = self.infer(node.node)
            self.infer(node.arg)
            return t.Record(base.entity) if isinstance(base, t.Rows) else t.ANY
        if isinstance(node, nodes.Call):
            return self.call(node)
        if isinstance(node, nodes.Filter):
            return self.filter(node)
        if isinstance(node, nodes.Test):
            self.infer(node.node)
            if node.name not in _ALLOWED_TESTS:
                self.problem(
                    f"'is {node.name}' is not a known test",
                    suggest(node.name, _ALLOWED_TESTS) or one_of(_ALLOWED_TESTS),
                )
            for argument in node.args:
                self.infer(argument)
            return t.Value("boolean")
        if isinstance(node, nodes.Compare):
            return self.compare(node)
        if isinstance(node, nodes.And | nodes.Or):
            self.value(node.left, "a condition")
            self.value(node.right, "a condition")
            return t.Value("boolean")
        if isinstance(node, nodes.Not):
            self.value(node.node, "a condition")
            return t.Value("boolean")
        if isinstance(node, nodes.Neg | nodes.Pos):
            return self.value(node.node, "a number")
        if isinstance(node, _ARITHMETIC):
            left = self.value(node.left, "a calculation")
            right = self.value(node.right, "a calculation")
            return _arithmetic_type(node, left, right)
        if isinstance(node, nodes.Concat):
            for part in node.nodes:
                self.value(part, "joined text")
            return t.Value("text")
        if isinstance(node, nodes.CondExpr):
            self.value(node.test, "a condition")
            chosen = self.infer(node.expr1)
            if node.expr2 is not None:
                self.infer(node.expr2)
            return chosen
        if isinstance(node, nodes.List | nodes.Tuple):
            for item in node.items:
                self.value(item, "a list item")
            return t.Value("list")
        if isinstance(node, nodes.Dict):
            for pair in node.items:
                self.value(pair.key, "a key")
                self.value(pair.value, "a value")
            return t.ANY
        self.problem(
            f"'{type(node).__name__}' is not allowed in expressions",
            "use names, values, operators and functions",
        )
        return t.ANY

    def name(self, node: nodes.Name) -> t.Type:
        if node.name in self.scope:
            self.reads.add((node.name,))
            return self.scope[node.name]
        if node.name in self.functions:
            self.problem(
                f"'{node.name}' is a function; call it with brackets",
                f"write {node.name}(...)",
            )
            return t.ANY
        self.problem(
            f"unknown name '{node.name}'",
            suggest(node.name, self.scope) or one_of(self.scope),
        )
        return t.ANY

    def path(self, node) -> tuple[str, ...] | None:
        if isinstance(node, nodes.Name):
            return (node.name,)
        if isinstance(node, nodes.Getattr):
            base = self.path(node.node)
            return None if base is None else base + (node.attr,)
        return None

    def attribute(self, base_node, attr: str) -> t.Type:
        base = self.infer(base_node)
        base_path = self.path(base_node)
        if base_path is not None:
            self.reads.discard(base_path)
            self.reads.add(base_path + (attr,))
        if attr.startswith("_"):
            self.problem(
                f"'{attr}' cannot be used: names starting with '_' are private"
            )
            return t.ANY
        if isinstance(base, t.Record | t.Rows):
            field = self.field_of(base.entity, attr, base_path)
            if isinstance(base, t.Rows):
                source = ".".join(base_path + (attr,)) if base_path else attr
                if isinstance(field, t.Rows):
                    self.problem(
                        f"'{source}' reaches rows inside rows",
                        "aggregate each level with a formula field",
                    )
                    return t.ANY
                return t.Column(field, source)
            return field
        if isinstance(base, t.Column):
            if isinstance(base.of, t.Record):
                field = self.field_of(base.of.entity, attr, base_path)
                if isinstance(field, t.Value | t.Record):
                    return t.Column(field, f"{base.source}.{attr}")
            return t.ANY
        if isinstance(base, t.Value) and base.kind not in ("any",):
            shown = ".".join(base_path) if base_path else "this value"
            self.problem(
                f"'{shown}' is {t.describe(base)} and has no field '{attr}'",
                "only references to other records have fields",
            )
        return t.ANY

    def field_of(self, entity: str, attr: str, base_path) -> t.Type:
        fields = self.checker.resolver(entity)
        if fields is None:
            return t.ANY
        if attr in fields:
            return fields[attr]
        shown = ".".join(base_path) if base_path else entity
        self.problem(
            f"'{shown}' ({entity}) has no field '{attr}'",
            suggest(attr, fields) or one_of(fields),
        )
        return t.ANY

    def call(self, node: nodes.Call) -> t.Type:
        if not isinstance(node.node, nodes.Name):
            target = self.path(node.node)
            shown = ".".join(target) if target else "this"
            self.problem(
                f"'{shown}(...)' cannot be called: only functions can",
                "use a function such as upper(name) instead of name.upper()",
            )
            return t.ANY
        name = node.node.name
        function = self.functions.get(name)
        if function is None:
            self.problem(
                f"unknown function '{name}'",
                suggest(name, self.functions) or one_of(self.functions),
            )
            for argument in node.args:
                self.infer(argument)
            return t.ANY
        if node.kwargs or node.dyn_args or node.dyn_kwargs:
            self.problem(f"{name}() takes its arguments in order, without names")
        return self.apply(function, list(node.args))

    def filter(self, node: nodes.Filter) -> t.Type:
        filters = self.checker.environment.filter_functions
        function = filters.get(node.name)
        if function is None:
            self.problem(
                f"unknown filter '{node.name}'",
                suggest(node.name, filters) or one_of(filters),
            )
            return t.ANY
        arguments = ([node.node] if node.node is not None else []) + list(node.args)
        return self.apply(function, arguments)

    def apply(self, function, arguments: list) -> t.Type:
        count = len(arguments)
        if count < function.min_args or (
            function.max_args is not None and count > function.max_args
        ):
            self.problem(
                f"{function.name}() takes {_arity(function)}, not {count}",
                function.doc,
            )
        kinds = []
        for index, argument in enumerate(arguments):
            if index == 0 and function.aggregate:
                kind = self.infer(argument)
                if (
                    count == 1
                    and not isinstance(kind, t.Rows | t.Column)
                    and isinstance(kind, t.Value)
                    and kind.kind not in ("any", "list")
                    and function.name in ("sum", "count", "avg", "join")
                ):
                    self.problem(
                        f"{function.name}() needs many rows, such as lines.amount",
                        function.doc,
                    )
            else:
                kind = self.value(argument, f"an argument of {function.name}()")
            kinds.append(kind)
        if function.name == "lookup":
            self.lookup(arguments)
        elif function.name in ("sum_of", "count_of"):
            self.records_of(function, arguments)
        return return_type(function, kinds)

    def lookup(self, arguments) -> None:
        if len(arguments) != 4:
            return
        entity, field, _, result = arguments
        if not isinstance(entity, nodes.Const) or not isinstance(entity.value, str):
            self.problem("lookup() needs the entity name as quoted text")
            return
        fields = self.checker.resolver(entity.value)
        if fields is None:
            self.problem(f"lookup() names an unknown entity '{entity.value}'")
            return
        for argument in (field, result):
            # Written out, so that what an expression may read is known when
            # it loads (a name put together at run time could be any column).
            if not isinstance(argument, nodes.Const) or not isinstance(
                argument.value, str
            ):
                self.problem(
                    "lookup() needs the fields to match and to give as quoted text",
                    "lookup('entity', 'field', value, 'result')",
                )
            elif argument.value not in fields:
                self.problem(
                    f"lookup(): '{entity.value}' has no field '{argument.value}'",
                    suggest(argument.value, fields) or one_of(fields),
                )

    def records_of(self, function, arguments) -> None:
        """sum_of('entity', 'field', {filter}) and count_of('entity',
        {filter}): the entity, the field added up and the fields the filter
        names must exist (the operators are checked when it runs)."""
        name = function.name
        if not arguments:
            return
        entity = arguments[0]
        if not isinstance(entity, nodes.Const) or not isinstance(entity.value, str):
            self.problem(f"{name}() needs the entity name as quoted text", function.doc)
            return
        fields = self.checker.resolver(entity.value)
        if fields is None:
            self.problem(f"{name}() names an unknown entity '{entity.value}'")
            return
        rest = list(arguments[1:])
        if name == "sum_of" and rest:
            field = rest.pop(0)
            if not isinstance(field, nodes.Const) or not isinstance(field.value, str):
                self.problem("sum_of() needs the field to add up as quoted text")
            elif field.value not in fields:
                self.problem(
                    f"sum_of(): '{entity.value}' has no field '{field.value}'",
                    suggest(field.value, fields) or one_of(fields),
                )
            elif fields[field.value] != t.Value("number"):
                self.problem(
                    f"sum_of(): '{field.value}' of '{entity.value}' is not a number",
                    "add up a number field, or count the records with count_of()",
                )
        if not rest:
            return
        where = rest[0]
        if not isinstance(where, nodes.Dict):
            self.problem(
                f"{name}() takes its filter as a mapping such as {{'status': 'open'}}",
                function.doc,
            )
            return
        for pair in where.items:
            key = pair.key
            if not isinstance(key, nodes.Const) or not isinstance(key.value, str):
                self.problem(f"{name}(): the filter's keys must be quoted field names")
            elif key.value not in fields:
                self.problem(
                    f"{name}(): '{entity.value}' has no field '{key.value}'",
                    suggest(key.value, fields) or one_of(fields),
                )

    def compare(self, node: nodes.Compare) -> t.Type:
        left = self.value(node.expr, "a comparison")
        left_node = node.expr
        for operand in node.ops:
            right = self.infer(operand.expr)
            if operand.op in ("in", "notin"):
                self._check_options(left, operand.expr)
                self._check_options(right, left_node)
            else:
                if isinstance(right, t.Rows | t.Column):
                    self.problem(*_many_rows(right, "a comparison"))
                self._check_options(left, operand.expr)
                self._check_options(right, left_node)
            left, left_node = right, operand.expr
        return t.Value("boolean")

    def _check_options(self, kind: t.Type, other) -> None:
        """`status == 'shiped'`: say which options the choice really has."""
        if not isinstance(kind, t.Value) or not kind.options:
            return
        values = []
        if isinstance(other, nodes.Const):
            values = [other.value]
        elif isinstance(other, nodes.List | nodes.Tuple):
            values = [
                item.value for item in other.items if isinstance(item, nodes.Const)
            ]
        for value in values:
            if isinstance(value, str | int) and value not in kind.options:
                shown = [str(option) for option in kind.options]
                self.problem(
                    f"'{value}' is not an option of '{kind.field}'",
                    suggest(str(value), shown) or one_of(shown),
                )


def _targets(target) -> list:
    """The names a `for` or `set` binds (find_all skips the node itself)."""
    if isinstance(target, nodes.Name):
        return [target]
    return list(target.find_all(nodes.Name))


def _arity(function) -> str:
    if function.max_args == function.min_args:
        plural = "" if function.min_args == 1 else "s"
        return f"{function.min_args} argument{plural}"
    if function.max_args is None:
        return f"at least {function.min_args} argument(s)"
    return f"{function.min_args} to {function.max_args} arguments"


def _const_type(value) -> t.Type:
    if isinstance(value, bool):
        return t.Value("boolean")
    if isinstance(value, int | float):
        return t.Value("number")
    if isinstance(value, str):
        return t.Value("text")
    return t.ANY


def _arithmetic_type(node, left: t.Type, right: t.Type) -> t.Type:
    kinds = {k.kind for k in (left, right) if isinstance(k, t.Value)}
    if isinstance(node, nodes.Add) and "text" in kinds:
        return t.Value("text")
    if kinds & {"date", "datetime"} and isinstance(node, nodes.Sub):
        return t.Value("number") if kinds <= {"date", "datetime"} else t.ANY
    if kinds <= {"number"}:
        return t.Value("number")
    return t.ANY
