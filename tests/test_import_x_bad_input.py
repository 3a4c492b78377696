"""Broken X archives: one clear line and exit code 2 with the store untouched, or the bad
record quarantined with its file, item and field while the rest is imported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.importers import run, x_archive, x_grailbird
from tests.conftest import build_tables, invoke
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

FIXTURES = Path(__file__).parent / "data" / "exports" / "x"
GEN1 = FIXTURES / "bakery-2025-03"
SPLIT = FIXTURES / "split-parts-2023"
OUTBOX = {
    "@context": "https://www.w3.org/ns/activitystreams",
    "id": "outbox.json",
    "type": "OrderedCollection",
    "totalItems": 1,
    "orderedItems": [
        {
            "id": "https://social.example/users/bakery/statuses/1/activity",
            "type": "Create",
            "actor": "https://social.example/users/bakery",
            "published": "2024-05-01T08:00:00Z",
            "object": {"id": "https://social.example/users/bakery/statuses/1", "type": "Note"},
        }
    ],
}


@pytest.fixture(scope="module")
def filled_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = tmp_path_factory.mktemp("filled") / "ws"
    import_into(ws, SPLIT)
    return ws


@pytest.fixture
def workspace(filled_workspace: Path, tmp_path: Path) -> Path:
    """A workspace that already holds the split archive, so 'unchanged' means something."""
    return Path(shutil.copytree(filled_workspace, tmp_path / "ws"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """A copy of the bakery archive to break."""
    return Path(shutil.copytree(GEN1, tmp_path / "archive"))


def test_truncated_json(archive: Path, workspace: Path, cli: CliRunner) -> None:
    tweets = archive / "data" / "tweets.js"
    tweets.write_bytes(tweets.read_bytes()[:5000])
    line = assert_refused(cli, workspace, "import", archive, expect="tweets.js")
    assert "not valid JSON after `window.YTD.tweets.part0 =` at line" in line
    assert "truncated" in line


def test_latin1_bytes(tmp_path: Path, workspace: Path, cli: CliRunner) -> None:
    text = (SPLIT / "data" / "tweets.js").read_text(encoding="utf-8")
    lone = tmp_path / "tweets.js"
    lone.write_bytes(text.replace("Part zero", "Caf\u00e9 cr\u00e8me").encode("latin-1"))
    line = assert_refused(
        cli, workspace, "import", lone, "--account", "harbourbakery", expect="tweets.js"
    )
    assert "not UTF-8 text" in line and "\\xe9" in line


def test_a_mastodon_outbox_sent_as_an_x_archive(
    tmp_path: Path, workspace: Path, cli: CliRunner
) -> None:
    folder = tmp_path / "mastodon"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(OUTBOX), encoding="utf-8")
    (folder / "actor.json").write_text('{"type": "Person"}', encoding="utf-8")
    line = assert_refused(
        cli, workspace, "import", folder / "outbox.json", "--as", "x_archive", expect="outbox.json"
    )
    assert "expected an X archive file such as tweets.js" in line
    line = assert_refused(cli, workspace, "import", folder, "--as", "x_archive", expect="mastodon")
    assert "expected an X archive (data/manifest.js" in line and "none of those files" in line
    assert x_archive.detect(folder) == x_archive.detect(folder / "outbox.json") == 0.0
    assert x_grailbird.detect(folder) == x_grailbird.detect(folder / "outbox.json") == 0.0


def test_a_canonical_export_sent_as_an_x_archive(
    tmp_path: Path, workspace: Path, cli: CliRunner
) -> None:
    export = tmp_path / "export"
    accounts = [{"account_id": "x:1", "platform": "x", "handle": "a", "role": "own"}]
    write_canonical(build_tables({"accounts": accounts}), export)
    assert x_archive.detect(export) == x_grailbird.detect(export) == 0.0
    assert_refused(cli, workspace, "import", export, "--as", "x_archive", expect="none of those")
    assert_refused(cli, workspace, "import", export, "--as", "x_grailbird", expect="neither")


def test_a_file_named_like_an_archive_file_that_is_not_one(
    archive: Path, workspace: Path, cli: CliRunner
) -> None:
    (archive / "data" / "follower.js").write_text("<html>Rate limited</html>", encoding="utf-8")
    line = assert_refused(cli, workspace, "import", archive, expect="follower.js")
    assert "'<html>Rate limited</html>'" in line


def test_a_broken_date_is_quarantined_with_file_item_and_field(
    archive: Path, workspace: Path, cli: CliRunner
) -> None:
    tweets = archive / "data" / "tweets.js"
    text = tweets.read_text(encoding="utf-8")
    tweets.write_text(text.replace("Mon Mar 03 07:15:00 +0000 2025", "yesterday at noon"))
    result = invoke(cli, "import", archive, "--workspace", workspace, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tables"]["posts"] == {
        "received": 6,
        "added": 6,
        "updated": 0,
        "unchanged": 0,
        "rejected": 1,
    }
    (reason,) = summary["rejected_by_reason"]
    assert (reason["table"], reason["source"]) == ("posts", "archive")
    assert reason["field"] == "created_at"
    assert reason["reason"] == (
        "expected a date like 'Tue Jan 31 09:01:52 +0000 2017', found 'yesterday at noon'"
    )
    assert summary["first_rejections"] == [
        "archive: data/tweets.js item 2: field 'created_at': " + reason["reason"]
    ]
    status = json.loads(invoke(cli, "status", "--workspace", workspace, "--json").stdout)
    assert status["store"]["quarantined"] == 1


def test_bad_counts_and_ids_are_quarantined(archive: Path) -> None:
    tweets = archive / "data" / "tweets.js"
    text = tweets.read_text(encoding="utf-8")
    text = text.replace('"favorite_count" : "40"', '"favorite_count" : "lots"')
    text = text.replace('"id_str" : "1896801234567890944"', '"id_str" : 1.8968012345678909e18')
    text = text.replace('"id" : "1896801234567890944"', '"id" : 1.8968012345678909e18')
    tweets.write_text(text, encoding="utf-8")
    batch = run(archive, format="x_archive")
    found = {(r.table, r.locator, r.field) for r in batch.rejections}
    assert found == {
        ("post_stats", "data/tweets.js item 1", "favorite_count"),  # the post itself is fine
        ("posts", "data/tweets.js item 3", "id_str"),  # an id that went through a float
    }
    assert batch.tables["posts"].num_rows == 6 and batch.tables["post_stats"].num_rows == 4


def test_broken_emoji_are_repaired_not_rejected(archive: Path) -> None:
    tweets = archive / "data" / "tweets.js"
    text = tweets.read_text(encoding="utf-8")
    tweets.write_text(text.replace("Croissant day \U0001f950", "Croissant day \\ud83e"))
    batch = run(archive, format="x_archive")
    croissant = [p for p in batch.tables["posts"].to_pylist() if p["post_id"].endswith("168")]
    assert croissant[0]["text"].startswith("Croissant day \ufffd")
    assert "posts: 1 record(s) had broken emoji (lone surrogates) replaced by U+FFFD" in (
        batch.notices
    )


def test_a_lone_tweets_js_with_no_own_x_account(tmp_path: Path, cli: CliRunner) -> None:
    lone = tmp_path / "tweets.js"
    shutil.copy(GEN1 / "data" / "tweets.js", lone)
    ws = tmp_path / "empty"
    line = assert_refused(cli, ws, "import", lone, expect="tweets.js")
    assert "does not say whose account it comes from" in line
    assert (
        "no own x account yet; give the handle of the account it belongs to (--account HANDLE)"
        in line
    )


def test_a_lone_tweets_js_with_several_own_x_accounts(tmp_path: Path, cli: CliRunner) -> None:
    lone = tmp_path / "tweets.js"
    shutil.copy(GEN1 / "data" / "tweets.js", lone)
    ws = tmp_path / "agency"
    assert invoke(cli, "init", "--workspace", ws).exit_code == 0
    config = ws / "rapport.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[[accounts.own]]\nplatform = "x"\nhandle = "harbourbakery"\n'
        + '\n[[accounts.own]]\nplatform = "x"\nhandle = "cornercoffee"\n',
        encoding="utf-8",
    )
    line = assert_refused(cli, ws, "import", lone, expect="tweets.js")
    assert "several own x accounts (cornercoffee, harbourbakery); give the handle" in line
    assert line.endswith("(--account HANDLE)")
    result = invoke(cli, "import", lone, "--workspace", ws, "--account", "harbourbakery")
    assert result.exit_code == 0, result.output
    assert [a["account_id"] for a in rows(ws, "accounts")] == ["x:@harbourbakery"]


def test_a_follower_without_an_id_is_quarantined_but_still_counted(archive: Path) -> None:
    followers = archive / "data" / "follower.js"
    text = followers.read_text(encoding="utf-8")
    followers.write_text(text.replace('"accountId" : "987654321"', '"accountId" : null'))
    batch = run(archive, format="x_archive")
    (rejection,) = batch.rejections
    assert (rejection.table, rejection.locator, rejection.field) == (
        "interactions",
        "data/follower.js item 2",
        "accountId",
    )
    assert batch.tables["interactions"].num_rows == 3
    assert batch.tables["accounts"].column("followers").to_pylist() == [4]
    assert batch.tables["follower_counts"].column("followers").to_pylist() == [4]


test_x_archive_survives_fuzzing = fuzz_importer("x_archive", SPLIT / "data" / "tweets.js")
test_x_archive_manifest_survives_fuzzing = fuzz_importer(
    "x_archive", SPLIT / "data" / "manifest.js", max_examples=20
)
test_x_grailbird_survives_fuzzing = fuzz_importer(
    "x_grailbird", FIXTURES / "grailbird-2016" / "tweets.csv"
)
test_x_grailbird_month_survives_fuzzing = fuzz_importer(
    "x_grailbird",
    FIXTURES / "grailbird-2016" / "data" / "js" / "tweets" / "2015_12.js",
    max_examples=20,
)
