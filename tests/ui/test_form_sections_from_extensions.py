"""A pack's sectioned form on a site that adds fields to its entity: the
site's own section shows where it says, a field placed in no section is
still shown (under "More"), and a field hidden from a role stays hidden."""

from __future__ import annotations

import re

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site, write_pack

PACK = """\
entity: parcel
title_field: code
fields:
  code: {type: string, required: true, label: Parcel code}
  recipient: {type: string, label: Recipient}
  carrier: {type: string, label: Carrier}
  internal_note: {type: text, label: Internal note}
forms:
  default:
    sections:
      - label: Parcel
        fields: [code, recipient]
      - label: Transport
        fields: [carrier]
      - label: Internal
        fields: [internal_note]
"""

SITE = """\
extend: parcel
fields:
  weight_kg: {type: decimal, label: Weight in kg}
  insured_value: {type: money, label: Insured value}
  customs_code: {type: string, label: Customs code}
  audit_flag: {type: string, label: Audit flag, hidden: true}
forms:
  default:
    add_sections:
      - label: Handling
        after: carrier
        fields: [weight_kg, insured_value]
---
role: courier
permissions:
  parcel:
    read: true
    update: true
    fields: {customs_code: hidden}
"""


@pytest.fixture
def runtime(runner, tmp_path, database_url):
    folder = tmp_path / "site"
    write_pack(folder / "packs", {"parcels.yaml": PACK}, name="parcels")
    make_site(runner, folder, database_url, SITE, packs={"parcels": "1.0.0"})
    opened = Runtime.open(folder)
    add_user(
        opened, email="ada@example.com", name="Ada", password=PASSWORD, roles=["admin"]
    )
    add_user(
        opened, email="cy@example.com", name="Cy", password=PASSWORD, roles=["courier"]
    )
    yield opened
    opened.close()


@pytest.fixture
def parcel(runtime):
    return runtime.records.create(
        "parcel",
        {
            "code": "P-1",
            "recipient": "Mo",
            "carrier": "Swift",
            "weight_kg": "2.5",
            "insured_value": "40",
            "customs_code": "HS-8471",
            "audit_flag": "checked",
        },
    )


def signed_in(runtime, email):
    browser = Browser(
        create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in(email).status_code == 302
    return browser


def section_titles(page: str) -> list[str]:
    return re.findall(r'<h3 class="h6 card-title">([^<]*)</h3>', page)


def section_of(page: str, field: str) -> str:
    """The title of the record page's section that shows `field`."""
    before = page[: page.index(f'data-field="{field}"')]
    return section_titles(before)[-1]


def test_the_sites_section_shows_its_fields_after_the_section_it_names(runtime, parcel):
    page = signed_in(runtime, "ada@example.com").get(f"/parcel/{parcel['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert section_titles(text) == [
        "Parcel",
        "Transport",
        "Handling",
        "Internal",
        "More",
    ]
    assert section_of(text, "weight_kg") == "Handling"
    assert section_of(text, "insured_value") == "Handling"
    assert "Weight in kg" in text and "2.5" in text


def test_a_field_placed_in_no_section_is_shown_under_more(runtime, parcel):
    page = signed_in(runtime, "ada@example.com").get(f"/parcel/{parcel['id']}")
    text = page.get_data(as_text=True)
    assert section_of(text, "customs_code") == "More"
    assert "HS-8471" in text
    # A field marked hidden stays off the page.
    assert 'data-field="audit_flag"' not in text


def test_the_edit_form_offers_the_fields_of_the_extension(runtime, parcel):
    browser = signed_in(runtime, "ada@example.com")
    page = browser.get(f"/parcel/{parcel['id']}/edit").get_data(as_text=True)
    assert 'name="weight_kg"' in page
    assert 'name="customs_code"' in page
    assert ">More</legend>" in page
    saved = browser.post(
        f"/parcel/{parcel['id']}/edit",
        {
            "code": "P-1",
            "recipient": "Mo",
            "carrier": "Swift",
            "weight_kg": "3",
            "insured_value": "40",
            "customs_code": "HS-9999",
            "version": str(parcel["version"]),
        },
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert runtime.records.get("parcel", parcel["id"])["customs_code"] == "HS-9999"


def test_more_is_left_out_when_its_only_field_is_hidden_from_the_role(runtime, parcel):
    page = signed_in(runtime, "cy@example.com").get(f"/parcel/{parcel['id']}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "HS-8471" not in text
    assert section_titles(text) == ["Parcel", "Transport", "Handling", "Internal"]


def test_more_is_in_chinese_for_a_chinese_reader(runtime, parcel):
    add_user(
        runtime,
        email="li@example.com",
        name="Li",
        password=PASSWORD,
        roles=["admin"],
        language="zh",
    )
    page = signed_in(runtime, "li@example.com").get(f"/parcel/{parcel['id']}")
    assert section_titles(page.get_data(as_text=True))[-1] == "其他"
