"""Write the demo data of the shipped packs (definitions/<pack>/demo/).

    .venv/bin/python scripts/make_demo_data.py [--definitions FOLDER]

A shop of about 250 products in three warehouses, 300 customers and 3,000
orders over the last 90 days in every state of the order flow, with their
parcels, the stock ledger, purchase orders, returns, support tickets and
reviews. The same code always writes the same files (a fixed random seed);
they are committed, and `officina demo` loads them. Every time in them is
relative to the moment they are loaded ('=add_hours(now(), -37.5)'), and
they are loaded with `rules: false`: history does not send e-mails again.

The files of the demo/ folders are replaced as a whole: change this script
(or the modules in demo_data/) rather than the files.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from demo_data import catalogue, logins, orders, parcels, people, service, stock, writer  # noqa: E402
from demo_data.clock import NOW, at  # noqa: E402

SEED = 20261127
PACKS = ("commerce", "orders", "inventory", "shipping", "aftersales")
ORDERS_PER_FILE = 500


def build(
    rng: random.Random, definitions: Path
) -> dict[str, list[tuple[str, str, list]]]:
    """{pack: [(file name, what it holds, documents)]}."""
    year = NOW.year
    products = catalogue.make_products(rng)
    customers = people.make_customers(rng)
    shop = orders.make_orders(rng, customers, products)
    short = stock.shortages(rng, shop)
    stock.keep_short_products_for_backorders(shop, short, products)
    returns = service.make_returns(rng, shop, products)
    service.number_returns(returns, year)
    shop += service.replacement_orders(rng, returns)
    stock.keep_short_products_for_backorders(shop, short, products)  # and those
    catalogue.set_reorder_levels(products, shop)
    orders.number_orders(shop, year)
    for rma in returns:
        if rma.replacement is not None:
            rma.replacement.replacement_for = rma.number
            rma.replacement.internal_note = (
                f"Replacement for {rma.number} (order {rma.order.number})"
            )
    _tiers_and_join_dates(rng, customers)
    routes = parcels.carrier_routes(definitions)
    shipments = parcels.make_parcels(rng, shop, routes)
    parcels.number_parcels(shipments, year)
    ledger = stock.make_ledger(rng, shop, returns, short, products)
    for order in shop:
        if order.status == "backordered" and order.stock_problem:
            order.stock_problem = stock.shortage_text(order, short, ledger)
    reviews = service.make_reviews(rng, shop)
    tickets = service.make_tickets(rng, customers, shop, returns, reviews)
    service.number_tickets(tickets, year)
    logins.link_customer(customers, returns, reviews, tickets)
    active = {seller[0] for seller in catalogue.SELLERS if seller[4] == "active"}
    seller_logins = logins.seller_accounts(shop, active)

    files: dict[str, list] = {pack: [] for pack in PACKS}
    files["commerce"] += [
        (
            "partners.yaml",
            "Suppliers and third-party sellers of the demo shop.",
            [
                writer.document(
                    "supplier", "name", catalogue.supplier_records(), rules=False
                ),
                writer.document(
                    "seller",
                    "code",
                    catalogue.seller_records(seller_logins),
                    rules=False,
                ),
            ],
        ),
        (
            "products.yaml",
            f"The demo catalogue: {len(products)} products, named by SKU.",
            [
                writer.document(
                    "product", "sku", catalogue.product_records(products), rules=False
                )
            ],
        ),
        (
            "customers.yaml",
            f"{len(customers)} customers with their addresses, named by e-mail.",
            [
                writer.document(
                    "customer", "email", people.customer_records(customers), rules=False
                )
            ],
        ),
    ]
    order_rows = orders.order_records(shop)
    for index, chunk in enumerate(writer.chunks(order_rows, ORDERS_PER_FILE), 1):
        files["orders"].append(
            (
                f"orders-{index:02d}.yaml",
                f"Orders of the last 90 days ({chunk[0]['number']} to "
                f"{chunk[-1]['number']}), in every state of the order flow.",
                [writer.document("order", "number", chunk, rules=False)],
            )
        )
    movements = stock.movement_records(ledger)
    files["inventory"] += [
        (
            "purchasing.yaml",
            "Purchase orders (received ones booked their receipts) and open purchase "
            "suggestions; the default warehouse for orders.",
            [
                writer.document(
                    "warehouse",
                    "code",
                    [{"code": "SH01", "default_for_orders": True}],
                    rules=False,
                    update=True,
                ),
                writer.document(
                    "purchase_order",
                    "number",
                    stock.purchase_order_records(ledger.purchase_orders),
                    rules=False,
                ),
                writer.document(
                    "purchase_suggestion",
                    None,
                    stock.suggestion_records(ledger, ledger.purchase_orders),
                    rules=False,
                ),
            ],
        ),
    ]
    for index, chunk in enumerate(writer.chunks(movements, 3000), 1):
        files["inventory"].append(
            (
                f"stock-movements-{index:02d}.yaml",
                "The stock ledger: opening stock, receipts, reservations, shipments, "
                "releases, returns and write-offs.",
                [writer.document("stock_movement", "reference", chunk, rules=False)],
            )
        )
    files["inventory"].append(
        (
            "stock-totals.yaml",
            "Stock per product and warehouse: the sums of the ledger; and what "
            "the stock rules keep on the orders.",
            [
                writer.document(
                    "stock_level",
                    ["product", "warehouse"],
                    stock.level_records(rng, ledger),
                    rules=False,
                ),
                writer.document(
                    "order", "number", _stock_on_orders(shop), rules=False, update=True
                ),
            ],
        )
    )
    shipment_rows = parcels.parcel_records(shipments)
    for index, chunk in enumerate(writer.chunks(shipment_rows, 1500), 1):
        files["shipping"].append(
            (
                f"shipments-{index:02d}.yaml",
                "Parcels of the demo orders, with carriers and tracking.",
                [writer.document("shipment", "number", chunk, rules=False)],
            )
        )
    files["shipping"].append(
        (
            "order-tracking.yaml",
            "What the shipping rules keep on each order: its parcels and items.",
            [
                writer.document(
                    "order",
                    "number",
                    parcels.order_shipping_records(shop),
                    rules=False,
                    update=True,
                )
            ],
        )
    )
    files["aftersales"] += [
        (
            "returns.yaml",
            "Return requests: refunds, exchanges, refusals, damaged items.",
            [
                writer.document(
                    "return_request",
                    "number",
                    service.return_records(returns),
                    rules=False,
                ),
                writer.document(
                    "order",
                    "number",
                    _aftersales_on_orders(shop),
                    rules=False,
                    update=True,
                ),
                writer.document(
                    "product",
                    "sku",
                    service.product_return_figures(products, shop, returns),
                    rules=False,
                    update=True,
                ),
            ],
        ),
        (
            "support.yaml",
            "Support tickets in every state, and product reviews.",
            [
                writer.document(
                    "review",
                    ["order", "product"],
                    service.review_records(rng, reviews),
                    rules=False,
                ),
                writer.document(
                    "support_ticket",
                    "number",
                    service.ticket_records(tickets),
                    rules=False,
                ),
            ],
        ),
    ]
    return files


def _tiers_and_join_dates(rng: random.Random, customers) -> None:
    for customer in customers:
        placed = [o for o in customer.orders if o.placed is not None]
        spent = sum(o.total for o in placed if o.status != "cancelled")
        if spent >= 1500 or len(placed) >= 8:
            customer.tier = "vip"
        elif len(placed) >= 2:
            customer.tier = "regular"
        first = max((o.created for o in customer.orders), default=0)
        customer.joined_hours_ago = max(
            customer.joined_hours_ago, first + rng.uniform(1, 300)
        )
        customer.created_at = at(customer.joined_hours_ago)


def _stock_on_orders(shop) -> list[dict]:
    out = []
    for order in sorted(shop, key=lambda o: o.number):
        values = {}
        if order.stock_reserved:
            values["stock_reserved"] = True
        if order.status == "backordered" and order.stock_problem:
            values["stock_problem"] = order.stock_problem
        if values:
            out.append({"number": order.number, **values})
    return out


def _aftersales_on_orders(shop) -> list[dict]:
    out = []
    for order in sorted(shop, key=lambda o: o.number):
        values = {}
        if order.refunded:
            values["refunded_amount"] = order.refunded
        if order.replacement_for:
            values["replacement_for"] = order.replacement_for
        if values:
            out.append({"number": order.number, **values})
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--definitions",
        type=Path,
        default=HERE.parent / "definitions",
        help="The folder of the packs (default: the shipped definitions/).",
    )
    arguments = parser.parse_args(argv)
    files = build(random.Random(SEED), arguments.definitions)
    for pack, written in files.items():
        folder = arguments.definitions / pack / "demo"
        for old in folder.glob("*.yaml"):
            old.unlink()
        for name, what, documents in written:
            documents = [document for document in documents if document]
            writer.write(folder / name, writer.header(what), documents)
            print(f"wrote {folder / name}")


if __name__ == "__main__":
    main()
