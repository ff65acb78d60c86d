"""Workflow steps in a real browser: buttons on the record page (with the
reason a step is not possible yet) and dragging cards on a kanban board."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_taking_steps_from_the_record_page(signed_in, shop):
    page = signed_in
    ticket = shop.records.create("ticket", {"subject": "Parcel late"})
    page.goto(f"/ticket/{ticket['id']}")
    expect(page.locator("#record-state")).to_have_text("Open")
    reply = page.locator('button[data-transition="reply"]')
    expect(reply).to_be_disabled()
    expect(page.locator("#transitions")).to_contain_text("fill in Answer first")

    page.click("#edit")
    page.fill('textarea[name="answer"]', "It left the warehouse today.")
    page.click("#save")
    expect(page.locator(".alert-success")).to_contain_text("saved")
    expect(reply).to_be_enabled()
    reply.click()
    expect(page.locator("#record-state")).to_have_text("Answered")
    expect(page.locator(".alert-success")).to_contain_text("moved on")

    close = page.locator('button[data-transition="close"]')
    comment = page.locator(
        'form:has(button[data-transition="close"]) input[name=comment]'
    )
    expect(comment).to_have_attribute("required", "")
    comment.fill("Customer confirmed")
    close.click()
    expect(page.locator("#record-state")).to_have_text("Closed")
    expect(page.locator("#transitions")).to_have_count(0)  # a final state
    expect(page.locator("#history")).to_contain_text("Customer confirmed")


def test_dragging_a_card_takes_the_step_or_says_why_not(signed_in, shop):
    page = signed_in
    ticket = shop.records.create("ticket", {"subject": "Wrong size"})
    page.goto("/ticket/?view=ticket_board")
    card = page.locator(f'.kanban-card[data-id="{ticket["id"]}"]')
    open_lane = page.locator('.kanban-lane[data-value="open"]')
    answered = page.locator('.kanban-lane[data-value="answered"]')
    expect(open_lane.locator(".kanban-card")).to_have_count(1)

    card.drag_to(answered)
    refusal = page.locator(".kanban-refusal")
    expect(refusal).to_contain_text("fill in Answer first")
    expect(open_lane.locator(".kanban-card")).to_have_count(1)

    # Someone answers meanwhile: a drop from the old board would act on an
    # old version of the card, so it is refused until the board is fresh.
    shop.records.update("ticket", ticket["id"], {"answer": "Exchange sent"})
    card.drag_to(answered)
    expect(refusal.last).to_contain_text("was changed by")
    page.reload()
    card.drag_to(answered)
    expect(answered.locator(".kanban-card")).to_have_count(1)
    expect(answered.locator(".lane-count")).to_have_text("1")
    expect(open_lane.locator(".lane-count")).to_have_text("0")
    page.reload()
    expect(answered.locator(".kanban-card")).to_have_count(1)
    assert shop.records.get("ticket", ticket["id"])["status"] == "answered"
    expect(page).to_have_url(re.compile(r"view=ticket_board"))
