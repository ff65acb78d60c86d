"""A pack's seed and demo records may start in a later workflow state and
be dated back (`Transaction.create(state=, created_at=)`); only the system
may do that, and a state that is not one is named with the one meant."""

from __future__ import annotations

import datetime as dt

import pytest

from officina.records import SYSTEM, Actor, RecordInvalid

PACK = {
    "desk.yaml": """
        entity: request
        fields:
          subject: {type: string, required: true}
        workflow:
          initial: draft
          states:
            draft:
            sent:
            done: {final: true}
          transitions:
            send: {from: draft, to: sent}
            finish: {from: sent, to: done}
    """
}

LONG_AGO = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def service(records_service):
    return records_service(PACK)


def create(service, actor, **options) -> dict:
    with service.transaction(actor) as transaction:
        return transaction.create("request", {"subject": "Old"}, **options)


def test_the_system_starts_a_record_in_a_state_back_then(service):
    made = create(service, SYSTEM, state="sent", created_at=LONG_AGO)
    kept = service.get("request", made["id"])
    assert (kept["status"], kept["created_at"]) == ("sent", LONG_AGO)


def test_a_user_starts_in_the_initial_state_now(service):
    made = create(
        service, Actor(id=None, name="Ann"), state="done", created_at=LONG_AGO
    )
    assert made["status"] == "draft"
    assert made["created_at"] > LONG_AGO


def test_a_state_that_is_not_one_is_named_with_the_state_meant(service):
    with pytest.raises(RecordInvalid) as refused:
        create(service, SYSTEM, state="sen")
    assert refused.value.problems.fields == {
        "status": ["'sen' is not a state of Request. Hint: did you mean 'sent'?"]
    }
    assert service.list("request").records == []
