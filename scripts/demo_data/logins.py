"""The demo records the demo site's own logins act for.

`officina demo` makes a user for every role, named after it
(customer@example.com, seller@example.com). The packs' row filters show a
customer's login only the customer whose `account` it is, and a seller's
login only the orders of the seller whose `account` it is: so that a
newcomer who signs in as either sees something, one demo customer and one
seller name these users (seed data names a user by e-mail). They are
chosen from the data, not drawn: the same data gives the same choice.
"""

from __future__ import annotations

CUSTOMER_LOGIN = "customer@example.com"
SELLER_LOGIN = "seller@example.com"
# Enough orders to fill a page, few enough to read through.
MOST_ORDERS = 20


def link_customer(customers, returns, reviews, tickets) -> None:
    """Give the customer login to the customer who has returns, reviews and
    tickets, and orders in the most states (then the fewest orders)."""
    returned = {id(rma.order.customer) for rma in returns}
    reviewed = {id(review.order.customer) for review in reviews}
    asked = {id(ticket.customer) for ticket in tickets}
    candidates = [
        customer
        for customer in customers
        if customer.blocked_reason is None
        and 0 < len(customer.orders) <= MOST_ORDERS
        and id(customer) in returned & reviewed & asked
    ]
    chosen = max(
        candidates,
        key=lambda customer: (
            len({order.status for order in customer.orders}),
            -len(customer.orders),
            customer.email,
        ),
    )
    chosen.account = CUSTOMER_LOGIN


def seller_accounts(shop, active_sellers) -> dict[str, str]:
    """{seller code: the seller login} for the active seller that ships the
    most orders itself."""
    counts: dict[str, int] = {}
    for order in shop:
        if order.seller in active_sellers:
            counts[order.seller] = counts.get(order.seller, 0) + 1
    chosen = max(sorted(counts), key=lambda code: counts[code])
    return {chosen: SELLER_LOGIN}
