"""Files of attachment fields: limits, storage, and who may download them."""

from __future__ import annotations

import io
import re

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
HTML = b"<html><script>alert(document.cookie)</script></html>"


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def links(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]+/files/[^"]+)" class="attachment-link">', page)


def test_files_are_kept_and_served_as_downloads(admin, opened):
    response = admin.post(
        "/customer/new",
        {
            "name": "Docs AS",
            "contract": upload(PDF, "contract.pdf"),
            "photos": [upload(PNG, "front.png"), upload(PNG, "../../back.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    record_id = int(response.headers["Location"].rsplit("/", 1)[1])
    record = opened.records.get("customer", record_id)
    assert record["contract"][0]["name"] == "contract.pdf"
    assert record["contract"][0]["type"] == "application/pdf"
    assert [p["name"] for p in record["photos"]] == ["front.png", "back.png"]
    page = admin.get(f"/customer/{record_id}").get_data(as_text=True)
    found = links(page)
    assert len(found) == 3
    download = admin.get(found[0])
    assert download.data == PDF
    download.close()
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]


def test_limits_of_the_field_are_enforced_and_nothing_is_kept(admin, opened, site):
    response = admin.post(
        "/customer/new",
        {
            "name": "Too Big",
            "contract": upload(PDF + b"x" * 4096, "big.pdf"),
            "photos": [upload(HTML, "page.html"), upload(HTML, "fake.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is larger than 2.0 KB" in page
    assert "is a text/html file" in page
    assert "is named as image/png but its content is not" in page
    assert [r["name"] for r in opened.records.list("customer").records] == []
    stored = [p for p in (site / "files").rglob("*") if p.is_file()]
    assert stored == []


def test_a_failed_save_discards_the_uploads(admin, site):
    response = admin.post(
        "/customer/new",
        {"name": "", "contract": upload(PDF, "contract.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert [p for p in (site / "files").rglob("*") if p.is_file()] == []


def test_editing_keeps_unticked_files_out_and_adds_new_ones(admin, opened):
    admin.post(
        "/customer/new",
        {"name": "Keep AS", "photos": [upload(PNG, "a.png"), upload(PNG, "b.png")]},
        content_type="multipart/form-data",
    )
    record = opened.records.list("customer").records[-1]
    first = record["photos"][0]["key"]
    response = admin.post(
        f"/customer/{record['id']}/edit",
        {
            "name": "Keep AS",
            "version": str(record["version"]),
            "photos__keep": [first],
            "photos": [upload(PNG, "c.png")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    changed = opened.records.get("customer", record["id"])
    assert [p["name"] for p in changed["photos"]] == ["a.png", "c.png"]


def test_files_follow_the_records_permissions(admin, clerk, opened, shop):
    admin.post(
        f"/customer/{shop['bergen']['id']}/edit",
        {
            "name": "Rain Ltd",
            "city": "Bergen",
            "version": "1",
            "contract": upload(PDF, "secret.pdf"),
        },
        content_type="multipart/form-data",
    )
    record = opened.records.get("customer", shop["bergen"]["id"])
    url = f"/customer/{record['id']}/files/contract/{record['contract'][0]['key']}"
    response = admin.get(url)
    response.close()
    assert response.status_code == 200
    assert clerk.get(url).status_code == 404  # outside the clerk's rows
    assert admin.get(url.replace("contract/", "photos/")).status_code == 404
    assert (
        admin.get(f"/customer/{record['id']}/files/contract/..%2f..%2fx").status_code
        == 404
    )
