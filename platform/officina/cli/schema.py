"""`officina schema`: print the JSON Schema of the definition language."""

from __future__ import annotations

import click

from officina.definitions.schema_document import schema_json


@click.command()
def schema() -> None:
    """Print the JSON Schema of definitions files (for editors)."""
    click.echo(schema_json(), nl=False)
