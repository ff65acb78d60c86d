"""A pack change leaves nothing half-done: a site.yaml that cannot be
rewritten or a pack the site could not open on stops it before the
database is touched, a removal does not
archive what is not the pack's, a purged pack's seed data loads again on
reinstalling, and seed data that fails after the migration is named with
the commands that load all of it once it is corrected. Demo files, read
only to load them, do not stop `officina plan` or `migrate`."""

from __future__ import annotations

import pytest
from pack_sites import BASICS, new_site, officina, table_names, write_basics

from officina.runtime import Runtime
from officina.site import Site
from pack_files import write_pack


@pytest.fixture
def site(runner, tmp_path, database_url):
    return new_site(runner, tmp_path / "shop", database_url)


def counts(site) -> dict[str, int]:
    runtime = Runtime.open(site)
    try:
        return {
            entity: len(runtime.records.list(entity, limit=100).records)
            for entity in ("category", "channel", "order")
        }
    finally:
        runtime.close()


def test_the_commands_given_load_the_dependencys_and_the_demo_data(runner, site):
    broken = dict(BASICS)
    broken["seed/categories.yaml"] = BASICS["seed/categories.yaml"].replace(
        "parent_category: ELEC", "parent_category: NOPE"
    )
    write_basics(site, files=broken)
    failed = officina(runner, site, "pack", "install", "orders", "--demo", ok=False)
    assert failed.exit_code == 1
    assert "Internal error" not in failed.output
    assert "categories.yaml:4:" in failed.output
    assert (
        "once it is corrected, run 'officina pack upgrade basics', then "
        "'officina pack upgrade orders --demo' to load it." in failed.output
    )
    assert Site.load(site).packs.keys() == {"basics", "orders"}
    assert counts(site) == {"category": 0, "channel": 0, "order": 0}

    write_basics(site)
    officina(runner, site, "pack", "upgrade", "basics")
    demo = officina(runner, site, "pack", "upgrade", "orders", "--demo")
    assert "Seed data: 1 added" in demo.output
    assert counts(site) == {"category": 2, "channel": 3, "order": 1}


def test_a_site_yaml_it_cannot_rewrite_stops_it_before_the_database(runner, site):
    site_file = site / "site.yaml"
    odd = site_file.read_text("utf-8").replace("packs: {}", '"packs": {}')
    site_file.write_text(odd, "utf-8")
    refused = officina(runner, site, "pack", "install", "basics", ok=False)
    assert refused.exit_code == 1
    assert "cannot update 'packs:'" in refused.output
    assert "nothing was changed" in refused.output
    assert site_file.read_text("utf-8") == odd
    assert "channel" not in table_names(site)


def test_a_pack_calling_a_misspelt_plugin_action_changes_nothing(runner, site):
    officina(runner, site, "pack", "install", "basics")
    write_pack(
        site / "packs",
        {
            "payments.yaml": """
                entity: card_payment
                fields:
                  amount: {type: money}
                rules:
                  capture:
                    on: created
                    do:
                      - call: {action: payments.captur}
                """
        },
        name="cards",
    )
    before = (site / "site.yaml").read_text("utf-8")
    refused = officina(runner, site, "pack", "install", "cards", ok=False)
    assert refused.exit_code == 1
    assert "calls the action 'payments.captur'" in refused.output
    assert "did you mean 'payments.capture'?" in refused.output
    assert "Nothing was changed." in refused.output
    assert (site / "site.yaml").read_text("utf-8") == before
    assert "card_payment" not in table_names(site)
    Runtime.open(site).close()  # the site still opens


def test_a_purged_pack_gets_its_seed_data_again_when_reinstalled(runner, site):
    officina(runner, site, "pack", "install", "basics")
    officina(runner, site, "pack", "remove", "basics", "--purge")
    back = officina(runner, site, "pack", "install", "basics")
    assert "Seed records to add: 5 records" in back.output
    assert "Seed data: 5 added" in back.output


def test_a_removal_refuses_to_archive_the_sites_own_tables(runner, site):
    officina(runner, site, "pack", "install", "basics")
    own = site / "definitions" / "notes.yaml"
    own.write_text("entity: note\nfields:\n  text: string\n", "utf-8")
    officina(runner, site, "migrate")
    own.unlink()  # an edit of the site's own, not migrated yet
    refused = officina(runner, site, "pack", "remove", "basics", ok=False)
    assert refused.exit_code == 1
    assert "archive the table `note`" in refused.output
    assert "this is not part of the pack" in refused.output
    assert Site.load(site).packs.keys() == {"basics"}
    assert {"note", "channel"} <= table_names(site)


def test_plan_and_migrate_leave_the_demo_files_unread(runner, site):
    officina(runner, site, "pack", "install", "basics")
    demo = site / "packs" / "basics" / "demo" / "channels.yaml"
    demo.parent.mkdir()
    demo.write_text("seed: channel\nrecords:\n  - {code: X, colour: red}\n", "utf-8")
    checked = officina(runner, site, "validate", str(demo.parent.parent), ok=False)
    assert "unknown field 'colour'" in checked.output
    assert "matches the definitions" in officina(runner, site, "plan").output
    officina(runner, site, "migrate")
