"""The pre-2018 "Grailbird" X archive: tweets.csv plus some months of data/js/tweets/*.js.

The fixture (tests/data/exports/x/grailbird-2016) is a fictional coffee shop's archive in
Grailbird's real shapes: every field of tweets.csv quoted, a multi-line tweet, slashes
escaped as ``\\/`` in the JavaScript files, and monthly files for only two of the three
months tweets.csv covers.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from rapport.importers import ImportOptions, run, x_archive, x_grailbird
from tests.conftest import invoke
from tests.importer_support import assert_refused, rows, zip_folder

GRAILBIRD = Path(__file__).parent / "data" / "exports" / "x" / "grailbird-2016"
SHOP = "x:3300000001"
UTC = dt.UTC


def test_the_union_of_tweets_csv_and_the_monthly_files() -> None:
    batch = run(GRAILBIRD, format="x_grailbird")
    posts = {p["post_id"]: p for p in batch.tables["posts"].to_pylist()}
    assert len(posts) == 7  # 7 in tweets.csv, 5 of them also in the two monthly files
    assert set(batch.tables) == {"accounts", "posts"}  # no counts, no followers
    beans = posts["x:690000000000000001"]
    assert beans["text"] == "New beans from Huila & Nariño #coffee https://t.co/AbCdEf1234"
    assert (beans["links"], beans["hashtags"], beans["format"]) == (
        ["https://cornercoffee.example/beans"],
        ["coffee"],
        "link",
    )
    assert beans["created_at"] == dt.datetime(2016, 1, 21, 8, tzinfo=UTC)
    assert beans["url"] == "https://x.com/cornercoffee/status/690000000000000001"
    assert posts["x:688000000000000003"]["repost_of"] == "x:687900000000000004"
    assert posts["x:689000000000000002"]["in_reply_to_id"] == "x:688999999999999999"
    assert posts["x:679000000000000005"]["format"] == "image"
    assert posts["x:678000000000000006"]["text"] == "Holiday hours:\nDec 24 8-2\nDec 25 closed"
    # November has no monthly file: these come from tweets.csv alone
    assert posts["x:670000000000000007"]["hashtags"] == ["nopsl", "coffee"]
    assert posts["x:669000000000000008"]["links"] == ["https://cornercoffee.example/jobs"]
    assert "Grailbird archives hold no like or retweet counts and no followers" in batch.notices


def test_the_account_comes_from_user_details() -> None:
    (account,) = run(GRAILBIRD, format="x_grailbird").tables["accounts"].to_pylist()
    assert account == {
        "account_id": SHOP,
        "platform": "x",
        "handle": "cornercoffee",
        "display_name": "Corner Coffee",
        "role": "own",
        "followers": None,
        "url": "https://x.com/cornercoffee",
        "created_at": dt.datetime(2015, 4, 1, 12, tzinfo=UTC),
    }


def test_a_tweet_missing_from_tweets_csv_still_comes_from_its_month(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(GRAILBIRD, folder)
    csv_file = folder / "tweets.csv"
    lines = csv_file.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_file.write_text("".join([lines[0], *lines[2:]]), encoding="utf-8")  # drop the beans
    posts = {p["post_id"]: p for p in run(folder).tables["posts"].to_pylist()}
    assert len(posts) == 7
    assert posts["x:690000000000000001"]["hashtags"] == ["coffee"]


def test_without_tweets_csv_the_months_are_imported_and_the_gap_named(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(GRAILBIRD, folder)
    (folder / "tweets.csv").unlink()
    batch = run(folder, format="x_grailbird")
    assert batch.tables["posts"].num_rows == 5
    assert any("missing from the archive, so not imported: tweets.csv" in n for n in batch.notices)
    assert "payload_details.js announces 7 tweets; the archive holds 5" in batch.notices


def test_a_zip_is_detected_and_imported(tmp_path: Path, cli: CliRunner) -> None:
    zipped = zip_folder(GRAILBIRD, tmp_path / "tweets.zip", inside="tweets")
    ws = tmp_path / "ws"
    result = invoke(cli, "import", zipped, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["source"], summary["tables"]["posts"]["added"]) == ("x_grailbird", 7)
    assert rows(ws, "post_stats") == []
    again = json.loads(invoke(cli, "import", zipped, "--workspace", ws, "--json").stdout)
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 8)


def test_a_lone_tweets_csv_needs_an_account(tmp_path: Path, cli: CliRunner) -> None:
    lone = tmp_path / "tweets.csv"
    shutil.copy(GRAILBIRD / "tweets.csv", lone)
    ws = tmp_path / "ws"
    line = assert_refused(cli, ws, "import", lone, expect="tweets.csv")
    assert (
        "no own x account yet; give the handle of the account it belongs to (--account HANDLE)"
        in line
    )
    batch = run(lone, options=ImportOptions(account="cornercoffee"))
    assert {p["account_id"] for p in batch.tables["posts"].to_pylist()} == {"x:@cornercoffee"}
    assert batch.tables["posts"].num_rows == 7


def test_a_lone_monthly_file_names_its_author(tmp_path: Path) -> None:
    month = GRAILBIRD / "data" / "js" / "tweets" / "2015_12.js"
    batch = run(month)
    (account,) = batch.tables["accounts"].to_pylist()
    assert (account["account_id"], account["handle"]) == (SHOP, "cornercoffee")
    assert batch.tables["posts"].num_rows == 2


def test_a_broken_timestamp_is_quarantined_with_its_row_and_column(tmp_path: Path) -> None:
    folder = tmp_path / "archive"
    shutil.copytree(GRAILBIRD, folder)
    csv_file = folder / "tweets.csv"
    text = csv_file.read_text(encoding="utf-8")
    csv_file.write_text(text.replace("2015-11-26 12:00:00 +0000", "26/11/2015"), encoding="utf-8")
    batch = run(folder, format="x_grailbird")
    (rejection,) = batch.rejections
    assert (rejection.locator, rejection.field) == ("tweets.csv row 6", "timestamp")
    assert "'26/11/2015'" in rejection.reason
    assert batch.tables["posts"].num_rows == 6


def test_detection() -> None:
    assert x_grailbird.detect(GRAILBIRD) == 1.0
    assert x_grailbird.detect(GRAILBIRD / "tweets.csv") == 0.9
    assert x_grailbird.detect(GRAILBIRD / "data" / "js" / "tweets" / "2016_01.js") == 0.9
    assert x_grailbird.detect(GRAILBIRD / "data" / "js" / "user_details.js") == 0.0
    assert x_archive.detect(GRAILBIRD / "tweets.csv") == 0.0
