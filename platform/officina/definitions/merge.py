"""Layering: a site's (or a later pack's) `extend:` documents over an entity.

The result is one merged YAML mapping per entity in which every key still
knows the file and line it came from, so later messages point at the pack
or at the site's own file, whichever wrote that part.
"""

from __future__ import annotations

from officina.definitions import language as lang
from officina.definitions.source import Mapping, Sequence
from officina.errors import ProblemList

# Entity keys an extension replaces, and keys whose lists it extends.
_REPLACED = (
    "label",
    "plural_label",
    "description",
    "icon",
    "title_field",
    "number",
    "sort",
)
_APPENDED = ("unique", "indexes", "search", "validations")


def copy_mapping(base: Mapping) -> Mapping:
    result = Mapping(base)
    result.location = base.location
    result.key_locations = dict(base.key_locations)
    result.value_locations = dict(base.value_locations)
    return result


def merged(base: Mapping, over: Mapping, keys=None) -> Mapping:
    """`base` with the keys of `over` (or only `keys` of it) laid on top."""
    result = copy_mapping(base)
    for key, value in over.items():
        if keys is not None and key not in keys:
            continue
        result[key] = value
        result.key_locations[key] = over.key_at(key)
        result.value_locations[key] = over.value_at(key)
    return result


def appended(base, extra) -> Sequence:
    """The items of `base` (a list, or None) followed by those of `extra`,
    each keeping its file and line."""
    result = Sequence(list(base or []) + list(extra))
    result.location = getattr(base, "location", None) or extra.location
    result.item_locations = list(getattr(base, "item_locations", [])) + list(
        extra.item_locations
    )
    return result


def empty_mapping(near: Mapping) -> Mapping:
    """An empty mapping located where `near` is (for a key a base lacks)."""
    empty = Mapping()
    empty.location = near.location
    empty.key_locations = {}
    empty.value_locations = {}
    return empty


def builds_on(layer, owner: str, site: str) -> bool:
    """Whether the files of `layer` may use what the pack `owner` defines:
    the site's own files anything, a pack its own and its dependencies'."""
    return layer.name == site or owner == layer.name or owner in layer.depends_on


def may_extend(problems: ProblemList, location, layer, target: str, owner: str, site):
    """Whether `layer` may extend `target` ("'customer'", "the role
    'clerk'") of the pack `owner`; when not, a problem at `location`."""
    if builds_on(layer, owner, site):
        return True
    problems.add(
        location,
        f"the pack '{layer.name}' extends {target} of the pack '{owner}' but "
        "does not depend on it",
        f"add '{owner}' under 'depends:' in {layer.name}/pack.yaml",
    )
    return False


def apply_extension(
    entity: Mapping, extension: Mapping, problems: ProblemList
) -> Mapping:
    """The entity document with one `extend:` document applied (its forms
    apart: see form_merge)."""
    result = merged(entity, extension, keys=_REPLACED)
    for key in _APPENDED:
        if key in extension:
            result[key] = appended(entity.get(key), extension[key])
            result.key_locations.setdefault(key, extension.key_at(key))
    if "fields" in extension:
        result["fields"] = _merge_fields(entity.get("fields"), extension, problems)
        result.key_locations.setdefault("fields", extension.key_at("fields"))
    if "rules" in extension:
        result["rules"] = _merge_named(entity.get("rules"), extension["rules"])
        result.key_locations.setdefault("rules", extension.key_at("rules"))
    if "workflow" in extension:
        workflow = _merge_workflow(entity, extension, problems)
        if workflow is not None:
            result["workflow"] = workflow
            result.key_locations.setdefault("workflow", extension.key_at("workflow"))
    return result


def _merge_named(base, over: Mapping) -> Mapping:
    """Named items (rules, states, transitions): new ones added, known ones
    changed key by key."""
    base_mapping = base if isinstance(base, Mapping) else empty_mapping(over)
    result = copy_mapping(base_mapping)
    for name, spec in over.items():
        old = result.get(name)
        if isinstance(old, Mapping) and isinstance(spec, Mapping):
            result[name] = merged(old, spec)
        else:
            result[name] = spec
            result.key_locations[name] = over.key_at(name)
            result.value_locations[name] = over.value_at(name)
    return result


def _merge_fields(base, extension: Mapping, problems: ProblemList) -> Mapping:
    over = extension["fields"]
    base_mapping = base if isinstance(base, Mapping) else empty_mapping(over)
    result = copy_mapping(base_mapping)
    for name, spec in over.items():
        if name not in result:
            result[name] = spec
            result.key_locations[name] = over.key_at(name)
            result.value_locations[name] = over.value_at(name)
            continue
        old = result[name]
        if isinstance(old, str):  # shorthand `name: string`
            old = _shorthand(old, base_mapping.value_at(name))
        if not isinstance(spec, Mapping) or not isinstance(old, Mapping):
            problems.add(
                over.value_at(name),
                f"the field '{name}' already exists; an extension may only change "
                "some of its settings",
                "write a mapping such as {label: ...}",
            )
            continue
        changed = {}
        for key in spec:
            if key not in lang.EXTENDABLE_FIELD_KEYS:
                if key == "type" and spec[key] == old.get("type"):
                    continue
                problems.add(
                    spec.key_at(key),
                    f"an extension cannot change '{key}' of the existing field "
                    f"'{name}'",
                    f"it may change {', '.join(lang.EXTENDABLE_FIELD_KEYS)}; "
                    "for anything else add a new field",
                )
                continue
            changed[key] = spec[key]
        result[name] = merged(old, spec, keys=changed)
    return result


def _shorthand(kind: str, location) -> Mapping:
    expanded = Mapping({"type": kind})
    expanded.location = location
    expanded.key_locations = {"type": location}
    expanded.value_locations = {"type": location}
    return expanded


def _merge_workflow(
    entity: Mapping, extension: Mapping, problems: ProblemList
) -> Mapping:
    over = extension["workflow"]
    base = entity.get("workflow")
    if not isinstance(base, Mapping):
        if "states" not in over or "initial" not in over:
            problems.add(
                extension.key_at("workflow"),
                f"'{entity.get('entity')}' has no workflow to extend",
                "give the whole workflow here: 'initial:' and 'states:'",
            )
            return base
        return over
    result = merged(base, over, keys=("initial", "label"))
    for key in ("states", "transitions"):
        if key in over:
            result[key] = _merge_named(base.get(key), over[key])
            result.key_locations.setdefault(key, over.key_at(key))
    return result


def drop_incomplete(entity: Mapping) -> None:
    """Remove what an extension added without its required keys.

    The merged entity's schema check has already reported them; dropping
    them keeps the builders from tripping over half-written parts.
    """
    _drop(
        entity.get("fields"), lambda spec: isinstance(spec, dict) and "type" not in spec
    )
    _drop(entity.get("rules"), lambda spec: "on" not in spec or "do" not in spec)
    workflow = entity.get("workflow")
    if isinstance(workflow, dict):
        _drop(
            workflow.get("transitions"),
            lambda spec: "from" not in spec or "to" not in spec,
        )


def _drop(container, incomplete) -> None:
    if not isinstance(container, dict):
        return
    for name in [
        name
        for name, spec in container.items()
        if isinstance(spec, dict) and incomplete(spec)
    ]:
        del container[name]
