"""The shipped inventory pack on a real site (with commerce and orders):
the stock ledger, orders reserving, releasing and shipping stock,
backorders, transfers, stocktakes, low-stock alerts and replenishment."""

from __future__ import annotations

import datetime as dt

import pytest
from inventory_shop import days_ago, make_shop
from sqlalchemy import select

from officina.automation.worker import Worker
from officina.records import SYSTEM, AdjustmentRefused, RecordInvalid
from officina.records.reports import run_report
from officina.schema.tables import JOBS, NOTIFICATIONS


@pytest.fixture
def shop(runner, tmp_path, database_url):
    made = make_shop(runner, tmp_path / "shop", database_url)
    yield made
    made.runtime.close()


def consistent(shop, product, warehouse=None) -> tuple:
    """The figures of a stock level, after checking that they add up and
    that they are what its ledger says."""
    on_hand, reserved, available = shop.figures(product, warehouse)
    assert on_hand == reserved + available
    assert min(on_hand, reserved, available) >= 0
    moved = shop.movements(product=product, warehouse=warehouse or shop.main)
    assert sum(m["on_hand_change"] for m in moved) == on_hand
    assert sum(m["reserved_change"] for m in moved) == reserved
    assert sum(m["available_change"] for m in moved) == available
    return on_hand, reserved, available


def low_stock_notes(shop) -> list[str]:
    table = shop.runtime.schema.metadata.tables[NOTIFICATIONS]
    with shop.runtime.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.message, table.c.role).order_by(table.c.id)
        ).all()
    return [message for message, role in rows if role == "warehouse"]


def emails(shop) -> list[dict]:
    table = shop.runtime.schema.metadata.tables[JOBS]
    with shop.runtime.engine.connect() as connection:
        payloads = connection.execute(
            select(table.c.payload).where(table.c.kind == "email").order_by(table.c.id)
        ).scalars()
        return list(payloads)


# -- the ledger -------------------------------------------------------------
def test_each_kind_of_movement_changes_the_figures_it_should(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 10)
    assert consistent(shop, mug) == (10, 0, 10)
    shop.book("return", mug, 2, note="Parcel refused by the customer")
    assert consistent(shop, mug) == (12, 0, 12)
    shop.book("adjustment", mug, -3, reason="damaged")
    assert consistent(shop, mug) == (9, 0, 9)
    order = shop.order((mug, 4))
    assert shop.place(order) == "allocated"  # a reservation
    assert consistent(shop, mug) == (9, 4, 5)
    shop.ship(order)  # a shipment
    assert consistent(shop, mug) == (5, 0, 5)
    other = shop.order((mug, 2))
    shop.place(other)
    assert consistent(shop, mug) == (5, 2, 3)
    shop.step(
        other, "cancel", "Asked by phone", cancel_reason="customer_request"
    )  # a release
    assert consistent(shop, mug) == (5, 0, 5)
    kinds = [m["kind"] for m in shop.movements(product=mug)]
    assert kinds == [
        "receipt",
        "return",
        "adjustment",
        "reservation",
        "shipment",
        "reservation",
        "release",
    ]


def test_the_stock_level_is_opened_by_the_first_receipt_with_the_product_settings(
    shop,
):
    mug = shop.product("MUG-1", reorder_point=7, safety_stock=3)
    shop.book("receipt", mug, 5, warehouse=shop.south)
    level = shop.level(mug, shop.south)
    assert (level["on_hand"], level["reorder_point"], level["safety_stock"]) == (
        5,
        7,
        3,
    )
    assert level["name"] == "MUG-1 @ SZ01"


def test_a_movement_cannot_take_stock_below_zero_and_changes_nothing(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 3)
    with pytest.raises(AdjustmentRefused) as refused:
        shop.book("adjustment", mug, -5, reason="lost")
    assert str(refused.value) == (
        "Not enough Product MUG-1 (MUG-1) in Shanghai DC: 3 available, 5 needed."
    )
    assert consistent(shop, mug) == (3, 0, 3)
    assert len(shop.movements(product=mug)) == 1


def test_refusals_speak_the_language_of_the_user(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 1)
    chinese = type(shop.staff)(
        id=shop.staff.id, name="仓管", roles=shop.staff.roles, language="zh"
    )
    with pytest.raises(AdjustmentRefused, match="库存不足：可用 1，需要 2"):
        shop.records.create(
            "stock_movement",
            {
                "kind": "adjustment",
                "product": mug,
                "warehouse": shop.main,
                "quantity": -2,
                "reason": "lost",
            },
            actor=chinese,
        )


def test_a_booked_movement_is_never_changed(shop):
    mug = shop.product("MUG-1")
    receipt = shop.book("receipt", mug, 10)
    with pytest.raises(RecordInvalid, match="Book a correcting movement instead"):
        shop.records.update("stock_movement", receipt["id"], {"quantity": 100})
    assert consistent(shop, mug) == (10, 0, 10)


def test_movements_need_what_their_kind_needs(shop):
    mug = shop.product("MUG-1")
    with pytest.raises(RecordInvalid) as invalid:
        shop.book("adjustment", mug, 0)
    problems = invalid.value.problems.fields
    assert problems["quantity"] == ["The quantity cannot be 0."]
    assert "reason" in problems
    with pytest.raises(RecordInvalid, match="the order's workflow books them"):
        shop.book("reservation", mug, 1)
    with pytest.raises(RecordInvalid, match="booked by a transfer"):
        shop.book("transfer_in", mug, 1)
    with pytest.raises(RecordInvalid, match="at least 1"):
        shop.book("receipt", mug, -4)


# -- orders -------------------------------------------------------------------
def test_a_paid_order_reserves_its_items_in_the_default_warehouse(shop):
    mug, tea = shop.product("MUG-1"), shop.product("TEA-1")
    shop.book("receipt", mug, 5)
    shop.book("receipt", tea, 5)
    order = shop.order((mug, 2), (tea, 3))
    assert shop.place(order) == "allocated"
    placed = shop.records.get("order", order)
    assert placed["warehouse"] == shop.main
    assert placed["stock_reserved"] is True
    assert consistent(shop, mug) == (5, 2, 3)
    assert consistent(shop, tea) == (5, 3, 2)
    reserved = shop.movements(order=order)
    assert [(m["kind"], m["quantity"]) for m in reserved] == [
        ("reservation", 2),
        ("reservation", 3),
    ]


def test_an_order_short_of_one_item_reserves_nothing_and_is_backordered(shop):
    mug, tea = shop.product("MUG-1"), shop.product("TEA-1")
    shop.book("receipt", mug, 5)
    shop.book("receipt", tea, 2)
    order = shop.order((mug, 2), (tea, 3))
    assert shop.place(order) == "backordered"
    backordered = shop.records.get("order", order)
    assert backordered["stock_reserved"] is False
    assert backordered["stock_problem"] == (
        "Not enough Product TEA-1 (TEA-1) in Shanghai DC: 2 available, 3 needed."
    )
    assert consistent(shop, mug) == (5, 0, 5)
    assert consistent(shop, tea) == (2, 0, 2)
    assert shop.movements(order=order) == []
    assert any("is delayed" in mail["subject"] for mail in emails(shop))


def test_a_backorder_is_allocated_when_the_stock_arrives(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 1)
    first, second = shop.order((mug, 3)), shop.order((mug, 3))
    assert shop.place(first) == "backordered"
    assert shop.place(second) == "backordered"
    shop.book("receipt", mug, 4)
    # The worker offers the new stock to the backorders, oldest first.
    Worker(shop.runtime, "test").run_once()
    assert shop.records.get("order", first)["status"] == "allocated"
    waiting = shop.records.get("order", second)
    assert waiting["status"] == "backordered"
    assert waiting["stock_problem"].endswith("2 available, 3 needed.")
    assert consistent(shop, mug) == (5, 3, 2)
    shop.book("receipt", mug, 1)
    Worker(shop.runtime, "test").run_once()
    served = shop.records.get("order", second)
    assert (served["status"], served["stock_problem"]) == ("allocated", None)
    assert consistent(shop, mug) == (6, 6, 0)


def test_allocating_by_hand_names_the_item_that_is_short(shop):
    mug = shop.product("MUG-1")
    order = shop.order((mug, 2))
    assert shop.place(order) == "backordered"
    with pytest.raises(AdjustmentRefused, match="0 available, 2 needed"):
        shop.step(order, "allocate")
    assert shop.records.get("order", order)["status"] == "backordered"


def test_cancelling_before_shipment_releases_the_reserved_stock(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 10)
    allocated, held = shop.order((mug, 3)), shop.order((mug, 4))
    shop.place(allocated)
    shop.place(held)
    shop.step(held, "hold", "Checking", hold_reason="address_issue")
    assert consistent(shop, mug) == (10, 7, 3)
    shop.step(allocated, "cancel", "Asked by phone", cancel_reason="customer_request")
    shop.step(held, "cancel", "Asked by phone", cancel_reason="address_undeliverable")
    assert consistent(shop, mug) == (10, 0, 10)
    for order in (allocated, held):
        assert shop.records.get("order", order)["stock_reserved"] is False
        kinds = [m["kind"] for m in shop.movements(order=order)]
        assert kinds == ["reservation", "release"]


def test_a_released_hold_keeps_its_reservation(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 5)
    order = shop.order((mug, 2))
    shop.place(order)
    shop.step(order, "hold", "Checking", hold_reason="customer_request")
    shop.step(order, "release")
    assert shop.records.get("order", order)["status"] == "allocated"
    assert consistent(shop, mug) == (5, 2, 3)
    assert len(shop.movements(order=order)) == 1


def test_shipping_books_the_items_out(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 10)
    order = shop.order((mug, 4))
    shop.place(order)
    shop.ship(order)
    assert consistent(shop, mug) == (6, 0, 6)
    shipped = shop.movements(order=order, kind="shipment")
    assert [m["quantity"] for m in shipped] == [4]
    assert shop.records.get("order", order)["stock_reserved"] is False


# -- transfers and stocktakes ------------------------------------------------
def test_a_transfer_moves_stock_from_one_warehouse_to_the_other(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 10)
    transfer = shop.records.create(
        "stock_transfer",
        {
            "from_warehouse": shop.main,
            "to_warehouse": shop.south,
            "lines": [{"product": mug, "quantity": 4}],
        },
        actor=shop.staff,
    )["id"]
    shop.records.transition("stock_transfer", transfer, "dispatch", actor=shop.staff)
    assert consistent(shop, mug) == (6, 0, 6)  # in transit: in neither
    shop.records.transition("stock_transfer", transfer, "receive", actor=shop.staff)
    assert consistent(shop, mug, shop.south) == (4, 0, 4)
    assert consistent(shop, mug) == (6, 0, 6)
    kinds = [
        (m["kind"], m["warehouse"]) for m in shop.movements(stock_transfer=transfer)
    ]
    assert kinds == [("transfer_out", shop.main), ("transfer_in", shop.south)]


def test_a_transfer_cannot_send_reserved_stock(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 5)
    shop.place(shop.order((mug, 4)))
    transfer = shop.records.create(
        "stock_transfer",
        {
            "from_warehouse": shop.main,
            "to_warehouse": shop.south,
            "lines": [{"product": mug, "quantity": 2}],
        },
        actor=shop.staff,
    )["id"]
    with pytest.raises(AdjustmentRefused, match="1 available, 2 needed"):
        shop.records.transition(
            "stock_transfer", transfer, "dispatch", actor=shop.staff
        )
    assert shop.records.get("stock_transfer", transfer)["status"] == "draft"
    assert consistent(shop, mug) == (5, 4, 1)
    with pytest.raises(RecordInvalid, match="another warehouse"):
        shop.records.create(
            "stock_transfer",
            {
                "from_warehouse": shop.main,
                "to_warehouse": shop.main,
                "lines": [{"product": mug, "quantity": 1}],
            },
        )


def test_a_stocktake_books_its_differences_with_their_reasons(shop):
    mug, tea, pen = shop.product("MUG-1"), shop.product("TEA-1"), shop.product("PEN-1")
    shop.book("receipt", mug, 10)
    shop.book("receipt", tea, 4)
    count = shop.records.create(
        "stocktake",
        {
            "warehouse": shop.main,
            "lines": [
                {"product": mug, "counted": 8, "reason": "damaged", "note": "Box wet"},
                {"product": tea, "counted": 4},
                {"product": pen, "counted": 3, "reason": "found"},
            ],
        },
        actor=shop.staff,
    )
    assert [(line["on_hand"], line["difference"]) for line in count["lines"]] == [
        (10, -2),
        (4, 0),
        (0, 3),
    ]
    assert count["difference_units"] == 1
    shop.records.transition("stocktake", count["id"], "post", actor=shop.staff)
    booked = shop.movements(stocktake=count["id"])
    assert [(m["product"], m["quantity"], m["reason"]) for m in booked] == [
        (mug, -2, "damaged"),
        (pen, 3, "found"),
    ]
    assert booked[0]["note"] == f"{count['number']}: Box wet"
    assert consistent(shop, mug) == (8, 0, 8)
    assert consistent(shop, tea) == (4, 0, 4)
    assert consistent(shop, pen) == (3, 0, 3)


def test_a_stocktake_cannot_count_away_stock_reserved_for_orders(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 5)
    shop.place(shop.order((mug, 4)))
    count = shop.records.create(
        "stocktake",
        {"warehouse": shop.main, "lines": [{"product": mug, "counted": 2}]},
        actor=shop.staff,
    )
    with pytest.raises(AdjustmentRefused, match="1 available, 3 needed"):
        shop.records.transition("stocktake", count["id"], "post", actor=shop.staff)
    assert shop.records.get("stocktake", count["id"])["status"] == "counting"
    assert consistent(shop, mug) == (5, 4, 1)


# -- alerts and replenishment --------------------------------------------------
def test_the_low_stock_alert_fires_when_available_crosses_the_reorder_point(shop):
    mug = shop.product("MUG-1", reorder_point=5)
    shop.book("receipt", mug, 8)
    assert low_stock_notes(shop) == []  # opened empty: no alert
    shop.place(shop.order((mug, 2)))  # 6 left: above
    assert low_stock_notes(shop) == []
    shop.place(shop.order((mug, 2)))  # 4 left: crossing
    assert low_stock_notes(shop) == [
        "Low stock: Product MUG-1 (MUG-1) in Shanghai DC has 4 available, below "
        "the reorder point 5"
    ]
    shop.place(shop.order((mug, 1)))  # 3 left: still below, no new alert
    assert len(low_stock_notes(shop)) == 1
    suggestions = shop.records.list("purchase_suggestion").records
    assert len(suggestions) == 1
    shop.book("receipt", mug, 10)  # 13: above again
    shop.book("adjustment", mug, -10, reason="expired")  # 3: crossing again
    assert len(low_stock_notes(shop)) == 2
    # The open suggestion is not made twice.
    assert len(shop.records.list("purchase_suggestion").records) == 1


def test_a_first_receipt_below_the_reorder_point_alerts_too(shop):
    tea = shop.product("TEA-1", reorder_point=5)
    shop.book("receipt", tea, 3)
    assert low_stock_notes(shop) == [
        "Low stock: Product TEA-1 (TEA-1) in Shanghai DC has 3 available, below "
        "the reorder point 5"
    ]
    assert shop.level(tea)["below_reorder_point"] is True


def test_a_product_without_a_supplier_is_alerted_and_a_buyer_picks_one(shop):
    category = shop.records.list("category", limit=1).records[0]["id"]
    loose = shop.records.create(
        "product",
        {
            "sku": "LOOSE-1",
            "name": "Loose tea",
            "category": category,
            "price": "10.00",
            "reorder_point": 5,
            "reorder_qty": 25,
        },
    )["id"]
    shop.book("receipt", loose, 3)
    assert low_stock_notes(shop) == [
        "Low stock: Loose tea (LOOSE-1) in Shanghai DC has 3 available, below "
        "the reorder point 5"
    ]
    assert shop.level(loose)["lead_time_days"] == 7  # the default lead time
    [suggestion] = shop.records.list("purchase_suggestion").records
    assert suggestion["supplier"] is None
    assert (suggestion["quantity"], suggestion["lead_time_days"]) == (25, 7)
    with pytest.raises(RecordInvalid, match="supplier"):
        shop.records.transition(
            "purchase_suggestion", suggestion["id"], "create_order", actor=shop.staff
        )
    shop.records.update(
        "purchase_suggestion",
        suggestion["id"],
        {"supplier": shop.supplier},
        actor=shop.staff,
    )
    shop.records.transition(
        "purchase_suggestion", suggestion["id"], "create_order", actor=shop.staff
    )
    [purchase] = shop.records.list("purchase_order").records
    assert purchase["supplier"] == shop.supplier


def test_the_suggested_quantity_follows_the_last_30_days_sales(shop):
    mug = shop.product("MUG-1", reorder_point=20, safety_stock=10)
    shop.book("receipt", mug, 200)
    order = shop.order((mug, 1))
    shop.place(order)
    # Sold 30 + 30 units in the last 30 days, 100 units 40 days ago.
    for quantity, age in ((30, 10), (30, 25), (100, 40)):
        for kind, booked_at in (("reservation", None), ("shipment", age)):
            values = {"order": order}
            if booked_at is not None:
                values["booked_at"] = days_ago(shop.runtime, booked_at)
            shop.records.create(
                "stock_movement",
                {
                    "kind": kind,
                    "product": mug,
                    "warehouse": shop.main,
                    "quantity": quantity,
                    **values,
                },
                actor=SYSTEM,
            )
    level = shop.level(mug)
    assert (level["on_hand"], level["reserved"], level["available"]) == (40, 1, 39)
    assert level["sold_last_30_days"] == 60
    assert float(level["daily_sales"]) == 2.0
    assert level["lead_time_days"] == 14  # the supplier's
    assert float(level["days_of_cover"]) == 19.5  # 39 / 2
    today = shop.runtime.records.moment().today
    assert level["stockout_on"] == today + dt.timedelta(days=19)
    # 2 a day x 14 days + 10 safety = 38, less 39 available: nothing yet.
    assert level["suggested_order_qty"] == 0
    shop.book("adjustment", mug, -25, reason="damaged")  # 14 available
    level = shop.level(mug)
    assert level["suggested_order_qty"] == 38 - 14
    suggestion = shop.records.list("purchase_suggestion").records[0]
    assert (suggestion["quantity"], suggestion["available_then"]) == (24, 14)
    assert suggestion["supplier"] == shop.supplier


def test_a_purchase_order_counts_as_on_order_and_its_receipt_books_stock(shop):
    mug = shop.product("MUG-1", reorder_point=5)
    shop.book("receipt", mug, 6)
    shop.book("adjustment", mug, -2, reason="lost")  # 4: suggestion
    suggestion = shop.records.list("purchase_suggestion").records[0]
    assert suggestion["quantity"] == 25  # no sales yet: the product's reorder qty
    shop.records.transition(
        "purchase_suggestion", suggestion["id"], "create_order", actor=shop.staff
    )
    orders = shop.records.list("purchase_order").records
    assert len(orders) == 1
    purchase = shop.records.get("purchase_order", orders[0]["id"])
    assert (purchase["status"], purchase["suggestion"]) == ("draft", suggestion["id"])
    assert [(line["product"], line["quantity"]) for line in purchase["lines"]] == [
        (mug, 25)
    ]
    shop.records.transition("purchase_order", purchase["id"], "place", actor=shop.staff)
    assert shop.level(mug)["on_order"] == 25
    mail = emails(shop)[-1]
    assert mail["to"] == ["sales@pearl.example"]
    assert mail["subject"] == f"Purchase order {purchase['number']}"
    assert "25 × MUG-1 Product MUG-1" in mail["text"]
    line = dict(shop.records.get("purchase_order", purchase["id"])["lines"][0])
    line["received_quantity"] = 24  # one short
    shop.records.update(
        "purchase_order", purchase["id"], {"lines": [line]}, actor=shop.staff
    )
    shop.records.transition(
        "purchase_order", purchase["id"], "receive", actor=shop.staff
    )
    assert consistent(shop, mug) == (28, 0, 28)
    receipts = shop.movements(purchase_order=purchase["id"])
    assert [(m["kind"], m["quantity"]) for m in receipts] == [("receipt", 24)]
    assert shop.level(mug)["on_order"] == 0


def test_product_figures_add_up_every_warehouse_when_refreshed(shop):
    mug = shop.product("MUG-1")
    shop.book("receipt", mug, 30)
    shop.book("receipt", mug, 10, warehouse=shop.south)
    order = shop.order((mug, 15))
    shop.place(order)
    shop.ship(order)
    automation = shop.runtime.automation
    automation.run_scheduled(
        shop.runtime, "refresh_stock_figures", dt.datetime.now(dt.UTC)
    )
    product = shop.records.get("product", mug)
    assert (product["stock_on_hand"], product["stock_available"]) == (25, 25)
    assert product["sold_last_30_days"] == 15
    assert float(product["days_of_cover"]) == 50.0  # 25 / (15 / 30)
    assert float(product["stock_turns_per_year"]) == 7.3  # 15 * 365 / 30 / 25


def test_the_reports_show_sales_history_turnover_and_cover(shop):
    mug, tea = shop.product("MUG-1"), shop.product("TEA-1")
    shop.book("receipt", mug, 30)
    shop.book("receipt", tea, 10)
    for product, quantity in ((mug, 6), (mug, 4), (tea, 1)):
        order = shop.order((product, quantity))
        shop.place(order)
        shop.ship(order)
    shop.runtime.automation.run_scheduled(
        shop.runtime, "refresh_stock_figures", dt.datetime.now(dt.UTC)
    )
    reports = shop.runtime.definitions.reports

    def rows(name):
        result = run_report(shop.records, reports[name], shop.staff)
        return result.as_dicts()

    (today,) = rows("sales_history")
    assert (today["units"], today["shipments"]) == (11, 3)
    assert [
        (row["product.name"], row["units"]) for row in rows("sales_by_product")
    ] == [
        ("Product MUG-1", 10),
        ("Product TEA-1", 1),
    ]
    cover = {row["name"]: float(row["days_of_cover"]) for row in rows("days_of_cover")}
    assert cover == {"Product MUG-1": 60.0, "Product TEA-1": 270.0}
    turns = {
        row["name"]: float(row["turns_per_year"]) for row in rows("stock_turnover")
    }
    assert turns == {"Product MUG-1": 6.1, "Product TEA-1": 1.4}


def test_each_role_does_its_part_of_the_stock_work(shop):
    from officina.auth import add_user
    from officina.auth.users import actor_of
    from officina.records import PermissionDenied

    def user(role):
        return actor_of(
            add_user(
                shop.runtime,
                email=f"{role}@example.com",
                name=role,
                password=None,
                roles=[role],
            )
        )

    warehouse, purchasing = user("warehouse"), user("purchasing")
    mug = shop.product("MUG-1")
    receipt = shop.records.create(
        "stock_movement",
        {"kind": "receipt", "product": mug, "warehouse": shop.main, "quantity": 5},
        actor=warehouse,
    )
    with pytest.raises(PermissionDenied):
        shop.records.delete("stock_movement", receipt["id"], actor=warehouse)
    with pytest.raises(PermissionDenied):
        shop.records.create(
            "stock_movement",
            {"kind": "receipt", "product": mug, "warehouse": shop.main, "quantity": 5},
            actor=purchasing,
        )
    assert shop.records.get("stock_level", shop.level(mug)["id"], actor=purchasing)
    purchase = shop.records.create(
        "purchase_order",
        {
            "supplier": shop.supplier,
            "warehouse": shop.main,
            "lines": [{"product": mug, "quantity": 10}],
        },
        actor=purchasing,
    )
    shop.records.transition("purchase_order", purchase["id"], "place", actor=purchasing)
    with pytest.raises(PermissionDenied):
        shop.records.transition(
            "purchase_order", purchase["id"], "cancel", comment="no", actor=warehouse
        )
    shop.records.transition(
        "purchase_order", purchase["id"], "receive", actor=warehouse
    )
    assert consistent(shop, mug) == (15, 0, 15)
