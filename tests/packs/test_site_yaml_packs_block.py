"""Only the `packs:` block of site.yaml is rewritten: comments, order and the
rest of the file stay exactly as the user wrote them."""

from __future__ import annotations

import pytest

from officina.errors import SiteError
from officina.packs.site_file import packs_block_text, write_installed_packs
from officina.site import Site

BLOCK = """\
name: shop  # my shop
# installed packs
packs:
  # the basics first
  commerce: 1.0.0   # do not touch
  orders: '1.0.0'
  legacy: 0.9.0 # old

# plugins below
plugins: []
"""


def test_entries_change_and_everything_else_stays():
    text = packs_block_text(BLOCK, {"commerce": "1.0.0", "orders": "1.1.0"})
    assert text == BLOCK.replace("  orders: '1.0.0'\n", "  orders: 1.1.0\n").replace(
        "  legacy: 0.9.0 # old\n", ""
    ).replace("  commerce: 1.0.0   # do not touch", "  commerce: 1.0.0  # do not touch")


def test_a_flow_mapping_becomes_a_block_and_back():
    text = "name: shop\npacks: {}  # none yet\nplugins: []\n"
    grown = packs_block_text(text, {"commerce": "1.0.0"})
    assert grown == "name: shop\npacks:  # none yet\n  commerce: 1.0.0\nplugins: []\n"
    assert packs_block_text(grown, {}) == text


def test_a_site_without_packs_gets_the_block_at_the_end():
    assert packs_block_text("name: shop", {"commerce": "1.0.0"}) == (
        "name: shop\npacks:\n  commerce: 1.0.0\n"
    )


def test_the_file_is_replaced_whole_and_read_back(tmp_path):
    (tmp_path / "site.yaml").write_text(BLOCK, "utf-8")
    write_installed_packs(tmp_path, {"commerce": "1.0.0"})
    assert list(Site.load(tmp_path).packs) == ["commerce"]
    assert [p.name for p in tmp_path.iterdir()] == ["site.yaml"]


def test_an_unusual_layout_is_refused_with_how_to_fix_it(tmp_path):
    odd = 'name: shop\n"packs": {commerce: 1.0.0}\n'
    (tmp_path / "site.yaml").write_text(odd, "utf-8")
    with pytest.raises(SiteError, match="its layout is unusual.*plain block"):
        write_installed_packs(tmp_path, {"x": "1.0.0"})
    assert (tmp_path / "site.yaml").read_text("utf-8") == odd
