"""Workflow transitions through the records service: the guard and role
matrix, `set:` values, required fields and comments, the audit trail, and
what a state allows to change."""

from __future__ import annotations

import pytest

from officina.auth.permissions import Permissions
from officina.records import Actor, Hooks, RecordsService
from officina.records.errors import PermissionDenied, RecordInvalid
from officina.records.workflow import TransitionRefused, UnknownTransition
from officina.schema.migrate import migrate
from officina.schema.tables import build_schema

CLAIMS = {
    "claims.yaml": """
        entity: claim
        fields:
          item: {type: string, required: true}
          amount: {type: money, required: true}
          receipt: string
          approved_by: {type: reference, to: user}
          note: text
          cost_center: {type: string, readonly_when: "status != 'draft'"}
        workflow:
          initial: draft
          states:
            draft:
            submitted: {editable: [note, cost_center]}
            approved: {edit_roles: [approver]}
            paid: {final: true, editable: none}
            rejected: {final: true}
          transitions:
            submit: {from: draft, to: submitted, requires: [receipt]}
            approve:
              from: submitted
              to: approved
              roles: [approver]
              when: "amount <= 1000"
              set: {approved_by: "=user.id"}
            reject: {from: submitted, to: rejected, comment: required}
            pay: {from: approved, to: paid}
            withdraw: {from: '*', to: rejected}
        ---
        role: employee
        permissions:
          claim:
            {create: true, read: true, update: true, transitions: [submit, withdraw]}
        ---
        role: approver
        permissions:
          claim: {read: true, update: true, transitions: all}
        ---
        role: viewer
        permissions:
          claim: read
    """,
}
EMPLOYEE = Actor(id=None, name="Emma", roles=("employee",))
APPROVER = Actor(id=None, name="Arne", roles=("approver",))
VIEWER = Actor(id=None, name="Vera", roles=("viewer",))


@pytest.fixture
def claims(load_files, engine, tmp_path):
    definitions = load_files(CLAIMS)
    schema = build_schema(definitions)
    migrate(engine, schema, backup_dir=tmp_path / "backups")
    hooks = Permissions(definitions).install(Hooks())
    return RecordsService(definitions, schema, engine, hooks)


@pytest.fixture
def claim(claims):
    return claims.create("claim", {"item": "Train", "amount": "120"}, actor=EMPLOYEE)


def names(choices, allowed=True):
    return {c.name: c.reason for c in choices if c.allowed is allowed}


def test_a_new_record_starts_in_the_initial_state(claim):
    assert claim["status"] == "draft"


def test_the_state_changes_only_through_a_transition(claims, claim):
    with pytest.raises(RecordInvalid, match="changes only through a transition"):
        claims.update("claim", claim["id"], {"status": "paid"}, actor=EMPLOYEE)


def test_the_choices_say_why_a_transition_is_not_possible(claims, claim):
    choices = claims.transitions("claim", claim["id"], actor=EMPLOYEE)
    assert names(choices, True) == {"withdraw": None}
    assert names(choices, False) == {"submit": "fill in Receipt first"}
    assert {c.name for c in choices} == {"submit", "withdraw"}  # only from draft


def test_requires_is_met_by_values_sent_with_the_transition(claims, claim):
    with pytest.raises(RecordInvalid) as refused:
        claims.transition("claim", claim["id"], "submit", actor=EMPLOYEE)
    assert refused.value.problems.fields == {"receipt": ["is needed to submit"]}
    moved = claims.transition(
        "claim", claim["id"], "submit", values={"receipt": "R-1"}, actor=EMPLOYEE
    )
    assert moved["status"] == "submitted" and moved["receipt"] == "R-1"


@pytest.fixture
def submitted(claims, claim):
    return claims.transition(
        "claim", claim["id"], "submit", values={"receipt": "R-1"}, actor=EMPLOYEE
    )


def test_the_role_matrix(claims, submitted):
    record_id = submitted["id"]
    by_employee = claims.transitions("claim", record_id, actor=EMPLOYEE)
    assert names(by_employee, False) == {
        "approve": "your roles do not grant this transition",
        "reject": "your roles do not grant this transition",
    }
    by_approver = claims.transitions("claim", record_id, actor=APPROVER)
    assert set(names(by_approver, True)) == {"approve", "reject", "withdraw"}
    with pytest.raises(PermissionDenied, match="may not take 'Approve'"):
        claims.transition("claim", record_id, "approve", actor=EMPLOYEE)
    with pytest.raises(PermissionDenied):
        claims.transition("claim", record_id, "withdraw", actor=VIEWER)


def test_a_guard_that_does_not_hold_refuses(claims, claim):
    claims.update(
        "claim", claim["id"], {"amount": "5000", "receipt": "R"}, actor=EMPLOYEE
    )
    claims.transition("claim", claim["id"], "submit", actor=EMPLOYEE)
    choices = claims.transitions("claim", claim["id"], actor=APPROVER)
    assert names(choices, False) == {
        "approve": "its condition does not hold for this record"
    }
    with pytest.raises(TransitionRefused, match="its condition does not hold"):
        claims.transition("claim", claim["id"], "approve", actor=APPROVER)


def test_set_values_and_the_audit_entry(claims, submitted, engine):
    approver = Actor(id=None, name="Arne", roles=("approver",))
    moved = claims.transition(
        "claim", submitted["id"], "approve", comment="fine", actor=approver
    )
    assert moved["status"] == "approved"
    entry = claims.history("claim", submitted["id"])[-1]
    assert entry["action"] == "transition"
    assert entry["comment"] == "fine"
    assert entry["changes"]["status"] == ["submitted", "approved"]
    assert entry["changes"]["_transition"] == "approve"


def test_a_required_comment(claims, submitted):
    with pytest.raises(RecordInvalid, match="needs a comment"):
        claims.transition("claim", submitted["id"], "reject", actor=APPROVER)
    moved = claims.transition(
        "claim", submitted["id"], "reject", comment="no receipt", actor=APPROVER
    )
    assert moved["status"] == "rejected"


def test_from_the_wrong_state_and_unknown_transitions(claims, claim):
    with pytest.raises(TransitionRefused, match="cannot be taken from the state"):
        claims.transition("claim", claim["id"], "pay", actor=APPROVER)
    with pytest.raises(UnknownTransition, match="did you mean 'submit'"):
        claims.transition("claim", claim["id"], "submitt", actor=APPROVER)


def test_a_final_state_has_no_way_out_even_for_star(claims, submitted):
    claims.transition("claim", submitted["id"], "withdraw", actor=EMPLOYEE)
    assert claims.transitions("claim", submitted["id"], actor=APPROVER) == []
    with pytest.raises(TransitionRefused):
        claims.transition("claim", submitted["id"], "withdraw", actor=APPROVER)


def test_a_state_limits_which_fields_may_change(claims, submitted):
    with pytest.raises(PermissionDenied, match="cannot change: amount"):
        claims.update("claim", submitted["id"], {"amount": "99"}, actor=EMPLOYEE)
    changed = claims.update(
        "claim", submitted["id"], {"note": "urgent"}, actor=EMPLOYEE
    )
    assert changed["note"] == "urgent"


def test_a_state_limits_who_may_edit(claims, submitted):
    claims.transition("claim", submitted["id"], "approve", actor=APPROVER)
    with pytest.raises(PermissionDenied, match="only by approver"):
        claims.update("claim", submitted["id"], {"note": "x"}, actor=EMPLOYEE)
    assert claims.update("claim", submitted["id"], {"note": "x"}, actor=APPROVER)


def test_an_outdated_version_is_a_conflict(claims, submitted):
    from officina.records.errors import RecordConflict

    with pytest.raises(RecordConflict):
        claims.transition(
            "claim", submitted["id"], "approve", version=1, actor=APPROVER
        )


def test_a_refused_transition_writes_nothing(claims, submitted):
    before = claims.get("claim", submitted["id"])
    with pytest.raises(RecordInvalid):
        claims.transition("claim", submitted["id"], "reject", actor=APPROVER)
    assert claims.get("claim", submitted["id"]) == before
    assert len(claims.history("claim", submitted["id"])) == 2


def test_readonly_when_is_kept_by_the_server(claims, claim):
    changed = claims.update(
        "claim", claim["id"], {"cost_center": "K1", "receipt": "R"}, actor=EMPLOYEE
    )
    assert changed["cost_center"] == "K1"
    claims.transition("claim", claim["id"], "submit", actor=EMPLOYEE)
    with pytest.raises(RecordInvalid) as refused:
        claims.update("claim", claim["id"], {"cost_center": "K2"}, actor=EMPLOYEE)
    assert refused.value.problems.fields == {
        "cost_center": ["cannot be changed now: it is read-only"]
    }
    # Sending the value it already has is no change.
    claims.update("claim", claim["id"], {"cost_center": "K1"}, actor=EMPLOYEE)
