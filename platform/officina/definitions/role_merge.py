"""Laying an `extend_role:` document's permissions over a role's.

Several packs (and the site) may extend the same role on the same entity:
the orders pack gives customer service the order, after-sales adds a
transition, the site hides a field. Replacing the role's whole entry for
the entity would let the last writer silently drop what the others granted
(and, worse, a row filter: a site hiding one field would show every row).
So entries merge part by part:

* actions an extension names (`read`, `update: true`, `delete: false`) are
  set; the others keep what the role had;
* transitions add up (`all` wins);
* field rules merge field by field, the extension's winning;
* `rows:` replaces the role's row filter when given, else it stays;
* `none` takes every right on the entity away.

Every merged key keeps the file and line of whoever wrote it.
"""

from __future__ import annotations

from officina.definitions import language as lang
from officina.definitions.merge import copy_mapping, empty_mapping
from officina.definitions.source import Mapping, Sequence


def merge_permissions(base: Mapping, over: Mapping) -> Mapping:
    """The permissions mapping `base` with the entries of `over` laid on."""
    result = copy_mapping(base)
    for entity, spec in over.items():
        location = over.value_at(entity)
        result.key_locations.setdefault(entity, over.key_at(entity))
        if entity in base and spec != "none":
            result[entity] = merge_permission(
                base[entity], base.value_at(entity), spec, location
            )
        else:
            result[entity] = spec
            result.key_locations[entity] = over.key_at(entity)
        result.value_locations[entity] = location
    return result


def merge_permission(base, base_location, over, over_location) -> Mapping:
    """One entity's permission written over another (both in any of the
    shorthand forms); the mapping form of the two combined."""
    old = as_mapping(base, base_location)
    new = as_mapping(over, over_location)
    result = copy_mapping(old)
    for key in lang.PERMISSION_ACTIONS:
        if key in new:
            _take(result, new, key)
    if "transitions" in new:
        result["transitions"] = _transitions(old, new)
        result.key_locations["transitions"] = new.key_at("transitions")
        result.value_locations["transitions"] = new.value_at("transitions")
    if "fields" in new:
        fields = old.get("fields")
        merged = (
            copy_mapping(fields) if isinstance(fields, Mapping) else empty_mapping(new)
        )
        for name in new["fields"]:
            _take(merged, new["fields"], name)
        result["fields"] = merged
        result.key_locations.setdefault("fields", new.key_at("fields"))
    if "rows" in new:
        _take(result, new, "rows")
    return result


def as_mapping(spec, location) -> Mapping:
    """A permission in its mapping form: `all`, `read` or `[read, update]`
    spelled out as `{read: true, ...}`."""
    if isinstance(spec, Mapping):
        return spec
    if spec == "all":
        values: dict = dict.fromkeys(lang.PERMISSION_ACTIONS, True)
        values["transitions"] = "all"
    elif spec == "none":
        values = dict.fromkeys(lang.PERMISSION_ACTIONS, False)
    elif isinstance(spec, str):
        values = {spec: True}
    else:
        values = dict.fromkeys(spec or (), True)
    result = Mapping(values)
    result.location = location
    result.key_locations = dict.fromkeys(values, location)
    result.value_locations = dict.fromkeys(values, location)
    return result


def _transitions(old: Mapping, new: Mapping):
    if new["transitions"] == "all" or old.get("transitions") == "all":
        return "all"
    before = old.get("transitions") or ()
    if isinstance(before, str):
        before = (before,)
    added = new["transitions"]
    if isinstance(added, str):
        added = (added,)
    names, locations = [], []
    for source, items in ((old, before), (new, added)):
        for index, name in enumerate(items):
            if name in names:
                continue
            names.append(name)
            at = items.item_at(index) if isinstance(items, Sequence) else None
            locations.append(at or source.value_at("transitions"))
    result = Sequence(names)
    result.location = new.value_at("transitions")
    result.item_locations = locations
    return result


def _take(target: Mapping, source: Mapping, key: str) -> None:
    target[key] = source[key]
    target.key_locations[key] = source.key_at(key)
    target.value_locations[key] = source.value_at(key)
