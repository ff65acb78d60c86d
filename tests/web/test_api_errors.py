"""Every refusal is an RFC 9457 problem document with the right status."""

from __future__ import annotations

import pytest

from officina.auth import create_token, list_tokens, revoke_token

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert PROBLEM_KEYS <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("https://officina.dev/problems/")
    assert isinstance(body["title"], str) and isinstance(body["detail"], str)
    return body


@pytest.mark.parametrize(
    "header", [None, "Bearer ofc_not-a-token", "Basic YWRhOnNlY3JldA==", "Bearer"]
)
def test_no_valid_token_is_401(app, header):
    client = app.test_client()
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/customer", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.post("/api/v1/customer", json={}, headers=headers).status_code == 401


def test_a_revoked_token_is_401(app, opened, token):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customer", headers=headers).status_code == 200
    revoke_token(opened, list_tokens(opened)[0]["id"])
    assert_problem(client.get("/api/v1/customer", headers=headers), 401)
    fresh, _ = create_token(opened, "ada@example.com", "again")
    headers = {"Authorization": f"Bearer {fresh}"}
    assert client.get("/api/v1/customer", headers=headers).status_code == 200


def test_an_unknown_entity_is_404_with_a_suggestion(client):
    body = assert_problem(client.get("/api/v1/custmer"), 404)
    assert "custmer" in body["detail"] and "did you mean 'customer'?" in body["detail"]
    assert body["entity"] == "custmer"
    assert_problem(client.post("/api/v1/custmer", json={}), 404)


def test_child_rows_have_no_routes_of_their_own(client, shop):
    line = shop["order"]["lines"][0]["id"]
    assert_problem(client.get("/api/v1/order_line"), 404)
    assert_problem(client.get(f"/api/v1/order_line/{line}"), 404)


def test_an_unknown_record_is_404(client):
    assert_problem(client.get("/api/v1/customer/999"), 404)
    assert_problem(client.patch("/api/v1/customer/999", json={}), 404)
    assert_problem(client.get("/api/v1/customer/99999999999999999999999"), 404)


def test_a_body_that_is_not_json_is_415_or_400(client):
    assert_problem(client.post("/api/v1/customer", data="name=Acme"), 415)
    bad = client.post("/api/v1/customer", data="{name", content_type="application/json")
    assert_problem(bad, 400)
    assert_problem(client.post("/api/v1/customer", json=["Acme"]), 400)
    assert_problem(
        client.post(
            "/api/v1/customer", data='{"name": NaN}', content_type="application/json"
        ),
        400,
    )
    assert_problem(client.patch("/api/v1/customer/1", data="x"), 415)


@pytest.mark.parametrize("header", ["abc", "-1", "1.5"])
def test_a_bad_if_match_is_400(client, shop, header):
    url = f"/api/v1/customer/{shop['bolt']['id']}"
    assert_problem(client.delete(url, headers={"If-Match": header}), 400)


def test_invalid_values_are_422_with_every_problem(client, shop):
    response = client.post(
        "/api/v1/order",
        json={
            "customer": "someone",
            "placed_on": "March",
            "colour": "red",
            "lines": [{"product": shop["pen"]["id"], "qty": 0}],
        },
    )
    body = assert_problem(response, 422)
    fields = body["errors"]["fields"]
    assert set(fields) == {"customer", "placed_on", "colour"}
    assert body["errors"]["rows"]["lines"]["0"]["qty"]


def test_wrong_methods_are_405_problems(client):
    assert_problem(client.put("/api/v1/customer/1", json={}), 405)


def test_numbers_too_large_to_store_are_422_not_500(client):
    product = {"sku": "PEN-1", "name": "Pen", "price": 1}
    response = client.post("/api/v1/product", json=product | {"stock": 10**20})
    assert assert_problem(response, 422)["errors"]["fields"]["stock"]
    too_precise = client.post(
        "/api/v1/product",
        data='{"sku": "PEN-1", "name": "Pen", "price": 1e+26}',
        content_type="application/json",
    )
    assert_problem(too_precise, 422)
    rows = client.post("/api/v1/order", json={"customer": 1, "lines": [{"qty": 2**64}]})
    assert assert_problem(rows, 422)["errors"]["rows"]["lines"]["0"]["qty"]


def test_text_with_nul_characters_is_refused(client):
    response = client.post("/api/v1/customer", json={"name": "A\x00B"})
    assert assert_problem(response, 422)["errors"]["fields"] == {
        "name": ["may not contain the NUL character"]
    }
