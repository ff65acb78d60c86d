"""The `officina` command line (click).

May import anything in officina; nothing imports it back. Errors a user can
cause are printed as messages, never as tracebacks.
"""

from __future__ import annotations

import os

import click

from officina.cli.demo import demo
from officina.cli.imports import import_command
from officina.cli.migrations import migrate, plan
from officina.cli.packs import pack
from officina.cli.rules import rules
from officina.cli.schema import schema
from officina.cli.serve import serve
from officina.cli.sites import init
from officina.cli.users import token, user
from officina.cli.validate import validate
from officina.cli.worker import worker
from officina.errors import DefinitionErrors, OfficinaError


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except DefinitionErrors as errors:
            for problem in errors:
                click.echo(str(problem), err=True)
            count = len(errors)
            click.echo(f"{count} problem{'s' if count != 1 else ''} found.", err=True)
            ctx.exit(1)
        except OfficinaError as error:
            click.echo(f"Error: {error}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug: say so plainly, keep the details for us
            if os.environ.get("OFFICINA_DEBUG"):
                raise
            click.echo(
                f"Internal error: {type(error).__name__}: {error}. This is a bug in "
                "Officina; run again with OFFICINA_DEBUG=1 to see the details, and "
                "please report it.",
                err=True,
            )
            ctx.exit(70)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="officina", prog_name="officina")
def main() -> None:
    """Officina: business applications from YAML definitions."""


main.add_command(init)
main.add_command(validate)
main.add_command(worker)
main.add_command(demo)
main.add_command(schema)
main.add_command(plan)
main.add_command(migrate)
main.add_command(pack)
main.add_command(serve)
main.add_command(user)
main.add_command(token)
main.add_command(import_command)
main.add_command(rules)
