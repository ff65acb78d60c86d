"""Writing the demo files: YAML the pack loader reads (one document per
seed), records in block style and child rows in flow style, and files split
so that none comes near the loader's 2 MB limit."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

MAX_FILE_BYTES = 900_000
_PLAIN = re.compile(r"^[A-Za-z\u4e00-\u9fff][\w .,'()/&+\u3000-\u9fff\uff00-\uffef-]*$")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def scalar(value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _WORDS
        and not text.endswith((" ", ":"))
        and ": " not in text
        and " #" not in text
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {_flow_value(v)}" for k, v in mapping.items()) + "}"


def _flow_value(value) -> str:
    return flow(value) if isinstance(value, dict) else scalar(value)


def record(values: dict) -> str:
    """One record as a block list item; lists of dicts as flow rows."""
    lines = []
    for index, (name, value) in enumerate(values.items()):
        lead = "  - " if index == 0 else "    "
        if isinstance(value, list):
            lines.append(f"{lead}{name}:")
            lines.extend(f"      - {flow(row)}" for row in value)
        elif isinstance(value, dict):
            lines.append(f"{lead}{name}: {flow(value)}")
        else:
            lines.append(f"{lead}{name}: {scalar(value)}")
    return "\n".join(lines)


def document(seed: str, key, records: list[dict], *, rules=True, update=False) -> str:
    """A seed document ('' when there are no records)."""
    if not records:
        return ""
    head = [f"seed: {seed}"]
    if key:
        head.append(f"key: {key if isinstance(key, str) else flow_list(key)}")
    if update:
        head.append("update: true")
    if not rules:
        head.append("rules: false")
    head.append("records:")
    return "\n".join(head) + "\n" + "\n".join(record(r) for r in records) + "\n"


def flow_list(names) -> str:
    return "[" + ", ".join(names) + "]"


def write(path: Path, header: str, documents: list[str]) -> None:
    """One file: a comment saying what it is and where it comes from, then
    the documents separated by '---'."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = header.rstrip() + "\n" + "---\n".join(documents)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise SystemExit(f"{path} would be {len(text):,} bytes: split it")
    path.write_text(text, "utf-8")


def chunks(records: list[dict], size: int) -> list[list[dict]]:
    return [records[start : start + size] for start in range(0, len(records), size)]


def header(what: str) -> str:
    return (
        f"# {what}\n"
        "# Made by scripts/make_demo_data.py (demo data, loaded by 'officina demo');\n"
        "# edit the generator and run it again rather than this file. Times are\n"
        "# relative to the moment the data is loaded: '=add_hours(now(), -37.5)'.\n"
    )
