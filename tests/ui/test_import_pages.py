"""The import pages: upload, mapping and preview, the background run with
its progress, the outcome and the error report; who may import."""

from __future__ import annotations

import html
import io
import re
import time

import pytest

from officina.records.importing import FINISHED, get_import

CUSTOMERS = (
    "名称,City,Credit limit,Tier\n"
    "Polar AS,Oslo,100,gold\n"
    ",Oslo,abc,silver\n"
    "Moss Ltd,Oslo,20,Bronze\n"
)


def upload(browser, entity, content: bytes, name="data.csv", **fields):
    data = {"file": (io.BytesIO(content), name), "mode": "all", **fields}
    return browser.post(
        f"/{entity}/import", data=data, content_type="multipart/form-data"
    )


def form_values(page: str) -> dict:
    values = {
        name: value
        for name, value in re.findall(
            r'name="(ticket|mode|key_field)" value="([^"]*)"', page
        )
    }
    for index, block in re.findall(
        r'name="column-(\d+)"[^>]*>(.*?)</select>', page, flags=re.S
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', block)
        values[f"column-{index}"] = chosen.group(1) if chosen else ""
    return values


def wait(opened, import_id, seen=None, timeout=300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = get_import(opened, import_id)
        if seen is not None:
            seen.append(row["processed"])
        if row["status"] in FINISHED:
            return row
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def start(admin, page: str, **changes):
    values = {**form_values(page), **changes, "action": "start"}
    response = admin.post("/customer/import/mapping", data=values)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def test_the_list_offers_import_only_to_roles_that_may(admin, clerk):
    assert 'id="import-records"' in admin.get("/customer/").get_data(as_text=True)
    assert 'id="import-records"' not in clerk.get("/customer/").get_data(as_text=True)


def test_a_clerk_may_not_import_customers(clerk):
    assert clerk.get("/customer/import").status_code == 403
    response = upload(clerk, "customer", CUSTOMERS.encode())
    assert response.status_code == 403


def test_upload_maps_columns_and_previews_each_rows_problems(admin, opened):
    response = upload(admin, "customer", CUSTOMERS.encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    values = form_values(page)
    assert values["column-0"] == "name"  # the Chinese label
    assert values["column-1"] == "city"
    assert values["column-2"] == "credit_limit"
    assert values["column-3"] == "tier"
    assert "must be a number" in page and "is required" in page
    assert page.count("table-danger") == 1
    assert opened.records.list("customer", limit=10).records == []


def test_all_or_nothing_then_valid_rows_with_a_report(admin, opened, clerk):
    page = upload(admin, "customer", CUSTOMERS.encode()).get_data(as_text=True)
    import_id = start(admin, page)
    row = wait(opened, import_id)
    assert row["status"] == "failed" and row["created"] == 0
    shown = admin.get(f"/imports/{import_id}").get_data(as_text=True)
    assert "Nothing was imported" in shown and "row 3, 名称: is required" in shown
    assert opened.records.list("customer", limit=10).records == []

    page = upload(admin, "customer", CUSTOMERS.encode(), mode="valid").get_data(
        as_text=True
    )
    import_id = start(admin, page)
    row = wait(opened, import_id)
    assert (row["status"], row["created"], row["failed"]) == ("done", 2, 1)
    names = sorted(r["name"] for r in opened.records.list("customer", limit=9).records)
    assert names == ["Moss Ltd", "Polar AS"]
    state = admin.get(f"/imports/{import_id}/status").get_json()
    assert state["finished"] and state["created"] == 2
    report = admin.get(f"/imports/{import_id}/report")
    assert report.headers["Content-Disposition"].startswith("attachment;")
    assert report.headers["X-Content-Type-Options"] == "nosniff"
    text = report.get_data().decode("utf-8-sig")
    report.close()
    assert text.splitlines()[0] == "名称,City,Credit limit,Tier,problems"
    assert text.splitlines()[1].startswith(",Oslo,abc,silver,")
    # Only the user who started it (or an admin) sees an import.
    assert clerk.get(f"/imports/{import_id}").status_code == 404
    assert clerk.get(f"/imports/{import_id}/report").status_code == 404


def test_upsert_by_a_unique_field_from_the_page(admin, opened, shop):
    content = b"sku,name,price\nPEN,Blue pen,2.00\nCAP,Cap,3\n"
    data = {"file": (io.BytesIO(content), "p.csv"), "mode": "all", "key_field": "sku"}
    response = admin.post(
        "/product/import", data=data, content_type="multipart/form-data"
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "Update" in page
    values = {**form_values(page), "action": "start"}
    response = admin.post("/product/import/mapping", data=values)
    row = wait(opened, int(response.headers["Location"].rsplit("/", 1)[-1]))
    assert (row["created"], row["updated"]) == (1, 1), row["message"]
    pen = opened.records.get("product", shop["pen"]["id"])
    assert pen["name"] == "Blue pen"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("photo.png", b"\x89PNG\r\n\x1a\nxxxx", "not a CSV or XLSX file"),
        ("dup.csv", b"name,Name\na,b\n", "names 'Name' twice"),
        ("gap.csv", b"name,,city\na,b,c\n", "has no name"),
    ],
)
def test_bad_files_get_a_clear_message(admin, name, content, message):
    response = upload(admin, "customer", content, name=name)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_bad_mappings_get_a_clear_message(admin, opened):
    page = upload(admin, "customer", CUSTOMERS.encode()).get_data(as_text=True)
    values = {**form_values(page), "column-1": "name", "action": "start"}
    response = admin.post("/customer/import/mapping", data=values)
    text = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert "are all mapped to Name" in text
    values = {**form_values(page), "column-0": "", "action": "start"}
    response = admin.post("/customer/import/mapping", data=values)
    text = html.unescape(response.get_data(as_text=True))
    assert "no column is mapped to Name (name), which is required" in text
    assert opened.records.list("customer", limit=10).records == []


def test_a_forged_upload_ticket_is_refused(admin, clerk):
    page = upload(admin, "customer", CUSTOMERS.encode()).get_data(as_text=True)
    values = {**form_values(page), "ticket": "forged", "action": "start"}
    response = admin.post("/customer/import/mapping", data=values)
    assert response.status_code == 400


ROWS = 20_000


def test_a_large_file_imports_in_the_background_with_progress(admin, opened):
    lines = "".join(
        f"S{number},Item {number},{number % 97}.50\n" for number in range(ROWS)
    )
    content = ("sku,name,price\n" + lines).encode()
    data = {"file": (io.BytesIO(content), "big.csv"), "mode": "valid"}
    page = admin.post(
        "/product/import", data=data, content_type="multipart/form-data"
    ).get_data(as_text=True)
    values = {**form_values(page), "action": "start"}
    response = admin.post("/product/import/mapping", data=values)
    assert response.status_code == 302  # at once: the import runs in a thread
    import_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    seen: list[int] = []
    row = wait(opened, import_id, seen)
    assert (row["status"], row["total"], row["created"], row["failed"]) == (
        "done",
        ROWS,
        ROWS,
        0,
    ), row["message"]
    assert any(0 < count < ROWS for count in seen)  # progress was visible
    assert 'id="import-outcome"' in admin.get(f"/imports/{import_id}").get_data(
        as_text=True
    )
