"""Real X archives written by others (../shared/samples/twitter_archive), imported for real.

Every number below was counted by hand from the files (with jq and plain Python), not
from rapport's output.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.importers import ImportOptions, run
from tests.conftest import invoke

UTC = dt.UTC


@pytest.fixture
def samples(shared: Path) -> Path:
    return shared / "samples" / "twitter_archive"


def test_a_2026_archive(samples: Path) -> None:
    batch = run(samples / "milahu104_2026-02-10")
    assert (batch.source, batch.rejections) == ("x_archive", [])

    def rows(table: str) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = batch.tables[table].to_pylist()
        return result

    (account,) = rows("accounts")
    assert account["account_id"] == "x:1964312974236991488"
    assert (account["handle"], account["followers"]) == ("milahu104", 55)
    assert account["created_at"] == dt.datetime(2025, 9, 6, 13, 2, 20, 496000, tzinfo=UTC)

    posts = {p["post_id"]: p for p in rows("posts")}
    assert len(posts) == 1190
    assert sum(p["repost_of"] is not None for p in posts.values()) == 140
    assert sum(p["in_reply_to_id"] is not None for p in posts.values()) == 1032
    assert sum(p["language"] is None for p in posts.values()) == 42  # qme 28, und 9, qam 3, zxx 2
    formats = [p["format"] for p in posts.values()]
    assert {f: formats.count(f) for f in set(formats)} == {
        "text": 979,
        "link": 202,
        "image": 6,
        "video": 3,  # 2 videos and 1 animated GIF
    }
    first_retweet = posts["x:2020942087441744045"]
    assert first_retweet["repost_of"] == "https://x.com/Handrev"
    entity = posts["x:2020865147321962504"]
    assert entity["text"].startswith("@Eddie_1412 > PFAS-belastete Partikel")  # was &gt;

    stats = {s["post_id"]: s for s in rows("post_stats")}
    assert len(stats) == 1190 - 140  # retweets carry the original's counts, not ours
    generated = dt.datetime(2026, 2, 10, 17, 40, 19, 723000, tzinfo=UTC)
    assert {s["observed_at"] for s in stats.values()} == {generated}
    top = stats["x:2010823583371595987"]
    assert (top["likes"], top["reposts"]) == (55, 0)
    assert posts["x:2010823583371595987"]["created_at"] == dt.datetime(
        2026, 1, 12, 21, 17, 56, tzinfo=UTC
    )
    assert sum(s["likes"] for s in stats.values()) == 872
    assert sum(s["reposts"] for s in stats.values()) == 66

    assert rows("follower_counts") == [
        {"account_id": "x:1964312974236991488", "observed_at": generated, "followers": 55}
    ]
    assert len(rows("interactions")) == 55
    assert len(rows("people")) == 55 + 114 - 3  # followers, followed, 3 of them both
    assert any(n.startswith("like.js: 4,254 like(s)") for n in batch.notices)
    assert any(n.startswith("deleted-tweets.js: 51 deleted tweet(s)") for n in batch.notices)
    assert not any(n.startswith("missing") for n in batch.notices)


def test_a_2021_tweet_js_archive_without_account_js(samples: Path) -> None:
    batch = run(samples / "larsbrinkhoff_2021-03_tweet.js_era", format="x_archive")
    assert batch.rejections == []
    (account,) = batch.tables["accounts"].to_pylist()
    # manifest.js names the owner; account.js, which it lists, was not published
    assert (account["account_id"], account["handle"]) == ("x:3128746474", "larsbrinkhoff")
    assert (account["followers"], account["created_at"]) == (405, None)
    assert "missing from the archive, so not imported: data/account.js; everything present " in (
        " ".join(batch.notices)
    )
    posts = {p["post_id"]: p for p in batch.tables["posts"].to_pylist()}
    assert len(posts) == 1827
    assert sum(p["repost_of"] is not None for p in posts.values()) == 14
    assert sum(p["in_reply_to_id"] is not None for p in posts.values()) == 1357
    formats = [p["format"] for p in posts.values()]
    assert (formats.count("image"), formats.count("video"), formats.count("link")) == (310, 10, 392)
    top = posts["x:1373228971761012739"]
    assert top["text"].startswith("Plugging Oscar Vermeulen's upcoming kit in the PiDP series.")
    assert top["created_at"] == dt.datetime(2021, 3, 20, 11, 4, 34, tzinfo=UTC)
    stats = {s["post_id"]: s for s in batch.tables["post_stats"].to_pylist()}
    assert len(stats) == 1827 - 14
    assert (stats["x:1373228971761012739"]["likes"], stats["x:1373228971761012739"]["reposts"]) == (
        131,
        24,
    )
    assert sum(s["likes"] for s in stats.values()) == 7295
    assert batch.tables["interactions"].num_rows == 405
    assert batch.tables["people"].num_rows == 405 + 59 - 25
    assert any(n.startswith("like.js: 8 like(s)") for n in batch.notices)


def test_the_oldest_shapes_from_twitter_to_sqlite(samples: Path) -> None:
    batch = run(samples / "dogsheep_fixtures", format="x_archive")
    (account,) = batch.tables["accounts"].to_pylist()
    assert (account["account_id"], account["handle"]) == ("x:12497", "simonw")
    assert account["followers"] == 2
    assert account["created_at"] == dt.datetime(2006, 11, 15, 13, 18, 50, tzinfo=UTC)
    assert sorted(p["person_id"] for p in batch.tables["people"].to_pylist()) == [
        "x:12158",
        "x:386025404",
        "x:547842573",
        "x:73747798",
    ]
    assert "posts" not in batch.tables
    # no tweets and no manifest.js: no date to observe the follower count at
    assert "follower_counts" not in batch.tables
    assert any("manifest.js, tweets.js (or tweet.js), like.js" in n for n in batch.notices)


def test_a_lone_tweets_js_from_a_real_archive(
    samples: Path, tmp_path: Path, cli: CliRunner
) -> None:
    lone = tmp_path / "tweets.js"
    shutil.copy(samples / "milahu104_2026-02-10" / "tweets.js", lone)
    ws = tmp_path / "ws"
    refused = invoke(cli, "import", lone, "--workspace", ws)
    assert (
        refused.exit_code == 2
        and "give the handle of the account it belongs to (--account HANDLE)" in refused.stderr
    )
    batch = run(lone, options=ImportOptions(account="milahu104"))
    assert batch.tables["posts"].num_rows == 1190
    newest = dt.datetime(2026, 2, 10, 17, 33, 16, tzinfo=UTC)
    assert {s["observed_at"] for s in batch.tables["post_stats"].to_pylist()} == {newest}
