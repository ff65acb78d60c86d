"""Every text of the UI has its Simplified Chinese translation, with the
same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).parents[2]
CATALOG = ROOT / "platform/officina/web/ui/translations/zh/LC_MESSAGES/messages.po"
METHODS = [
    ("platform/officina/web/ui/**.py", "python"),
    ("templates/ui/**.html", "jinja2"),
]


def ui_texts() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_ui_text_is_translated():
    with CATALOG.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    texts = ui_texts()
    assert len(texts) > 50
    missing = sorted(t for t in texts if t not in catalog or not catalog[t].string)
    assert missing == [], "translate these in messages.po (make translations)"
    for text in texts:
        wanted = sorted(re.findall(r"%\(\w+\)\w", text))
        assert sorted(re.findall(r"%\(\w+\)\w", catalog[text].string)) == wanted, text
