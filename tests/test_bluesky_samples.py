"""Bluesky API responses -> canonical records, on real recorded responses, and the client's
retry and pagination rules.

The JSON files in ``shared/samples/bluesky_api/`` were recorded from bsky.social (2023-2024)
and are parsed with the atproto SDK's own models, exactly as a pull parses them. The numbers
below were checked by hand in the files.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from atproto import models
from atproto_client.exceptions import NetworkError, RateLimitExceededError
from atproto_client.models.utils import get_or_create
from atproto_client.request import Response

from rapport.canonical.ids import hashed_interaction_id
from rapport.connectors._bluesky_client import Api
from rapport.connectors._bluesky_map import Collector
from rapport.errors import RemoteError
from rapport.importers.bluesky_car import _handles_from_did_documents
from rapport.platforms.bluesky import parse_time, post_fields

NOW = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
OWNER = "did:plc:wpe35pganb6d4pg4ekmfy6u5"  # the account the bskyr responses were recorded for
ACCOUNT = f"bluesky:{OWNER}"
FIRST = f"bluesky:at://{OWNER}/app.bsky.feed.post/3kasvrt6b372y"
REPLY = f"bluesky:at://{OWNER}/app.bsky.feed.post/3kasvzedyyu2r"


@pytest.fixture(scope="module")
def bskyr(shared: Path) -> Path:
    return shared / "samples" / "bluesky_api" / "bskyr_recorded_real_responses_2023-2024"


@pytest.fixture(scope="module")
def marshalx(shared: Path) -> Path:
    return shared / "samples" / "bluesky_api" / "marshalx_atproto_real_responses"


def load(folder: Path, name: str, model: Any) -> Any:
    return get_or_create(json.loads((folder / name).read_text()), model, strict=False)


def collector(owner: str = OWNER) -> Collector:
    return Collector(NOW, own_did=owner)


def only(rows: dict[Any, dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows.values(), key=lambda r: str(next(iter(r.values()))))


# -- author feed ---------------------------------------------------------------------------
def test_author_feed_posts_counts_and_the_accounts_repost(bskyr: Path) -> None:
    page = load(
        bskyr, "app.bsky.feed.getAuthorFeed-d3a6a5.json", models.AppBskyFeedGetAuthorFeed.Response
    )
    assert (
        page.cursor == "1696301352905::bafyreifijeifzyh724gobyh3s2cswupnzib3wdbhrtmozbt4abb3wmyvaa"
    )
    c = collector()
    entries = [
        c.feed_item(item, account=ACCOUNT, handle="owner.example", locator="t")
        for item in page.feed
    ]
    assert [e.is_repost for e in entries if e] == [True, False, False]
    posts = c.rows["posts"]
    assert len(posts) == 3
    reposted = "bluesky:at://did:plc:eijqdygh72wuei7faamrclpc/app.bsky.feed.post/3kau6tviybe2w"
    repost = posts[(hashed_interaction_id("bluesky", "repost", ACCOUNT, reposted),)]
    assert repost["repost_of"] == reposted
    assert repost["created_at"] == dt.datetime(2023, 10, 3, 17, 17, 8, 578000, tzinfo=dt.UTC)
    first, reply = posts[(FIRST,)], posts[(REPLY,)]
    assert first["text"] == "Test post from rstats (attempt #1)"
    # six fraction digits in the record's createdAt
    assert first["created_at"] == dt.datetime(2023, 10, 3, 2, 49, 12, 980686, tzinfo=dt.UTC)
    assert first["hashtags"] == [] and first["format"] == "text"  # "#1" is no hashtag
    assert reply["in_reply_to_id"] == FIRST and reply["language"] == "en"
    stats = c.rows["post_stats"]
    assert len(stats) == 2  # the reposted post's counts belong to its author, not here
    # 2023 responses have no quoteCount: unknown (null), never 0
    assert {
        k[0]: (s["likes"], s["reposts"], s["replies"], s["quotes"]) for k, s in stats.items()
    } == {
        FIRST: (3, 0, 1, None),
        REPLY: (3, 0, 0, None),
    }


# -- who engaged -----------------------------------------------------------------------------
def test_likes_become_hashed_interactions_with_the_likers_bios(bskyr: Path) -> None:
    page = load(bskyr, "app.bsky.feed.getLikes-37f3db.json", models.AppBskyFeedGetLikes.Response)
    c = collector("did:plc:ic6zqvuw5ulmfpjiwnhsr2ns")
    post = f"bluesky:{page.uri}"
    for like in page.likes:
        c.interaction(
            kind="like", actor=like.actor, account="bluesky:did:plc:ic6zqvuw5ulmfpjiwnhsr2ns",
            post=post, occurred_at=parse_time(like.created_at), locator="t",
        )  # fmt: skip
    likes = list(c.rows["interactions"].values())
    assert len(likes) == 4 and len(c.rows["people"]) == 4
    first = c.rows["interactions"][
        (
            hashed_interaction_id(
                "bluesky", "like", "bluesky:did:plc:uzthbl6ktojhxfpzb4hrvilk", post
            ),
        )
    ]
    assert first["occurred_at"] == dt.datetime(2023, 9, 23, 0, 44, 2, 135000, tzinfo=dt.UTC)
    assert first["actor_followers"] is None  # ProfileView has no counts; getProfiles adds them
    bios = [p["bio"] for p in c.rows["people"].values()]
    assert all(bios) and any(b.startswith("Computational Communication Scientist") for b in bios)


def test_reposted_by_has_no_time_and_quotes_point_at_the_quoted_post(bskyr: Path) -> None:
    c = collector("did:plc:5c2r73erhng4bszmxlfdtscf")
    page = load(
        bskyr, "app.bsky.feed.getRepostedBy-f5d562.json", models.AppBskyFeedGetRepostedBy.Response
    )
    for actor in page.reposted_by:
        c.interaction(
            kind="repost", actor=actor, account="bluesky:x", post=f"bluesky:{page.uri}",
            occurred_at=None, locator="t",
        )  # fmt: skip
    quotes = load(
        bskyr, "app.bsky.feed.getQuotes-af4016.json", models.AppBskyFeedGetQuotes.Response
    )
    for view in quotes.posts:
        c.quote(view, account="bluesky:x", locator="t")
    rows = list(c.rows["interactions"].values())
    assert [r["kind"] for r in rows] == ["repost", "quote", "quote"]
    assert rows[0]["occurred_at"] is None
    quoted = "bluesky:at://did:plc:5c2r73erhng4bszmxlfdtscf/app.bsky.feed.post/3lc5c5qv72r2w"
    # one plain record embed, one recordWithMedia: both quote the same post
    assert [r["post_id"] for r in rows[1:]] == [quoted, quoted]
    assert rows[1]["interaction_id"] == f"bluesky:{quotes.posts[0].uri}"
    assert rows[1]["text"].startswith("This is my first post using")
    assert rows[1]["occurred_at"] == dt.datetime(2024, 11, 30, 16, 20, 25, 23354, tzinfo=dt.UTC)
    # the quoted post's own view, embedded in the answer, counts both quotes
    assert quotes.posts[0].embed.record.quote_count == 2


def test_notifications_and_followers_are_one_act_each(bskyr: Path) -> None:
    c = collector()
    notes = load(
        bskyr, "app.bsky.notification.listNotifications.json",
        models.AppBskyNotificationListNotifications.Response,
    )  # fmt: skip
    assert all(c.notification(n, account=ACCOUNT, locator="t") for n in notes.notifications)
    kinds = [r["kind"] for r in c.rows["interactions"].values()]
    assert (kinds.count("follow"), kinds.count("like")) == (39, 6)
    likes = [r for r in c.rows["interactions"].values() if r["kind"] == "like"]
    # three likes on each of the two posts, matching likeCount 3 in the author feed
    assert sorted(r["post_id"] for r in likes) == [FIRST] * 3 + [REPLY] * 3
    followers = load(
        bskyr, "app.bsky.graph.getFollowers-d3a6a5.json", models.AppBskyGraphGetFollowers.Response
    )
    assert len(followers.followers) == 39
    for person in followers.followers:
        c.interaction(
            kind="follow", actor=person, account=ACCOUNT, post=None, occurred_at=None, locator="t"
        )
    assert len(c.rows["interactions"]) == 45  # the 39 follows from both endpoints merged
    follow = next(r for r in c.rows["interactions"].values() if r["kind"] == "follow")
    assert follow["occurred_at"] is not None  # the notification's time survives the merge


def test_profiles_fill_in_counts(bskyr: Path) -> None:
    c = collector("did:plc:someone-else")
    profiles = load(
        bskyr, "app.bsky.actor.getProfiles-f74ed2.json", models.AppBskyActorGetProfiles.Response
    )
    c.enrich(profiles.profiles)
    (person,) = c.rows["people"].values()
    assert (person["followers"], person["following"]) == (10, 23)


def test_byte_offset_facets_give_full_links(bskyr: Path) -> None:
    posts = load(bskyr, "app.bsky.feed.getPosts-e6010f.json", models.AppBskyFeedGetPosts.Response)
    view = posts.posts[0]
    text = view.record.text
    facet = view.record.facets[0]
    start, end = facet.index.byte_start, facet.index.byte_end
    # An emoji before the link: byte offsets differ from character offsets.
    assert text.encode()[start:end].decode() == "localview.net"
    assert text[start:end] != "localview.net"
    c = collector(view.author.did)
    c.post(view, account=f"bluesky:{view.author.did}", handle="h.example", locator="t")
    (row,) = c.rows["posts"].values()
    assert row["links"] == ["http://localview.net", "https://rstats.ai/gov.html"]
    assert row["format"] == "image"
    assert row["hashtags"] == ["rstats", "rgov"]  # 2023: tags in the text, no tag facets


def test_record_with_media_thread_and_timestamps(marshalx: Path) -> None:
    thread = load(
        marshalx, "thread_view_post_with_embed_media.json", models.AppBskyFeedGetPostThread.Response
    )
    view = thread.thread.post
    c = collector(view.author.did)
    c.post(view, account=f"bluesky:{view.author.did}", handle="h.example", locator="t")
    (row,) = c.rows["posts"].values()
    assert row["text"] is None  # an image-only post: no text, not ""
    assert row["format"] == "image"
    (stats,) = c.rows["post_stats"].values()
    assert stats["likes"] == 0 and stats["quotes"] is None
    post = json.loads((marshalx / "post_record.json").read_text())["value"]
    assert post_fields(post)["created_at"] == dt.datetime(
        2024, 2, 22, 19, 58, 13, 903293, tzinfo=dt.UTC
    )
    like = json.loads((marshalx / "like_record.json").read_text())["value"]
    # a createdAt without a zone is read as UTC
    assert parse_time(like["createdAt"]) == dt.datetime(
        2023, 8, 26, 12, 56, 31, 44240, tzinfo=dt.UTC
    )
    assert parse_time("yesterday") is None and parse_time(None) is None
    assert _handles_from_did_documents(marshalx) == {
        "did:plc:kvwvcn5iqfooopmyzvb4qzba": "test.marshal.dev"
    }


# -- the client's rules ----------------------------------------------------------------------
class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limited(reset_in: float) -> RateLimitExceededError:
    headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "0"}
    headers["ratelimit-reset"] = str(int(1_700_000_000 + reset_in))
    return RateLimitExceededError(
        Response(success=False, status_code=429, content=None, headers=headers)
    )


def test_rate_limit_waits_until_the_reset_then_retries() -> None:
    clock = Clock()
    answers: list[Any] = [limited(30), "page"]

    def request() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    api = Api(object(), "https://pds.example", sleep=clock.sleep, clock=clock.time)
    assert api.call("getLikes", request) == "page"
    assert clock.slept == [30.5]  # until ratelimit-reset, plus a margin


def test_rate_limit_far_away_stops_with_the_time_to_come_back() -> None:
    clock = Clock()

    def request() -> Any:
        raise limited(3600)

    api = Api(object(), "https://pds.example", sleep=clock.sleep, clock=clock.time)
    with pytest.raises(RemoteError, match=r"rate limited \(429\) until 2023-11-14 23:13:20 UTC"):
        api.call("getLikes", request)
    assert clock.slept == []


def test_transport_failures_are_retried_then_reported() -> None:
    clock = Clock()

    def request() -> Any:
        raise NetworkError()

    api = Api(object(), "http://127.0.0.1:9", sleep=clock.sleep, clock=clock.time)
    with pytest.raises(RemoteError, match="could not get an answer"):
        api.call("login", request)
    assert clock.slept == [0.5, 1.0]


class Page:
    def __init__(self, items: list[int], cursor: str | None) -> None:
        self.items, self.cursor = items, cursor


@pytest.mark.parametrize(
    "cursors",
    [
        # the formats seen over time: ms-epoch::cid, ISO time, TID; none on the last page
        [
            "1695123315339::bafyreibg2ig6g74cr7je3aytvda7uyl3wfmjvysyj2lf",
            "2024-11-30T04:48:39.216Z",
            "3kasvrt6b372y",
            None,
        ],
        ["a", "b", "b", "c"],  # a repeated cursor ends the loop instead of looping forever
    ],
)
def test_pages_follow_opaque_cursors(cursors: list[str | None]) -> None:
    asked: list[str | None] = []

    def fetch(cursor: str | None) -> Page:
        asked.append(cursor)
        return Page([len(asked)], cursors[len(asked) - 1])

    api = Api(object(), "s")
    pages = list(api.pages("getX", fetch, lambda p: p.items))
    assert asked[0] is None and asked[1:] == cursors[: len(asked) - 1]
    assert len(pages) == (4 if cursors[-1] is None else 3)


def test_raw_records_map_like_the_export_does(bskyr: Path) -> None:
    """listRecords returns records in the form a .car export holds them: one mapping for both."""
    listed = json.loads((bskyr / "com.atproto.repo.listRecords-1c5193.json").read_text())
    assert listed["cursor"] == "3kasvrt6b372y"  # a TID: yet another cursor format
    fields = {r["uri"].rsplit("/", 1)[1]: post_fields(r["value"]) for r in listed["records"]}
    assert [f["format"] for f in fields.values()] == ["image", "link", "image", "text", "text"]
    assert fields["3kc2bxjdrfm23"]["links"] == ["https://cran.r-project.org/package=tinytiger"]
    assert fields["3kasvzedyyu2r"]["in_reply_to_id"] == FIRST
    assert fields["3kasvrt6b372y"]["created_at"] == dt.datetime(
        2023, 10, 3, 2, 49, 12, 980686, tzinfo=dt.UTC
    )
