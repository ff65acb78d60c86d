"""The checked, frozen in-memory model of a set of definitions.

Everything here is immutable: an application holds one `Definitions` object
and swaps it whole when definitions change. `source` attributes point back at
the YAML mapping an object came from, for locating later messages; they take
no part in equality.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from officina.expressions import Expression

EMPTY: Mapping = MappingProxyType({})


def frozen_map(items) -> Mapping:
    """A read-only ordered mapping."""
    return MappingProxyType(dict(items))


@dataclass(frozen=True)
class Label:
    """A text shown to people, in one or several languages."""

    texts: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, value: str | Mapping | None, fallback: str = "") -> Label:
        if value is None:
            return cls((("en", fallback),)) if fallback else cls(())
        if isinstance(value, str):
            return cls((("", value),))
        return cls(tuple((str(k), str(v)) for k, v in value.items()))

    def get(self, language: str = "en") -> str:
        """The text in `language`, else its base language, else any text."""
        texts = dict(self.texts)
        base = language.split("-")[0]
        for key in (language, base, "", "en"):
            if key in texts:
                return texts[key]
        return next(iter(texts.values()), "")

    def languages(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self.texts if key)

    def __str__(self) -> str:
        return self.get()

    def __bool__(self) -> bool:
        return bool(self.texts)


def humanize(name: str) -> str:
    """`gift_note` -> `Gift note`."""
    return name.replace("_", " ").strip().capitalize()


@dataclass(frozen=True)
class Option:
    value: str | int
    label: Label
    color: str | None = None


@dataclass(frozen=True)
class Duration:
    """A span such as `24h` or `2 business days`."""

    text: str
    seconds: int
    business_days: int = 0


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    type: str
    label: Label
    help: Label = Label(())
    placeholder: Label = Label(())
    required: bool = False
    unique: bool = False
    index: bool = False
    default: Any = None
    min: Any = None
    max: Any = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    read_only: bool = False
    hidden: bool = False
    visible_when: Expression | None = None
    required_when: Expression | None = None
    readonly_when: Expression | None = None
    copy_from: tuple[str, str] | None = None
    renamed_from: tuple[str, ...] = ()
    precision: int | None = None
    scale: int | None = None
    currency: str | None = None
    options: tuple[Option, ...] = ()
    to: str | None = None
    on_delete: str | None = None
    of: str | None = None
    min_rows: int | None = None
    max_rows: int | None = None
    formula: Expression | None = None
    format: str | None = None
    max_size: int | None = None
    accept: tuple[str, ...] = ()
    multiple: bool = False
    filter: tuple = ()  # of Filter: which records a reference may point at
    system: bool = False
    # A plugin's field type (`type` holds its base): its name, and its
    # check(value) -> problem or None, run by the records service.
    plugin_type: str | None = None
    check: Any = field(default=None, compare=False, repr=False)
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def option_values(self) -> tuple:
        return tuple(option.value for option in self.options)

    @property
    def stored(self) -> bool:
        """Whether the field is a column of its entity's own table."""
        return self.type != "table"


@dataclass(frozen=True)
class Section:
    label: Label
    fields: tuple[str, ...]
    description: Label = Label(())
    columns: int = 1
    collapsible: bool = False
    collapsed: bool = False


@dataclass(frozen=True)
class Tab:
    label: Label
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Form:
    """A layout of an entity's form; `roles`/`states` say when it applies.

    `other_fields`: fields other packs (or the site) added to the entity
    after the form was written and that it does not place; it shows them
    after its own sections."""

    name: str
    label: Label
    tabs: tuple[Tab, ...]
    roles: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    other_fields: tuple[str, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(
            name
            for tab in self.tabs
            for section in tab.sections
            for name in section.fields
        )


@dataclass(frozen=True)
class Action:
    """One step of a rule, transition or state hook.

    `kind` is the action's key (`set`, `create`, ...); `options` its settings
    with expressions already compiled; `actions` the nested steps of
    `for_each`.
    """

    kind: str
    options: Mapping
    when: Expression | None = None
    actions: tuple[Action, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class State:
    name: str
    label: Label
    description: Label = Label(())
    color: str | None = None
    final: bool = False
    editable: str | tuple[str, ...] = "all"
    edit_roles: tuple[str, ...] = ()
    sla: Duration | None = None
    on_breach: tuple[Action, ...] = ()
    on_enter: tuple[Action, ...] = ()
    on_exit: tuple[Action, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Transition:
    name: str
    label: Label
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...] = ()
    when: Expression | None = None
    requires: tuple[str, ...] = ()
    assignments: Mapping = field(default_factory=lambda: EMPTY)
    confirm: Label = Label(())
    comment: str = "optional"
    actions: tuple[Action, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Workflow:
    field: str
    initial: str
    states: Mapping[str, State]
    transitions: Mapping[str, Transition]
    label: Label = Label(())
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Validation:
    """A rule every record must keep: `check` true, else `message` on `fields`."""

    check: Expression
    message: Label
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Trigger:
    """What starts a rule: `kind` is one of language.TRIGGER_WORDS/KEYS."""

    kind: str
    fields: tuple[str, ...] = ()
    changes: Mapping = field(
        default_factory=lambda: EMPTY
    )  # field -> (from, to); None means any value
    names: tuple[str, ...] = ()  # transitions or states
    schedule: str | None = None
    every: Duration | None = None
    threshold: Expression | None = None


@dataclass(frozen=True, kw_only=True)
class Rule:
    name: str
    entity: str
    label: Label
    trigger: Trigger
    actions: tuple[Action, ...]
    description: Label = Label(())
    when: Expression | None = None
    # For `schedule` and `every` rules: the records visited, chosen in the
    # database (`when` is then checked on each of them).
    where: tuple[Filter, ...] = ()
    run: str = "now"
    enabled: bool = True
    retrigger: bool = False
    order: int = 0
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Entity:
    name: str
    label: Label
    plural_label: Label
    fields: Mapping[str, Field]
    pack: str
    description: Label = Label(())
    icon: str | None = None
    title_field: str | None = None
    number_format: str | None = None
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    sort: tuple[str, ...] = ("-created_at",)
    search: tuple[str, ...] = ()
    forms: Mapping[str, Form] = field(default_factory=lambda: EMPTY)
    workflow: Workflow | None = None
    rules: Mapping[str, Rule] = field(default_factory=lambda: EMPTY)
    validations: tuple[Validation, ...] = ()
    parent: str | None = None  # set on child entities (rows of a table field)
    source: Any = field(default=None, compare=False, repr=False)

    @property
    def is_child(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class Filter:
    """`path operator value`; value may be an Expression."""

    path: tuple[str, ...]
    operator: str
    value: Any


@dataclass(frozen=True, kw_only=True)
class Permission:
    entity: str
    actions: frozenset[str]
    transitions: str | tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    rows: tuple[Filter, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Role:
    name: str
    label: Label
    pack: str
    description: Label = Label(())
    permissions: Mapping[str, Permission] = field(default_factory=lambda: EMPTY)
    home: str | None = None  # the dashboard its people start on
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class View:
    name: str
    entity: str
    label: Label
    pack: str
    type: str = "list"
    columns: tuple[str, ...] = ()
    filters: tuple[Filter, ...] = ()
    sort: tuple[str, ...] = ()
    group_by: str | None = None
    page_size: int = 50
    roles: tuple[str, ...] = ()
    kanban_by: str | None = None
    card: tuple[str, ...] = ()
    calendar_date: str | None = None
    calendar_end: str | None = None
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Measure:
    name: str
    function: str  # count, sum, avg, min, max, percent
    field: str | None  # None for count(*)
    over: str | None = None  # percent: the whole `field` is a part of


@dataclass(frozen=True, kw_only=True)
class Report:
    name: str
    entity: str
    label: Label
    pack: str
    measures: tuple[Measure, ...]
    description: Label = Label(())
    filters: tuple[Filter, ...] = ()
    group_by: tuple[tuple[str, str | None], ...] = ()  # (field, date bucket)
    chart: str = "table"
    sort: tuple[str, ...] = ()
    limit: int | None = None
    roles: tuple[str, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Widget:
    kind: str  # report or view
    name: str
    title: Label
    width: int = 6
    limit: int = 10


@dataclass(frozen=True, kw_only=True)
class Dashboard:
    name: str
    label: Label
    widgets: tuple[Widget, ...]
    pack: str
    roles: tuple[str, ...] = ()
    source: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, kw_only=True)
class Seed:
    """Records a pack ships: `demo` ones only in demo sites."""

    entity: str
    key: tuple[str, ...]
    records: tuple[Mapping, ...]
    pack: str
    demo: bool = False
    file: str = ""
    # False: the records are of the past, written as they are (no rule runs).
    rules: bool = True
    # True: the records are there already (another pack's, found by key);
    # the values given are written into them and none is created.
    update: bool = False
    # The checked values written as expressions ('=add_days(today(), -3)'),
    # by their source with the numbers taken out (see seed_expressions).
    expressions: Mapping[str, Any] = field(default_factory=lambda: EMPTY)


@dataclass(frozen=True, kw_only=True)
class PackInfo:
    name: str
    version: str
    title: Label
    path: str
    description: Label = Label(())
    depends: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    # Packs it works with when they are installed (name -> version range):
    # its with/<name>/ files apply only then.
    enhances: Mapping[str, str] = field(default_factory=lambda: EMPTY)
    author: str | None = None
    license: str | None = None
    homepage: str | None = None


@dataclass(frozen=True, kw_only=True)
class Definitions:
    """Everything a site runs on, checked and frozen.

    `version` is a hash of every source file, so caches (compiled forms,
    tables, expressions) can be keyed by it and replaced as a whole.
    """

    packs: Mapping[str, PackInfo]
    entities: Mapping[str, Entity]
    roles: Mapping[str, Role]
    views: Mapping[str, View]
    reports: Mapping[str, Report]
    dashboards: Mapping[str, Dashboard]
    seeds: tuple[Seed, ...]
    templates: Mapping[str, str]  # template name -> file path
    version: str

    def entity(self, name: str) -> Entity:
        return self.entities[name]

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(
            rule for entity in self.entities.values() for rule in entity.rules.values()
        )
