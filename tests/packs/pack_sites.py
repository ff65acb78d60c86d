"""Small packs written into a site's packs/ folder for the pack command tests:
`basics` (channels, a category tree, with seed data) and `orders` (orders
with lines and a workflow, depending on basics, with demo data)."""

from __future__ import annotations

from pathlib import Path

from officina.cli import main
from pack_files import write_pack

BASICS = {
    "basics.yaml": """
        entity: channel
        label: {en: Channel, zh: 渠道}
        fields:
          code: {type: string, required: true, unique: true}
          name: {type: string, required: true}
        ---
        entity: category
        fields:
          code: {type: string, required: true, unique: true}
          name: {type: string, required: true}
          parent_category: {type: reference, to: category}
        """,
    # The child category comes first: it is loaded after its parent.
    "seed/categories.yaml": """
        seed: category
        key: code
        records:
          - {code: PHONE, name: Phones, parent_category: ELEC}
          - {code: ELEC, name: Electronics}
        """,
    "seed/channels.yaml": """
        seed: channel
        key: code
        records:
          - {code: WEB, name: Web shop}
          - {code: APP, name: Mobile app}
          - {code: POS, name: Shop counter}
        """,
}

ORDERS = {
    "orders.yaml": """
        entity: order
        label: {en: Order, zh: 订单}
        title_field: reference
        fields:
          reference: {type: string, required: true, unique: true}
          channel: {type: reference, to: channel}
          amount: {type: money}
          lines: {type: table, of: order_line}
        workflow:
          initial: open
          states:
            open: {}
            shipped: {}
            done: {final: true}
          transitions:
            ship: {from: open, to: shipped}
            finish: {from: shipped, to: done}
        ---
        entity: order_line
        fields:
          item: {type: string, required: true}
          qty: {type: integer, default: 1}
        """,
    "demo/orders.yaml": """
        seed: order
        key: reference
        records:
          - reference: DEMO-1
            channel: WEB
            amount: 12.50
            status: shipped
            lines: [{item: Pen, qty: 2}, {item: Ink}]
        """,
}


def write_basics(site: Path, version: str = "1.0.0", files: dict | None = None):
    return write_pack(site / "packs", files or BASICS, name="basics", version=version)


def write_orders(
    site: Path,
    version: str = "1.0.0",
    files: dict | None = None,
    depends: dict | None = None,
):
    return write_pack(
        site / "packs",
        files or ORDERS,
        name="orders",
        version=version,
        depends={"basics": "^1.0"} if depends is None else depends,
    )


def new_site(runner, folder: Path, database_url: str) -> Path:
    """An empty site made by `officina init`, with the test packs."""
    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    write_basics(folder)
    write_orders(folder)
    return folder


def officina(runner, site: Path, *arguments: str, ok: bool = True):
    """Run `officina pack ...` (or another command) on the site."""
    result = runner.invoke(main, [*arguments, "--site", str(site)])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def table_names(site: Path) -> set[str]:
    """The tables in the site's database (whatever its definitions say)."""
    from sqlalchemy import inspect

    from officina.runtime import Runtime

    runtime = Runtime.open(site, check_schema=False)
    try:
        with runtime.engine.connect() as connection:
            return set(inspect(connection).get_table_names())
    finally:
        runtime.close()
