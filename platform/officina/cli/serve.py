"""`officina serve`: the site's web application under gunicorn."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import click

from officina.cli.options import site_option
from officina.runtime import Runtime


@click.command()
@site_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=int,
    help="Worker processes (they share nothing but the database).",
)
def serve(site_path, host, port, workers) -> None:
    """Serve the site's web application and API."""
    folder = Path(site_path if site_path is not None else ".").resolve()
    # Refuse here, with the message, rather than in every worker.
    Runtime.open(folder).close()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    argv = [
        gunicorn or "gunicorn",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "officina.wsgi:app",
    ]
    os.environ["OFFICINA_SITE"] = str(folder)
    click.echo(f"Serving {folder} at http://{host}:{port}/ (Ctrl+C stops)")
    os.execvp(argv[0], argv)
