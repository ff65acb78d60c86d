"""List pages: search, filters, sorting, pages, export and bulk actions."""

from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook


def ids_on(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', page)]


def names_on(page: str) -> list[str]:
    return re.findall(r'<a href="/customer/\d+">([^<]*)</a>', page)


def test_the_list_shows_columns_and_links(admin, shop):
    page = admin.get("/customer/").get_data(as_text=True)
    assert set(names_on(page)) == {"Fjord AS", "Rain Ltd"}
    assert ">Credit limit<" in page


def test_search_finds_words_in_any_search_field(admin, shop):
    assert names_on(admin.get("/customer/?q=oslo").get_data(as_text=True)) == [
        "Fjord AS"
    ]
    assert names_on(admin.get("/customer/?q=rain+berg").get_data(as_text=True)) == [
        "Rain Ltd"
    ]
    page = admin.get("/customer/?q=nowhere").get_data(as_text=True)
    assert "No records match." in page


def test_filters_by_field_type_and_empty_values_are_ignored(admin, shop, opened):
    opened.records.create("customer", {"name": "Gold One", "tier": "gold"})
    page = admin.get("/customer/?tier=gold&city__contains=&q=").get_data(as_text=True)
    assert names_on(page) == ["Gold One"]
    page = admin.get("/customer/?credit_limit__gte=600").get_data(as_text=True)
    assert names_on(page) == ["Rain Ltd"]


def test_a_bad_filter_is_a_clear_message_not_an_error(admin, shop):
    response = admin.get("/customer/?credit_limit__gte=lots")
    assert response.status_code == 400
    assert "credit_limit__gte" in response.get_data(as_text=True)
    response = admin.get("/customer/?colour=red")
    assert response.status_code == 400
    assert "is not a known parameter" in response.get_data(as_text=True)


def test_sorting_by_a_column_and_back(admin, shop):
    page = admin.get("/customer/?sort=name").get_data(as_text=True)
    assert names_on(page) == ["Fjord AS", "Rain Ltd"]
    assert 'href="/customer/?sort=-name"' in page  # the header sorts the other way
    page = admin.get("/customer/?sort=-name").get_data(as_text=True)
    assert names_on(page) == ["Rain Ltd", "Fjord AS"]


def test_pages_follow_a_cursor(admin, opened):
    for number in range(60):
        opened.records.create("customer", {"name": f"Customer {number:02}"})
    first = admin.get("/customer/?sort=name").get_data(as_text=True)
    assert len(ids_on(first)) == 50
    link = re.search(r'id="next-page" href="([^"]+)"', first).group(1)
    second = admin.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert names_on(second) == [f"Customer {n}" for n in range(50, 60)]
    assert 'id="next-page"' not in second
    forged = admin.get("/customer/?cursor=eyJ4IjoxfQ.abc")
    assert forged.status_code == 400


def test_export_csv_of_the_current_filter(admin, shop):
    response = admin.get("/customer/export?format=csv&city=Oslo")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="customer-'
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )
    assert rows[0][:4] == ["id", "Name", "City", "Credit limit"]
    assert [row[1] for row in rows[1:]] == ["Fjord AS"]
    assert rows[1][3] == "500.00"


def test_export_xlsx_has_typed_cells(admin, shop):
    response = admin.get("/order/export?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["id", "Number", "Customer"]
    row = [cell.value for cell in sheet[2]]
    assert row[1] == "ORD-00001" and row[2] == "Fjord AS"
    assert row[header.index("Total")] == 3.0


def test_export_keeps_formulas_from_running_in_a_spreadsheet(admin, opened):
    opened.records.create("customer", {"name": '=HYPERLINK("http://x")'})
    text = admin.get("/customer/export?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text


def test_export_needs_the_export_permission(admin, clerk, shop):
    assert clerk.get("/order/export?format=csv").status_code == 403
    assert 'id="export-csv"' not in clerk.get("/order/").get_data(as_text=True)
    assert admin.get("/order/export?format=pdf").status_code == 400


def test_bulk_delete_is_all_or_nothing(admin, shop, opened):
    spare = opened.records.create("customer", {"name": "Spare"})
    # The Oslo customer has an order, so it cannot be deleted: nothing is.
    response = admin.post(
        "/customer/bulk",
        {"action": "delete", "ids": [str(spare["id"]), str(shop["oslo"]["id"])]},
    )
    assert response.status_code == 302
    page = admin.get("/customer/").get_data(as_text=True)
    assert "Nothing was changed" in page
    assert "Spare" in page
    admin.post(
        "/customer/bulk",
        {"action": "delete", "ids": [str(spare["id"]), str(shop["bergen"]["id"])]},
    )
    page = admin.get("/customer/").get_data(as_text=True)
    assert "2 records were deleted." in page
    assert names_on(page) == ["Fjord AS"]


def test_saved_views_apply_their_columns_and_filters(admin, shop):
    page = admin.get("/customer/").get_data(as_text=True)
    assert 'href="/customer/?view=oslo_customers">Oslo customers<' in page
    page = admin.get("/customer/?view=oslo_customers").get_data(as_text=True)
    assert names_on(page) == ["Fjord AS"]
    header = page.split("<thead>")[1].split("</thead>")[0]
    assert re.findall(r">([A-Z][a-z]+)<", header) == ["Name", "Tier"]
    assert admin.get("/customer/?view=vip").status_code == 404


def test_a_view_shows_fields_of_referenced_records(admin, shop):
    page = admin.get("/order/?view=orders_with_city").get_data(as_text=True)
    assert "Customer · City" in page
    row = page.split('<tr data-id="')[1]
    assert "Oslo" in row and "Fjord AS" in row


def test_a_referenced_record_outside_the_row_filter_is_not_shown(clerk, shop, opened):
    opened.records.create(
        "order",
        {"customer": shop["bergen"]["id"], "lines": [{"product": shop["pen"]["id"]}]},
    )
    page = clerk.get("/order/?view=orders_with_city").get_data(as_text=True)
    assert "Rain Ltd" not in page and "Bergen" not in page
    assert "Fjord AS" in page and "Oslo" in page


def test_a_kanban_view_groups_cards_by_the_field(admin, shop, opened):
    opened.records.create("customer", {"name": "Gold One", "tier": "gold"})
    page = admin.get("/customer/?view=by_tier").get_data(as_text=True)
    lanes = re.findall(r'kanban-lane flex-shrink-0" data-value="(\w+)"', page)
    assert lanes == ["bronze", "silver", "gold"]
    gold = page.split('data-value="gold"')[1].split("</section>")[0]
    assert "Gold One" in gold and "Fjord AS" not in gold
