"""Switching the UI to Chinese from the user menu in a real browser."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_switch_to_chinese_from_the_user_menu(signed_in):
    page = signed_in
    page.goto("/order/new")
    expect(page.locator("#save")).to_have_text("Save")
    expect(page.locator("label[for=delivery]")).to_contain_text("Delivery")

    menu = page.locator("#language-choice")
    expect(menu).to_be_hidden()  # inside the closed user menu
    page.click("#user-menu")
    expect(menu).to_be_visible()
    expect(menu.locator("option:checked")).to_have_text("English")
    menu.select_option(label="简体中文")

    # The page comes back in Chinese, where it was.
    expect(page).to_have_url(re.compile(r"/order/new$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    expect(page.locator("#save")).to_have_text("保存")
    expect(page.locator("[data-field=lines] .row-add")).to_have_text("添加一行")
    # Labels come from the definitions, in Chinese.
    expect(page.get_by_role("heading", level=1)).to_have_text("新建 订单")
    expect(page.locator("label[for=customer]")).to_contain_text("客户")
    expect(page.locator("label[for=delivery]")).to_contain_text("配送方式")
    expect(
        page.locator("[data-field=delivery] select option[value=courier]")
    ).to_have_text("快递")
    expect(page.locator("[data-field=lines] thead")).to_contain_text("数量")
    page.select_option("[data-field=delivery] select", "courier")
    expect(page.locator("label[for=address]")).to_contain_text("收货地址")
    expect(page.locator(".navbar").get_by_role("link", name="订单")).to_be_visible()

    # The choice is the user's: other pages, and the next visit, stay Chinese.
    page.goto("/customer/")
    expect(page.locator("#new-record")).to_contain_text("新建")
    expect(page.locator("#records thead")).to_contain_text("名称")
    page.click("#user-menu")
    expect(page.locator("#language-choice option:checked")).to_have_text("简体中文")
    page.click("#sign-out")
    expect(page.locator("#password")).to_be_visible()
