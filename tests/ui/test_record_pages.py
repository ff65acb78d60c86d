"""New, view, edit and delete through the generated forms."""

from __future__ import annotations

import re

from officina.records import SYSTEM


def errors_of(page: str) -> list[str]:
    return re.findall(r'invalid-feedback d-block">([^<]*)<', page)


def test_a_new_order_with_rows_is_saved_through_the_records_service(admin, shop):
    response = admin.post(
        "/order/new",
        {
            "customer": str(shop["oslo"]["id"]),
            "delivery": "pickup",
            "lines-0-product": str(shop["pen"]["id"]),
            "lines-0-qty": "3",
            "lines-1-product": str(shop["ink"]["id"]),
            "lines-1-qty": "1",
        },
    )
    assert response.status_code == 302
    detail = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "ORD-00002" in detail
    assert "8.50" in detail  # 3 × 1.50 + 1 × 4.00, computed by the service
    assert "Fjord AS" in detail and "Ink" in detail


def test_every_problem_is_shown_at_once_and_entries_are_kept(admin, shop):
    response = admin.post(
        "/order/new",
        {
            "customer": "",
            "delivery": "courier",
            "address": "",
            "note": "ring twice",
            "lines-0-product": str(shop["pen"]["id"]),
            "lines-0-qty": "0",
            "lines-1-product": "",
            "lines-1-qty": "2",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nothing was saved." in page
    # customer, address (required as delivery is courier), row 1 qty, row 2 product
    assert errors_of(page) == [
        "is required",
        "is required",
        "must be at least 1",
        "is required",
    ]
    assert "ring twice" in page
    assert re.search(r'<input[^>]* name="lines-1-qty"[^>]* value="2"', page)
    assert "order" not in [r for r in admin.get("/order/").get_data(as_text=True)]


def test_a_hidden_conditional_field_is_not_required(admin, shop):
    response = admin.post(
        "/order/new",
        {
            "customer": str(shop["oslo"]["id"]),
            "delivery": "pickup",
            "lines-0-product": str(shop["pen"]["id"]),
        },
    )
    assert response.status_code == 302


def test_the_form_hides_conditional_fields_until_they_apply(admin, shop):
    page = admin.get("/order/new").get_data(as_text=True)
    assert re.search(r'field d-none" data-field="address"', page)
    states = admin.post(
        "/order/_conditions", {"delivery": "courier", "customer": ""}
    ).get_json()
    assert states["address"] == {"visible": True, "required": True, "readonly": False}
    states = admin.post("/order/_conditions", {"delivery": "pickup"}).get_json()
    assert states["address"]["visible"] is False


def test_a_blank_added_row_is_left_out(admin, shop):
    response = admin.post(
        "/order/new",
        {
            "customer": str(shop["oslo"]["id"]),
            "lines-0-product": "",
            "lines-0-qty": "1",
            "lines-1-product": str(shop["ink"]["id"]),
            "lines-1-qty": "2",
        },
    )
    assert response.status_code == 302
    order_id = int(response.headers["Location"].rsplit("/", 1)[1])
    order = admin.client.application.extensions["officina"].current.records.get(
        "order", order_id
    )
    assert [row["qty"] for row in order["lines"]] == [2]


def test_editing_keeps_rows_and_changes_what_was_changed(admin, shop, opened):
    order = shop["order"]
    page = admin.get(f"/order/{order['id']}/edit").get_data(as_text=True)
    assert f'name="lines-0-id" type="hidden" value="{order["lines"][0]["id"]}"' in page
    response = admin.post(
        f"/order/{order['id']}/edit",
        {
            "version": str(order["version"]),
            "customer": str(shop["oslo"]["id"]),
            "delivery": "pickup",
            "note": "leave at the door",
            "lines-0-id": str(order["lines"][0]["id"]),
            "lines-0-product": str(shop["pen"]["id"]),
            "lines-0-qty": "5",
            "lines-0-unit_price": "1.50",
        },
    )
    assert response.status_code == 302
    saved = opened.records.get("order", order["id"])
    assert saved["note"] == "leave at the door"
    assert saved["lines"][0]["id"] == order["lines"][0]["id"]
    assert saved["lines"][0]["qty"] == 5
    assert str(saved["total"]) == "7.50"


def test_an_edit_based_on_an_old_version_overwrites_nothing(admin, shop, opened):
    customer = shop["oslo"]
    opened.records.update("customer", customer["id"], {"city": "Drammen"})
    response = admin.post(
        f"/customer/{customer['id']}/edit",
        {"version": str(customer["version"]), "name": "Fjord AS", "city": "Oslo"},
    )
    assert response.status_code == 409
    assert "nothing was overwritten" in response.get_data(as_text=True)
    assert opened.records.get("customer", customer["id"])["city"] == "Drammen"


def test_delete_asks_for_the_version_it_showed(admin, shop, opened):
    customer = shop["bergen"]
    response = admin.post(
        f"/customer/{customer['id']}/delete", {"version": str(customer["version"])}
    )
    assert response.status_code == 302
    assert "The record was deleted." in admin.get("/customer/").get_data(as_text=True)


def test_a_referenced_record_cannot_be_deleted_and_the_page_says_why(admin, shop):
    customer = shop["oslo"]
    response = admin.post(f"/customer/{customer['id']}/delete", {})
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-danger" in page


def test_the_record_page_shows_history_comments_and_related_records(admin, shop):
    customer = shop["oslo"]
    admin.post(
        f"/customer/{customer['id']}/edit",
        {"name": "Fjord AS", "city": "Oslo", "version": "1", "notes": "good payer"},
    )
    admin.post(f"/customer/{customer['id']}/comments", {"body": "Called them today"})
    page = admin.get(f"/customer/{customer['id']}").get_data(as_text=True)
    assert "Called them today" in page
    assert "good payer" in page
    assert "ORD-00001" in page  # the order pointing at this customer
    history = page.split('id="history"')[1].split("</ol>")[0]
    assert "update" in history and "create" in history
    assert "Ada" in history


def test_an_empty_comment_is_refused(admin, shop):
    response = admin.post(f"/customer/{shop['oslo']['id']}/comments", {"body": "  "})
    page = admin.get(response.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert "write something before adding a comment" in page


def test_the_clerk_may_read_but_not_write(clerk, shop):
    order = shop["order"]
    page = clerk.get(f"/order/{order['id']}").get_data(as_text=True)
    assert 'id="edit"' not in page and "Delete" not in page
    assert 'id="new-record"' not in clerk.get("/order/").get_data(as_text=True)
    assert clerk.get("/order/new").status_code == 403
    assert clerk.get(f"/order/{order['id']}/edit").status_code == 403
    assert clerk.post("/order/new", {"customer": "1"}).status_code == 403
    assert clerk.post(f"/order/{order['id']}/delete", {}).status_code == 403


def test_pages_of_unknown_things_say_so(admin):
    response = admin.get("/custmer/")
    assert response.status_code == 404
    assert "Did you mean &#39;customer&#39;?" in response.get_data(as_text=True)
    assert admin.get("/customer/999999").status_code == 404
    assert admin.get("/customer/99999999999999999999").status_code == 404


def test_unknown_fields_in_a_post_are_ignored_not_written(admin, opened):
    response = admin.post(
        "/customer/new", {"name": "Tide", "version": "9", "id": "77", "secret": "x"}
    )
    assert response.status_code == 302
    record = opened.records.list("customer", actor=SYSTEM).records[-1]
    assert record["name"] == "Tide" and record["id"] != 77 and record["version"] == 1
