"""After a seed load, formulas that read other records are computed again.

Seed documents are loaded one after another, referenced records first: a
product is written before the stock levels that name it, so its formula
`sum_of('stock_level', 'on_hand', {'product': id})` counted none of them.
Once everything is written, the records the load added whose formulas read
records of an entity loaded after them (with `lookup`, `sum_of` or
`count_of`, in the record or its rows) are saved again, unchanged, so those
formulas count what came later. No rule runs for it: it finishes the same
load.
"""

from __future__ import annotations

from officina.definitions.model import Entity
from officina.expressions.calls import entities_read
from officina.records.service import Transaction

# The built-in functions that read records other than the one written.
READING_FUNCTIONS = frozenset({"lookup", "sum_of", "count_of"})


def refresh_formulas(
    transaction: Transaction, added: dict[str, list[int]], order: list[str]
) -> int:
    """Save again the records in `added` ({entity: ids}) whose formulas read
    an entity that `order` (the entities given records, document after
    document) lists after them; how many were saved."""
    entities = transaction.definitions.entities
    saved = 0
    rules, transaction.rules = transaction.rules, False
    try:
        for entity_name, ids in added.items():
            reads = records_read(entities[entity_name], entities)
            if reads is not None and not reads:
                continue
            later = set(order[order.index(entity_name) + 1 :])
            if reads is not None and not reads & later:
                continue
            for record_id in ids:
                transaction.update(entity_name, record_id, {})
                saved += 1
    finally:
        transaction.rules = rules
    return saved


def records_read(entity: Entity, entities) -> frozenset[str] | None:
    """The entities whose records the formulas of `entity` (and of its rows)
    read; None when a formula names one that is not written out."""
    found: set[str] = set()
    for field in entity.fields.values():
        if field.type == "table" and field.of in entities:
            reads = records_read(entities[field.of], entities)
        elif field.formula is not None:
            reads = entities_read(field.formula, READING_FUNCTIONS)
        else:
            continue
        if reads is None:
            return None
        found |= reads
    return frozenset(found)
