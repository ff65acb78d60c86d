"""The packs page: administrators see the available and installed packs,
preview an install or upgrade (schema plan, seed records), confirm it, and
the running application uses the new definitions at once."""

from __future__ import annotations

import textwrap

import pytest
from ui_client import PASSWORD, Browser

from officina.auth import add_user
from officina.site import Site

CHANNELS = """\
entity: channel
label: {en: Channel, zh: 渠道}
plural_label: {en: Channels, zh: 渠道}
title_field: name
fields:
  code: {type: string, required: true, unique: true}
  name: {type: string, required: true}
---
seed: channel
key: code
records:
  - {code: WEB, name: Web shop}
  - {code: APP, name: Mobile app}
"""


def write_catalogue(site, version: str, definitions: str) -> None:
    folder = site / "packs" / "catalogue"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        textwrap.dedent(
            f"""\
            name: catalogue
            version: {version}
            title: {{en: Sales channels, zh: 销售渠道}}
            description: {{en: Where orders come from., zh: 订单的来源。}}
            """
        ),
        "utf-8",
    )
    (folder / "channels.yaml").write_text(definitions, "utf-8")


@pytest.fixture
def catalogue(site):
    write_catalogue(site, "1.0.0", CHANNELS)
    return site


def test_only_administrators_reach_the_pack_pages(clerk, catalogue):
    for url in ("/admin/packs", "/admin/packs/catalogue/install"):
        assert clerk.get(url).status_code == 403, url
    assert clerk.post("/admin/packs/catalogue/install").status_code == 403
    assert Site.load(catalogue).packs == {}


def test_an_install_is_previewed_then_applied_live(admin, catalogue):
    page = admin.get("/admin/packs").get_data(as_text=True)
    assert "Sales channels" in page and "Where orders come from." in page
    assert 'id="install-catalogue"' in page

    preview = admin.get("/admin/packs/catalogue/install")
    assert preview.status_code == 200
    text = preview.get_data(as_text=True)
    assert "add the table `channel`" in text
    assert "Channels: 2" in text
    assert 'id="confirm"' in text
    assert Site.load(catalogue).packs == {}  # a preview changes nothing
    assert admin.get("/channel/").status_code == 404

    done = admin.post("/admin/packs/catalogue/install", follow_redirects=True)
    assert done.status_code == 200
    assert "catalogue 1.0.0 is installed." in done.get_data(as_text=True)
    assert Site.load(catalogue).packs["catalogue"][0] == "1.0.0"
    listed = admin.get("/channel/")
    assert listed.status_code == 200  # live without a restart
    assert "Web shop" in listed.get_data(as_text=True)


def test_an_upgrade_is_previewed_then_applied(admin, app, catalogue):
    admin.post("/admin/packs/catalogue/install")
    write_catalogue(
        catalogue,
        "1.1.0",
        CHANNELS.replace(
            "  name: {type: string, required: true}\n",
            "  name: {type: string, required: true}\n  active: {type: boolean}\n",
        )
        + "  - {code: POS, name: Shop counter}\n",
    )
    page = admin.get("/admin/packs").get_data(as_text=True)
    assert "Upgrade to 1.1.0" in page
    preview = admin.get("/admin/packs/catalogue/upgrade").get_data(as_text=True)
    assert "add column `active` to `channel`" in preview
    assert "Channels: 1" in preview
    done = admin.post("/admin/packs/catalogue/upgrade", follow_redirects=True)
    assert "catalogue is upgraded to 1.1.0." in done.get_data(as_text=True)
    runtime = app.extensions["officina"].current
    assert "active" in runtime.definitions.entities["channel"].fields
    assert "Shop counter" in admin.get("/channel/").get_data(as_text=True)


def test_a_refused_change_is_explained(admin, catalogue):
    response = admin.get("/admin/packs/catalog/install")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "the pack &#39;catalog&#39; is not available" in text
    assert "did you mean &#39;catalogue&#39;?" in text
    assert 'id="confirm"' not in text


def test_the_page_speaks_chinese(app, opened, catalogue):
    add_user(
        opened,
        email="li@example.com",
        name="Li",
        password=PASSWORD,
        roles=["admin"],
        language="zh",
    )
    browser = Browser(app.test_client())
    assert browser.sign_in("li@example.com").status_code == 302
    page = browser.get("/admin/packs").get_data(as_text=True)
    assert "模板包" in page and "销售渠道" in page and "安装" in page
