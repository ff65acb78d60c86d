"""Layering of forms: what an `extend:` document does to an entity's forms.

A form the extension names anew, or writes whole (with `fields`,
`sections` or `tabs`), replaces the pack's. Otherwise the pack's layout
stays: `label`, `columns`, `roles`, `states` and `show_other_fields` are
replaced, and `add_sections` / `add_tabs` place the extension's own
sections and tabs in it, so a pack that adds fields to another pack's
entity can show them where they belong.

Which fields a form was written without is noted here too: fields that
packs the form's writer does not depend on add to the entity. The form
shows those after its own sections unless some section places them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from officina.definitions.merge import copy_mapping, empty_mapping, merged
from officina.definitions.source import Mapping, Sequence
from officina.errors import ProblemList, suggest

LAYOUT_KEYS = ("fields", "sections", "tabs")
ADDITIONS = ("add_sections", "add_tabs")
_REPLACED = ("label", "columns", "roles", "states", "show_other_fields")


def extend_forms(
    entity: Mapping, extension: Mapping, result: Mapping, problems: ProblemList
) -> None:
    """Apply the `forms:` of `extension` to `result` (`entity` merged with
    the rest of the extension)."""
    if isinstance(extension.get("forms"), Mapping):
        result["forms"] = merge_forms(entity.get("forms"), extension["forms"], problems)
        result.key_locations.setdefault("forms", extension.key_at("forms"))


def merge_forms(base, over: Mapping, problems: ProblemList) -> Mapping:
    """The entity's forms (`base`, a mapping or None) with an extension's
    `forms:` (`over`) applied."""
    base_mapping = base if isinstance(base, Mapping) else empty_mapping(over)
    result = copy_mapping(base_mapping)
    for name, spec in over.items():
        old = result.get(name)
        if not isinstance(spec, Mapping):  # the schema check reports it
            continue
        if _rewrites(old, spec):
            additions = [key for key in ADDITIONS if key in spec]
            if additions and not any(key in spec for key in LAYOUT_KEYS):
                problems.add(
                    spec.key_at(additions[0]),
                    f"there is no form '{name}' to add {additions[0][4:]} to",
                    suggest(name, result)
                    or "name an existing form, or write a whole new form with "
                    "'fields', 'sections' or 'tabs'",
                )
                continue
            form = _without_additions(spec)
            result.key_locations[name] = over.key_at(name)
            result.value_locations[name] = over.value_at(name)
        else:
            form = merged(old, spec, keys=_REPLACED)
        if "add_sections" in spec:
            form = _add_sections(form, spec["add_sections"], name, problems)
        if "add_tabs" in spec:
            form = _add_tabs(form, spec, name, problems)
        result[name] = form
    return result


@dataclass
class FormProvenance:
    """Which layer (pack, or the site) added each field of an extended
    entity, and whose fields each of its forms was written knowing."""

    owner: str  # the pack that defines the entity
    field_layers: dict[str, str] = field(default_factory=dict)
    form_knows: dict[str, frozenset[str]] = field(default_factory=dict)

    def other_fields(self, form: str) -> list[str]:
        """The fields of layers the writer of `form` could not know of: not
        the entity's own pack, the writer's, nor a pack the writer depends
        on."""
        known = self.form_knows.get(form, frozenset((self.owner,)))
        return [name for name, layer in self.field_layers.items() if layer not in known]


def note_provenance(
    provenance: FormProvenance, entity: Mapping, extension: Mapping, layer
) -> None:
    """Note what `extension` (a document of `layer`) adds to `entity` (as
    it was before): its new fields and the forms it writes whole."""
    old_fields = entity.get("fields")
    old_fields = old_fields if isinstance(old_fields, dict) else {}
    if not provenance.field_layers:
        provenance.field_layers = dict.fromkeys(old_fields, provenance.owner)
    new_fields = extension.get("fields")
    for name in new_fields if isinstance(new_fields, dict) else ():
        provenance.field_layers.setdefault(name, layer.name)
    old_forms = entity.get("forms")
    old_forms = old_forms if isinstance(old_forms, dict) else {}
    over = extension.get("forms")
    for name, spec in over.items() if isinstance(over, dict) else ():
        if isinstance(spec, dict) and _rewrites(old_forms.get(name), spec):
            provenance.form_knows[name] = frozenset(
                (provenance.owner, layer.name, *layer.depends_on)
            )


def _rewrites(old, spec: Mapping) -> bool:
    """Whether `spec` replaces the form `old` (or adds a new one)."""
    return not isinstance(old, Mapping) or any(key in spec for key in LAYOUT_KEYS)


def _without_additions(spec: Mapping) -> Mapping:
    form = merged(empty_mapping(spec), spec)
    for key in ADDITIONS:
        _drop_key(form, key)
    return form


def _drop_key(mapping: Mapping, key: str) -> None:
    mapping.pop(key, None)
    mapping.key_locations.pop(key, None)
    mapping.value_locations.pop(key, None)


def _add_sections(form: Mapping, added, name: str, problems) -> Mapping:
    """`form` with the sections `added` placed: each right after the section
    holding the field its `after` names (in the order written), else at the
    end of the form (of its last tab)."""
    if not isinstance(added, list):
        return form
    form = copy_mapping(form)
    tabs = _section_lists(form)
    if tabs is None:
        return form
    placed_after: dict[int, int] = {}  # anchor section id -> sections put after
    for index, section in enumerate(added):
        if not isinstance(section, Mapping):
            continue
        anchor = section.get("after")
        section = copy_mapping(section)
        _drop_key(section, "after")
        location = added.item_at(index) if isinstance(added, Sequence) else None
        if anchor is None:
            tabs[-1].append(section, location)
            continue
        found = _holding(tabs, anchor)
        if found is None:
            placed = [f for group in tabs for s in group.items for f in _fields(s)]
            problems.add(
                added[index].value_at("after"),
                f"'{anchor}' is in no section of the form '{name}', so a section "
                "cannot be placed after it",
                suggest(anchor, placed)
                or "name a field the form shows, or leave out 'after' to add the "
                "section at the end",
            )
            tabs[-1].append(section, location)
            continue
        sections, position = found
        key = id(sections.items[position])
        offset = placed_after.get(key, 0)
        sections.insert(position + 1 + offset, section, location)
        placed_after[key] = offset + 1
    return _written(form, tabs)


def _add_tabs(form: Mapping, spec: Mapping, name: str, problems) -> Mapping:
    if "tabs" not in form:
        problems.add(
            spec.key_at("add_tabs"),
            f"the form '{name}' has no tabs to add to",
            "add sections with 'add_sections', or write the whole form with 'tabs'",
        )
        return form
    form = copy_mapping(form)
    form["tabs"] = _appended(form["tabs"], spec["add_tabs"])
    return form


def _appended(base, extra) -> Sequence:
    result = Sequence(list(base) + list(extra))
    result.location = getattr(base, "location", None) or extra.location
    result.item_locations = list(_item_locations(base)) + list(_item_locations(extra))
    return result


def _item_locations(items) -> list:
    return [
        items.item_at(index) if isinstance(items, Sequence) else None
        for index in range(len(items))
    ]


class _Sections:
    """The sections of one tab (or of a form without tabs), being edited."""

    def __init__(self, owner: Mapping, items: list, locations: list):
        self.owner = owner
        self.items = items
        self.locations = locations

    def append(self, section, location) -> None:
        self.items.append(section)
        self.locations.append(location or section.location)

    def insert(self, position: int, section, location) -> None:
        self.items.insert(position, section)
        self.locations.insert(position, location or section.location)

    def sequence(self, near) -> Sequence:
        result = Sequence(self.items)
        result.location = getattr(near, "location", None) or self.owner.location
        result.item_locations = [
            location or self.owner.location for location in self.locations
        ]
        return result


def _section_lists(form: Mapping) -> list[_Sections] | None:
    """The form's sections, tab by tab; a tab or form that lists its fields
    directly counts as one section."""
    if "tabs" in form:
        owners = [tab for tab in form["tabs"] if isinstance(tab, Mapping)]
    elif "sections" in form or "fields" in form:
        owners = [form]
    else:
        return None  # the form's own check reports the missing layout
    if not owners:
        return None
    lists = []
    for owner in owners:
        sections = owner.get("sections")
        if isinstance(sections, list):
            lists.append(
                _Sections(owner, list(sections), list(_item_locations(sections)))
            )
        else:
            lists.append(_Sections(owner, [_as_section(owner)], [owner.location]))
    return lists


def _as_section(owner: Mapping) -> Mapping:
    section = empty_mapping(owner)
    section["fields"] = owner.get("fields") or Sequence()
    section.key_locations["fields"] = owner.key_at("fields")
    section.value_locations["fields"] = owner.value_at("fields")
    return section


def _fields(section) -> list:
    fields = section.get("fields") if isinstance(section, Mapping) else None
    return list(fields) if isinstance(fields, list) else []


def _holding(tabs: list[_Sections], field: str):
    for sections in tabs:
        for position, section in enumerate(sections.items):
            if field in _fields(section):
                return sections, position
    return None


def _written(form: Mapping, tabs: list[_Sections]) -> Mapping:
    """`form` with its tabs' (or its own) sections replaced by the edited ones."""
    if "tabs" not in form:
        owner = tabs[0]
        form["sections"] = owner.sequence(form.get("sections"))
        form.key_locations.setdefault("sections", form.key_at("fields"))
        _drop_key(form, "fields")
        return form
    rewritten = []
    edited = {id(sections.owner): sections for sections in tabs}
    for tab in form["tabs"]:
        sections = edited.get(id(tab))
        if sections is None:
            rewritten.append(tab)
            continue
        tab = copy_mapping(tab)
        tab["sections"] = sections.sequence(tab.get("sections"))
        tab.key_locations.setdefault("sections", tab.key_at("fields"))
        _drop_key(tab, "fields")
        rewritten.append(tab)
    result = Sequence(rewritten)
    result.location = form["tabs"].location
    result.item_locations = list(_item_locations(form["tabs"]))
    form["tabs"] = result
    return form
