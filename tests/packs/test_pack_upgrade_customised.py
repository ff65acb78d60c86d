"""Upgrading a pack keeps the site's own customisations and all records:
the site extends the pack's `order` (a field, a workflow state, a label),
the pack's next version adds a field and a rule, and afterwards both are in
effect. Seed data is added and updated, never over a user's edit or
deletion."""

from __future__ import annotations

import pytest
from pack_sites import (
    BASICS,
    ORDERS,
    new_site,
    officina,
    write_basics,
    write_orders,
)

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.definitions.model import Filter
from officina.runtime import Runtime
from officina.site import Site

CUSTOMISATION = """\
extend: order
label: {en: Purchase, zh: 采购单}
fields:
  gift_note: {type: string, label: Gift note}
workflow:
  states:
    on_hold: {}
  transitions:
    hold: {from: open, to: on_hold}
    release: {from: on_hold, to: open}
"""

ORDERS_1_1 = {
    "orders.yaml": ORDERS["orders.yaml"].replace(
        "          amount: {type: money}\n",
        "          amount: {type: money}\n"
        "          priority: {type: choice, options: [normal, urgent], "
        "default: normal}\n",
    )
    + """
        ---
        extend: order
        rules:
          urgent_when_big:
            on: saved
            when: "amount >= 1000"
            do:
              - set: {priority: urgent}
        """,
    "demo/orders.yaml": ORDERS["demo/orders.yaml"],
}


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = new_site(runner, tmp_path / "shop", database_url)
    officina(runner, folder, "pack", "install", "orders")
    return folder


def channel_id(runtime: Runtime, code: str) -> int:
    page = runtime.records.list("channel", filters=[Filter(("code",), "eq", code)])
    return page.records[0]["id"]


def test_an_upgrade_keeps_the_customisation_and_the_records(runner, site):
    (site / "definitions" / "custom.yaml").write_text(CUSTOMISATION, "utf-8")
    officina(runner, site, "migrate")
    runtime = Runtime.open(site)
    try:
        web = channel_id(runtime, "WEB")
        gift = runtime.records.create(
            "order",
            {"reference": "A-1", "amount": "50", "channel": web, "gift_note": "Hi"},
        )
        runtime.records.transition("order", gift["id"], "hold")
        big = runtime.records.create("order", {"reference": "A-2", "amount": "2000"})
    finally:
        runtime.close()

    write_orders(site, "1.1.0", files=ORDERS_1_1)
    result = officina(runner, site, "pack", "upgrade", "orders")
    assert "Upgrading orders 1.0.0 -> 1.1.0 (Orders)." in result.output
    assert "add column `priority` to `order`" in result.output
    assert Site.load(site).packs["orders"][0] == "1.1.0"

    runtime = Runtime.open(site)
    try:
        order = runtime.definitions.entities["order"]
        assert order.label.get("en") == "Purchase"  # the site's label
        assert {"gift_note", "priority"} <= set(order.fields)
        assert "on_hold" in order.workflow.states
        assert "urgent_when_big" in order.rules

        kept = runtime.records.get("order", gift["id"])
        assert kept["gift_note"] == "Hi" and kept["status"] == "on_hold"
        assert kept["channel"] == web and kept["priority"] == "normal"
        released = runtime.records.transition("order", gift["id"], "release")
        assert released["status"] == "open"
        runtime.records.update("order", big["id"], {"gift_note": "Thanks"})
        touched = runtime.records.get("order", big["id"])
        assert touched["priority"] == "urgent"  # the pack's new rule
        assert touched["gift_note"] == "Thanks"
        add_user(
            runtime, email="ada@example.com", name="Ada", password=None, roles=["admin"]
        )
        secret, _ = create_token(runtime, "ada@example.com", "tests")
        client = create_app(runtime_=runtime, config={"TESTING": True}).test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        answer = client.post(
            "/api/v1/order",
            json={"reference": "A-3", "amount": "1500", "gift_note": "Wrap it"},
        )
        assert answer.status_code == 201, answer.get_json()
        made = client.get(f"/api/v1/order/{answer.get_json()['id']}").get_json()
        assert made["priority"] == "urgent" and made["gift_note"] == "Wrap it"
        listed = client.get("/api/v1/order?sort=reference").get_json()
        assert [item["reference"] for item in listed["data"]] == ["A-1", "A-2", "A-3"]
    finally:
        runtime.close()


def test_seed_data_upgrades_spare_what_users_changed(runner, site):
    runtime = Runtime.open(site)
    try:
        runtime.records.update("channel", channel_id(runtime, "APP"), {"name": "Ours"})
        runtime.records.delete("channel", channel_id(runtime, "POS"))
    finally:
        runtime.close()
    channels = """
        seed: channel
        key: code
        records:
          - {code: WEB, name: Online shop}
          - {code: APP, name: Mobile application}
          - {code: POS, name: Shop counter}
          - {code: MAIL, name: Mail order}
        """
    write_basics(site, "1.1.0", files={**BASICS, "seed/channels.yaml": channels})
    result = officina(runner, site, "pack", "upgrade", "basics")
    assert "Seed data: 1 added, 1 updated, 2 unchanged." in result.output
    assert "edited since they were loaded (your changes are kept): channel APP" in (
        result.output
    )
    assert "deleted since they were loaded (not brought back): channel POS" in (
        result.output
    )
    runtime = Runtime.open(site)
    try:
        names = {
            record["code"]: record["name"]
            for record in runtime.records.list("channel").records
        }
    finally:
        runtime.close()
    assert names == {"WEB": "Online shop", "APP": "Ours", "MAIL": "Mail order"}
    again = officina(runner, site, "pack", "upgrade", "basics")
    assert "Seed data: 0 added, 0 updated, 4 unchanged." in again.output
    assert "channel APP" in again.output and "channel POS" in again.output
