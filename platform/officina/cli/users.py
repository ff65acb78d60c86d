"""`officina user add` and `officina token create|list|revoke`."""

from __future__ import annotations

import click

from officina.auth import add_user, create_token, list_tokens, revoke_token
from officina.cli.options import site_option
from officina.runtime import Runtime


def _open(site_path) -> Runtime:
    return Runtime.open(site_path if site_path is not None else ".")


@click.group()
def user() -> None:
    """Manage the people who use the site."""


@user.command("add")
@site_option
@click.argument("email")
@click.option("--name", default="", help="The name shown in the application.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="ROLE",
    help="A role from the definitions (repeatable), or admin.",
)
@click.option("--language", default="en", show_default=True)
@click.option("--password", default=None, help="Asked for when not given.")
@click.option(
    "--no-password",
    is_flag=True,
    help="No password: the user signs in with API tokens only.",
)
def add(site_path, email, name, roles, language, password, no_password) -> None:
    """Add a user with EMAIL as their sign-in name."""
    runtime = _open(site_path)
    try:
        if password is None and not no_password:
            password = click.prompt(
                "Password", hide_input=True, confirmation_prompt=True
            )
        created = add_user(
            runtime,
            email=email,
            name=name,
            password=password,
            roles=list(roles),
            language=language,
        )
    finally:
        runtime.close()
    shown = ", ".join(created["roles"]) or "no roles"
    click.echo(f"Added {created['email']} ({shown}).")


@click.group()
def token() -> None:
    """Manage API tokens (sent as 'Authorization: Bearer TOKEN')."""


@token.command("create")
@site_option
@click.argument("email")
@click.option(
    "--name",
    default="api",
    show_default=True,
    help="What the token is for, to recognise it later.",
)
def create(site_path, email, name) -> None:
    """Create a token for the user EMAIL; it is shown once."""
    runtime = _open(site_path)
    try:
        secret, record = create_token(runtime, email, name)
    finally:
        runtime.close()
    click.echo(f"Token {record['id']} ({record['name']}) for {email}:")
    click.echo(secret)
    click.echo("Keep it now: it is not shown again.")


@token.command("list")
@site_option
@click.option("--user", "email", default=None, help="Only this user's tokens.")
def list_command(site_path, email) -> None:
    """List tokens (never their secret)."""
    runtime = _open(site_path)
    try:
        tokens = list_tokens(runtime, email)
    finally:
        runtime.close()
    if not tokens:
        click.echo("No tokens.")
    for item in tokens:
        state = (
            f"revoked {item['revoked_at']:%Y-%m-%d}" if item["revoked_at"] else "active"
        )
        click.echo(
            f"{item['id']:>4}  {item['prefix']}...  {item['email']:<30} "
            f"{item['name']:<20} {state}"
        )


@token.command("revoke")
@site_option
@click.argument("token_id", type=int)
def revoke(site_path, token_id) -> None:
    """Revoke the token TOKEN_ID; it stops working at once."""
    runtime = _open(site_path)
    try:
        revoke_token(runtime, token_id)
    finally:
        runtime.close()
    click.echo(f"Revoked token {token_id}.")
