"""Fifty orders for a product with ten available, placed at the same time
in threads of their own (each its own transaction through the records
service): exactly ten are allocated, the others are backordered, and the
stock never goes below zero — on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from inventory_shop import make_shop

from officina.records import RecordError

ORDERS = 50
AVAILABLE = 10
THREADS = 8


def test_fifty_concurrent_orders_for_ten_in_stock(runner, tmp_path, database_url):
    shop = make_shop(runner, tmp_path / "shop", database_url)
    try:
        mug = shop.product("MUG-1", reorder_point=3)
        shop.book("receipt", mug, AVAILABLE)
        orders = [shop.order((mug, 1)) for _ in range(ORDERS)]

        def place(order: int) -> str:
            try:
                return shop.place(order)
            except RecordError as refused:  # refused outright: counted apart
                return f"refused: {refused}"

        with ThreadPoolExecutor(THREADS) as pool:
            outcomes = list(pool.map(place, orders, timeout=300))

        counted = Counter(
            "refused" if outcome.startswith("refused") else outcome
            for outcome in outcomes
        )
        assert counted["allocated"] == AVAILABLE, outcomes
        assert counted["backordered"] + counted["refused"] == ORDERS - AVAILABLE
        assert set(counted) <= {"allocated", "backordered", "refused"}

        level = shop.level(mug)
        assert (level["on_hand"], level["reserved"], level["available"]) == (
            AVAILABLE,
            AVAILABLE,
            0,
        )
        # Every value each figure ever had, from the audit trail: never
        # below zero, not even for a moment.
        values = [
            change[1]
            for entry in shop.records.history("stock_level", level["id"])
            for name, change in (entry.get("changes") or {}).items()
            if name in ("on_hand", "reserved", "available")
        ]
        assert len(values) >= 2 + 2 * AVAILABLE  # a receipt, 2 per reservation
        assert min(values) >= 0

        reservations = shop.movements(product=mug, kind="reservation")
        assert len(reservations) == AVAILABLE
        allocated = {
            order
            for order, outcome in zip(orders, outcomes, strict=True)
            if outcome == "allocated"
        }
        assert {movement["order"] for movement in reservations} == allocated
        for order in orders:
            record = shop.records.get("order", order)
            assert record["stock_reserved"] is (order in allocated)
        # The alert crossed its threshold once, and made one suggestion.
        assert len(shop.records.list("purchase_suggestion").records) == 1
    finally:
        shop.runtime.close()
