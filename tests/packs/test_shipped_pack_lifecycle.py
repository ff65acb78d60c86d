"""Every shipped pack installs on an empty site (with what it needs and its
seed data), validates, upgrades to itself and is removed cleanly; `officina
demo` loads the seed and demo records through the same path, once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from officina.cli import main
from officina.packs.catalog import Catalog
from officina.runtime import Runtime
from officina.schema.tables import SEEDS
from officina.site import Site, default_pack_folders, load_site_definitions

SHIPPED = Catalog(default_pack_folders())


def run(runner, *arguments: str):
    result = runner.invoke(main, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("name", sorted(SHIPPED.packs))
def test_a_shipped_pack_installs_upgrades_and_is_removed(
    runner, tmp_path, database_url, name
):
    site = str(tmp_path / "site")
    run(runner, "init", site, "--database", database_url)
    installed = run(runner, "pack", "install", name, "--site", site)
    assert f"Installing {name} {SHIPPED.get(name).info.version}" in installed
    run(runner, "validate", "--site", site)
    again = run(runner, "pack", "upgrade", name, "--site", site)
    assert "The database needs no changes." in again
    assert "Seed data: 0 added, 0 updated" in again
    packs = list(Site.load(site).packs)
    assert name in packs
    for pack in reversed(packs):  # dependents before what they need
        removed = run(runner, "pack", "remove", pack, "--site", site)
        assert f"Removing {pack}" in removed
    assert Site.load(site).packs == {}
    assert "The database matches the definitions." in run(
        runner, "plan", "--site", site
    )


def test_demo_loads_seed_and_demo_records_once(runner, tmp_path, demo_site):
    # The session's demo site (made by `officina demo`), copied to run again.
    site = demo_site.copy(tmp_path / "demo")
    assert "added" in demo_site.output
    runtime = Runtime.open(site)
    # A running site does not read the demo data; the pack commands do.
    shipped = load_site_definitions(Site.load(site), demo=True).seeds
    try:
        seeds = runtime.schema.metadata.tables[SEEDS]
        with runtime.engine.connect() as connection:
            loaded = connection.execute(
                select(func.count()).select_from(seeds)
            ).scalar()
        counts = {
            seed.entity: len(runtime.records.list(seed.entity, limit=500).records)
            for seed in shipped
        }
        demo_entities = {seed.entity for seed in shipped if seed.demo}
    finally:
        runtime.close()
    assert loaded == sum(len(seed.records) for seed in shipped)
    assert demo_entities and all(counts[entity] for entity in demo_entities)
    # Run again (in Chinese), it uses the site as it is and loads nothing.
    again = run(runner, "demo", "--site", str(site), "--language", "zh", "--no-serve")
    assert "Using the demo site" in again
    assert "订单" in again
    assert "Seed data: 0 added, 0 updated" in again
    runtime = Runtime.open(site)
    try:
        assert counts == {
            entity: len(runtime.records.list(entity, limit=500).records)
            for entity in counts
        }
    finally:
        runtime.close()
