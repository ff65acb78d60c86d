"""Signing in and out in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_wrong_password_then_right_one_then_sign_out(page, sign_in, users):
    sign_in(page, password="not the password")
    expect(page.get_by_role("alert")).to_contain_text(
        "The e-mail or password is not correct."
    )
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("#user-menu")).to_have_count(0)

    sign_in(page)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Welcome, {users['admin']['name']}"
    )
    expect(page.get_by_role("link", name="Orders").first).to_be_visible()

    page.click("#user-menu")
    page.click("#sign-out")
    expect(page.get_by_role("alert")).to_contain_text("You are signed out.")
    expect(page.locator("#user-menu")).to_have_count(0)
    # Signed out for real: a page asks to sign in again.
    page.goto("/order/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.locator("#password")).to_be_visible()
