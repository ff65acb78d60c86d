"""Atomic guarded adjustment (stock -= qty, never below zero)."""

from __future__ import annotations

import pytest

from officina.records import AdjustmentRefused


def test_adjust_adds_and_refuses_past_the_bound(shop):
    pen = shop.create(
        "product", {"sku": "PEN-1", "name": "Pen", "price": "1", "stock": 5}
    )
    assert shop.adjust("product", pen["id"], "stock", -3, minimum=0) == 2
    with pytest.raises(AdjustmentRefused, match="is 2; changing it by -3 would pass 0"):
        shop.adjust("product", pen["id"], "stock", -3, minimum=0)
    with pytest.raises(AdjustmentRefused, match="Only 2 left"):
        shop.adjust("product", pen["id"], "stock", -3, minimum=0, message="Only 2 left")
    record = shop.get("product", pen["id"])
    assert record["stock"] == 2 and record["version"] == 2
    assert shop.history("product", pen["id"])[-1]["changes"] == {"stock": [5, 2]}


def test_adjust_money_is_exact(shop):
    pen = shop.create("product", {"sku": "PEN-1", "name": "Pen", "price": "0.10"})
    for _ in range(3):
        shop.adjust("product", pen["id"], "price", "0.10")
    assert str(shop.get("product", pen["id"])["price"]) == "0.40"
