"""A field a pack adds to another pack's entity (`extend:`) belongs to the
pack that adds it: it may refer to that pack's own entities."""

from __future__ import annotations

from officina.definitions import load
from pack_files import pack_layer, write_pack


def test_an_extension_field_may_refer_to_its_own_packs_entity(tmp_path):
    base = write_pack(
        tmp_path,
        {"order.yaml": "entity: order\nfields:\n  note: string\n"},
        name="base",
    )
    claims = write_pack(
        tmp_path,
        {
            "claim.yaml": """
                entity: claim
                fields:
                  order: {type: reference, to: order, required: true}
                ---
                extend: order
                fields:
                  last_claim: {type: reference, to: claim}
            """
        },
        name="claims",
        depends={"base": "^1.0"},
    )
    definitions = load([pack_layer(base), pack_layer(claims, depends_on={"base"})])
    assert definitions.entities["order"].fields["last_claim"].to == "claim"
    assert definitions.entities["order"].pack == "base"
