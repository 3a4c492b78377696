"""The Facebook Pages connector against a real HTTP server on 127.0.0.1 serving Graph API
answers: the recorded files of ``../shared/samples/meta_graph_api/`` unchanged, and one
coherent Page built in their shapes (``tests/data/facebook_world/``, labelled as built).

Answers that no recording holds are built in the test and say so (``built(...)``): the
rate-limit error (Meta documents the envelope; its headers take the shapes of
``restfb_json/batch/batch-first-error.json`` and ``restfb_json/api/header-business.json``),
a Page token's refusal of ``/me/accounts``, and the near-limit usage header.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import statistics
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.api.data import _pull
from rapport.canonical import Batch
from rapport.connectors import facebook
from rapport.connectors._graph_client import ObjectGone, RateLimited, RequestRefused
from rapport.errors import AuthenticationError, RemoteError, UsageError
from rapport.store import Store
from rapport.workspace import Workspace
from tests.conftest import invoke, snapshot_file
from tests.importer_support import rows
from tests.replay_server import ReplayServer, Reply

TOKEN = "EAAGm0PX4ZCpsBAsecretPageToken"
WORLD = Path(__file__).parent / "data" / "facebook_world"
PAGE = "104000000000001"
V = "/v23.0"
UTC = dt.UTC
NO_WAIT = {"sleep": lambda seconds: None}


def meta(shared: Path) -> Path:
    return shared / "samples" / "meta_graph_api"


def fb(shared: Path, name: str) -> Path:
    return meta(shared) / "python_facebook_testdata" / "facebook" / "apidata" / name


def restfb(shared: Path, name: str) -> Path:
    return meta(shared) / "restfb_json" / name


def built(
    body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None
) -> Reply:
    """An answer BUILT in this test (no recording holds one)."""
    return Reply(body, status=status, headers=headers or {})


def table(batch: Batch, name: str) -> list[dict[str, Any]]:
    return batch.tables[name].to_pylist() if name in batch.tables else []  # type: ignore[no-any-return]


def pull(replay: ReplayServer, **options: Any) -> Batch:
    settings: dict[str, Any] = {"page": PAGE, "state": {}, **NO_WAIT, **options}
    return facebook.pull_page(token=TOKEN, base_url=replay.url, **settings)


def no_secret(replay: ReplayServer, *texts: str) -> None:
    """The token never in a message, and only ever sent in the Authorization header."""
    for text in texts:
        assert TOKEN not in text
    for request in replay.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in json.dumps(request.query)


# -- the built Page: routes ----------------------------------------------------------------
def serve_world(replay: ReplayServer) -> None:
    replay.add(f"{V}/{PAGE}", Reply(WORLD / "page.json"))
    replay.add(f"{V}/{PAGE}/posts", Reply(WORLD / "posts_p1.json"))
    replay.add(f"{V}/{PAGE}/posts", Reply(WORLD / "posts_p2.json"),
               query={"after": "QVFIUnBvc3RzYWZ0ZXI"})  # fmt: skip
    for post in ("2000000000000001", "2000000000000002", "2000000000000003", "2000000000000004"):
        full = f"{PAGE}_{post}"
        replay.add(f"{V}/{full}/insights", Reply(WORLD / f"insights_{post}.json"))
        if post == "2000000000000001":
            replay.add(f"{V}/{full}/comments", Reply(WORLD / f"comments_{post}_p1.json"))
            replay.add(f"{V}/{full}/comments", Reply(WORLD / f"comments_{post}_p2.json"),
                       query={"after": "QVFIUmFmdGVyX3Ax"})  # fmt: skip
        else:
            replay.add(f"{V}/{full}/comments", Reply(WORLD / f"comments_{post}.json"))
    replay.add(f"{V}/{PAGE}/insights", Reply(WORLD / "followers_p1.json"))
    replay.add(f"{V}/{PAGE}/insights", Reply(WORLD / "followers_p2.json"),
               query={"since": "1759561200"})  # fmt: skip
    replay.add(f"{V}/{PAGE}/insights", Reply(WORLD / "followers_p3.json"),
               query={"since": "1759820400"})  # fmt: skip


def comment(number: int, post: int = 1) -> str:
    return f"facebook:200000000000000{post}_{3000000000000000 + number}"


# -- the built Page: one pull --------------------------------------------------------------
def test_the_built_page_maps_posts_counts_comments_and_answers(replay: ReplayServer) -> None:
    serve_world(replay)
    batch = pull(replay)
    assert replay.unmatched == [] and replay.unplayed() == []
    assert batch.rejections == [] and batch.notices == []
    (account,) = table(batch, "accounts")
    assert account == {
        "account_id": f"facebook:{PAGE}", "platform": "facebook",
        "handle": "harbourstreetbakery", "display_name": "Harbour Street Bakery", "role": "own",
        "followers": 131, "url": "https://www.facebook.com/harbourstreetbakery/",
        "created_at": None,
    }  # fmt: skip
    posts = {p["post_id"]: p for p in table(batch, "posts")}
    originals = [p for p in posts.values() if p["in_reply_to_id"] is None]
    assert len(originals) == 4 and len(posts) == 10  # 4 posts, 6 answers by the Page
    second = posts[f"facebook:{PAGE}_2000000000000002"]
    assert second["links"] == ["https://example.com/market"] and second["format"] == "link"
    assert posts[f"facebook:{PAGE}_2000000000000004"]["hashtags"] == ["autumn"]
    # the Page's answer to Ada's first comment, and Ada's reply to that answer
    answer = posts[comment(3)]
    assert answer["in_reply_to_id"] == comment(1) and answer["account_id"] == f"facebook:{PAGE}"
    assert answer["created_at"] == dt.datetime(2026, 10, 5, 12, tzinfo=UTC)
    replies = {r["interaction_id"]: r for r in table(batch, "interactions")}
    assert len(replies) == 12 and {r["kind"] for r in replies.values()} == {"reply"}
    assert replies[comment(4)]["in_reply_to_id"] == comment(3)
    assert replies[comment(4)]["person_id"] == "facebook:7100000000000001"
    assert replies[comment(4)]["post_id"] == f"facebook:{PAGE}_2000000000000001"
    assert replies[comment(1)]["in_reply_to_id"] is None
    people = {p["person_id"]: p for p in table(batch, "people")}
    assert len(people) == 6 and PAGE not in " ".join(people)
    assert people["facebook:7100000000000001"]["display_name"] == "Ada Quill"
    assert people["facebook:7100000000000001"]["first_seen_at"] == dt.datetime(
        2026, 10, 5, 10, tzinfo=UTC
    )
    stats = {s["post_id"].rpartition("_")[2]: s for s in table(batch, "post_stats")}
    first = stats["2000000000000001"]
    assert (first["likes"], first["reposts"], first["replies"]) == (12, 2, 6)
    assert (first["impressions"], first["reach"], first["clicks"]) == (410, 302, 27)
    assert stats["2000000000000003"]["reposts"] is None  # no `shares`: nobody shared it
    followers = sorted((r["observed_at"], r["followers"]) for r in table(batch, "follower_counts"))
    assert followers[:6] == [
        (dt.datetime(2026, 10, day, 7, tzinfo=UTC), value)
        for day, value in zip(range(1, 7), (120, 121, 123, 124, 126, 127), strict=True)
    ]
    assert followers[6][1] == 131 and len(followers) == 7
    assert batch.state == {
        f"facebook:{PAGE}#newest": "2026-11-02T09:00:00+00:00",
        f"facebook:{PAGE}#older": "",
        f"facebook:{PAGE}#pending": "",
        f"facebook:{PAGE}#comments:{PAGE}_2000000000000001": "6",
        f"facebook:{PAGE}#comments:{PAGE}_2000000000000002": "5",
        f"facebook:{PAGE}#comments:{PAGE}_2000000000000003": "3",
        f"facebook:{PAGE}#comments:{PAGE}_2000000000000004": "4",
        f"facebook:{PAGE}#followers": "2026-10-06T07:00:00+00:00",
    }
    no_secret(replay)


def pull_into(workspace: Path, replay: ReplayServer, **options: Any) -> Any:
    """A pull written into a real workspace the way rapport.api does: state read, the
    batch and the new state stored in one transaction."""
    settings: dict[str, Any] = {"page": PAGE, **NO_WAIT, **options}
    return _pull(
        Workspace(workspace),
        "facebook:",
        lambda state: facebook.pull_page(token=TOKEN, base_url=replay.url, state=state, **settings),
        None,
        None,
    )


def counts(workspace: Path) -> dict[str, int]:
    found = snapshot_file(workspace / "rapport.duckdb")
    assert found is not None
    names = ("accounts", "people", "posts", "interactions", "post_stats", "follower_counts")
    return {name: len(found[name]) for name in names}


def latest_stats(workspace: Path) -> dict[str, tuple[Any, ...]]:
    """Each post's latest counters (without the moment)."""
    found: dict[str, tuple[Any, ...]] = {}
    for row in sorted(rows(workspace, "post_stats"), key=lambda r: r["observed_at"]):
        found[row["post_id"]] = tuple(v for k, v in row.items() if k != "observed_at")
    return found


def metrics(workspace: Path) -> dict[str, dict[str, Any]]:
    result = invoke(CliRunner(), "metrics", "--json", "--workspace", workspace)
    assert result.exit_code == 0, result.output
    return {m["id"]: m for m in json.loads(result.stdout)}


def test_after_a_pull_the_relationship_metrics_match_a_hand_count(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    ws = tmp_path / "ws"
    pull_into(ws, replay)
    found = metrics(ws)
    # the hand count of tests/data/facebook_world/README.md: 12 comments by people, the
    # Page answered c1 (2 h), c3 (6 h), c5 (1 h), c7 (4 h), c9 (24 h), c10 (0.5 h)
    assert found["reply_rate"]["value"] == pytest.approx(6 / 12)
    assert found["time_to_first_reply"]["value"] == pytest.approx(
        statistics.median([2, 6, 1, 4, 24, 0.5])
    )
    # weeks with a comment: Ada 5 Oct, 12 Oct, 2 Nov; Bram 5 Oct, 12 Oct, 2 Nov; Cleo 5 Oct,
    # 19 Oct; Dara, Emil and Fay one week each
    assert found["engaged_people"]["value"] == 6
    assert found["returning_people"]["value"] == 3
    assert found["core_community"]["value"] == 3  # all within 90 days of the data's end


def test_a_second_pull_stores_nothing_new(replay: ReplayServer, tmp_path: Path) -> None:
    serve_world(replay)
    ws = tmp_path / "ws"
    pull_into(ws, replay)
    before = snapshot_file(ws / "rapport.duckdb")
    asked = len(replay.requests)
    pull_into(ws, replay)
    after = snapshot_file(ws / "rapport.duckdb")
    assert before is not None and after is not None
    for name in ("accounts", "people", "posts", "interactions", "post_stats", "follower_counts"):
        assert after[name] == before[name], name
    again = [r.path for r in replay.requests[asked:]]
    assert not any(path.endswith("/comments") for path in again)  # no comment total changed
    assert again.count(f"{V}/{PAGE}/posts") == 1  # stops at the newest known post


def test_a_pull_cut_off_mid_way_stores_nothing_and_the_next_completes(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    whole = tmp_path / "whole"
    pull_into(whole, replay)
    expected = counts(whole)

    fresh = tmp_path / "fresh"
    Workspace(fresh).create()
    Store(fresh / "rapport.duckdb").close()  # an empty store: what a cut pull must leave
    before = snapshot_file(fresh / "rapport.duckdb")
    replay.cut(after=3)  # the Page, posts page 1, posts page 2: then connections reset
    with pytest.raises(RemoteError) as failure:
        pull_into(fresh, replay)
    assert "could not be reached" in str(failure.value) and replay.resets >= 1
    assert snapshot_file(fresh / "rapport.duckdb") == before  # no data
    with Store(fresh / "rapport.duckdb") as store:
        assert store.sync_state("facebook:") == {}  # and no sync state
    replay.cut(after=None)
    pull_into(fresh, replay)
    assert counts(fresh) == expected
    with Store(fresh / "rapport.duckdb") as store, Store(whole / "rapport.duckdb") as other:
        assert store.sync_state("facebook:") == other.sync_state("facebook:")
    no_secret(replay, str(failure.value))


# -- the recorded answers ------------------------------------------------------------------
FACEBOOK_PAGE = "20531316728"  # the recorded Page object (single_*_page.json)


def test_time_based_paging_and_a_page_that_repeats_the_last(
    replay: ReplayServer, shared: Path
) -> None:
    """feed_fields_p1/p2 (R*): paging by ``until`` / ``__paging_token``, no cursors; p2 is
    a copy of p1's posts. Page insights page 1-3 (R*): windows by since/until until an empty
    ``data``; ``page_fans_city`` is an object per day, no follower total."""
    replay.add(f"{V}/{FACEBOOK_PAGE}", Reply(fb(shared, "pages/single_fields_page.json")))
    replay.add(f"{V}/{FACEBOOK_PAGE}/posts", Reply(fb(shared, "posts/feed_fields_p1.json")))
    replay.add("/v10.0/4/posts", Reply(fb(shared, "posts/feed_fields_p2.json")),
               query={"until": "1624385168", "__paging_token": "__paging_token"})  # fmt: skip
    replay.add(f"{V}/{FACEBOOK_PAGE}/insights", Reply(restfb(shared, "v3_3/insight/page-1.json")))
    insights = "/v18.0/%3Cpage-id%3E/insights"
    replay.add(insights, Reply(restfb(shared, "v3_3/insight/page-2.json")),
               query={"since": "1560236400"})  # fmt: skip
    replay.add(insights, Reply(restfb(shared, "v3_3/insight/page-3.json")),
               query={"since": "1560409200"})  # fmt: skip
    listed = json.loads(fb(shared, "posts/feed_fields_p1.json").read_text())["data"]
    for post in listed:
        replay.add(
            f"{V}/{post['id']}/insights", Reply(restfb(shared, "v2_2/cursor_only_paging2.json"))
        )
    batch = pull(replay, page=FACEBOOK_PAGE)
    assert replay.unmatched == [] and replay.unplayed() == []
    asked = [r.path for r in replay.requests if r.path.startswith(f"{V}/4_")]
    assert sorted(asked) == sorted(f"{V}/{p['id']}/insights" for p in listed)  # each once
    posts = table(batch, "posts")
    assert len(posts) == 5 and len({p["post_id"] for p in posts}) == 5 and batch.rejections == []
    assert {p["post_id"] for p in posts} >= {"facebook:4_10113477241177441"}
    assert next(p for p in posts if p["post_id"] == "facebook:4_10113477241177441")["text"] == (
        "Happy July 4th! \N{REGIONAL INDICATOR SYMBOL LETTER U}"
        "\N{REGIONAL INDICATOR SYMBOL LETTER S}"
    )
    assert table(batch, "post_stats") == []  # the fields asked for gave no counts
    assert not any(r.path.endswith("/comments") for r in replay.requests)  # none said
    (followers,) = table(batch, "follower_counts")  # fan_count; no total in the insights
    assert followers["followers"] == 214507731
    assert [r.path for r in replay.requests][-3:] == [f"{V}/{FACEBOOK_PAGE}/insights",
                                                      insights, insights]  # fmt: skip
    assert f"facebook:{FACEBOOK_PAGE}#followers" not in batch.state
    no_secret(replay)


def serve_counted_feed(replay: ReplayServer, shared: Path) -> None:
    """feeds_default_fields_p1/p2 (R*): cursor paging, comment and reaction summaries,
    reaction aliases, shares; the comments of its first post are comments_p1/p2 (R*: no id,
    no ``from``), its second post is gone (error_data.json, R), the others have none yet
    (``{"data": []}``, cursor_only_paging2.json, R*)."""
    replay.add(f"{V}/{FACEBOOK_PAGE}", Reply(fb(shared, "pages/single_default_page.json")))
    replay.add(
        f"{V}/{FACEBOOK_PAGE}/posts", Reply(fb(shared, "posts/feeds_default_fields_p1.json"))
    )
    p2 = Reply(fb(shared, "posts/feeds_default_fields_p2.json"))
    replay.add("/v10.0/19292868552/feed", p2, query={"after": "after"})
    empty = Reply(restfb(shared, "v2_2/cursor_only_paging2.json"))
    listed = [
        post["id"]
        for name in ("feeds_default_fields_p1.json", "feeds_default_fields_p2.json")
        for post in json.loads(fb(shared, f"posts/{name}").read_text())["data"]
    ]
    special = ("19292868552_10158349356748553", "19292868552_10158347294088553")
    for post in listed:
        if post not in special:
            replay.add(f"{V}/{post}/comments", empty)
    replay.add(f"{V}/19292868552_10158349356748553/comments",
               Reply(fb(shared, "comments/comments_p1.json")))  # fmt: skip
    later = Reply(fb(shared, "comments/comments_p2.json"))
    replay.add("/v11.0/19292868552_10158407654328553/comments", later, query={"after": "after"})
    gone = meta(shared) / "python_facebook_testdata" / "base" / "error_data.json"
    replay.add(f"{V}/19292868552_10158347294088553/comments", Reply(gone, status=400))
    replay.add(f"{V}/{FACEBOOK_PAGE}/insights", empty)


def test_counts_comments_without_ids_or_authors_and_a_deleted_post(
    replay: ReplayServer, shared: Path
) -> None:
    serve_counted_feed(replay, shared)
    batch = pull(replay, page=FACEBOOK_PAGE, limits=facebook.Limits(insights=False))
    assert replay.unmatched == [] and replay.unplayed() == []
    (account,) = table(batch, "accounts")
    assert (account["handle"], account["followers"]) == ("facebookapp", 214507731)  # fan_count
    assert account["url"] == "https://www.facebook.com/facebookapp/"
    assert len(table(batch, "posts")) == 10
    stats = {s["post_id"]: s for s in table(batch, "post_stats")}
    first = stats["facebook:19292868552_10158349356748553"]
    assert (first["likes"], first["reposts"], first["replies"]) == (125, 10, 13)
    assert stats["facebook:19292868552_10158316421783553"]["likes"] == 26959
    replies = {r["interaction_id"]: r for r in table(batch, "interactions")}
    assert len(replies) == 15 and all(r["person_id"] is None for r in replies.values())
    assert table(batch, "people") == []
    # ids from the permalink: <object>_<comment>, a reply's parent from its comment_id
    top = replies["facebook:10158407654328553_10158407903973553"]
    assert top["in_reply_to_id"] is None and top["text"].startswith("Can someone from Instagram")
    answer = replies["facebook:10158407654328553_10158409983033553"]
    assert answer["in_reply_to_id"] == "facebook:10158407654328553_10158407903973553"
    assert sum(r["in_reply_to_id"] is not None for r in replies.values()) == 5
    assert {r["post_id"] for r in replies.values()} == {"facebook:19292868552_10158349356748553"}
    assert batch.notices == [
        "15 comment(s) came without their author (the API names who wrote a comment only to "
        "a Page token): kept without a person; give the connection a Page token to know who "
        "wrote them",
        "skipped 1 posts deleted during the pull (comments)",
    ]
    gone = f"facebook:{FACEBOOK_PAGE}#comments:19292868552_10158347294088553"
    assert gone not in batch.state  # read again next time
    assert batch.state[f"facebook:{FACEBOOK_PAGE}#comments:19292868552_10158349356748553"] == "13"
    no_secret(replay, *batch.notices)


def test_recorded_objects_nested_replies_aliases_and_old_counts(shared: Path) -> None:
    from rapport.connectors import _facebook_map as fbmap

    single = json.loads(fb(shared, "posts/single_post_data.json").read_text())
    assert fbmap.reactions_total(single) == 1 and fbmap.comments_total(single) == 0
    aliases_only = {k: v for k, v in single.items() if k != "reactions"}
    assert fbmap.reactions_total(aliases_only) == 1  # haha 1 through its alias
    only_count = json.loads(restfb(shared, "post-with-comment-count-only.json").read_text())
    normal = json.loads(restfb(shared, "post-with-normal-comments.json").read_text())
    assert fbmap.comments_total(only_count) == 3 and fbmap.comments_total(normal) == 3
    # comments embedded in a post (with `from`), and a reply nested in a comment's edge
    post = json.loads(restfb(shared, "v5_0/post-with-comment.json").read_text())
    model = json.loads(fb(shared, "../models/comment.json").read_text())
    thread = [{**post["comments"]["data"][0], "comments": {"data": [model]}}]
    found = list(fbmap.flatten_comments(thread, post_id="facebook:1234567890123_456789012345"))
    (first, _), (nested, _) = found
    assert (first.native_id, first.author_id, first.author_name) == (
        "123456789_9876543",
        "987654321",
        "Test User",
    )
    assert nested.parent_id == "123456789_9876543" and nested.author_id == "2711636948859886"
    # a comment without id, time or permalink id gets the same hashed id every time
    bare = {"created_time": "2021-08-10T18:45:03+0000", "message": "hello"}
    once = fbmap.comment_of(bare, post_id="facebook:1_2")
    again = fbmap.comment_of(dict(bare), post_id="facebook:1_2")
    assert once is not None and again is not None and once.hashed
    assert once.native_id == again.native_id and once.native_id.startswith("comment-")
    assert fbmap.comment_of({"message": "no time"}, post_id="facebook:1_2") is None


def test_a_refused_insight_metric_is_skipped_with_one_note(
    replay: ReplayServer, shared: Path
) -> None:
    replay.add(f"{V}/{FACEBOOK_PAGE}", Reply(fb(shared, "pages/single_fields_page.json")))
    replay.add(f"{V}/{FACEBOOK_PAGE}/posts", Reply(fb(shared, "posts/feed_fields_p1.json")))
    replay.add("/v10.0/4/posts", Reply(fb(shared, "posts/feed_fields_p2.json")),
               query={"until": "1624385168"})  # fmt: skip
    replay.add(f"{V}/4_10113477241177441/insights",
               Reply(restfb(shared, "v16_0/post-with-insight.json")))  # fmt: skip
    refused = meta(shared) / "airbyte_source_instagram"
    before_business = refused / "media_insights_for_error_posted_before_business.json"
    replay.add(f"{V}/4_10113449068715281/insights", Reply(before_business, status=400))
    replay.add(f"{V}/{FACEBOOK_PAGE}/insights",
               Reply(restfb(shared, "v2_2/cursor_only_paging2.json")))  # fmt: skip
    batch = pull(replay, page=FACEBOOK_PAGE, limits=facebook.Limits(posts=5))
    asked = [r.path for r in replay.requests if r.path.endswith("/insights")]
    assert asked == [f"{V}/4_10113477241177441/insights", f"{V}/4_10113449068715281/insights",
                     f"{V}/{FACEBOOK_PAGE}/insights"]  # fmt: skip
    assert table(batch, "post_stats") == []  # post_engaged_users is not a post_stats column
    (note,) = [n for n in batch.notices if "insights" in n]
    assert "subcode 2108006" in note and "rest of this pull" in note
    assert len(table(batch, "posts")) == 5
    no_secret(replay, *batch.notices)


# -- which Page ----------------------------------------------------------------------------
def test_a_user_token_with_several_pages_must_choose_one(
    replay: ReplayServer, shared: Path
) -> None:
    replay.add(f"{V}/me/accounts", Reply(fb(shared, "users/user_accounts_p1.json")))
    empty = Reply(restfb(shared, "v2_2/cursor_only_paging2.json"))
    replay.add("/v11.0/413140042878187/accounts", empty, query={"after": "after"})
    with pytest.raises(UsageError) as refused:
        pull(replay, page=None)
    text = str(refused.value)
    assert "manages 4 Pages" in text and "AAAAAAAAA (123)" in text and "FFFFFFFFFF" in text
    assert refused.value.option == "page" and "--" not in text
    no_secret(replay, text)


def test_a_user_token_with_one_page_and_a_page_token(replay: ReplayServer, shared: Path) -> None:
    replay.add(f"{V}/me/accounts", Reply(restfb(shared, "v2_2/cursor_only_paging1.json")))
    replay.add(f"{V}/12345678909876", Reply(restfb(shared, "exampleErrorNew.json"), status=400))
    with pytest.raises(AuthenticationError):
        pull(replay, page=None)
    assert [r.path for r in replay.requests] == [f"{V}/me/accounts", f"{V}/12345678909876"]

    page_token = ReplayServer()
    try:
        refusal = {"error": {"message": "(#100) Tried accessing nonexisting field (accounts) on "
                             "node type (Page)", "type": "OAuthException", "code": 100,
                             "fbtrace_id": "built"}}  # fmt: skip
        page_token.add(f"{V}/me/accounts", built(refusal, status=400))
        page_token.add(f"{V}/me", Reply(fb(shared, "pages/single_fields_page.json")))
        page_token.add(f"{V}/{FACEBOOK_PAGE}", Reply(fb(shared, "pages/single_default_page.json")))
        empty = Reply(restfb(shared, "v2_2/cursor_only_paging2.json"))
        page_token.add(f"{V}/{FACEBOOK_PAGE}/posts", empty)
        page_token.add(f"{V}/{FACEBOOK_PAGE}/insights", empty)
        batch = pull(page_token, page=None)
        (account,) = table(batch, "accounts")
        assert account["account_id"] == f"facebook:{FACEBOOK_PAGE}"
        assert account["display_name"] == "Facebook" and page_token.unmatched == []
    finally:
        page_token.close()


def test_a_page_id_that_is_not_a_number_and_an_empty_token() -> None:
    with pytest.raises(UsageError) as bad:
        facebook.pull_page(token=TOKEN, page="facebookapp", state={})
    assert TOKEN not in str(bad.value)
    with pytest.raises(UsageError) as empty:
        facebook.pull_page(token=" ", page=PAGE, state={})
    assert empty.value.option == "token"


# -- errors --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "error", "said"),
    [
        ("restfb_json/exampleErrorNew.json", AuthenticationError, "code 190, subcode 460"),
        ("airbyte_source_instagram/media_insights_for_error_with_wrong_permissions_code_10.json",
         AuthenticationError, "lacks a permission"),
        ("python_facebook_testdata/error.json", RequestRefused, "app secret proof"),
        ("python_facebook_testdata/base/error_data.json", ObjectGone, "Object does not exist"),
        ("restfb_json/oauthExampleError.json", RequestRefused, "subcode 1965014"),
    ],
)  # fmt: skip
def test_every_recorded_error_shape(
    replay: ReplayServer, shared: Path, name: str, error: type[Exception], said: str
) -> None:
    replay.add(f"{V}/{PAGE}", Reply(meta(shared) / name, status=400))
    with pytest.raises(error) as raised:
        pull(replay)
    assert said in str(raised.value)
    no_secret(replay, str(raised.value))
    tries = 3 if name.endswith("oauthExampleError.json") else 1  # code 1: tried again
    assert len(replay.requests) == tries


def usage_headers(percent: int) -> dict[str, str]:
    """BUILT headers: X-App-Usage as in restfb_json/batch/batch-first-error.json, and
    X-Business-Use-Case-Usage as in restfb_json/api/header-business.json."""
    business = {PAGE: [{"call_count": percent, "total_cputime": 16, "total_time": 45,
                        "type": "pages", "estimated_time_to_regain_access": 10}]}  # fmt: skip
    return {
        "X-App-Usage": json.dumps({"call_count": percent, "total_cputime": 2, "total_time": 2}),
        "X-Business-Use-Case-Usage": json.dumps(business),
    }


def test_a_rate_limit_raises_and_stores_nothing(replay: ReplayServer, tmp_path: Path) -> None:
    replay.add(f"{V}/{PAGE}", Reply(WORLD / "page.json"))
    limited = {"error": {"message": "(#4) Application request limit reached",
                         "type": "OAuthException", "is_transient": True, "code": 4,
                         "fbtrace_id": "built"}}  # fmt: skip
    replay.add(f"{V}/{PAGE}/posts", built(limited, status=403, headers=usage_headers(100)))
    ws = tmp_path / "ws"
    with pytest.raises(RateLimited) as raised:
        pull_into(ws, replay)
    assert raised.value.wait_minutes == 10 and "wait 10 minutes" in str(raised.value)
    assert "nothing was stored" in str(raised.value)
    assert not (ws / "rapport.duckdb").exists()
    no_secret(replay, str(raised.value))


def test_near_the_rate_limit_a_pull_stops_and_the_next_continues(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    whole = tmp_path / "whole"
    pull_into(whole, replay)

    near = ReplayServer()
    try:
        near.add(f"{V}/{PAGE}/posts", Reply(WORLD / "posts_p1.json", headers=usage_headers(95)),
                 Reply(WORLD / "posts_p1.json"))  # fmt: skip
        later = email.utils.format_datetime(
            dt.datetime.now(UTC) + dt.timedelta(hours=1), usegmt=True
        )
        near.add(f"{V}/{PAGE}", Reply(WORLD / "page.json"),
                 Reply(WORLD / "page.json", headers={"Date": later}))  # fmt: skip
        serve_world(near)  # after: the first route of a path and query wins
        ws = tmp_path / "ws"
        first = pull_into(ws, near)
        assert not any(r.path.endswith("/comments") for r in near.requests)
        with Store(ws / "rapport.duckdb") as store:
            state = store.sync_state("facebook:")
        assert state[f"facebook:{PAGE}#pending"].split() == [
            f"{PAGE}_2000000000000004",
            f"{PAGE}_2000000000000003",
        ]
        assert state[f"facebook:{PAGE}#older"] == str(
            int(dt.datetime(2026, 10, 22, 9, tzinfo=UTC).timestamp())
        )
        assert any("95% of its rate limit" in n for n in first.notices)
        pull_into(ws, near)
        # the stopped pull kept 2 posts' counts without insights; the next (an hour later
        # by the server's clock) observed them with insights: one more observation each
        assert counts(ws) == {**counts(whole), "post_stats": counts(whole)["post_stats"] + 2}
        assert latest_stats(ws) == latest_stats(whole)
        with Store(ws / "rapport.duckdb") as store:
            state = store.sync_state("facebook:")
        assert state[f"facebook:{PAGE}#pending"] == "" and state[f"facebook:{PAGE}#older"] == ""
    finally:
        near.close()


def test_insight_values_old_and_new_shapes(shared: Path) -> None:
    from rapport.connectors._facebook_map import insight_values

    new = json.loads(
        (
            meta(shared) / "python_facebook_testdata/instagram/apidata/users/user_insights_new.json"
        ).read_text()
    )
    assert list(insight_values(new)) == [("reach", "day", None, 14516883)]  # total_value
    old = json.loads((WORLD / "followers_p1.json").read_text())
    assert [v for _, _, _, v in insight_values(old)] == [120, 121, 123]  # values[]
    city = json.loads(restfb(shared, "v3_3/insight/page-1.json").read_text())
    assert list(insight_values(city)) == []  # an object per day is not a count
    lifetime = json.loads(restfb(shared, "v16_0/post-with-insight.json").read_text())
    assert list(insight_values(lifetime)) == [("post_engaged_users", "lifetime", None, 0)]


def test_a_later_pull_adds_changed_counts_and_new_comments(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """The second pull's answers for post 4 are BUILT from the fixture: 3 more reactions and
    a new comment (Dara's, on 4 November), so its comment total goes from 4 to 5."""
    newest = f"{PAGE}_2000000000000004"
    posts = json.loads((WORLD / "posts_p1.json").read_text())
    changed = posts["data"][0]
    assert changed["id"] == newest
    changed["reactions"]["summary"]["total_count"] = 12
    changed["comments"]["summary"]["total_count"] = 5
    comments = json.loads((WORLD / "comments_2000000000000004.json").read_text())
    comments["data"].append({
        "id": "2000000000000004_3000000000000099", "created_time": "2026-11-04T08:00:00+0000",
        "from": {"name": "Dara Finch", "id": "7100000000000004"},
        "message": "Still some left?", "like_count": 0, "comment_count": 0,
        "permalink_url": f"https://www.facebook.com/{PAGE}/posts/2000000000000004/"
        "?comment_id=3000000000000099",
    })  # fmt: skip
    comments["summary"]["total_count"] = 5
    replay.add(f"{V}/{PAGE}/posts", Reply(WORLD / "posts_p1.json"), built(posts))
    later = email.utils.format_datetime(dt.datetime.now(UTC) + dt.timedelta(hours=1), usegmt=True)
    replay.add(f"{V}/{PAGE}", Reply(WORLD / "page.json"),
               Reply(WORLD / "page.json", headers={"Date": later}))  # fmt: skip
    replay.add(f"{V}/{newest}/comments", Reply(WORLD / "comments_2000000000000004.json"),
               built(comments))  # fmt: skip
    serve_world(replay)
    ws = tmp_path / "ws"
    pull_into(ws, replay)
    asked = len(replay.requests)
    pull_into(ws, replay)
    again = [r.path for r in replay.requests[asked:] if r.path.endswith("/comments")]
    assert again == [f"{V}/{newest}/comments"]  # only the post whose total changed
    history = [
        (r["likes"], r["replies"])
        for r in sorted(rows(ws, "post_stats"), key=lambda r: r["observed_at"])
        if r["post_id"] == f"facebook:{newest}"
    ]
    assert history == [(9, 4), (12, 5)]  # the second pull's server time is an hour later
    replies = {r["interaction_id"] for r in rows(ws, "interactions")}
    assert len(replies) == 13 and "facebook:2000000000000004_3000000000000099" in replies
    with Store(ws / "rapport.duckdb") as store:
        assert store.sync_state(f"facebook:{PAGE}#comments:{newest}") == {
            f"facebook:{PAGE}#comments:{newest}": "5"
        }


def test_a_capped_first_pull_is_continued_into_older_posts(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    whole = tmp_path / "whole"
    pull_into(whole, replay)
    ws = tmp_path / "ws"
    first = pull_into(ws, replay, limits=facebook.Limits(posts=2))
    assert any("per-pull limit of 2" in n for n in first.notices)
    older = []
    for _ in range(4):  # one pull more each time the limit is reached
        with Store(ws / "rapport.duckdb") as store:
            older.append(store.sync_state(f"facebook:{PAGE}#older")[f"facebook:{PAGE}#older"])
        if older[-1] == "":
            break
        pull_into(ws, replay, limits=facebook.Limits(posts=2))
    oct_22 = str(int(dt.datetime(2026, 10, 22, 9, tzinfo=UTC).timestamp()))
    assert older == [oct_22, ""]
    posts = [r for r in replay.requests if r.path == f"{V}/{PAGE}/posts"]
    assert [r.param("until") for r in posts if r.param("until")] == [oct_22]
    assert counts(ws) == counts(whole)
