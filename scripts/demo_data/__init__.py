"""The demo data set of the shipped packs, made by scripts/make_demo_data.py.

One `random.Random` with a fixed seed drives everything, so the same code
writes the same files. Each module makes one part of the shop:

* `clock`      when things happened, relative to the load (`=add_hours(now(), -37.5)`)
* `catalogue`  suppliers, sellers and products
* `people`     customers and their addresses
* `orders`     orders over the last 90 days, each following the order flow
* `parcels`    the shipments of those orders
* `stock`      the stock ledger, stock levels and purchasing
* `service`    returns, support tickets and reviews
* `logins`     the demo customer and seller the demo site's logins act for
* `writer`     the YAML files
"""
