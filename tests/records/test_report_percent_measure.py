"""A report's `percent` measure: one figure as a share of another (units
returned of units delivered), summed over the records counted, per group,
on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from officina.errors import DefinitionErrors
from officina.records.reports import run_report
from officina.records.service import SYSTEM
from officina.runtime import Runtime
from pack_files import make_site

RETURNS = """\
entity: product
fields:
  name: {type: string, required: true}
  brand: {type: choice, options: [acme, zenith]}
  delivered: {type: integer, default: 0}
  returned: {type: integer, default: 0}
---
report: return_rate
entity: product
measures:
  rate: {percent: [returned, delivered]}
  returned: {sum: returned}
chart: number
---
report: return_rate_by_brand
entity: product
group_by: [brand]
measures:
  rate: {percent: [returned, delivered]}
sort: brand
"""


@pytest.fixture
def returns_site(runner, tmp_path, database_url):
    site = make_site(runner, tmp_path / "shop", database_url, RETURNS)
    runtime = Runtime.open(site)
    for name, brand, delivered, returned in (
        ("Kettle", "acme", 40, 2),
        ("Toaster", "acme", 10, 3),
        ("Lamp", "zenith", 50, 0),
        ("Unsold", "zenith", 0, 0),
    ):
        runtime.records.create(
            "product",
            {
                "name": name,
                "brand": brand,
                "delivered": delivered,
                "returned": returned,
            },
        )
    yield runtime
    runtime.close()


def figures(runtime, report: str) -> list:
    result = run_report(runtime.records, runtime.definitions.reports[report], SYSTEM)
    return [
        tuple(round(Decimal(str(v)), 2) if isinstance(v, float) else v for v in row)
        for row in result.rows
    ]


def test_percent_is_the_share_of_the_sums(returns_site):
    (row,) = figures(returns_site, "return_rate")
    assert round(Decimal(row[0]), 2) == Decimal("5.00")  # 5 of 100
    assert row[1] == 5
    by_brand = figures(returns_site, "return_rate_by_brand")
    assert [(brand, round(Decimal(rate), 1)) for brand, rate in by_brand] == [
        ("acme", Decimal("10.0")),  # 5 of 50
        ("zenith", Decimal("0.0")),
    ]


def test_nothing_delivered_gives_no_figure_rather_than_an_error(returns_site):
    records = returns_site.records
    for product in records.list("product", limit=10).records:
        records.update("product", product["id"], {"delivered": 0})
    (row,) = figures(returns_site, "return_rate")
    assert row[0] is None


PRODUCT = """
    entity: product
    fields:
      name: string
      delivered: integer
    ---
    report: wrong
    entity: product
"""


@pytest.mark.parametrize(
    ("measure", "message"),
    [
        (
            "{percent: [name, delivered]}",
            "measure 'rate' takes the percent of 'name', which is a string field, "
            "not a number",
        ),
        (
            "{percent: [delivered]}",
            "'measures.rate.percent' takes at least 2 items, not 1. Hint: write "
            "the part and the whole: [units_returned, units_delivered].",
        ),
        (
            "{percent: [delivered, returned]}",
            "unknown field 'returned' in measure 'rate'. "
            "Hint: use one of: delivered, name",
        ),
    ],
)
def test_percent_needs_two_number_fields(load_files, measure, message):
    with pytest.raises(DefinitionErrors) as raised:
        load_files({"shop.yaml": PRODUCT + f"    measures: {{rate: {measure}}}\n"})
    (problem,) = raised.value.problems
    assert message in str(problem)
