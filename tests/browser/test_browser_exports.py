"""Exports in a real browser: the CSV and XLSX links of a filtered list
download files holding what the list shows."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import openpyxl
from playwright.sync_api import expect


def download(page, selector: str):
    with page.expect_download() as info:
        page.click(selector)
    return info.value


def test_csv_and_xlsx_of_a_filtered_list(signed_in, shop, made):
    for customer, delivery in [("Acme", "courier"), ("Bolt", "pickup")]:
        shop.records.create(
            "order",
            {
                "customer": made[customer]["id"],
                "delivery": delivery,
                "address": "1 Harbour Street" if delivery == "courier" else None,
                "lines": [{"product": made["Ink"]["id"], "qty": 2}],
            },
        )
    page = signed_in
    page.goto("/order/")
    expect(page.locator("#records tbody tr[data-id]")).to_have_count(2)
    page.select_option("#filter-delivery", "courier")
    page.click("#apply-filters")
    expect(page.locator("#records tbody tr[data-id]")).to_have_count(1)

    got = download(page, "#export-csv")
    assert re.fullmatch(r"order-\d{8}-\d{4}\.csv", got.suggested_filename)
    text = Path(got.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header == [
        "id",
        "Number",
        "Customer",
        "Delivery",
        "Delivery address",
        "Total",
    ]
    assert len(body) == 1, rows
    row = dict(zip(header, body[0], strict=True))
    assert row["Number"] == "ORD-00001"
    assert row["Customer"] == "Acme"
    assert row["Delivery"] == "Courier"
    assert row["Delivery address"] == "1 Harbour Street"
    assert row["Total"] == "8.00"

    got = download(page, "#export-xlsx")
    assert got.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(got.path()).read_bytes()))
    sheet = book.worksheets[0]
    assert sheet.title == "Orders"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    book.close()
    assert values[0] == header
    assert len(values) == 2, values
    xlsx = dict(zip(values[0], values[1], strict=True))
    assert xlsx["Customer"] == "Acme"
    assert xlsx["Delivery"] == "Courier"
    assert xlsx["Total"] == 8
