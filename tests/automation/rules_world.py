"""A small shop with rules of every kind, and a records service with the
rules engine installed, over a real database (SQLite, or PostgreSQL)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from officina.automation.engine import Automation
from officina.automation.hookspecs import hookimpl
from officina.automation.plugins import load_plugins
from officina.database import create_database_engine
from officina.records import Hooks, RecordsService
from officina.schema.migrate import migrate
from officina.schema.tables import (
    JOBS,
    NOTIFICATIONS,
    RULE_RUNS,
    build_schema,
)

RULES_PACK = {
    "shop.yaml": """
        entity: product
        fields:
          sku: {type: string, required: true, unique: true}
          name: {type: string, required: true}
          stock: {type: integer, default: 0}
          price: money
        rules:
          low_stock:
            on: {threshold: 'stock < 5'}
            do:
              - notify: {roles: [warehouse], message: '{{ name }} is low: {{ stock }}'}
          removed:
            on: deleted
            do:
              - notify: {roles: [warehouse], message: 'Product {{ sku }} was deleted'}
        ---
        entity: customer
        fields:
          name: {type: string, required: true}
          email: email
          tier: {type: choice, options: [bronze, silver, gold], default: bronze}
          touched: {type: integer, default: 0}
          credit_limit: money
          account_manager: {type: reference, to: user}
        rules:
          welcome:
            on: created
            when: 'email'
            do:
              - send_email:
                  to: '{{ email }}'
                  subject: 'Welcome {{ name }}'
                  body: "Hello {{ name }},\\n\\nwelcome <b>here</b>."
          promoted:
            on: {changed: {tier: {from: silver, to: gold}}}
            do: [{notify: {roles: [sales], message: '{{ name }} is gold'}}]
          limit_raised:
            on: updated
            when: 'credit_limit > old.credit_limit'
            do:
              - notify:
                  users: '=account_manager'
                  roles: [manager]
                  message: >-
                    Limit raised to {{ credit_limit }} (was {{ old.credit_limit }})
          count_touches:
            on: saved
            order: -1
            do: [{set: {touched: '=touched + 1'}}]
        ---
        entity: price_change
        fields:
          product: {type: reference, to: product, required: true}
          new_price: {type: money, required: true}
        rules:
          apply:
            on: created
            do:
              - update:
                  entity: product
                  where: {id: '=product.id'}
                  set: {price: '=new_price'}
        ---
        entity: order
        fields:
          customer: {type: reference, to: customer, required: true}
          note: string
          lines: {type: table, of: order_line}
        workflow:
          initial: new
          states:
            new:
              on_exit: [{set: {note: 'left new'}}]
            paid:
              sla: 1d
              on_enter:
                - notify: {roles: [warehouse], message: 'Order {{ id }} is paid'}
              on_breach: [{notify: {roles: [manager], message: 'Order {{ id }} waits'}}]
            shipped: {final: true}
          transitions:
            pay:
              from: new
              to: paid
              do:
                - webhook:
                    url: 'https://erp.example.com/orders/{{ id }}'
                    body: {id: '=id', customer: '{{ customer.name }}'}
            ship: {from: paid, to: shipped}
        rules:
          take_stock:
            on: {transition: pay}
            do:
              - for_each: lines
                as: line
                do:
                  - adjust:
                      record: line.product
                      field: stock
                      by: '=-line.qty'
                      min: 0
                      message: 'Not enough {{ line.product.name }} in stock'
          ship_it:
            on: {entered: shipped}
            do:
              - create:
                  entity: shipment
                  values: {order: '=id', note: 'For order {{ id }}'}
                  rows:
                    items:
                      for_each: lines
                      as: line
                      values: {product: '=line.product', qty: '=line.qty'}
          export:
            on: {transition: ship}
            run: later
            do: [{webhook: {url: 'https://erp.example.com/shipped/{{ id }}'}}]
        ---
        entity: order_line
        fields:
          product: {type: reference, to: product, required: true}
          qty: {type: integer, default: 1}
        ---
        entity: shipment
        fields:
          order: {type: reference, to: order}
          note: string
          items: {type: table, of: shipment_item}
        ---
        entity: shipment_item
        fields:
          product: {type: reference, to: product}
          qty: integer
        ---
        entity: repair
        fields:
          parts_ready: boolean
        workflow:
          initial: waiting
          states:
            waiting:
            in_repair: {final: true}
          transitions:
            start: {from: waiting, to: in_repair, requires: [parts_ready]}
        rules:
          start_when_ready:
            on: {changed: {parts_ready: {to: true}}}
            do: [{transition: start}]
        ---
        entity: counter
        fields:
          x: {type: integer, default: 0}
          y: {type: integer, default: 0}
          n: {type: integer, default: 0}
          looping: boolean
        rules:
          a:
            on: {changed: x}
            when: looping
            do: [{set: {y: '=y + 1'}}]
          b:
            on: {changed: y}
            when: looping
            do: [{set: {x: '=x + 1'}}]
          bump:
            on: saved
            retrigger: true
            when: 'n >= 1 and n < 3'
            do: [{set: {n: '=n + 1'}}]
          reminder:
            on: {every: 1h}
            when: 'n > 10'
            do: [{set: {y: '=y + 1'}}]
        ---
        entity: gadget
        fields:
          name: string
          captured: string
        rules:
          capture:
            on: created
            do:
              - call: {action: tests.capture, with: {reference: 'G-{{ name }}'}}
          explode:
            on: {changed: name}
            do:
              - call: {action: tests.explode}
        ---
        role: warehouse
        permissions:
          product: {read: true}
        ---
        role: sales
        permissions:
          customer: {read: true}
        ---
        role: manager
        permissions:
          customer: {read: true, update: true}
    """
}


SITE_RULES = """\
entity: customer
fields:
  name: {type: string, required: true}
  email: email
  tier: {type: choice, options: [bronze, silver, gold], default: bronze}
rules:
  welcome:
    on: created
    when: 'email'
    do:
      - send_email: {to: '{{ email }}', subject: 'Welcome {{ name }}', body: Hello.}
  promoted:
    on: {changed: {tier: {to: gold}}}
    do: [{set: {name: '{{ name }} (gold)'}}]
  nightly:
    on: {schedule: '0 3 * * *'}
    when: "tier == 'gold'"
    do: [{set: {name: 'x'}}]
  dormant:
    on: created
    enabled: false
    do: [{set: {name: 'x'}}]
"""


class TestPlugin:
    """A plugin with one working and one failing action."""

    @staticmethod
    @hookimpl
    def officina_actions():
        def capture(context):
            context.transaction.update(
                context.entity,
                context.record_id,
                {"captured": context.options["reference"]},
            )

        def explode(context):
            raise ValueError("the payment provider is down")

        return {"tests.capture": capture, "tests.explode": explode}


def open_world(definitions, database_url, backups):
    schema = build_schema(definitions)
    engine = create_database_engine(database_url)
    migrate(engine, schema, backup_dir=backups)
    plugins = load_plugins(None)
    plugins.register(TestPlugin, name="tests")
    automation = Automation(definitions, schema, plugins, engine)
    automation.check_calls()
    hooks = automation.install(Hooks())
    records = RecordsService(definitions, schema, engine, hooks)
    return SimpleNamespace(
        definitions=definitions,
        schema=schema,
        engine=engine,
        records=records,
        automation=automation,
        plugins=plugins,
        site=SimpleNamespace(languages=("en",), plugins=()),
    )


def rows(world, table_name: str, **where) -> list[dict]:
    table = world.schema.metadata.tables[table_name]
    query = select(table).order_by(table.c.id) if "id" in table.c else select(table)
    for name, value in where.items():
        query = query.where(table.c[name] == value)
    with world.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def runs(world, **where) -> list[dict]:
    return rows(world, RULE_RUNS, **where)


def jobs(world, **where) -> list[dict]:
    return rows(world, JOBS, **where)


def notes(world, **where) -> list[dict]:
    return rows(world, NOTIFICATIONS, **where)
