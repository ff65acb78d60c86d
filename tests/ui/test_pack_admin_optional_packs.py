"""The packs page says which packs a pack works with, and the preview of
installing one of them names the with/ folder it brings into effect."""

from __future__ import annotations

import pytest

from pack_files import write_pack

STOCK = {
    "stock.yaml": """
        entity: stock_entry
        label: {en: Stock entry, zh: 库存记录}
        plural_label: {en: Stock entries, zh: 库存记录}
        fields:
          item: {type: string, required: true}
        """,
}

TILL = {
    "sale.yaml": """
        entity: sale
        label: {en: Sale, zh: 销售}
        fields:
          item: {type: string, required: true}
        """,
    "with/stock/sale_stock.yaml": """
        extend: sale
        fields:
          stock_entry: {type: reference, to: stock_entry}
        """,
}


@pytest.fixture
def packs(site):
    write_pack(site / "packs", STOCK, name="stock")
    till = write_pack(site / "packs", TILL, name="till")
    with open(till / "pack.yaml", "a", encoding="utf-8") as manifest:
        manifest.write("enhances:\n  stock: '^1.0'\n")
    return site


def test_installing_the_optional_pack_shows_the_folder_it_brings_in(admin, app, packs):
    page = admin.get("/admin/packs").get_data(as_text=True)
    assert "Works with:" in page and "<code>stock ^1.0</code>" in page

    admin.post("/admin/packs/till/install")
    preview = admin.get("/admin/packs/stock/install").get_data(as_text=True)
    assert "Definitions that now apply, with both packs installed" in preview
    assert "<code>till/with/stock/</code>" in preview
    assert "add column `stock_entry` to `sale`" in preview

    done = admin.post("/admin/packs/stock/install", follow_redirects=True)
    assert "stock 1.0.0 is installed." in done.get_data(as_text=True)
    runtime = app.extensions["officina"].current
    assert "stock_entry" in runtime.definitions.entities["sale"].fields
