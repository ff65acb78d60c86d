"""Every shipped pack validates, upgrades, is removed and is installed again
cleanly on the demo site (`officina demo --no-serve`: every pack with its
seed and demo records), keeping the records it had. The empty site is
covered by test_shipped_pack_lifecycle.py.

The session's demo site serves the whole module (making it is slow); each
test leaves it as it found it. The packs themselves are validated on their
own by test_shipped_packs.py; here the site is, before and after."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from officina.cli import main
from officina.packs.catalog import Catalog
from officina.packs.seeding import tracked
from officina.runtime import Runtime
from officina.site import Site, default_pack_folders

SHIPPED = Catalog(default_pack_folders())


def run(*arguments: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, list(arguments))
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture(scope="module")
def demo(demo_site, tmp_path_factory):
    """A copy of the session's demo site to change (on PostgreSQL it shares
    the session's database: every test leaves it as it found it)."""
    return str(demo_site.copy(tmp_path_factory.mktemp("demo") / "site"))


def record_counts(site: str) -> dict[str, int]:
    """The number of records of every entity of the site's packs."""
    return {entity: len(rows) for entity, rows in snapshot(site).items()}


def snapshot(site: str) -> dict[str, list[dict]]:
    """Every record of every entity of the site's packs, by id."""
    runtime = Runtime.open(site)
    try:
        rows = {}
        with runtime.engine.connect() as connection:
            for name in runtime.definitions.entities:
                table = runtime.schema.table(name)
                found = connection.execute(sa.select(table).order_by(table.c.id))
                rows[name] = [dict(row) for row in found.mappings()]
        return rows
    finally:
        runtime.close()


def installed(site: str) -> list[str]:
    return list(Site.load(site).packs)


def needing(name: str, among: list[str]) -> list[str]:
    """The packs of `among` that need `name`, directly or through another,
    each after every pack it needs (so removal goes from the end)."""
    needs = {pack: set(SHIPPED.get(pack).info.depends) for pack in among}
    wanted = {name}
    changed = True
    while changed:
        changed = False
        for pack, depends in needs.items():
            if pack not in wanted and depends & wanted:
                wanted.add(pack)
                changed = True
    ordered = []
    while len(ordered) < len(wanted):
        for pack in sorted(wanted - set(ordered)):
            if not (needs[pack] & wanted) - set(ordered):
                ordered.append(pack)
    return ordered


def assert_matches(site: str) -> None:
    assert "The database matches the definitions." in run("plan", "--site", site)


def assert_clean(site: str) -> None:
    run("validate", "--site", site)
    assert_matches(site)


def demo_records(site: str) -> dict[str, set[tuple[str, int]]]:
    """{pack: (entity, id) of each demo record it loaded}, as officina_seed
    keeps them."""
    runtime = Runtime.open(site)
    try:
        with runtime.engine.connect() as connection:
            loaded = tracked(connection)
    finally:
        runtime.close()
    found: dict[str, set[int]] = {}
    for (pack, entity, _key), row in loaded.items():
        if row["demo"]:
            found.setdefault(pack, set()).add((entity, row["record_id"]))
    return found


def test_the_demo_site_has_every_pack_and_their_demo_records(demo):
    assert sorted(installed(demo)) == sorted(SHIPPED.packs)
    assert_clean(demo)
    with_demo = {
        name for name, pack in SHIPPED.packs.items() if (pack.folder / "demo").is_dir()
    }
    loaded = demo_records(demo)
    assert set(loaded) == with_demo
    counts = record_counts(demo)
    for records in loaded.values():
        assert all(counts[entity] for entity, _id in records)


@pytest.mark.parametrize("name", sorted(SHIPPED.packs))
def test_a_pack_upgrades_in_place_on_the_demo_site(demo, name):
    before = record_counts(demo)
    upgraded = run("pack", "upgrade", name, "--site", demo)
    assert "The database needs no changes." in upgraded
    assert "Seed data: 0 added, 0 updated" in upgraded
    assert record_counts(demo) == before
    assert_matches(demo)


# The packs no other pack needs, and commerce, which every other pack needs:
# removing it removes them all (orders among them), in order.
LEAVES_AND_ROOT = sorted(
    name
    for name in SHIPPED.packs
    if name == "commerce"
    or not any(name in SHIPPED.get(other).info.depends for other in SHIPPED.packs)
)


@pytest.mark.parametrize("name", LEAVES_AND_ROOT)
def test_a_pack_is_removed_and_installed_again_with_its_records(demo, name):
    before = snapshot(demo)
    packs = installed(demo)
    going = needing(name, packs)
    if going != [name]:
        # Removing a pack that others need is refused, naming them.
        refused = run("pack", "remove", name, "--site", demo, ok=False)
        assert any(pack in refused for pack in going if pack != name), refused
        assert installed(demo) == packs
    for pack in reversed(going):
        removed = run("pack", "remove", pack, "--site", demo)
        assert f"Removing {pack}" in removed
    assert set(installed(demo)) == set(packs) - set(going)
    assert_matches(demo)
    left = record_counts(demo)
    assert left == {entity: len(before[entity]) for entity in left}

    for pack in going:
        if pack not in installed(demo):
            run("pack", "install", pack, "--site", demo)
    assert set(installed(demo)) == set(packs)
    assert_matches(demo)
    after = snapshot(demo)
    assert after.keys() == before.keys()
    for entity, rows in before.items():
        assert after[entity] == rows, entity


def test_the_demo_site_is_still_valid_after_every_change(demo):
    assert sorted(installed(demo)) == sorted(SHIPPED.packs)
    assert_clean(demo)
