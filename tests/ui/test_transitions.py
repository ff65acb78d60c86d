"""Workflow steps from record pages and kanban boards."""

from __future__ import annotations

import re

import pytest


@pytest.fixture
def ticket(opened):
    return opened.records.create("ticket", {"subject": "Parcel late"})


def buttons(page: str) -> dict[str, bool]:
    found = re.findall(r'data-transition="(\w+)"( disabled)?', page)
    return {name: not disabled for name, disabled in found}


def test_the_record_page_offers_each_step_or_says_why_not(admin, clerk, ticket):
    page = clerk.get(f"/ticket/{ticket['id']}").get_data(as_text=True)
    assert buttons(page) == {"reply": False, "close": False}
    assert "fill in Answer first" in page
    assert "your roles do not grant this transition" in page
    assert buttons(admin.get(f"/ticket/{ticket['id']}").get_data(as_text=True)) == {
        "reply": False,
        "close": True,
    }


def test_taking_a_step_moves_the_record_and_records_it(clerk, opened, ticket):
    clerk.post(
        f"/ticket/{ticket['id']}/edit",
        {"subject": "Parcel late", "answer": "It left today", "version": "1"},
    )
    response = clerk.post(f"/ticket/{ticket['id']}/transitions/reply", {})
    assert response.status_code == 302
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "the record moved on" in page
    assert 'data-value="answered"' in page.split('id="record-state"')[1][:200]
    assert opened.records.get("ticket", ticket["id"])["status"] == "answered"
    history = page.split('id="history"')[1]
    assert "transition" in history


def test_a_refused_step_says_why_and_changes_nothing(clerk, admin, opened, ticket):
    response = clerk.post(f"/ticket/{ticket['id']}/transitions/close", {})
    page = clerk.get(response.headers["Location"]).get_data(as_text=True)
    assert "may not take" in page
    response = admin.post(f"/ticket/{ticket['id']}/transitions/close", {})
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "needs a comment" in page
    assert opened.records.get("ticket", ticket["id"])["status"] == "open"
    admin.post(f"/ticket/{ticket['id']}/transitions/close", {"comment": "duplicate"})
    assert opened.records.get("ticket", ticket["id"])["status"] == "closed"


def test_the_kanban_board_moves_cards_by_taking_steps(admin, clerk, opened, ticket):
    page = admin.get("/ticket/?view=ticket_board").get_data(as_text=True)
    lanes = re.findall(r'kanban-lane flex-shrink-0" data-value="(\w+)"', page)
    assert lanes == ["open", "answered", "closed"]
    assert 'data-move="/ticket/__id__/move"' in page
    # The clerk may not close, and no step leads from open to open.
    refused = clerk.post(
        f"/ticket/{ticket['id']}/move", {"field": "status", "to": "closed"}
    )
    assert refused.status_code == 403
    assert "your roles do not grant" in refused.get_json()["error"]
    nowhere = clerk.post(
        f"/ticket/{ticket['id']}/move", {"field": "status", "to": "open"}
    )
    assert nowhere.status_code == 409
    # A step that needs a comment is taken on the record page, not by a drop.
    needs_comment = admin.post(
        f"/ticket/{ticket['id']}/move", {"field": "status", "to": "closed"}
    )
    assert needs_comment.status_code == 409
    opened.records.update("ticket", ticket["id"], {"answer": "Done"})
    moved = clerk.post(
        f"/ticket/{ticket['id']}/move", {"field": "status", "to": "answered"}
    )
    assert moved.status_code == 200
    assert moved.get_json()["state"] == "answered"


def test_a_kanban_of_a_plain_choice_changes_the_field(admin, opened, shop):
    bergen = shop["bergen"]
    moved = admin.post(
        f"/customer/{bergen['id']}/move", {"field": "tier", "to": "gold"}
    )
    assert moved.status_code == 200
    assert opened.records.get("customer", bergen["id"])["tier"] == "gold"
    bad = admin.post(f"/customer/{bergen['id']}/move", {"field": "tier", "to": "ruby"})
    assert bad.status_code == 422


def test_bulk_steps_move_all_selected_records_or_none(admin, opened):
    first = opened.records.create("ticket", {"subject": "One", "answer": "Yes"})
    second = opened.records.create("ticket", {"subject": "Two"})  # no answer yet
    page = admin.get("/ticket/").get_data(as_text=True)
    assert '<option value="transition:reply">Reply</option>' in page
    admin.post(
        "/ticket/bulk",
        {"action": "transition:reply", "ids": [str(first["id"]), str(second["id"])]},
    )
    page = admin.get("/ticket/").get_data(as_text=True)
    assert "Nothing was changed" in page and "is needed to reply" in page
    assert opened.records.get("ticket", first["id"])["status"] == "open"
    opened.records.update("ticket", second["id"], {"answer": "Sure"})
    admin.post(
        "/ticket/bulk",
        {"action": "transition:reply", "ids": [str(first["id"]), str(second["id"])]},
    )
    assert "2 records moved on." in admin.get("/ticket/").get_data(as_text=True)
    assert opened.records.get("ticket", second["id"])["status"] == "answered"
