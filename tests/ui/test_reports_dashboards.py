"""Reports and dashboards: figures grouped by period, choice, reference and
child rows, drawn as SVG by the server, limited to what the reader may see."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user, check_password
from officina.records.reports import ReportError, run_report
from officina.records.service import SYSTEM
from officina.runtime import Runtime
from pack_files import make_site

SALES = """\
entity: customer
title_field: name
fields:
  name: {type: string, required: true}
  tier: {type: choice, options: [{value: gold, label: {en: Gold, zh: 金卡}}, silver]}
  addresses: {type: table, of: customer_address}
---
entity: customer_address
title_field: city
fields:
  city: {type: string, required: true}
---
entity: product
title_field: name
fields:
  name: {type: string, required: true}
---
entity: sale
fields:
  customer: {type: reference, to: customer, required: true}
  ship_to: {type: reference, to: customer_address}
  region: {type: choice, options: [north, south]}
  placed_at: datetime
  placed_on: date
  lines: {type: table, of: sale_line}
  total: {type: money, formula: "sum(lines.amount)"}
---
entity: sale_line
fields:
  product: {type: reference, to: product, required: true}
  qty: {type: integer, required: true}
  amount: money
---
report: sales_by_day
entity: sale
label: {en: Sales by day, zh: 每日销售}
group_by: ["placed_at:day"]
measures: {revenue: {sum: total}, sales: count}
chart: line
sort: placed_at
---
report: sales_by_week
entity: sale
label: Sales by week
group_by: ["placed_on:week"]
measures: {sales: count}
chart: bar
---
report: sales_by_month
entity: sale
label: Sales by month
group_by: ["placed_at:month"]
measures: {sales: count}
chart: area
---
report: sales_by_quarter
entity: sale
label: Sales by quarter
group_by: ["placed_on:quarter"]
measures: {sales: count}
chart: bar
---
report: sales_by_year
entity: sale
label: Sales by year
group_by: ["placed_on:year"]
measures: {sales: count}
chart: table
---
report: sales_by_tier
entity: sale
label: Sales by tier
group_by: [customer.tier]
measures: {sales: count}
chart: pie
---
report: best_customers
entity: sale
label: Best customers
group_by: [customer]
measures: {revenue: {sum: total}}
chart: bar
sort: -revenue
limit: 2
---
report: sales_by_address
entity: sale
label: Sales by address
group_by: [ship_to]
measures: {sales: count}
chart: bar
---
report: units_by_product
entity: sale_line
label: Units by product
group_by: [product.name]
measures: {units: {sum: qty}, biggest: {max: qty}}
chart: bar
sort: -units
---
report: sales_count
entity: sale
label: Number of sales
filters: {region: north}
measures: {sales: count}
chart: number
---
report: managers_only
entity: sale
label: Managers only
measures: {sales: count}
roles: [manager]
---
dashboard: overview
label: {en: Overview, zh: 总览}
widgets:
  - report: sales_count
    width: 3
  - report: sales_by_day
    width: 9
  - report: sales_by_tier
  - report: managers_only
  - view: north_sales
    limit: 2
---
view: north_sales
entity: sale
label: North sales
columns: [customer, region, placed_on]
filters: {region: north}
sort: [placed_on]
---
role: manager
permissions:
  sale: {read: true}
---
role: clerk
permissions:
  sale: {read: true, rows: {region: north}, fields: {total: hidden}}
  sale_line: {read: true}
  customer: {read: true}
  product: {read: true}
"""


@pytest.fixture
def sales_site(runner, tmp_path, database_url):
    site = make_site(runner, tmp_path / "sales", database_url, SALES)
    runtime = Runtime.open(site)
    records = runtime.records
    ada = records.create(
        "customer", {"name": "Ada", "tier": "gold", "addresses": [{"city": "Oslo"}]}
    )
    bo = records.create("customer", {"name": "Bo", "tier": "silver"})
    phone = records.create("product", {"name": "Phone"})
    case = records.create("product", {"name": "Case"})

    def sale(customer, region, when: dt.datetime, lines):
        records.create(
            "sale",
            {
                "customer": customer["id"],
                "ship_to": (customer.get("addresses") or [{}])[0].get("id"),
                "region": region,
                "placed_at": when,
                "placed_on": when.date(),
                "lines": [
                    {"product": p["id"], "qty": q, "amount": Decimal(a)}
                    for p, q, a in lines
                ],
            },
        )

    utc = dt.UTC
    # Monday 2026-03-30 and Tuesday 2026-03-31 are one week, Q1; 2026-04-02
    # is the same week but Q2; 2025-12-31 another year.
    sale(
        ada, "north", dt.datetime(2026, 3, 30, 23, 30, tzinfo=utc), [(phone, 1, "500")]
    )
    sale(ada, "north", dt.datetime(2026, 3, 31, 8, 0, tzinfo=utc), [(case, 3, "30")])
    sale(bo, "south", dt.datetime(2026, 4, 2, 12, 0, tzinfo=utc), [(phone, 2, "1000")])
    sale(bo, "south", dt.datetime(2025, 12, 31, 9, 0, tzinfo=utc), [(case, 1, "10")])
    add_user(
        runtime, email="ada@example.com", name="Ada", password=PASSWORD, roles=["admin"]
    )
    add_user(
        runtime,
        email="carl@example.com",
        name="Carl",
        password=PASSWORD,
        roles=["clerk"],
    )
    yield runtime
    runtime.close()


def _run(runtime, name, actor=SYSTEM):
    return run_report(
        runtime.records, runtime.definitions.reports[name], actor
    ).as_dicts()


def test_periods_group_dates_and_datetimes(sales_site):
    by_day = _run(sales_site, "sales_by_day")
    assert [(r["placed_at"], r["sales"], r["revenue"]) for r in by_day] == [
        ("2025-12-31", 1, Decimal("10")),
        ("2026-03-30", 1, Decimal("500")),
        ("2026-03-31", 1, Decimal("30")),
        ("2026-04-02", 1, Decimal("1000")),
    ]
    assert [
        (r["placed_on"], r["sales"]) for r in _run(sales_site, "sales_by_week")
    ] == [
        ("2025-12-29", 1),
        ("2026-03-30", 3),
    ]
    assert [
        (r["placed_at"], r["sales"]) for r in _run(sales_site, "sales_by_month")
    ] == [
        ("2025-12", 1),
        ("2026-03", 2),
        ("2026-04", 1),
    ]
    assert [
        (r["placed_on"], r["sales"]) for r in _run(sales_site, "sales_by_quarter")
    ] == [
        ("2025-Q4", 1),
        ("2026-Q1", 2),
        ("2026-Q2", 1),
    ]
    assert [
        (r["placed_on"], r["sales"]) for r in _run(sales_site, "sales_by_year")
    ] == [
        ("2025", 1),
        ("2026", 3),
    ]


def test_groups_through_references_and_child_rows(sales_site):
    assert {
        r["customer.tier"]: r["sales"] for r in _run(sales_site, "sales_by_tier")
    } == {
        "gold": 2,
        "silver": 2,
    }
    best = _run(sales_site, "best_customers")
    assert [r["revenue"] for r in best] == [Decimal("1010"), Decimal("530")]
    units = _run(sales_site, "units_by_product")
    assert [(r["product.name"], r["units"], r["biggest"]) for r in units] == [
        ("Case", 4, 3),
        ("Phone", 3, 2),
    ]
    assert _run(sales_site, "sales_count") == [{"sales": 2}]


def test_readers_see_only_their_rows_and_fields(sales_site):
    clerk = check_password(sales_site, "carl@example.com", PASSWORD)
    # The clerk sees north sales only, child rows included.
    assert _run(sales_site, "sales_by_year", clerk) == [
        {"placed_on": "2026", "sales": 2}
    ]
    units = _run(sales_site, "units_by_product", clerk)
    assert {r["product.name"]: r["units"] for r in units} == {"Case": 3, "Phone": 1}
    with pytest.raises(ReportError, match="total"):
        _run(sales_site, "sales_by_day", clerk)  # measures a hidden field
    with pytest.raises(ReportError, match="manager"):
        _run(sales_site, "managers_only", clerk)


@pytest.fixture
def sales_app(sales_site):
    return create_app(runtime_=sales_site, config={"TESTING": True})


def _browser(app, email):
    browser = Browser(app.test_client())
    assert browser.sign_in(email).status_code == 302
    return browser


def test_report_page_draws_the_chart_and_table(sales_app):
    admin = _browser(sales_app, "ada@example.com")
    page = admin.get("/reports/").get_data(as_text=True)
    assert "Sales by day" in page and "Overview" in page
    page = admin.get("/reports/sales_by_day").get_data(as_text=True)
    assert '<svg class="chart chart-line"' in page
    assert "<polyline" in page and page.count("<circle") == 4
    assert "2026-03-30: 500" in page  # a point's tooltip
    assert "1,000" in page  # the table
    pie = admin.get("/reports/sales_by_tier").get_data(as_text=True)
    assert pie.count("<path") == 2 and "Gold" in pie and "50%" in pie
    # Grouped by a child row (an address of a customer): titled by its
    # parent and its own title.
    by_address = admin.get("/reports/sales_by_address").get_data(as_text=True)
    assert "Ada · Oslo" in by_address
    best = admin.get("/reports/best_customers").get_data(as_text=True)
    assert "Bo" in best and "Ada" in best and "<rect" in best
    exported = admin.get("/reports/units_by_product?format=csv")
    assert exported.headers["Content-Disposition"].endswith('units_by_product.csv"')
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert rows == [
        ["product.name", "units", "biggest"],
        ["Case", "4", "3"],
        ["Phone", "3", "2"],
    ]


def test_report_labels_follow_the_readers_language(sales_app, sales_site):
    admin = _browser(sales_app, "ada@example.com")
    admin.post("/language", {"language": "zh"})
    page = admin.get("/reports/sales_by_tier").get_data(as_text=True)
    assert "金卡" in page


def test_dashboard_shows_only_what_the_reader_may_see(sales_app):
    admin = _browser(sales_app, "ada@example.com")
    page = admin.get("/dashboards/overview").get_data(as_text=True)
    assert 'id="widget-sales_count"' in page and 'id="widget-managers_only"' in page
    assert 'id="widget-north_sales"' in page
    clerk = _browser(sales_app, "carl@example.com")
    page = clerk.get("/dashboards/overview").get_data(as_text=True)
    assert 'id="widget-sales_count"' in page
    assert ">2</p>" in page  # the clerk's figure: north sales only
    assert 'id="widget-managers_only"' not in page
    assert 'id="widget-sales_by_day"' not in page  # measures a hidden field
    assert clerk.get("/reports/managers_only").status_code == 404
    assert clerk.get("/reports/nothing_here").status_code == 404
    assert clerk.get("/dashboards/nothing_here").status_code == 404


def test_reports_need_a_signed_in_user(sales_app):
    response = sales_app.test_client().get("/reports/sales_by_day")
    assert response.status_code in (302, 401)


def test_periods_are_days_of_the_sites_timezone(sales_site):
    site_file = sales_site.site.path / "site.yaml"
    text = site_file.read_text("utf-8")
    site_file.write_text(text.replace("timezone: UTC", "timezone: Asia/Shanghai"))
    shanghai = Runtime.open(sales_site.site.path)
    try:
        days = [r["placed_at"] for r in _run(shanghai, "sales_by_day")]
    finally:
        shanghai.close()
    # 23:30 UTC on 30 March is 07:30 on 31 March in Shanghai.
    assert days == ["2025-12-31", "2026-03-31", "2026-04-02"]
