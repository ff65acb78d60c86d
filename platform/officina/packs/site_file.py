"""Recording installed packs in site.yaml without touching anything else.

site.yaml is the user's file: its comments, order and spelling stay as they
wrote them. Only the lines of the top-level `packs:` block are rewritten
(an entry's own trailing comment is kept while the pack stays installed),
the result is read back to prove it says what was meant, and the file is
replaced atomically (a temporary file renamed over it), so a crash leaves
the old file or the new one, never half of each.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from officina.definitions.source import read_documents
from officina.errors import SiteError

SITE_FILE = "site.yaml"

_PACKS_KEY = re.compile(r"^packs\s*:(?P<rest>.*)$")
_ENTRY = re.compile(
    r"^(?P<indent>[ \t]+)(?P<quote>[\"']?)(?P<name>[A-Za-z0-9_.-]+)(?P=quote)"
    r"\s*:\s*(?P<value>[^#]*?)\s*(?P<comment>#.*)?$"
)
_FLOW = re.compile(r"^\s*(?P<flow>\{[^#]*\}|)\s*(?P<comment>#.*)?$")


def packs_block_text(text: str, packs: dict[str, str]) -> str:
    """`text` (a site.yaml) with its `packs:` block saying `packs`."""
    lines = text.splitlines(keepends=True)
    start = next(
        (i for i, line in enumerate(lines) if _PACKS_KEY.match(line.rstrip("\r\n"))),
        None,
    )
    if start is None:
        ending = "" if not text or text.endswith("\n") else "\n"
        return text + ending + "".join(_block(packs, {}, [], ""))
    end = start + 1
    while end < len(lines) and (
        not lines[end].strip() or lines[end][:1] in (" ", "\t")
    ):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # blank lines before the next key belong to it
    head = _PACKS_KEY.match(lines[start].rstrip("\r\n"))
    flow = _FLOW.match(head.group("rest"))
    comment = ""
    if flow is not None:
        comment = flow.group("comment") or ""
    comments: dict[str, str] = {}
    kept: list[str] = []  # comment lines inside the block, kept in place
    for line in lines[start + 1 : end]:
        entry = _ENTRY.match(line.rstrip("\r\n"))
        if entry is not None:
            comments[entry.group("name")] = entry.group("comment") or ""
        else:
            kept.append(line if line.endswith("\n") else line + "\n")
    block = _block(packs, comments, kept, comment)
    return "".join(lines[:start] + block + lines[end:])


def _block(
    packs: dict[str, str], comments: dict[str, str], kept: list[str], comment: str
) -> list[str]:
    after = f"  {comment}" if comment else ""
    if not packs:
        return [f"packs: {{}}{after}\n", *kept]
    out = [f"packs:{after}\n", *kept]
    for name, version in packs.items():
        note = comments.get(name, "")
        out.append(f"  {name}: {version}{'  ' + note if note else ''}\n")
    return out


def installed_packs_text(site_path: Path, packs: dict[str, str]) -> str:
    """site.yaml with `packs:` saying `packs`, read back to prove it; a
    SiteError saying what to write by hand when the layout defeats this."""
    path = Path(site_path) / SITE_FILE
    text = path.read_text("utf-8")
    new_text = packs_block_text(text, packs)
    documents, problems = read_documents(path, new_text)
    written = (
        documents[0].get("packs")
        if not problems and len(documents) == 1 and isinstance(documents[0], dict)
        else None
    )
    if {name: str(version) for name, version in (written or {}).items()} != {
        name: str(version) for name, version in packs.items()
    }:
        raise SiteError(
            f"cannot update 'packs:' in {path} by itself (its layout is unusual); "
            "nothing was changed. Hint: write it as a plain block, 'packs:' on "
            "a line of its own at the start and one indented 'name: version' "
            "line per pack, then run the command again."
        )
    return new_text


def write_installed_packs(site_path: Path, packs: dict[str, str]) -> None:
    """Make site.yaml's `packs:` say `packs` (name -> version), atomically."""
    path = Path(site_path) / SITE_FILE
    new_text = installed_packs_text(site_path, packs)
    temporary = path.with_name(f".{SITE_FILE}.{os.getpid()}.tmp")
    try:
        temporary.write_text(new_text, "utf-8")
        os.chmod(temporary, path.stat().st_mode & 0o777)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
