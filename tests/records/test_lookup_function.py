"""lookup() in expressions reads records during a write."""

from __future__ import annotations

import datetime as dt

import pytest

from officina.records import Actor, RecordInvalid
from officina.schema.tables import USERS

PACK = {
    "shop.yaml": """
        entity: customer
        fields:
          name: {type: string, required: true}
          account: {type: integer}
          discount: {type: percent, default: 0}
        ---
        entity: order
        fields:
          customer:
            type: reference
            to: customer
            required: true
            default: "=lookup('customer', 'account', user.id, 'id')"
          discount:
            type: percent
            default: "=lookup('customer', 'id', customer, 'discount')"
          note: string
    """,
}


@pytest.fixture
def shop(records_service):
    return records_service(PACK)


def test_a_default_found_by_lookup(shop):
    users = shop.schema.metadata.tables[USERS]
    with shop.engine.begin() as connection:
        user_id = connection.execute(
            users.insert()
            .values(
                email="ada@example.com",
                name="Ada",
                roles=[],
                language="en",
                active=True,
                created_at=dt.datetime.now(dt.UTC),
            )
            .returning(users.c.id)
        ).scalar_one()
    mine = shop.create(
        "customer", {"name": "Mine", "account": user_id, "discount": "5"}
    )
    shop.create("customer", {"name": "Other", "account": user_id + 1})
    order = shop.create("order", {"note": "x"}, actor=Actor(id=user_id, name="Ada"))
    assert order["customer"] == mine["id"]
    assert order["discount"] == 5


def test_nothing_found_is_an_empty_value_not_an_error(shop):
    with pytest.raises(RecordInvalid) as refused:
        shop.create("order", {"note": "x"})  # the system has no customer account
    assert refused.value.problems.fields == {"customer": ["is required"]}
