"""Users and API tokens, through the command line as an admin uses them."""

from __future__ import annotations

import re

import pytest

from officina.auth import authenticate_token, check_password
from officina.cli import main
from officina.runtime import Runtime

ROLES = """\
role: clerk
permissions:
  '*': read
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = tmp_path / "shop"
    assert (
        runner.invoke(main, ["init", str(folder), "--database", database_url]).exit_code
        == 0
    )
    (folder / "definitions" / "roles.yaml").write_text(ROLES)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_add_a_user_and_sign_in(runner, site):
    result = runner.invoke(
        main,
        [
            "user",
            "add",
            "Ana@Example.com",
            "--site",
            str(site),
            "--name",
            "Ana",
            "--role",
            "clerk",
        ],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert "Added ana@example.com (clerk)." in result.output
    runtime = Runtime.open(site)
    try:
        actor = check_password(runtime, "ana@example.com", "correct horse battery")
        assert actor.name == "Ana" and actor.roles == ("clerk",)
        assert check_password(runtime, "ana@example.com", "wrong password!") is None
        assert check_password(runtime, "nobody@example.com", "whatever12") is None
    finally:
        runtime.close()


def test_user_problems_are_reported_together(runner, site):
    result = runner.invoke(
        main,
        [
            "user",
            "add",
            "not-an-email",
            "--site",
            str(site),
            "--role",
            "clerck",
            "--password",
            "short",
        ],
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: the user cannot be added: 'not-an-email' is not an e-mail address; "
        "there is no role 'clerck' (did you mean 'clerk'?); the password must have "
        "at least 10 characters.\n"
    )


def test_tokens_are_shown_once_and_can_be_revoked(runner, site):
    runner.invoke(
        main,
        [
            "user",
            "add",
            "bo@example.com",
            "--site",
            str(site),
            "--no-password",
            "--role",
            "clerk",
        ],
    )
    result = runner.invoke(
        main,
        ["token", "create", "bo@example.com", "--site", str(site), "--name", "reports"],
    )
    assert result.exit_code == 0, result.output
    secret = re.search(r"^(ofc_\S+)$", result.output, re.MULTILINE).group(1)
    listing = runner.invoke(main, ["token", "list", "--site", str(site)]).output
    assert "bo@example.com" in listing and "active" in listing
    assert secret not in listing
    runtime = Runtime.open(site)
    try:
        actor = authenticate_token(runtime, f"Bearer {secret}")
        assert actor is not None and actor.roles == ("clerk",)
        assert authenticate_token(runtime, "Bearer ofc_forged") is None
        assert authenticate_token(runtime, None) is None
        assert (
            runner.invoke(main, ["token", "revoke", "1", "--site", str(site)]).exit_code
            == 0
        )
        assert authenticate_token(runtime, f"Bearer {secret}") is None
    finally:
        runtime.close()
    again = runner.invoke(main, ["token", "revoke", "1", "--site", str(site)])
    assert again.exit_code == 1
    assert "there is no active token with id 1" in again.output


def test_serve_refuses_a_database_that_needs_migrating(runner, site):
    (site / "definitions" / "supplier.yaml").write_text(
        "entity: supplier\nfields: {name: string}\n"
    )
    result = runner.invoke(main, ["serve", "--site", str(site)])
    assert result.exit_code == 1
    assert "run 'officina migrate --site" in result.output
