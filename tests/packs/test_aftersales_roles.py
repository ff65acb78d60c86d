"""Who may do what in after-sales, through the REST API: customers open
tickets and review their own orders, see only their own records; the
warehouse receives returns without seeing the money; only customer service
decides."""

from __future__ import annotations

import pytest
from aftersales_shop import Shop, open_shop

from officina.app import create_app
from officina.auth import add_user, create_token


@pytest.fixture
def shop(tmp_path, database_url):
    runtime = open_shop(tmp_path / "shop", database_url)
    yield Shop(runtime)
    runtime.close()


def client_for(shop, email, roles):
    user = add_user(
        shop.runtime, email=email, name=email.split("@")[0], password=None, roles=roles
    )
    secret, _ = create_token(shop.runtime, email, "tests")
    app = create_app(runtime_=shop.runtime, config={"TESTING": True})
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client, user


@pytest.fixture
def rita(shop):
    """The customer Rita, signed in to her own account."""
    client, user = client_for(shop, "rita.login@example.com", ["customer"])
    shop.records.update("customer", shop.customer["id"], {"account": user["id"]})
    return client


def other_customer(shop):
    address = {
        "recipient": "Otto Other",
        "line1": "9 Oak St",
        "city": "Shelbyville",
        "postcode": "54321",
        "country": "US",
    }
    return shop.records.create(
        "customer",
        {"name": "Otto Other", "email": "otto@example.com", "addresses": [address]},
    )


def test_customers_open_tickets_for_themselves_and_see_only_theirs(shop, rita):
    otto = other_customer(shop)
    shop.records.create(
        "support_ticket",
        {"customer": otto["id"], "subject": "Otto's", "description": "Private"},
    )
    response = rita.post(
        "/api/v1/support_ticket",
        json={"subject": "Wrong colour", "description": "I got a red one"},
    )
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert ticket["customer"] == shop.customer["id"]
    assert ticket["email"] == "rita@example.com"
    assert "internal_note" not in ticket and "assigned_to" not in ticket
    listed = rita.get("/api/v1/support_ticket").get_json()["data"]
    assert [row["subject"] for row in listed] == ["Wrong colour"]
    refused = rita.post(
        f"/api/v1/support_ticket/{ticket['id']}/transitions/resolve",
        json={"values": {"resolution": "done"}},
    )
    assert refused.status_code == 403


def test_customers_review_their_own_delivered_orders(shop, rita):
    order = shop.delivered_order([(shop.cable, 1)])
    response = rita.post(
        "/api/v1/review",
        json={"order": order["id"], "product": shop.cable["id"], "rating": 4},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["customer"] == shop.customer["id"]
    assert "moderation_note" not in response.get_json()
    response = rita.post(
        "/api/v1/review",
        json={"order": order["id"], "product": shop.headphones["id"], "rating": 5},
    )
    assert response.status_code == 422
    assert "not part of the order" in str(response.get_json())
    otto = other_customer(shop)
    shop.customer = otto
    ottos = shop.delivered_order([(shop.cable, 1)])
    response = rita.post(
        "/api/v1/review",
        json={"order": ottos["id"], "product": shop.cable["id"], "rating": 1},
    )
    assert response.status_code == 403, response.get_json()
    assert "may not create it" in response.get_json()["detail"]
    assert shop.records.list("review", filters=()).records[-1]["order"] == order["id"]


def test_customers_follow_and_withdraw_their_own_returns(shop, rita):
    order = shop.delivered_order([(shop.cable, 1)])
    rma = shop.records.create(
        "return_request",
        {
            "order": order["id"],
            "lines": [
                {
                    "order_line": shop.line_of(order, shop.cable)["id"],
                    "qty": 1,
                    "reason": "no_longer_needed",
                }
            ],
        },
    )
    seen = rita.get(f"/api/v1/return_request/{rma['id']}").get_json()
    assert seen["status"] == "requested" and "internal_note" not in seen
    response = rita.post(
        f"/api/v1/return_request/{rma['id']}/transitions/cancel",
        json={"comment": "Found a use for it"},
    )
    assert response.status_code == 200, response.get_json()
    assert shop.records.get("return_request", rma["id"])["status"] == "cancelled"


def test_the_warehouse_receives_returns_but_does_not_decide_or_see_money(shop):
    order = shop.delivered_order([(shop.cable, 1)])
    rma = shop.records.create(
        "return_request",
        {
            "order": order["id"],
            "lines": [
                {
                    "order_line": shop.line_of(order, shop.cable)["id"],
                    "qty": 1,
                    "reason": "defective",
                }
            ],
        },
    )
    warehouse, _ = client_for(shop, "wendy@example.com", ["warehouse"])
    agent, _ = client_for(shop, "cai@example.com", ["customer_service"])
    path = f"/api/v1/return_request/{rma['id']}"
    seen = warehouse.get(path).get_json()
    assert "refund_amount" not in seen and "items_value" not in seen
    assert warehouse.post(f"{path}/transitions/approve").status_code == 403
    assert agent.post(f"{path}/transitions/approve").status_code == 200
    line = warehouse.get(path).get_json()["lines"][0]
    response = warehouse.patch(
        path,
        json={"lines": [{"id": line["id"], "received_qty": 1, "condition": "damaged"}]},
    )
    assert response.status_code == 200, response.get_json()
    response = warehouse.post(f"{path}/transitions/receive")
    assert response.status_code == 200, response.get_json()
    assert shop.records.get("return_request", rma["id"])["write_off_units"] == 1
