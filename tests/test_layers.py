"""The pure layers stay pure: loading definitions pulls in no web framework,
database toolkit or form library (STYLE.md), so they stay fast to import and
usable from any process."""

from __future__ import annotations

import subprocess
import sys

PURE = [
    "officina.definitions",
    "officina.expressions",
    "officina.packs",
    "officina.site",
]
FORBIDDEN = ["flask", "sqlalchemy", "wtforms", "werkzeug"]


def test_pure_layers_import_no_framework():
    code = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in PURE)
        + f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
