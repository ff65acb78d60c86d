"""Reports and dashboards filtered on the signed-in `user`, as list views
are: two sales reps open the same report, dashboard and board and each
sees their own figures and deals."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
from officina.records import Actor
from officina.records.reports import run_report
from officina.runtime import Runtime
from pack_files import make_site

DEALS = """\
entity: deal
title_field: title
fields:
  title: {type: string, required: true}
  owner: {type: reference, to: user, label: Owner}
  amount: {type: money}
  stage: {type: choice, options: [open, won, lost], default: open}
---
report: my_pipeline
entity: deal
label: My pipeline
filters: {owner: "=user.id", stage: {not_in: [lost]}}
measures:
  deals: count
  value: {sum: amount}
chart: number
---
report: my_deals_by_stage
entity: deal
label: My deals by stage
filters: {owner: "=user"}
group_by: [stage]
measures: {deals: count}
---
view: my_deals
entity: deal
label: My deals
columns: [title, amount]
filters: {owner: "=user.id"}
---
view: my_board
entity: deal
label: My board
type: kanban
kanban: {by: stage, card: [title]}
filters: {owner: "=user.id"}
---
dashboard: sales_desk
label: Sales desk
widgets:
  - report: my_pipeline
  - view: my_deals
  - view: my_board
---
role: sales_rep
permissions:
  deal: {read: true, create: true, update: true}
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = make_site(runner, tmp_path / "deals", database_url, DEALS)
    runtime = Runtime.open(folder)
    users = {
        name: add_user(
            runtime,
            email=f"{name}@example.com",
            name=name.title(),
            password=PASSWORD,
            roles=["sales_rep"],
        )
        for name in ("ann", "ben")
    }
    for owner, title, amount, stage in [
        ("ann", "Anchor Ltd", "100", "open"),
        ("ann", "Apex AG", "250", "won"),
        ("ann", "Atlas SA", "999", "lost"),
        ("ben", "Birch plc", "40", "open"),
    ]:
        runtime.records.create(
            "deal",
            {
                "title": title,
                "owner": users[owner]["id"],
                "amount": amount,
                "stage": stage,
            },
        )
    yield runtime, users
    runtime.close()


def browser_of(runtime, name: str) -> Browser:
    browser = Browser(
        create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in(f"{name}@example.com").status_code == 302
    return browser


def actor_of(user: dict) -> Actor:
    return Actor(id=user["id"], name=user["name"], roles=("sales_rep",))


def test_each_reader_gets_their_own_figures_from_one_report(site):
    runtime, users = site
    report = runtime.definitions.reports["my_pipeline"]
    figures = {
        name: run_report(runtime.records, report, actor_of(user)).as_dicts()
        for name, user in users.items()
    }
    assert figures == {
        "ann": [{"deals": 2, "value": Decimal("350")}],
        "ben": [{"deals": 1, "value": Decimal("40")}],
    }
    by_stage = runtime.definitions.reports["my_deals_by_stage"]
    rows = run_report(runtime.records, by_stage, actor_of(users["ben"])).as_dicts()
    assert rows == [{"stage": "open", "deals": 1}]


def test_the_report_page_shows_the_signed_in_users_figure(site):
    runtime, _users = site
    ann = browser_of(runtime, "ann").get("/reports/my_pipeline")
    ben = browser_of(runtime, "ben").get("/reports/my_pipeline")
    assert ann.status_code == 200 and ben.status_code == 200
    assert ">2</p>" in ann.get_data(as_text=True)
    assert ">1</p>" in ben.get_data(as_text=True)


def test_the_dashboard_shows_each_reader_their_own_deals(site):
    runtime, _users = site
    page = browser_of(runtime, "ben").get("/dashboards/sales_desk")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert 'id="widget-my_pipeline"' in text and ">1</p>" in text
    assert "Birch plc" in text
    assert "Anchor Ltd" not in text and "Apex AG" not in text
    page = browser_of(runtime, "ann").get("/dashboards/sales_desk")
    text = page.get_data(as_text=True)
    assert "Anchor Ltd" in text and "Apex AG" in text
    assert "Birch plc" not in text


def test_the_dashboards_board_counts_only_the_readers_deals(site):
    runtime, _users = site
    text = (
        browser_of(runtime, "ann").get("/dashboards/sales_desk").get_data(as_text=True)
    )
    board = text.split('id="widget-my_board"')[1]
    counts = dict(
        re.findall(
            r'data-value="(\w+)".*?class="fs-4 fw-semibold lane-count">(\d+)<',
            board,
            re.S,
        )
    )
    assert counts == {"open": "1", "won": "1", "lost": "1"}
