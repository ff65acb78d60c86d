"""Values the records service computes stay current on every kind of write:
formulas after an atomic adjustment, child rows whose formulas read the
parent's state after a transition, and validations comparing with `old`."""

from __future__ import annotations

import pytest

from officina.records import RecordInvalid

PACK = {
    "shop.yaml": """
        entity: bin
        fields:
          name: {type: string, required: true}
          stock: {type: integer, default: 0}
          minimum: {type: integer, default: 5}
          short: {type: boolean, formula: 'stock < minimum'}
          to_order: {type: integer, formula: 'max(0, minimum * 2 - stock)'}
        ---
        entity: request
        fields:
          reference: {type: string, required: true}
          lines: {type: table, of: request_line}
        validations:
          - check: "old.reference is none or reference == old.reference"
            message: The reference cannot change once given.
            fields: [reference]
        workflow:
          initial: draft
          states:
            draft:
            sent:
            done: {final: true}
          transitions:
            send: {from: draft, to: sent}
            finish: {from: sent, to: done}
        ---
        entity: request_line
        fields:
          item: {type: string, required: true}
          request_status: {type: string, formula: 'parent.status'}
    """
}


@pytest.fixture
def service(records_service):
    return records_service(PACK)


def test_an_adjustment_recomputes_the_formulas_of_the_record(service):
    bin_ = service.create("bin", {"name": "A", "stock": 8})
    assert (bin_["short"], bin_["to_order"]) == (False, 2)
    service.adjust("bin", bin_["id"], "stock", -6, minimum=0)
    adjusted = service.get("bin", bin_["id"])
    assert (adjusted["stock"], adjusted["short"], adjusted["to_order"]) == (2, True, 8)
    (entry,) = [
        e for e in service.history("bin", bin_["id"]) if e["action"] == "adjust"
    ]
    assert entry["changes"] == {
        "stock": [8, 2],
        "short": [False, True],
        "to_order": [2, 8],
    }


def test_rows_reading_the_parent_follow_its_transitions(service):
    request = service.create(
        "request", {"reference": "R-1", "lines": [{"item": "a"}, {"item": "b"}]}
    )
    assert [row["request_status"] for row in request["lines"]] == ["draft", "draft"]
    service.transition("request", request["id"], "send")
    sent = service.get("request", request["id"])
    assert [row["request_status"] for row in sent["lines"]] == ["sent", "sent"]
    service.transition("request", request["id"], "finish")
    done = service.get("request", request["id"])
    assert [row["request_status"] for row in done["lines"]] == ["done", "done"]


def test_validations_compare_with_the_record_before_the_change(service):
    request = service.create("request", {"reference": "R-1", "lines": []})
    with pytest.raises(RecordInvalid, match="cannot change once given"):
        service.update("request", request["id"], {"reference": "R-2"})
    kept = service.update("request", request["id"], {"lines": [{"item": "c"}]})
    assert kept["reference"] == "R-1"
