"""Dashboards across packs: a pack adds widgets to a dashboard of a pack it
depends on (`extend_dashboard:`), a dashboard shows only reports and views
of its pack and its dependencies, and a role's `home:` dashboard exists
and is offered to the role."""

from __future__ import annotations

import pytest

from officina.definitions import Layer, load
from officina.definitions.loader import SITE_LAYER
from officina.errors import DefinitionErrors
from pack_files import pack_layer, write_pack

SALES = """
    entity: sale
    fields:
      amount: money
    ---
    report: sales_total
    entity: sale
    measures: {revenue: {sum: amount}}
    chart: number
    ---
    role: boss
    permissions:
      '*': read
    ---
    dashboard: overview
    label: Overview
    roles: [boss]
    widgets:
      - report: sales_total
"""

STOCK = """
    entity: item
    fields:
      name: string
      low: boolean
    ---
    view: low_items
    entity: item
    filters: {low: true}
"""


def sales_layer(tmp_path) -> Layer:
    return pack_layer(write_pack(tmp_path, {"sales.yaml": SALES}, name="sales"))


def stock_layer(tmp_path, text: str, *, depends: bool = True) -> Layer:
    folder = write_pack(
        tmp_path,
        {"stock.yaml": STOCK + text},
        name="stock",
        depends={"sales": "^1.0"} if depends else None,
    )
    return pack_layer(folder, depends_on={"sales"} if depends else ())


def problems_of(layers) -> list:
    with pytest.raises(DefinitionErrors) as raised:
        load(layers)
    return raised.value.problems


def test_a_pack_adds_its_widgets_to_a_dashboard_of_a_pack_it_depends_on(tmp_path):
    extension = """
    ---
    extend_dashboard: overview
    widgets:
      - view: low_items
        title: {en: Running low, zh: 库存不足}
        width: 12
    """
    definitions = load([sales_layer(tmp_path), stock_layer(tmp_path, extension)])
    widgets = definitions.dashboards["overview"].widgets
    assert [(w.kind, w.name, w.width) for w in widgets] == [
        ("report", "sales_total", 6),
        ("view", "low_items", 12),
    ]
    assert widgets[1].title.get("zh") == "库存不足"
    assert definitions.dashboards["overview"].pack == "sales"


def test_extending_an_unknown_dashboard_names_the_close_one(tmp_path):
    extension = """
    ---
    extend_dashboard: overveiw
    widgets: [{view: low_items}]
    """
    (problem,) = problems_of([sales_layer(tmp_path), stock_layer(tmp_path, extension)])
    assert problem.message == "there is no dashboard 'overveiw' to extend"
    assert "overview" in problem.hint
    assert problem.location.file.endswith("stock/stock.yaml")


def test_a_pack_extends_only_dashboards_of_packs_it_depends_on(tmp_path):
    extension = """
    ---
    extend_dashboard: overview
    widgets: [{view: low_items}]
    """
    layers = [sales_layer(tmp_path), stock_layer(tmp_path, extension, depends=False)]
    (problem,) = problems_of(layers)
    assert problem.message == (
        "the pack 'stock' extends the dashboard 'overview' of the pack 'sales' "
        "but does not depend on it"
    )
    assert problem.hint == "add 'sales' under 'depends:' in stock/pack.yaml"


def test_a_dashboard_shows_only_what_its_pack_may_count_on(tmp_path):
    stock = stock_layer(tmp_path, "", depends=False)
    folder = write_pack(
        tmp_path / "other",
        {"sales.yaml": SALES + "      - view: low_items\n"},
        name="sales",
    )
    (problem,) = problems_of([stock, pack_layer(folder)])
    assert problem.message == (
        "the dashboard 'overview' in the pack 'sales' shows the view 'low_items' "
        "of the pack 'stock', which it does not depend on"
    )
    assert "'extend_dashboard: overview'" in problem.hint
    lines = (folder / "sales.yaml").read_text().splitlines()
    assert lines[problem.location.line - 1].endswith("- view: low_items")


def test_the_site_may_extend_any_dashboard(tmp_path):
    site_file = tmp_path / "site" / "dashboards.yaml"
    site_file.parent.mkdir()
    site_file.write_text(
        "extend_dashboard: overview\nwidgets: [{view: low_items, width: 4}]\n"
    )
    definitions = load(
        [
            sales_layer(tmp_path),
            stock_layer(tmp_path, "", depends=False),
            Layer(name=SITE_LAYER, files=(site_file,)),
        ]
    )
    assert [w.name for w in definitions.dashboards["overview"].widgets] == [
        "sales_total",
        "low_items",
    ]


def test_a_role_starts_on_a_dashboard_offered_to_it(tmp_path):
    extension = """
    ---
    role: clerk
    permissions: {item: read}
    ---
    extend_role: boss
    home: overview
    permissions: {item: read}
    """
    definitions = load([sales_layer(tmp_path), stock_layer(tmp_path, extension)])
    assert definitions.roles["boss"].home == "overview"
    assert definitions.roles["clerk"].home is None
    wrong = """
    ---
    role: clerk
    home: overview
    permissions: {item: read}
    ---
    extend_role: boss
    home: overveiw
    permissions: {item: read}
    """
    problems = problems_of(
        [sales_layer(tmp_path / "2"), stock_layer(tmp_path / "2", wrong)]
    )
    by_role = {p.message.split("'")[1]: p for p in problems}
    assert by_role["boss"].message == (
        "the role 'boss' starts on the dashboard 'overveiw', which does not exist"
    )
    assert "overview" in by_role["boss"].hint
    assert by_role["boss"].location.file.endswith("stock/stock.yaml")
    assert by_role["clerk"].message == (
        "the role 'clerk' starts on the dashboard 'overview', which is not "
        "offered to it"
    )
    assert by_role["clerk"].hint == (
        "add 'clerk' to the roles of the dashboard 'overview'"
    )
    assert len(problems) == 2
