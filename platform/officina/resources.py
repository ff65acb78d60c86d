"""Where the shipped packs and templates are, installed or in a checkout.

The wheel carries them inside the package (`officina/_shipped/`); a source
checkout keeps them at the top of the repository.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    inside = _PACKAGE / "_shipped" / name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent.parent / name


def shipped_definitions() -> Path:
    """The folder of prebuilt template packs."""
    return _shipped("definitions")


def shipped_templates() -> Path:
    """The folder of the web UI's and e-mails' Jinja2 templates."""
    return _shipped("templates")
