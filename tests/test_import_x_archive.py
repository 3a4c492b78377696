"""The X archive importer on our own fixtures (tests/data/exports/x), every generation.

The fixtures are a fictional bakery's archives in X's real formats: two generations of a
2025 archive (tweets.js), a split-parts archive (tweets.js, tweets-part1.js …) and an
early tweet.js whose records are not wrapped in ``{"tweet": …}``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from rapport.canonical import TABLE_ORDER
from rapport.canonical.ids import hashed_interaction_id
from rapport.importers import ImportOptions, KnownAccount, detect, run, x_archive, x_grailbird
from tests.conftest import invoke
from tests.importer_support import import_into, rows, zip_folder

FIXTURES = Path(__file__).parent / "data" / "exports" / "x"
GEN1 = FIXTURES / "bakery-2025-03"
GEN2 = FIXTURES / "bakery-2025-09"
SPLIT = FIXTURES / "split-parts-2023"
OLD = FIXTURES / "tweet-js-2019"
BAKERY = "x:1420339051512119297"
SOURDOUGH = "x:1896455512398962688"
CROISSANT = "x:1897021001234567168"
HOT_CROSS_BUNS = "x:1897113999147290880"
UTC = dt.UTC


def _posts(batch_tables: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["post_id"]: row for row in batch_tables["posts"].to_pylist()}


def _by(rows_: list[dict[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    return {row[key]: row for row in rows_}


def test_a_current_archive_maps_every_table() -> None:
    batch = run(GEN1, format="x_archive")
    counts = {name: table.num_rows for name, table in batch.tables.items()}
    assert counts == {
        "accounts": 1,
        "people": 6,  # 4 followers + 3 followed, one of them both
        "posts": 7,  # 8 records, one an earlier version of an edited tweet
        "interactions": 4,
        "post_stats": 6,  # every post but the retweet
        "follower_counts": 1,
    }
    assert batch.rejections == []
    (account,) = batch.tables["accounts"].to_pylist()
    assert account == {
        "account_id": BAKERY,
        "platform": "x",
        "handle": "harbourbakery",
        "display_name": "Harbour Bakery",
        "role": "own",
        "followers": 4,
        "url": "https://x.com/harbourbakery",
        "created_at": dt.datetime(2021, 7, 30, 10, 11, 12, tzinfo=UTC),
    }


def test_tweets_become_posts_with_text_links_tags_and_format() -> None:
    posts = _posts(run(GEN1, format="x_archive").tables)
    sourdough = posts[SOURDOUGH]
    assert int(SOURDOUGH[2:]) > 2**53  # the id survived as text, digit for digit
    assert sourdough["text"] == (
        "Fresh sourdough is out of the oven & on the shelves! #Sourdough #BakeryLife "
        "https://t.co/aB3xYz1Qp"
    )
    assert sourdough["links"] == [
        "https://harbourbakery.example/bread?utm_source=x&utm_campaign=sourdough"
    ]
    assert sourdough["hashtags"] == ["sourdough", "bakerylife"]
    assert sourdough["format"] == "link"
    assert sourdough["language"] == "en"
    assert sourdough["created_at"] == dt.datetime(2025, 3, 3, 7, 15, tzinfo=UTC)
    assert sourdough["url"] == "https://x.com/harbourbakery/status/1896455512398962688"
    assert sourdough["in_reply_to_id"] is None and sourdough["repost_of"] is None
    assert posts[CROISSANT]["format"] == "image"
    video = posts["x:1897200400500600704"]
    assert (video["format"], video["language"]) == ("video", None)  # "zxx": no language
    reply = posts["x:1896801234567890944"]
    assert reply["text"] == "@breadfan We open at 7 <3 see you then"
    assert reply["in_reply_to_id"] == "x:1896790000000000512"
    assert posts["x:1896460011122233344"]["in_reply_to_id"] == SOURDOUGH  # a thread
    retweet = posts["x:1896912345678901248"]
    assert retweet["repost_of"] == "https://x.com/northfieldmill"
    assert retweet["text"].startswith("RT @northfieldmill: New spelt flour")
    assert [p["format"] for p in posts.values()].count("text") == 4


def test_an_edited_tweet_is_one_post_its_latest_version() -> None:
    batch = run(GEN1, format="x_archive")
    posts = _posts(batch.tables)
    assert HOT_CROSS_BUNS in posts and "x:1897113032045478401" not in posts
    assert posts[HOT_CROSS_BUNS]["text"] == "Hot cross buns are back on Friday"
    assert any("1 earlier version(s) of edited tweets skipped" in n for n in batch.notices)


def test_counts_are_observed_at_the_manifest_date_and_retweets_have_none() -> None:
    batch = run(GEN1, format="x_archive")
    stats = _by(batch.tables["post_stats"].to_pylist(), "post_id")
    generated = dt.datetime(2025, 3, 14, 8, 30, tzinfo=UTC)
    assert {row["observed_at"] for row in stats.values()} == {generated}
    assert (stats[SOURDOUGH]["likes"], stats[SOURDOUGH]["reposts"]) == (12, 3)
    assert (stats[HOT_CROSS_BUNS]["likes"], stats[HOT_CROSS_BUNS]["reposts"]) == (30, 6)
    assert stats[SOURDOUGH]["replies"] is None and stats[SOURDOUGH]["impressions"] is None
    assert "x:1896912345678901248" not in stats
    assert batch.tables["follower_counts"].to_pylist() == [
        {"account_id": BAKERY, "observed_at": generated, "followers": 4}
    ]


def test_followers_are_follow_interactions_and_following_only_people() -> None:
    batch = run(GEN1, format="x_archive")
    follows = batch.tables["interactions"].to_pylist()
    assert {f["kind"] for f in follows} == {"follow"}
    assert {f["occurred_at"] for f in follows} == {None}
    assert {f["account_id"] for f in follows} == {BAKERY}
    fan = _by(follows, "person_id")["x:1300000000000000777"]
    assert fan["interaction_id"] == hashed_interaction_id(
        "x", "follow", "x:1300000000000000777", BAKERY
    )
    people = _by(batch.tables["people"].to_pylist(), "person_id")
    assert "x:12345" in people and "x:12345" not in {f["person_id"] for f in follows}
    assert people["x:44556677"]["url"] == "https://twitter.com/intent/user?user_id=44556677"
    assert people["x:44556677"]["first_seen_at"] is None  # X gives no follow time


def test_own_likes_and_deleted_tweets_are_counted_not_stored() -> None:
    batch = run(GEN1, format="x_archive")
    assert any(n.startswith("like.js: 3 like(s) the account gave") for n in batch.notices)
    assert any(n.startswith("deleted-tweets.js: 2 deleted tweet(s) skipped") for n in batch.notices)
    posts = _posts(batch.tables)
    assert "x:1895000000000000001" not in posts and "x:1895000000000000002" not in posts


def test_a_zip_imports_like_the_folder(tmp_path: Path, cli: CliRunner) -> None:
    zipped = zip_folder(GEN1, tmp_path / "twitter-2025-03-14.zip", inside="twitter-2025-03-14")
    from_zip, from_folder = run(zipped), run(GEN1)
    assert from_zip.source == "x_archive"
    assert from_zip.locators["posts"][0] == "twitter-2025-03-14/data/tweets.js item 1"
    for name in TABLE_ORDER:
        if name in from_folder.tables:
            assert from_zip.tables[name].equals(from_folder.tables[name]), name
    ws = tmp_path / "ws"
    result = invoke(cli, "import", zipped, "--workspace", ws, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["source"], summary["origin"]) == ("x_archive", "twitter-2025-03-14.zip")
    assert (summary["added"], summary["rejected"]) == (25, 0)
    assert len(rows(ws, "posts")) == 7


def test_a_reimport_changes_nothing_and_a_later_archive_adds_observations(
    tmp_path: Path,
) -> None:
    ws = tmp_path / "ws"
    import_into(ws, GEN1)
    before = {name: rows(ws, name) for name in TABLE_ORDER}
    again = import_into(ws, GEN1)
    assert (again.total("added"), again.total("updated")) == (0, 0)
    assert {name: rows(ws, name) for name in TABLE_ORDER} == before

    later = import_into(ws, GEN2)
    assert later.tables["post_stats"].added == 2  # the sourdough's new counts, the new tweet
    stats = rows(ws, "post_stats")
    sourdough = [(r["observed_at"].date(), r["likes"]) for r in stats if r["post_id"] == SOURDOUGH]
    assert sourdough == [(dt.date(2025, 3, 14), 12), (dt.date(2025, 9, 20), 15)]
    assert [r["likes"] for r in stats if r["post_id"] == CROISSANT] == [40]  # unchanged: no new row
    assert [r["followers"] for r in rows(ws, "follower_counts")] == [4, 6]
    (account,) = rows(ws, "accounts")
    assert account["followers"] == 6
    assert len(rows(ws, "posts")) == 8 and len(rows(ws, "interactions")) == 6

    lone = tmp_path / "tweets.js"  # a lone file now goes to the account the store knows
    shutil.copy(GEN2 / "data" / "tweets.js", lone)
    summary = import_into(ws, lone)
    assert (summary.tables["posts"].added, summary.tables["posts"].unchanged) == (0, 8)
    assert [r["account_id"] for r in rows(ws, "accounts")] == [BAKERY]


def test_split_parts_are_read_in_order(tmp_path: Path) -> None:
    batch = run(SPLIT, format="x_archive")
    assert [p["post_id"] for p in batch.tables["posts"].to_pylist()] == [
        f"x:170000000000000000{n}" for n in range(1, 6)
    ]
    assert batch.locators["posts"][4] == "data/tweets-part2.js item 1"
    assert not any(n.startswith("missing") for n in batch.notices)


def test_a_partial_archive_imports_what_is_there_and_names_what_is_missing(
    tmp_path: Path, cli: CliRunner
) -> None:
    partial = tmp_path / "partial"
    shutil.copytree(SPLIT, partial)
    (partial / "data" / "tweets-part2.js").unlink()
    (partial / "data" / "follower.js").unlink()
    ws = tmp_path / "ws"
    result = invoke(cli, "import", partial, "--workspace", ws)
    assert result.exit_code == 0, result.output
    assert "missing from the archive, so not imported: data/follower.js, data/tweets-part2.js" in (
        " ".join(result.stdout.split())
    )
    assert len(rows(ws, "posts")) == 4
    assert rows(ws, "follower_counts") == [] and rows(ws, "interactions") == []
    (account,) = rows(ws, "accounts")
    assert account["followers"] is None  # unknown, not zero


def test_an_early_tweet_js_with_unwrapped_records() -> None:
    batch = run(OLD, format="x_archive")
    posts = _posts(batch.tables)
    assert len(posts) == 3
    assert posts["x:1100000000000000001"]["text"] == "First loaf of the year > last year's best"
    assert posts["x:1100000000000000002"]["hashtags"] == ["rye"]
    # "Sun Feb 24 17:00:00 +0100 2019" is 16:00 UTC
    assert posts["x:1099000000000000003"]["created_at"] == dt.datetime(2019, 2, 24, 16, tzinfo=UTC)
    newest = dt.datetime(2019, 2, 27, 9, 30, tzinfo=UTC)
    assert {r["observed_at"] for r in batch.tables["post_stats"].to_pylist()} == {newest}
    note = "no manifest.js: counts are observed at the newest tweet's time, 2019-02-27T09:30:00Z"
    assert note in batch.notices
    assert any("manifest.js, following.js, like.js" in n for n in batch.notices)
    people = batch.tables["people"].to_pylist()
    assert [p["url"] for p in people] == [None, None]  # the oldest follower.js has no links


def test_a_lone_tweets_js_goes_to_the_account_named_on_the_command_line(tmp_path: Path) -> None:
    lone = tmp_path / "tweets.js"
    shutil.copy(GEN1 / "data" / "tweets.js", lone)
    batch = run(lone, options=ImportOptions(account="@HarbourBakery"))
    (account,) = batch.tables["accounts"].to_pylist()
    assert (account["account_id"], account["handle"]) == ("x:@harbourbakery", "HarbourBakery")
    assert {p["account_id"] for p in batch.tables["posts"].to_pylist()} == {"x:@harbourbakery"}
    assert not any(n.startswith("missing") for n in batch.notices)
    known = KnownAccount("x", "harbourbakery", BAKERY)
    batch = run(lone, options=ImportOptions(own_accounts=(known,)))
    assert {p["account_id"] for p in batch.tables["posts"].to_pylist()} == {BAKERY}
    moment = dt.datetime(2025, 3, 6, 9, tzinfo=UTC)  # the newest tweet in the file
    assert {r["observed_at"] for r in batch.tables["post_stats"].to_pylist()} == {moment}


def test_detection_recognises_archives_by_content(tmp_path: Path) -> None:
    assert x_archive.detect(GEN1) == 1.0
    assert detect(GEN1).name == "x_archive"
    renamed = tmp_path / "my-export.txt"  # recognised by content, not by name
    shutil.copy(SPLIT / "data" / "tweets-part1.js", renamed)
    assert x_archive.detect(renamed) == 0.9
    assert x_archive.detect(OLD) == 0.9  # no manifest.js, but X's files
    assert x_grailbird.detect(GEN1) == 0.0
    assert x_archive.detect(FIXTURES / "grailbird-2016") == 0.0
