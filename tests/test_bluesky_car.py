"""The Bluesky repository export (``.car``) importer, on a real export of a public account.

``shared/samples/bluesky_repo_car/bsky-app.car`` is a CAR v1 file of 744 blocks: the commit,
139 record-tree nodes and 604 records, 472 of them posts (295 replies). Two of its posts and
its DID document lie beside it as JSON; the numbers below were checked against those and by
walking the tree independently.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.importers import detect
from rapport.importers._bluesky_car import read_repository
from tests.conftest import invoke, snapshot_file
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows

DID = "did:plc:z72i7hdynmk6r22z27h6tvur"
ACCOUNT = f"bluesky:{DID}"
STARTED = f"bluesky:at://{DID}/app.bsky.feed.post/3jt6walwmos2y"
GOING = f"bluesky:at://{DID}/app.bsky.feed.post/3jt6wgfuuvs23"
BACK = f"bluesky:at://{DID}/app.bsky.feed.post/3juf3jiip3l2x"


@pytest.fixture(scope="module")
def sample(shared: Path) -> Path:
    return shared / "samples" / "bluesky_repo_car"


@pytest.fixture
def car(sample: Path, tmp_path: Path) -> Path:
    """The export alone, renamed: detection goes by content, not by name."""
    target = tmp_path / "download" / "repo-export.bin"
    target.parent.mkdir()
    shutil.copy(sample / "bsky-app.car", target)
    return target


def test_the_tree_lists_every_record(sample: Path) -> None:
    repo = read_repository((sample / "bsky-app.car").read_bytes())
    assert repo.did == DID and repo.rev == "3ldkuds7ljk2e" and repo.problems == []
    assert len(repo.blocks) == 744 and len(repo.records) == 604
    keys = [key for key, _ in repo.records]
    assert keys == sorted(keys)
    assert sum(k.startswith("app.bsky.feed.post/") for k in keys) == 472


def test_import_posts_and_profile(car: Path, tmp_path: Path, cli: CliRunner) -> None:
    workspace = tmp_path / "ws"
    result = invoke(cli, "import", car, "--workspace", workspace)
    assert result.exit_code == 0, result.output
    assert "(bluesky_car)" in result.output and "473 added" in result.output
    (account,) = rows(workspace, "accounts")
    assert account["account_id"] == ACCOUNT and account["role"] == "own"
    assert account["display_name"] == "Bluesky" and account["followers"] is None
    assert account["handle"] == DID  # the export alone does not name the handle
    posts = {p["post_id"]: p for p in rows(workspace, "posts")}
    assert len(posts) == 472
    assert sum(p["in_reply_to_id"] is not None for p in posts.values()) == 295
    started = posts[STARTED]
    assert started["text"] == "How it started:"
    assert started["created_at"] == dt.datetime(2023, 4, 12, 17, 36, 42, 427000, tzinfo=dt.UTC)
    assert started["format"] == "image" and started["account_id"] == ACCOUNT
    going = posts[GOING]
    assert going["in_reply_to_id"] == STARTED
    assert going["links"] == ["https://atproto.com/"] and going["format"] == "link"
    assert posts[BACK]["text"].startswith(".... And we're back!")
    assert {f: n for f, n in _formats(posts).items()} == {
        "image": 100, "link": 107, "text": 260, "video": 5,
    }  # fmt: skip
    assert rows(workspace, "interactions") == [] and rows(workspace, "post_stats") == []
    assert "50 like(s), 25 repost(s), 2 follow(s) are what it did to others" in result.output


def _formats(posts: dict[str, dict[str, object]]) -> dict[object, int]:
    found: dict[object, int] = {}
    for post in posts.values():
        found[post["format"]] = found.get(post["format"], 0) + 1
    return dict(sorted(found.items(), key=lambda item: str(item[0])))


def test_the_folder_with_the_did_document_names_the_handle(sample: Path, tmp_path: Path) -> None:
    summary = import_into(tmp_path / "ws", sample)
    assert summary.source == "bluesky_car"
    (account,) = rows(tmp_path / "ws", "accounts")
    assert account["handle"] == "bsky.app"
    again = import_into(tmp_path / "ws", sample)
    assert again.total("added") == 0 and again.total("updated") == 0


def test_account_option_sets_the_handle(car: Path, tmp_path: Path) -> None:
    import_into(tmp_path / "ws", car, account="@bsky.app")
    (account,) = rows(tmp_path / "ws", "accounts")
    assert account["handle"] == "bsky.app"
    post = next(p for p in rows(tmp_path / "ws", "posts") if p["post_id"] == STARTED)
    assert post["url"] == "https://bsky.app/profile/bsky.app/post/3jt6walwmos2y"


def test_detected_by_content(car: Path) -> None:
    assert detect(car).name == "bluesky_car"


def test_truncated_export_keeps_what_is_intact(car: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.car"
    truncated.write_bytes(car.read_bytes()[:200_000])
    summary = import_into(tmp_path / "ws", truncated)
    assert summary.tables["posts"].added == 209
    assert summary.tables["posts"].rejected == 21  # listed by the tree, block cut off
    notices = " ".join(summary.notices)
    assert "the file looks truncated or damaged" in notices
    assert "22 part(s) of the record tree are missing" in notices


def test_a_rejection_names_the_file_once(car: Path, tmp_path: Path, cli: CliRunner) -> None:
    """Issue 10: "repo_slice.car: repo_slice.car: app.bsky.feed.post/…" named the file twice."""
    cut = tmp_path / "repo_slice.car"
    cut.write_bytes(car.read_bytes()[:200_000])
    summary = import_into(tmp_path / "ws", cut)
    assert len(summary.first_rejections) == 5
    for line in summary.first_rejections:
        assert line.startswith("repo_slice.car: app.bsky.feed.post/"), line
        assert line.count("repo_slice.car") == 1, line
        assert line.endswith(
            ": the record's block is missing or damaged in the file (a truncated or corrupted "
            "export); download the export again (Settings > Account > Export my data) and "
            "import that file"
        )
    result = invoke(cli, "import", cut, "--workspace", tmp_path / "ws2")
    assert result.exit_code == 0, result.output
    assert "repo_slice.car: repo_slice.car" not in result.output
    # inside a folder, the folder is the source and the file starts the locator: both named
    folder = tmp_path / "export"
    folder.mkdir()
    cut.rename(folder / "repo_slice.car")
    inside = import_into(tmp_path / "ws3", folder)
    assert inside.first_rejections[0].startswith("export: repo_slice.car: app.bsky.feed.post/")


def test_damaged_block_is_skipped(car: Path, tmp_path: Path) -> None:
    data = bytearray(car.read_bytes())
    marker = data.find(b"How it started:")
    data[marker] ^= 0x20  # the block no longer matches its CID
    damaged = tmp_path / "damaged.car"
    damaged.write_bytes(bytes(data))
    summary = import_into(tmp_path / "ws", damaged)
    assert summary.tables["posts"].added == 471 and summary.tables["posts"].rejected == 1
    assert any("1 damaged block(s)" in n for n in summary.notices)
    assert STARTED not in {p["post_id"] for p in rows(tmp_path / "ws", "posts")}


def test_unusable_files_are_refused_with_one_line(
    car: Path, tmp_path: Path, cli: CliRunner
) -> None:
    workspace = tmp_path / "ws"
    import_into(workspace, car)
    header_only = tmp_path / "cut.car"
    header_only.write_bytes(car.read_bytes()[:30])
    assert_refused(
        cli, workspace, "import", header_only, "--as", "bluesky_car", expect="not a CAR v1 file"
    )
    # named .car, the file gets the CAR reader's own reason, not a list of every format
    assert_refused(cli, workspace, "import", header_only, expect="not a CAR v1 file")
    not_car = tmp_path / "posts.json"
    not_car.write_text('{"posts": []}')
    assert_refused(
        cli, workspace, "import", not_car, "--as", "bluesky_car", expect="not a CAR v1 file"
    )
    # the header survives, the commit block (the root) is gone
    no_commit = tmp_path / "no-commit.car"
    no_commit.write_bytes(car.read_bytes()[:120])
    assert_refused(cli, workspace, "import", no_commit, expect="commit block")


def test_a_folder_without_an_export_is_not_taken_for_one(tmp_path: Path, cli: CliRunner) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("hello")
    before = snapshot_file(tmp_path / "ws" / "rapport.duckdb")
    result = invoke(cli, "import", folder, "--as", "bluesky_car", "--workspace", tmp_path / "ws")
    assert result.exit_code == 2 and "a folder without one" in result.stderr
    assert snapshot_file(tmp_path / "ws" / "rapport.duckdb") == before


def test_fuzzed_exports_never_crash(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    seed = shared / "samples" / "bluesky_repo_car" / "bsky-app.car"
    fuzz_importer("bluesky_car", seed, max_examples=30)(tmp_path_factory=tmp_path_factory)
