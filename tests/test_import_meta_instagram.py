"""Instagram "Download your information": followers become follow interactions and people."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typer.testing import CliRunner

from rapport.canonical.ids import hashed_interaction_id
from rapport.importers import detect, get_importer
from tests.importer_support import assert_refused, fuzz_importer, import_into, rows, zip_folder

DATA = Path(__file__).parent / "data" / "exports"
FOLDER = DATA / "instagram"
SAMPLE = "samples/instagram_dyi_json/followers_1__EXCERPT_first3_of_WicfuL-io.json"
UTC = dt.UTC


def test_sample_followers(shared: Path, tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, shared / SAMPLE, account="shop")
    follows = rows(ws, "interactions")
    assert len(follows) == 3 and {f["kind"] for f in follows} == {"follow"}
    assert {f["account_id"] for f in follows} == {"instagram:shop"}
    times = sorted(f["occurred_at"] for f in follows)
    assert times[-1] == dt.datetime(2025, 8, 4, 5, 53, 48, tzinfo=UTC)  # 1754286828
    assert times[0] == dt.datetime.fromtimestamp(1752751650, UTC)
    for follow in follows:
        assert follow["interaction_id"] == hashed_interaction_id(
            "instagram", "follow", follow["person_id"], "instagram:shop"
        )
    people = rows(ws, "people")
    assert len(people) == 3
    assert all(p["url"] == f"https://www.instagram.com/{p['handle']}" for p in people)
    assert all(p["person_id"] == f"instagram:{p['handle'].lower()}" for p in people)
    counts = rows(ws, "follower_counts")
    assert [(c["followers"], c["observed_at"]) for c in counts] == [(3, times[-1])]
    assert summary.total("rejected") == 0


def test_folder_with_followers_and_following(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    summary = import_into(ws, zip_folder(FOLDER, tmp_path / "ig.zip", inside="instagram-x"),
                          account="lisbonbeautylab")  # fmt: skip
    people = {p["person_id"]: p for p in rows(ws, "people")}
    # three followers (one with a broken username is quarantined) and two followed accounts,
    # one of whom also follows: four people
    assert set(people) == {
        "instagram:coral.fan", "instagram:skin_nerd", "instagram:lisboa.daily",
        "instagram:a.supplier",
    }  # fmt: skip
    assert people["instagram:skin_nerd"]["first_seen_at"] == dt.datetime(
        2024, 5, 2, 8, 0, tzinfo=UTC
    )
    assert people["instagram:a.supplier"]["first_seen_at"] is None  # followed, not a follower
    follows = rows(ws, "interactions")
    assert sorted(f["person_id"] for f in follows) == [
        "instagram:coral.fan", "instagram:lisboa.daily", "instagram:skin_nerd",
    ]  # fmt: skip
    assert rows(ws, "accounts")[0]["followers"] == 3
    assert summary.first_rejections == [
        "ig.zip: instagram-x/followers_1.json item 4: field 'value': expected an Instagram "
        "username, found 'not valid!'"
    ]
    again = import_into(ws, FOLDER, account="lisbonbeautylab")
    assert again.total("added") == 0 and again.total("updated") == 0


def test_a_single_file_names_itself_once_in_rejections(tmp_path: Path) -> None:
    summary = import_into(tmp_path / "ws", FOLDER / "followers_1.json", account="shop")
    assert summary.first_rejections == [
        "followers_1.json item 4: field 'value': expected an Instagram username, found 'not valid!'"
    ]


def test_bad_input(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    assert_refused(
        cli,
        ws,
        "import",
        FOLDER / "followers_1.json",
        expect="give the handle of the account it belongs to (--account HANDLE)",
    )
    cut = tmp_path / "followers_1.json"
    cut.write_bytes((FOLDER / "followers_1.json").read_bytes()[:150])
    line = assert_refused(
        cli, ws, "import", cut, "--as", "instagram_dyi", "--account", "x", expect="not valid JSON"
    )
    assert "followers_1.json" in line
    latin = tmp_path / "followers.json"
    latin.write_bytes('[{"string_list_data": [{"value": "josé"}]}]'.encode("latin-1"))
    assert_refused(cli, ws, "import", latin, "--as", "instagram_dyi", "--account", "x",
                   expect="not UTF-8")  # fmt: skip
    assert_refused(
        cli, ws, "import", DATA / "facebook" / "dyi" / "your_posts_1.json", "--as",
        "instagram_dyi", "--account", "x", expect="expected an Instagram DYI followers list",
    )  # fmt: skip


def test_detection(tmp_path: Path) -> None:
    assert detect(FOLDER).name == "instagram_dyi"
    assert detect(FOLDER / "followers_1.json").name == "instagram_dyi"
    importer = get_importer("instagram_dyi")
    for other in (
        DATA / "facebook" / "dyi",
        DATA / "facebook" / "insights_post_data.csv",
        DATA / "shopify" / "orders_export.csv",
        DATA / "mapped" / "linkedin_all_posts.csv",
    ):
        assert importer.detect(other) == 0, other


test_fuzz_followers = fuzz_importer("instagram_dyi", FOLDER / "followers_1.json")
test_fuzz_following = fuzz_importer("instagram_dyi", FOLDER / "following.json", max_examples=20)
