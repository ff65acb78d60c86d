"""Writing small import files for the tests."""

from __future__ import annotations


def write_csv(path, text: str, *, bom: bool = False):
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode())
    return path
