"""Options shared by several commands."""

from __future__ import annotations

import click

site_option = click.option(
    "--site",
    "site_path",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="The site folder (default: the current folder).",
)
