"""The loaded model: what the engine builds from definitions, layering of a
site's customisations over packs, and immutability."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest

from officina.definitions import Layer, load
from officina.definitions.loader import SITE_LAYER
from officina.errors import DefinitionErrors

ORDERS = {
    "order.yaml": """
        entity: order
        label: {en: Order, zh: 订单}
        number: "ORD-{YYYY}-{#####}"
        fields:
          customer:  {type: reference, to: customer, required: true}
          lines:     {type: table, of: order_line, min_rows: 1}
          total:     {type: money, formula: "sum(lines.amount)"}
          is_gift:   {type: boolean}
          gift_note: {type: text, visible_when: "is_gift"}
          payment_status: {type: choice, options: [pending, captured]}
          tracking_number: string
        workflow:
          initial: placed
          states:
            placed:  {label: {en: Placed, zh: 已下单}}
            paid:    {}
            shipped: {final: true}
          transitions:
            verify_payment: {from: placed, to: paid, roles: [finance],
                             when: "payment_status == 'captured'"}
            ship: {from: paid, to: shipped, requires: [tracking_number]}
        rules:
          confirmation_email:
            on: created
            do:
              - send_email: {to: "{{ customer.email }}", subject: "Order {{ number }}",
                             body: "Thank you"}
        ---
        entity: order_line
        fields:
          product: {type: reference, to: product, required: true}
          qty: {type: integer, min: 1, default: 1}
          unit_price: {type: money, copy_from: product.price}
          amount: {type: money, formula: "qty * unit_price"}
        ---
        entity: product
        fields:
          name: {type: string, required: true}
          price: money
        ---
        entity: customer
        fields:
          name: string
          email: {type: email, unique: true}
        ---
        role: finance
        permissions:
          order: [read, update]
    """,
}


@pytest.fixture
def orders(load_files):
    return load_files(ORDERS)


def test_the_illustration_loads(orders):
    order = orders.entities["order"]
    assert list(order.fields)[:3] == ["number", "customer", "lines"]
    assert order.fields["number"].format == "ORD-{YYYY}-{#####}"
    assert order.fields["status"].option_values == ("placed", "paid", "shipped")
    assert order.fields["status"].default == "placed"
    assert order.title_field == "number"
    assert order.label.get("zh") == "订单"
    assert order.workflow.states["shipped"].final
    assert order.workflow.transitions["verify_payment"].roles == ("finance",)
    assert orders.entities["order_line"].parent == "order"
    assert orders.entities["order_line"].fields["unit_price"].copy_from == (
        "product",
        "price",
    )
    assert order.fields["total"].formula.reads == {("lines", "amount")}
    assert order.fields["total"].read_only


def test_the_model_is_immutable(orders):
    order = orders.entities["order"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.name = "other"
    with pytest.raises(TypeError):
        orders.entities["x"] = order
    with pytest.raises(TypeError):
        order.fields["x"] = order.fields["note"] if "note" in order.fields else None


def test_the_version_follows_the_sources(make_pack, pack_layer):
    folder = make_pack(ORDERS)
    first = load([pack_layer(folder)]).version
    assert load([pack_layer(folder)]).version == first
    path = folder / "order.yaml"
    path.write_text(path.read_text().replace("name: string", "name: text"))
    assert load([pack_layer(folder)]).version != first


def site_layer(tmp_path, text: str) -> Layer:
    path = tmp_path / "site" / "custom.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())
    return Layer(name=SITE_LAYER, files=(path,))


def test_a_site_extends_a_pack_entity_without_copying_it(
    make_pack, pack_layer, tmp_path
):
    pack = pack_layer(make_pack(ORDERS))
    site = site_layer(
        tmp_path,
        """
        extend: order
        label: {en: Purchase}
        fields:
          gift_wrap: {type: boolean, label: Gift wrap}
          tracking_number: {label: Parcel number, required: true}
        workflow:
          states:
            quality_check: {color: orange}
            paid: {label: Payment received}
          transitions:
            check: {from: paid, to: quality_check}
            release: {from: quality_check, to: shipped}
        rules:
          confirmation_email: {enabled: false}
          gift_notice:
            on: {changed: [gift_wrap]}
            when: gift_wrap and not old.gift_wrap
            do:
              - notify: {roles: [finance], message: "Gift wrap for {{ number }}"}
    """,
    )
    definitions = load([pack, site])
    order = definitions.entities["order"]
    assert order.label.get() == "Purchase"
    assert list(order.fields)[-2:] == ["gift_wrap", "status"]
    assert order.fields["tracking_number"].required
    assert order.fields["tracking_number"].label.get() == "Parcel number"
    assert order.fields["tracking_number"].type == "string"
    assert "quality_check" in order.fields["status"].option_values
    assert order.workflow.states["paid"].label.get() == "Payment received"
    assert not order.rules["confirmation_email"].enabled
    assert order.rules["gift_notice"].trigger.fields == ("gift_wrap",)


def test_a_site_cannot_change_a_fields_type_and_is_told_where(
    make_pack, pack_layer, tmp_path
):
    pack = pack_layer(make_pack(ORDERS))
    site = site_layer(
        tmp_path,
        """
        extend: order
        fields:
          total: {type: decimal}
    """,
    )
    with pytest.raises(DefinitionErrors) as caught:
        load([pack, site])
    (problem,) = caught.value.problems
    assert problem.location.file.endswith("custom.yaml")
    assert (problem.location.line, problem.location.column) == (3, 11)
    assert problem.message == (
        "an extension cannot change 'type' of the existing field 'total'"
    )


def test_every_problem_is_reported_in_one_run(load_files):
    broken = {
        "a.yaml": ORDERS["order.yaml"]
        .replace("to: customer", "to: custmer")
        .replace("qty * unit_price", "qty * unit_prise")
        .replace("to: shipped", "to: shiped")
    }
    with pytest.raises(DefinitionErrors) as caught:
        load_files(broken)
    messages = [problem.message for problem in caught.value.problems]
    assert len(messages) >= 3
    assert any("custmer" in message for message in messages)
    assert any("unit_prise" in message for message in messages)
    assert any("shiped" in message for message in messages)
