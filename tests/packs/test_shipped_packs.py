"""The packs Officina ships validate cleanly, each with its dependencies, and
make a demo site."""

from __future__ import annotations

import pytest

from officina.auth import check_password
from officina.automation.extensions import extensions
from officina.automation.plugins import load_plugins
from officina.cli.demo import DEMO_PASSWORD
from officina.definitions import load
from officina.packs.catalog import Catalog
from officina.runtime import Runtime
from officina.site import default_pack_folders, definition_extensions, site_layers

CATALOG = Catalog(default_pack_folders())


def test_the_catalogue_reads_without_problems():
    assert CATALOG.problems == []
    assert {"commerce", "orders"} <= set(CATALOG.packs)


@pytest.mark.parametrize("name", sorted(CATALOG.packs))
def test_each_pack_validates_with_its_dependencies(name):
    layers, problems = site_layers(None, CATALOG, [CATALOG.get(name)])
    assert problems == []
    # With the installed plugins' functions and field types, as a site has;
    # the demo data of all of them is checked at once below.
    definitions = load(
        layers, demo=False, **definition_extensions(extensions(load_plugins()))
    )
    assert name in definitions.packs
    for entity in definitions.entities.values():
        assert entity.label.get("zh") != entity.label.get("en") or entity.is_child, (
            f"{entity.name} has no Chinese label"
        )


def test_every_packs_seed_and_demo_data_validates():
    layers, problems = site_layers(None, CATALOG, list(CATALOG.packs.values()))
    assert problems == []
    definitions = load(layers, **definition_extensions(extensions(load_plugins())))
    demo_of = {seed.pack for seed in definitions.seeds if seed.demo}
    assert demo_of == {
        name for name, pack in CATALOG.packs.items() if (pack.folder / "demo").is_dir()
    }


def test_demo_creates_a_site_with_every_pack(demo_site):
    # The session's demo site (made by `officina demo`).
    site = demo_site.folder
    output = demo_site.output
    assert "Orders (orders 1.0.0)" in output
    assert "admin@example.com" in output
    runtime = Runtime.open(site)
    try:
        assert check_password(runtime, "admin@example.com", DEMO_PASSWORD)
        for role in runtime.definitions.roles:
            email = f"{role.replace('_', '.')}@example.com"
            assert email in output
            assert check_password(runtime, email, DEMO_PASSWORD).roles == (role,)
    finally:
        runtime.close()
    # Running it again: test_shipped_pack_lifecycle.py.
