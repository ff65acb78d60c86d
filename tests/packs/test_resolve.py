"""Resolving pack dependencies with version ranges."""

from __future__ import annotations

from officina.errors import Location
from officina.packs.catalog import Catalog
from officina.packs.resolve import resolve

HERE = Location("site.yaml", 3, 3)


def catalog_of(make_pack, packs: dict) -> Catalog:
    folder = None
    for name, (version, depends) in packs.items():
        folder = make_pack({}, name=name, version=version, depends=depends).parent
    return Catalog([folder])


def names(sources) -> list[str]:
    return [source.info.name for source in sources]


def test_dependencies_come_first(make_pack):
    catalog = catalog_of(
        make_pack,
        {
            "commerce": ("1.2.0", None),
            "inventory": ("1.0.0", {"commerce": "^1.0"}),
            "orders": ("1.0.0", {"commerce": ">=1.1, <2", "inventory": "1.x"}),
        },
    )
    order, problems = resolve({"orders": ("*", HERE)}, catalog)
    assert problems == []
    assert names(order) == ["commerce", "inventory", "orders"]


def test_missing_and_conflicting_dependencies_are_explained(make_pack):
    catalog = catalog_of(
        make_pack,
        {
            "commerce": ("2.0.0", None),
            "orders": ("1.0.0", {"commerce": "^1.0", "payments": "*"}),
        },
    )
    _, problems = resolve({"orders": ("*", HERE), "shiping": ("*", HERE)}, catalog)
    rendered = [str(p).split(": ", 1)[1] for p in problems]
    assert rendered == [
        "'commerce' 2.0.0 does not satisfy '^1.0' (needed by 'orders'). Hint: change "
        "the version range, or install a matching version of the pack.",
        "the pack 'payments' is not available. "
        "Hint: available packs: commerce, orders.",
        "the pack 'shiping' is not available. Hint: available packs: commerce, orders.",
    ]
    assert problems[0].location.line == 5  # the depends entry in orders/pack.yaml


def test_circular_dependencies_are_named(make_pack):
    catalog = catalog_of(
        make_pack,
        {
            "a": ("1.0.0", {"b": "*"}),
            "b": ("1.0.0", {"a": "*"}),
        },
    )
    _, problems = resolve({"a": ("*", HERE)}, catalog)
    assert [p.message for p in problems] == [
        "packs depend on each other in a circle: a -> b -> a"
    ]
