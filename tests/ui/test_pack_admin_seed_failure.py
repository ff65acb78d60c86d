"""The packs page when a pack's seed data cannot be loaded: the pack is in
place and live, the page says which record is wrong and how to load the
data once it is corrected, and the pack's upgrade then loads it. A form
without the page's CSRF token changes nothing."""

from __future__ import annotations

from officina.site import Site
from pack_files import write_pack

CHANNELS = {
    "channels.yaml": """
        entity: channel
        title_field: name
        fields:
          code: {type: string, required: true, unique: true}
          name: {type: string, required: true}
          parent_channel: {type: reference, to: channel}
        ---
        seed: channel
        key: code
        records:
          - {code: WEB, name: Web shop}
          - {code: APP, name: Mobile app, parent_channel: WEB}
        """,
}


def test_seed_data_that_fails_is_reported_and_loaded_by_the_upgrade(admin, app, site):
    broken = {
        "channels.yaml": CHANNELS["channels.yaml"].replace(
            "parent_channel: WEB", "parent_channel: NOPE"
        )
    }
    write_pack(site / "packs", broken, name="catalogue")
    done = admin.post("/admin/packs/catalogue/install", follow_redirects=True)
    text = done.get_data(as_text=True)
    assert done.status_code == 200
    assert "nothing was changed" not in text
    assert "catalogue 1.0.0 is in place, but its seed data was not loaded" in text
    assert "channels.yaml:12:" in text
    assert "&#39;parent_channel&#39; names &#39;NOPE&#39;" in text
    assert "officina pack upgrade catalogue" in text
    assert Site.load(site).packs["catalogue"][0] == "1.0.0"
    listed = admin.get("/channel/")
    assert listed.status_code == 200  # the pack is live, without its records
    assert "Web shop" not in listed.get_data(as_text=True)

    write_pack(site / "packs", CHANNELS, name="catalogue")
    fixed = admin.post("/admin/packs/catalogue/upgrade", follow_redirects=True)
    assert "catalogue is upgraded to 1.0.0." in fixed.get_data(as_text=True)
    listed = admin.get("/channel/").get_data(as_text=True)
    assert "Web shop" in listed and "Mobile app" in listed


def test_a_confirmation_without_the_pages_token_changes_nothing(admin, site):
    write_pack(site / "packs", CHANNELS, name="catalogue")
    forged = admin.client.post("/admin/packs/catalogue/install")
    assert forged.status_code == 400
    assert "did not come from this site" in forged.get_data(as_text=True)
    assert Site.load(site).packs == {}
    assert admin.get("/channel/").status_code == 404
