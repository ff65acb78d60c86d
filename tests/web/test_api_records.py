"""Create, read, change and delete records through the API."""

from __future__ import annotations

from officina.auth import add_user, create_token


def test_a_created_order_comes_back_with_rows_and_formulas(client, shop):
    order = shop["order"]
    assert order["number"] == "ORD-00001"
    assert order["subtotal"] == "21.10"  # exact, as text: 11 * 1.10 + 2 * 4.50
    assert [line["amount"] for line in order["lines"]] == ["12.10", "9.00"]
    assert order["placed_on"] == "2026-03-01"
    assert order["version"] == 1 and order["created_by"] is not None
    assert order["created_at"].endswith("+00:00")

    response = client.get(f"/api/v1/order/{order['id']}")
    assert response.status_code == 200
    assert response.get_json() == order


def test_create_answers_201_with_the_location_of_the_record(client):
    response = client.post("/api/v1/customer", json={"name": "Acme"})
    assert response.status_code == 201
    record = response.get_json()
    assert response.headers["Location"] == f"/api/v1/customer/{record['id']}"
    assert client.get(response.headers["Location"]).get_json() == record


def test_patch_changes_rows_and_recomputes(client, shop):
    order = shop["order"]
    first = order["lines"][0]
    response = client.patch(
        f"/api/v1/order/{order['id']}",
        json={"version": 1, "lines": [{"id": first["id"], "qty": 1}]},
    )
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert changed["version"] == 2
    assert changed["subtotal"] == "1.10"
    assert [line["id"] for line in changed["lines"]] == [first["id"]]


def test_a_stale_version_is_a_conflict(client, shop):
    url = f"/api/v1/customer/{shop['acme']['id']}"
    assert client.patch(url, json={"city": "Bodø"}).status_code == 200
    stale = client.patch(url, json={"city": "Tromsø", "version": 1})
    assert stale.status_code == 409
    assert stale.mimetype == "application/problem+json"
    assert "nothing was overwritten" in stale.get_json()["detail"]
    by_header = client.patch(url, json={"city": "Tromsø"}, headers={"If-Match": '"1"'})
    assert by_header.status_code == 409
    fresh = client.patch(url, json={"city": "Tromsø"}, headers={"If-Match": "2"})
    assert fresh.status_code == 200
    assert fresh.get_json()["city"] == "Tromsø"


def test_delete_answers_204_and_the_record_is_gone(client, shop):
    url = f"/api/v1/order/{shop['order']['id']}"
    assert client.delete(url, headers={"If-Match": "7"}).status_code == 409
    response = client.delete(url, headers={"If-Match": "1"})
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(url).status_code == 404
    assert client.delete(url).status_code == 404


def test_deleting_a_referenced_record_is_refused(client, shop):
    response = client.delete(f"/api/v1/customer/{shop['acme']['id']}")
    assert response.status_code == 422
    assert response.get_json()["errors"]["record"]


def test_a_retried_create_with_the_same_key_creates_once(client):
    headers = {"Idempotency-Key": "create-acme-1"}
    first = client.post("/api/v1/customer", json={"name": "Acme"}, headers=headers)
    again = client.post("/api/v1/customer", json={"name": "Acme"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    listed = client.get("/api/v1/customer?count=true").get_json()
    assert listed["total"] == 1


def test_the_same_key_with_another_body_is_refused(client):
    headers = {"Idempotency-Key": "k-1"}
    client.post("/api/v1/customer", json={"name": "Acme"}, headers=headers)
    other = client.post("/api/v1/customer", json={"name": "Bolt"}, headers=headers)
    assert other.status_code == 422
    assert "different request" in other.get_json()["detail"]
    assert client.get("/api/v1/customer?count=true").get_json()["total"] == 1


def test_a_failed_create_does_not_use_up_its_key(client):
    headers = {"Idempotency-Key": "k-2"}
    bad = client.post("/api/v1/customer", json={}, headers=headers)
    assert bad.status_code == 422
    good = client.post("/api/v1/customer", json={"name": "Acme"}, headers=headers)
    assert good.status_code == 201


def test_keys_belong_to_their_user(app, opened, client):
    add_user(
        opened, email="bob@example.com", name="Bob", password=None, roles=["admin"]
    )
    bob, _ = create_token(opened, "bob@example.com", "tests")
    headers = {"Idempotency-Key": "same"}
    first = client.post("/api/v1/customer", json={"name": "Acme"}, headers=headers)
    other = app.test_client().post(
        "/api/v1/customer",
        json={"name": "Acme"},
        headers=headers | {"Authorization": f"Bearer {bob}"},
    )
    assert first.status_code == other.status_code == 201
    assert other.get_json()["id"] != first.get_json()["id"]
    assert other.get_json()["created_by"] != first.get_json()["created_by"]
