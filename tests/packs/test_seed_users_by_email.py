"""Seed data naming a user (a member's login) by e-mail: linked when the
site has the user, left empty and said so when not, filled in by a later
load once the user is added; a value that is no e-mail is refused by
`officina validate`. On SQLite and PostgreSQL."""

from __future__ import annotations

from pack_sites import officina

from officina.auth import find_user
from officina.cli import main
from officina.runtime import Runtime
from pack_files import write_pack

PORTAL = {
    "portal.yaml": """
        entity: member
        fields:
          email: {type: string, required: true, unique: true}
          account: {type: reference, to: user}
        """,
    "seed/members.yaml": """
        seed: member
        key: email
        records:
          - {email: ana@example.com, account: Ana@Example.com}
          - {email: bo@example.com, account: bo.login@example.com}
        """,
}


def accounts(site) -> dict[str, str | None]:
    """{member e-mail: the e-mail of the user linked to the member}."""
    runtime = Runtime.open(site)
    try:
        out = {}
        for member in runtime.records.list("member", sort=["email"]).records:
            user = member["account"]
            out[member["email"]] = None if user is None else _email_of(runtime, user)
        return out
    finally:
        runtime.close()


def _email_of(runtime: Runtime, user_id: int) -> str:
    for email in ("ana@example.com", "bo.login@example.com"):
        found = find_user(runtime, email)
        if found is not None and found["id"] == user_id:
            return email
    return f"user {user_id}"


def test_seed_records_name_users_by_email_and_wait_for_missing_ones(
    runner, tmp_path, database_url
):
    site = tmp_path / "site"
    made = runner.invoke(main, ["init", str(site), "--database", database_url])
    assert made.exit_code == 0, made.output
    write_pack(site / "packs", PORTAL, name="portal")
    officina(runner, site, "migrate")
    officina(runner, site, "user", "add", "ana@example.com", "--no-password")
    installed = officina(runner, site, "pack", "install", "portal").output
    assert "Seed data: 2 added" in installed
    assert "Left empty, no user has the e-mail bo.login@example.com." in installed
    assert "officina user add" in installed
    assert accounts(site) == {
        "ana@example.com": "ana@example.com",  # e-mails match in any case
        "bo@example.com": None,
    }
    officina(runner, site, "user", "add", "bo.login@example.com", "--no-password")
    again = officina(runner, site, "pack", "upgrade", "portal").output
    assert "Seed data: 0 added, 1 updated, 1 unchanged." in again
    assert "Left empty" not in again
    assert accounts(site) == {
        "ana@example.com": "ana@example.com",
        "bo@example.com": "bo.login@example.com",
    }


def test_a_user_named_by_anything_but_an_email_is_refused(runner, tmp_path):
    folder = write_pack(
        tmp_path,
        {
            **PORTAL,
            "seed/members.yaml": """
                seed: member
                key: email
                records:
                  - {email: ana@example.com, account: 42}
                """,
        },
        name="portal",
    )
    result = runner.invoke(main, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "members.yaml:4:" in result.output
    assert "'account' must name the user by e-mail" in result.output
    assert "customer@example.com" in result.output  # an example to follow
    assert "Traceback" not in result.output
