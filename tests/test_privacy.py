"""People's data: pseudonymised export and erasure on request."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from tests.conftest import build_tables, invoke

ROWS = {
    "accounts": [
        {
            "account_id": "mastodon:https://bakery.example/users/crumb",
            "platform": "mastodon",
            "handle": "crumb",
            "role": "own",
        }
    ],
    "people": [
        {
            "person_id": "mastodon:https://a.example/users/ines",
            "platform": "mastodon",
            "handle": "ines@a.example",
            "display_name": "Inès Example",
            "bio": "I bake on Sundays",
            "url": "https://a.example/@ines",
        },
        {
            "person_id": "mastodon:https://b.example/users/tom",
            "platform": "mastodon",
            "handle": "tom@b.example",
            "display_name": "Tom",
            "bio": "sourdough nerd",
        },
    ],
    "posts": [
        {
            "post_id": "mastodon:https://bakery.example/users/crumb/statuses/1",
            "account_id": "mastodon:https://bakery.example/users/crumb",
            "created_at": "2026-01-05T09:00:00Z",
            "text": "Thanks @ines@a.example for the photo!",
        }
    ],
    "interactions": [
        {
            "interaction_id": "mastodon:https://a.example/users/ines/statuses/9",
            "platform": "mastodon",
            "kind": "reply",
            "person_id": "mastodon:https://a.example/users/ines",
            "account_id": "mastodon:https://bakery.example/users/crumb",
            "occurred_at": "2026-01-05T10:00:00Z",
            "text": "@crumb @tom@b.example look at this",
        },
        {
            "interaction_id": "mastodon:like-1",
            "platform": "mastodon",
            "kind": "like",
            "person_id": "mastodon:https://b.example/users/tom",
            "account_id": "mastodon:https://bakery.example/users/crumb",
            "occurred_at": "2026-01-05T11:00:00Z",
        },
    ],
    "conversions": [
        {
            "conversion_id": "shop:1",
            "occurred_at": "2026-01-06T10:00:00Z",
            "kind": "purchase",
            "value": 12.0,
            "currency": "EUR",
            "person_id": "mastodon:https://a.example/users/ines",
        }
    ],
}


def _workspace(tmp_path: Path, cli: CliRunner) -> Path:
    source = tmp_path / "source"
    write_canonical(build_tables(ROWS), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    return ws


def test_pseudonymised_export_identifies_nobody(tmp_path: Path, cli: CliRunner) -> None:
    ws = _workspace(tmp_path, cli)
    result = invoke(
        cli, "export", tmp_path / "anon", "--pseudonymise", "--format", "jsonl", "--workspace", ws
    )
    assert result.exit_code == 0, result.output
    everything = "".join(p.read_text() for p in (tmp_path / "anon").iterdir())
    for secret in (
        "ines",
        "Inès",
        "tom@",
        "I bake on Sundays",
        "sourdough nerd",
        "a.example/users",
    ):
        assert secret not in everything, secret
    people = [json.loads(line) for line in (tmp_path / "anon" / "people.jsonl").open()]
    assert all(p["person_id"].startswith("mastodon:anon-") for p in people)
    assert all(p["handle"].startswith("person-") and p["bio"] is None for p in people)
    interactions = [json.loads(line) for line in (tmp_path / "anon" / "interactions.jsonl").open()]
    ids = {p["person_id"] for p in people}
    assert {i["person_id"] for i in interactions} == ids  # joins still work
    assert interactions[0]["text"] == "@someone @someone look at this"
    # the business keeps its name, and the same person gets the same pseudonym next time
    assert "crumb" in (tmp_path / "anon" / "accounts.jsonl").read_text()
    again = invoke(cli, "export", tmp_path / "anon2", "--pseudonymise", "--workspace", ws)
    assert again.exit_code == 0
    people2 = pq.read_table(tmp_path / "anon2" / "people.parquet").column("person_id").to_pylist()
    assert set(people2) == ids


def test_forget_erases_a_person_and_keeps_them_out(tmp_path: Path, cli: CliRunner) -> None:
    ws = _workspace(tmp_path, cli)
    result = invoke(cli, "forget", "ines@a.example", "--yes", "--json", "--workspace", ws)
    assert result.exit_code == 0, result.output
    erased = json.loads(result.stdout)
    assert erased == {
        "person_id": "mastodon:https://a.example/users/ines",
        "people_rows_deleted": 1,
        "interactions_deleted": 1,
        "conversions_unlinked": 1,
        "quarantine_rows_deleted": 0,
        "care_items_deleted": 0,
        "other_rows_deleted": 1,  # the text features of her reply
        "values_masked": 1,  # the shop's post that thanks her
        "files_removed": [],
        "files_naming_them": [],
    }
    invoke(cli, "export", tmp_path / "after", "--format", "jsonl", "--workspace", ws)
    people = (tmp_path / "after" / "people.jsonl").read_text()
    assert "ines" not in people and "tom@b.example" in people
    conversions = json.loads((tmp_path / "after" / "conversions.jsonl").read_text())
    assert conversions["person_id"] is None and conversions["value"] == 12.0
    # importing the original data again does not bring her back
    again = json.loads(
        invoke(cli, "import", tmp_path / "source", "--json", "--workspace", ws).stdout
    )
    assert any("erased on request" in n for n in again["notices"])
    invoke(cli, "export", tmp_path / "after2", "--format", "jsonl", "--workspace", ws)
    assert "users/ines" not in (tmp_path / "after2" / "people.jsonl").read_text()
    assert "users/ines" not in (tmp_path / "after2" / "interactions.jsonl").read_text()


def test_forget_needs_confirmation_and_a_known_person(tmp_path: Path, cli: CliRunner) -> None:
    ws = _workspace(tmp_path, cli)
    unconfirmed = invoke(cli, "forget", "ines@a.example", "--workspace", ws)
    assert unconfirmed.exit_code == 2 and "--yes" in unconfirmed.stderr
    unknown = invoke(cli, "forget", "nobody", "--yes", "--workspace", ws)
    assert unknown.exit_code == 2 and "no person 'nobody'" in unknown.stderr
