"""`officina schema`: print the JSON Schema of the definition language."""

from __future__ import annotations

import click

from officina.definitions.schema_document import schema_json


@click.command()
@click.option("--pack", is_flag=True, help="Print the schema of pack.yaml instead.")
def schema(pack: bool) -> None:
    """Print the JSON Schema of definitions files (for editors)."""
    click.echo(schema_json(pack=pack), nl=False)
