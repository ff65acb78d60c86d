"""What the model builders share while they turn YAML into the model.

`BuildContext` holds the problems found so far, the static types of every
entity's fields (for checking expressions) and small helpers that locate,
name and check values the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from officina.definitions import language as lang
from officina.definitions.model import Duration, Label, humanize
from officina.definitions.source import Mapping, Sequence
from officina.errors import Location, ProblemList, one_of, suggest
from officina.expressions import Expression
from officina.expressions import types as t
from officina.expressions.checker import ExpressionChecker
from officina.expressions.environment import ExpressionEnvironment

_NAME = re.compile(lang.NAME_PATTERN)
_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*(business\s+days?)|"
    r"((?:\d+(?:\.\d+)?\s*(?:w|weeks?|d|days?|h|hours?|m|min|mins|minutes?|s|"
    r"seconds?)\s*)+))\s*$",
    re.IGNORECASE,
)
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)", re.IGNORECASE)
_UNIT_SECONDS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}

USER_FIELDS: dict[str, t.Type] = {
    "id": t.Value("number"),
    "name": t.Value("text"),
    "email": t.Value("text"),
    "language": t.Value("text"),
    "roles": t.Value("list"),
}


def field_type(spec, entity_types: dict) -> t.Type:
    """The static type of a field from its (merged) YAML spec."""
    if isinstance(spec, str):
        spec = {"type": spec}
    kind = spec.get("type")
    if kind == "reference":
        return t.Record(spec.get("to")) if spec.get("to") in entity_types else t.ANY
    if kind == "table":
        return t.Rows(spec.get("of")) if spec.get("of") in entity_types else t.ANY
    options = None
    if kind in ("choice", "multi_choice"):
        options = frozenset(option_values(spec.get("options")))
    return t.Value(lang.VALUE_KINDS.get(kind, "any"), options or None)


def option_values(options) -> list:
    if isinstance(options, dict):
        return list(options)
    values = []
    for option in options or ():
        if isinstance(option, dict):
            values.append(option.get("value"))
        else:
            values.append(option)
    return values


class BuildContext:
    def __init__(self, environment: ExpressionEnvironment):
        self.problems = ProblemList()
        self.environment = environment
        # entity -> {field: static type}, filled before expressions are checked
        self.types: dict[str, dict[str, t.Type]] = {"user": dict(USER_FIELDS)}
        self.checker = ExpressionChecker(environment, self.types.get)
        self.parents: dict[str, tuple[str, str]] = {}  # child -> (parent, field)
        self.roles: set[str] = set(lang.BUILTIN_ROLES)
        self.templates: dict[str, str] = {}
        self.entity_names: set[str] = set()
        self.raw: dict[str, Mapping] = {}  # merged entity documents
        # Extended entity -> who added its fields and wrote its forms.
        self.form_provenance: dict = {}
        self._raw_fields: dict[str, dict[str, Mapping]] = {}
        # Checked once every entity is built: (entity, name, location, what).
        self.deferred_transitions: list = []
        self.deferred_workflow_names: list = []
        self.deferred_templates: list = []
        # Plugin actions known to this load; None when plugins are not loaded.
        self.plugin_actions: set[str] | None = None
        # Field types of plugins by name, and the fields declared with one:
        # (entity, field) -> PluginFieldType (their specs carry the base type).
        self.field_types: dict = {}
        self.plugin_fields: dict = {}
        # Seed values written as expressions, checked once per shape (their
        # source with the numbers taken out): shape -> Expression or None.
        self.seed_expressions: dict = {}

    def workflow_field(self, entity: str) -> str | None:
        workflow = self.raw.get(entity, {}).get("workflow")
        if not isinstance(workflow, dict):
            return None
        return workflow.get("field", "status")

    def workflow_states(self, entity: str) -> list:
        workflow = self.raw.get(entity, {}).get("workflow")
        states = workflow.get("states") if isinstance(workflow, dict) else None
        return list(states) if isinstance(states, dict) else []

    def raw_fields(self, entity: str) -> dict[str, Mapping]:
        """The entity's field specs, shorthand (`note: text`) expanded."""
        cached = self._raw_fields.get(entity)
        if cached is not None:
            return cached
        fields = self.raw.get(entity, {}).get("fields")
        result: dict[str, Mapping] = {}
        if isinstance(fields, Mapping):
            for name, spec in fields.items():
                if isinstance(spec, str):
                    expanded = Mapping({"type": spec})
                    expanded.location = fields.value_at(name)
                    expanded.key_locations = {"type": fields.value_at(name)}
                    expanded.value_locations = {"type": fields.value_at(name)}
                    spec = expanded
                if isinstance(spec, Mapping):
                    result[name] = spec
        self._raw_fields[entity] = result
        return result

    # -- reporting --------------------------------------------------------
    def error(self, location: Location, message: str, hint: str = "") -> None:
        self.problems.add(location, message, hint)

    def unknown(
        self,
        location,
        what: str,
        name,
        known: Iterable[str],
        where="",
        *,
        owner: str | None = None,
    ) -> None:
        known = list(known)
        if owner:
            message = f"'{owner}' has no {what} '{name}'"
        else:
            message = f"unknown {what} '{name}'"
        self.error(
            location,
            message
            + (f" ({where})" if where and owner else f" in {where}" if where else ""),
            suggest(name, known) or one_of(known),
        )

    # -- names ----------------------------------------------------------
    def check_name(self, name, location: Location, what: str) -> bool:
        if not isinstance(name, str) or not _NAME.match(name):
            self.error(
                location,
                f"'{name}' is not a valid {what} name",
                "names use lowercase letters, digits and underscores and start "
                "with a letter, e.g. 'order_line'",
            )
            return False
        if len(name) > lang.NAME_MAX_LENGTH:
            self.error(
                location,
                f"the {what} name '{name}' is longer than "
                f"{lang.NAME_MAX_LENGTH} characters",
                "shorten it",
            )
            return False
        return True

    # -- labels and durations ----------------------------------------------
    def label(self, value, name: str = "") -> Label:
        return Label.of(value, humanize(name) if name else "")

    def duration(self, text, location: Location, what: str) -> Duration | None:
        match = _DURATION.match(str(text))
        if not match:
            self.error(
                location,
                f"'{text}' is not a duration for {what}",
                "write e.g. '30m', '24h', '2d', '1h30m' or '2 business days'",
            )
            return None
        if match.group(1):
            days = float(match.group(1))
            return Duration(str(text), int(days * 86400), business_days=int(days))
        seconds = 0.0
        for amount, unit in _DURATION_PART.findall(match.group(3)):
            seconds += float(amount) * _UNIT_SECONDS[unit[0].lower()]
        if seconds <= 0:
            self.error(
                location, f"the duration '{text}' for {what} must be longer than zero"
            )
            return None
        return Duration(str(text), int(seconds))

    # -- expressions ----------------------------------------------------
    def scope(
        self, entity: str, *, old: bool = False, extra: dict | None = None
    ) -> dict:
        scope: dict[str, t.Type] = dict(self.types.get(entity, {}))
        scope["user"] = t.Record("user")
        if entity in self.parents:
            scope["parent"] = t.Record(self.parents[entity][0])
        if old:
            scope["old"] = t.Record(entity)
        if extra:
            scope.update(extra)
        return scope

    def expression(
        self,
        source,
        location: Location,
        scope: dict,
        what: str,
        *,
        template: bool = False,
        template_file: bool = False,
        many: bool = False,
    ) -> Expression | None:
        if not isinstance(source, str) or not source.strip():
            self.error(location, f"{what} must be an expression in quotes")
            return None
        expression, problems = self.checker.check(
            source, scope, template=template, template_file=template_file, many=many
        )
        multiline = "\n" in source.strip()
        for problem in problems:
            if template_file:
                where = Location(location.file, problem.line, 1)
                self.error(where, f"{what}: {problem.message}", problem.hint)
                continue
            text = f"{what}: {problem.message}"
            if multiline:
                text += f" (line {problem.line} of the text)"
            self.error(location, text, problem.hint)
        return expression

    def value(self, value, location: Location, scope: dict, what: str):
        """A literal, or an Expression when the text starts with '='."""
        if isinstance(value, str) and value.startswith("="):
            if value.startswith("=="):
                return value[1:]
            if "{{" in value or "{%" in value:
                self.error(
                    location,
                    f"{what}: an expression starting with '=' is written without "
                    "{{ }}",
                    f"write '={value[1:].replace('{{', '').replace('}}', '').strip()}',"
                    " or drop the '=' for templated text",
                )
                return None
            return self.expression(value[1:].strip(), location, scope, what)
        return value

    def text(self, value, location: Location, scope: dict, what: str):
        """Templated text ('Order {{ number }} shipped'), or a literal."""
        if (
            isinstance(value, str)
            and not value.startswith("=")
            and ("{{" in value or "{%" in value)
        ):
            return self.expression(value, location, scope, what, template=True)
        return self.value(value, location, scope, what)


def names_list(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def items_with_locations(container) -> Iterable[tuple[object, Location]]:
    """(item, location) for a YAML list, or for a single scalar."""
    if isinstance(container, Sequence):
        for index, item in enumerate(container):
            yield item, container.item_at(index)
    elif isinstance(container, Mapping):
        yield container, container.location
