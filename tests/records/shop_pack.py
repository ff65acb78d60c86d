"""The small shop the records tests run on."""

SHOP = {
    "shop.yaml": """
        entity: customer
        fields:
          name: {type: string, required: true, max_length: 40}
          email: {type: email, unique: true}
          vip: boolean
        ---
        entity: product
        fields:
          sku: {type: string, required: true, unique: true, pattern: "[A-Z]{3}-[0-9]+"}
          name: {type: string, required: true}
          price: {type: money, required: true, min: 0}
          stock: {type: integer, default: 0, min: 0}
        ---
        entity: order
        number: "ORD-{YYYY}-{#####}"
        fields:
          customer: {type: reference, to: customer, required: true}
          lines: {type: table, of: order_line, min_rows: 1}
          discount: {type: money, default: 0, max: "=subtotal"}
          subtotal: {type: money, formula: "sum(lines.amount)"}
          total: {type: money, formula: "subtotal - discount"}
          item_count: {type: integer, formula: "count(lines)"}
          is_gift: boolean
          gift_note: {type: text, required_when: "is_gift"}
          priority: {type: choice, options: [low, normal, high], default: normal}
          placed_on: {type: date, default: "=today()"}
        validations:
          - check: "not is_gift or customer.vip"
            message: Gift wrapping is for VIP customers
            fields: [is_gift]
        workflow:
          initial: placed
          states:
            placed: {}
            paid: {}
            cancelled: {final: true}
          transitions:
            pay: {from: placed, to: paid}
            cancel: {from: [placed, paid], to: cancelled}
        ---
        entity: order_line
        fields:
          product: {type: reference, to: product, required: true}
          qty: {type: integer, required: true, min: 1, default: 1}
          unit_price: {type: money, copy_from: product.price}
          amount: {type: money, formula: "qty * unit_price"}
    """,
}
