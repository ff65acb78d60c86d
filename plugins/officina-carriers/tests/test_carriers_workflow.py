"""End to end: a scheduled rule calls carriers.track; the worker runs it and
the shipment advances, then is delivered through its workflow."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from click.testing import CliRunner

from officina.automation.worker import Worker
from officina.cli import main
from officina.runtime import Runtime
from officina.site import init_site

SHIPMENTS = """\
entity: shipment
fields:
  reference: {type: string, required: true}
  carrier: {type: choice, options: [sf_express, ups, own_fleet]}
  tracking_number: string
  tracking_status:
    type: choice
    options: [picked_up, in_transit, out_for_delivery, delivered]
  shipping_option:
    type: choice
    options: [standard, expedited, next_day, pickup]
    default: expedited
  ship_country: string
  shipped_at: datetime
  delivered_at: datetime
workflow:
  initial: packed
  states:
    packed: {}
    shipped: {}
    delivered: {final: true}
  transitions:
    ship:
      from: packed
      to: shipped
      requires: [tracking_number]
      set: {shipped_at: "=now()"}
    deliver:
      from: shipped
      to: delivered
      set: {delivered_at: "=now()"}
rules:
  book_carrier:
    on: created
    do:
      - call: {action: carriers.book, with: {carrier: sf_express}}
  track_shipments:
    on: {every: 1h}
    when: "status == 'shipped'"
    do:
      - call: {action: carriers.track}
"""
SHIPPED = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def runtime(tmp_path, carriers_database_url):
    folder = tmp_path / "depot"
    init_site(folder, name="Depot", database=carriers_database_url)
    (folder / "definitions" / "shipments.yaml").write_text(textwrap.dedent(SHIPMENTS))
    result = CliRunner().invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    opened = Runtime.open(folder)
    yield opened
    opened.close()


def run(runtime, now):
    runtime.records.clock = lambda: now
    runtime.automation.run_scheduled(runtime, "track_shipments", now)
    Worker(runtime, "test", rng=lambda: 0.0).run_once(now)
    return runtime.records.list("shipment").records


def test_a_shipment_is_booked_tracked_and_delivered(runtime):
    assert runtime.automation.problems == []
    runtime.records.clock = lambda: SHIPPED
    created = runtime.records.create("shipment", {"reference": "S-1"})
    Worker(runtime, "test").run_once(SHIPPED)
    booked = runtime.records.get("shipment", created["id"])
    assert booked["carrier"] == "sf_express"
    assert booked["tracking_number"].startswith("SF")
    shipped = runtime.records.transition("shipment", created["id"], "ship")
    start = shipped["shipped_at"]  # now() is the wall clock
    seen = []
    for hours in (0.5, 2, 12, 3 * 24 - 8, 3 * 24):
        (shipment,) = run(runtime, start + dt.timedelta(hours=hours))
        seen.append((shipment["tracking_status"], shipment["status"]))
    assert seen == [
        (None, "shipped"),
        ("picked_up", "shipped"),
        ("in_transit", "shipped"),
        ("out_for_delivery", "shipped"),
        ("delivered", "delivered"),
    ]
    (shipment,) = run(runtime, start + dt.timedelta(days=5))
    assert shipment["status"] == "delivered"  # not tracked any more


def test_a_wrong_tracking_number_fails_the_job(runtime):
    runtime.records.clock = lambda: SHIPPED
    created = runtime.records.create(
        "shipment", {"reference": "S-2", "tracking_number": "SF12345678904"}
    )
    shipped = runtime.records.transition("shipment", created["id"], "ship")
    run(runtime, shipped["shipped_at"] + dt.timedelta(hours=2))
    from sqlalchemy import select

    from officina.schema.tables import JOBS

    table = runtime.schema.metadata.tables[JOBS]
    with runtime.engine.connect() as connection:
        failed = connection.execute(
            select(table.c.last_error).where(table.c.status == "dead")
        ).scalars()
        assert any("check digit is wrong" in error for error in failed)
