"""The Instagram Graph API connector against recorded responses on a local HTTP server.

The recorded files of ``../shared/samples/meta_graph_api/`` are served unchanged (their
``next`` URLs name graph.facebook.com and old versions such as ``/v6.0/``: routed as recorded).
What no recording has is built here and said to be built: a rate-limit error (the documented
envelope with the ``X-App-Usage`` / ``X-Business-Use-Case-Usage`` header shapes of
``restfb_json/batch/batch-first-error.json`` and ``restfb_json/api/header-business.json``), a
comments page wrapping the recorded ``ig_comment.json`` object, and the coherent world of
``tests/data/instagram_world/`` (its README says which recorded file each shape follows).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.api.data import _pull
from rapport.canonical.batch import Batch
from rapport.connectors import instagram
from rapport.connectors._graph_client import RateLimited
from rapport.connectors._instagram_map import Own, comment_of, insight_counts, thread_rows
from rapport.errors import AuthenticationError, RemoteError, UsageError
from rapport.store.db import ImportSummary
from rapport.workspace import Workspace
from tests.conftest import invoke, snapshot_file
from tests.importer_support import rows
from tests.replay_server import ReplayServer, Reply

TOKEN = "EAAGm0PX4ZCpsBAsecretlonglivedtoken"
V = "/v23.0"
FOLDER = "samples/meta_graph_api"
IG = "python_facebook_testdata/instagram/apidata"
ACCOUNT = "17841407673135339"  # users/user_fields.json: @facebookfordevelopers
MEDIA = ("17895731045244887", "17896622936197745", "17896129349106152", "17893085207160254")
WORLD = Path(__file__).parent / "data" / "instagram_world"
OWN = "17841400000000001"
WORLD_MEDIA = {n: f"1790000000000000{n}" for n in range(1, 5)}
HEADER_BUSINESS = "restfb_json/api/header-business.json"


def samples(shared: Path) -> Path:
    return shared / FOLDER


def pull(replay: ReplayServer, state: dict[str, str] | None = None, **options: Any) -> Batch:
    return instagram.pull_account(
        token=TOKEN,
        account=options.pop("account", ACCOUNT),
        state=state or {},
        base_url=replay.url,
        sleep=lambda seconds: None,
        **options,
    )


def table(batch: Batch, name: str) -> list[dict[str, Any]]:
    return batch.tables[name].to_pylist() if name in batch.tables else []


def error_reply(path: Path, status: int = 400, headers: dict[str, str] | None = None) -> Reply:
    return Reply(path, status=status, headers=headers or {})


def serve_recorded(
    replay: ReplayServer, shared: Path, *, media_headers: dict[str, str] | None = None
) -> None:
    """The account, two media pages, one media's two comment pages and the ``?ids=`` lookup
    of their authors, and every media's insights (old shape, new shape, 2108006, 2500).
    ``media_headers``: sent with the first media page the first time only."""
    root = samples(shared)
    ig = root / IG
    replay.add(f"{V}/{ACCOUNT}", Reply(ig / "users/user_fields.json"))
    first_page = Reply(ig / "users/medias_p1.json")
    if media_headers:
        replay.add(f"{V}/{ACCOUNT}/media", dataclasses.replace(first_page, headers=media_headers),
                   first_page)  # fmt: skip
    else:
        replay.add(f"{V}/{ACCOUNT}/media", first_page)
    replay.add(  # the recorded next URL, as recorded
        "/v6.0/17841406338772941/media",
        Reply(ig / "users/medias_p2.json"),
        query={"after": "after"},
    )
    replay.add(f"{V}/{ACCOUNT}/media", Reply(ig / "users/medias_p2.json"), query={"after": "after"})
    replay.add(f"{V}/{MEDIA[1]}/comments", Reply(ig / "medias/comments_p1.json"))
    replay.add(
        "/v11.0/17846368219941692/comments",
        Reply(ig / "medias/comments_p2.json"),
        query={"after": "after"},
    )
    replay.add(f"{V}/", Reply(ig / "comments/comments_fields.json"))
    replay.add(f"{V}/{MEDIA[0]}/insights", Reply(ig / "medias/insights.json"))
    replay.add(f"{V}/{MEDIA[1]}/insights", Reply(ig / "medias/insights_new.json"))
    replay.add(
        f"{V}/{MEDIA[2]}/insights",
        error_reply(
            root / "airbyte_source_instagram/media_insights_for_error_posted_before_business.json"
        ),
    )
    login = error_reply(root / "restfb_json/instagram/ig_login_exception.json")
    reels = Reply(root / "airbyte_source_instagram/media_insights_for_reels.json")
    replay.add(f"{V}/{MEDIA[3]}/insights", login)
    replay.add(f"{V}/{MEDIA[3]}/insights", reels, query={"metric": "reach"})
    replay.add(f"{V}/{MEDIA[3]}/insights", reels, query={"metric": "saved"})


# -- the recorded files -----------------------------------------------------------------------
def test_a_first_pull_maps_the_recorded_account(replay: ReplayServer, shared: Path) -> None:
    serve_recorded(replay, shared)
    batch = pull(replay)
    assert not replay.unmatched, replay.unmatched
    (account,) = table(batch, "accounts")
    assert account["account_id"] == "instagram:facebookfordevelopers"
    assert (account["role"], account["followers"]) == ("own", 64363)
    (followers,) = table(batch, "follower_counts")
    assert followers["followers"] == 64363
    posts = {p["post_id"]: p for p in table(batch, "posts")}
    assert sorted(posts) == sorted(f"instagram:{m}" for m in MEDIA)  # two pages, cursors + next
    album = posts["instagram:17896129349106152"]
    assert (album["format"], album["text"]) == ("image", "ALBUM")
    assert posts["instagram:17895731045244887"]["text"] is None  # no caption field
    stats = {s["post_id"]: s for s in table(batch, "post_stats")}
    old = stats[f"instagram:{MEDIA[0]}"]  # insights.json: impressions 8, reach 5, saved 0
    assert (old["impressions"], old["reach"], old["saves"], old["likes"]) == (8, 5, 0, 0)
    assert stats[f"instagram:{MEDIA[1]}"]["replies"] == 6
    assert stats[f"instagram:{MEDIA[2]}"]["reach"] is None  # posted before business (2108006)
    assert stats[f"instagram:{MEDIA[3]}"]["reach"] == 2006  # 2500, then metric by metric
    assert batch.state == {
        f"instagram:{ACCOUNT}#media_newest": "2021-08-13T08:25:28+00:00",
        f"instagram:{ACCOUNT}#media_after": "",
        f"instagram:{ACCOUNT}#comments:{MEDIA[1]}": "6",
        f"instagram:{ACCOUNT}#comments_due": "",
    }
    notes = "\n".join(batch.notices)
    assert "posted before the account became a professional one" in notes
    assert "insight metric 'shares' refused for IMAGE media" in notes
    assert "Unknown path components" in notes
    assert TOKEN not in notes


def test_comments_without_usernames_are_looked_up_and_paged(
    replay: ReplayServer, shared: Path
) -> None:
    serve_recorded(replay, shared)
    batch = pull(replay)
    replies = {i["interaction_id"]: i for i in table(batch, "interactions")}
    # comments_p1 (2) + comments_p2 (no paging at all, 2); none has a username
    assert sorted(replies) == sorted(
        f"instagram:{c}"
        for c in (
            "17858154961981086",
            "17874875428706419",
            "17892250648466172",
            "17914413430382429",
        )
    )
    assert {r["kind"] for r in replies.values()} == {"reply"}
    assert {r["post_id"] for r in replies.values()} == {f"instagram:{MEDIA[1]}"}
    # comments_fields.json (?ids=) names two of them; the two it does not stay without a person
    assert replies["instagram:17858154961981086"]["person_id"] == "instagram:lixiangguodu123"
    assert replies["instagram:17892250648466172"]["person_id"] == "instagram:ikroskun"
    assert replies["instagram:17874875428706419"]["person_id"] is None
    (lookup,) = replay.asked(f"{V}/")
    assert set((lookup.param("ids") or "").split(",")) == {r.split(":")[1] for r in replies}
    assert sorted(p["person_id"] for p in table(batch, "people")) == [
        "instagram:ikroskun",
        "instagram:lixiangguodu123",
    ]
    assert "comments whose author the API did not name (kept without a person): 2" in (
        batch.notices
    )


def test_nested_and_separately_read_replies(replay: ReplayServer, shared: Path) -> None:
    """ig_comment.json (a comment with ``replies.data``) on a built comments page; the same
    comment with its replies cut (a built ``paging.next``) reads replies.json."""
    ig = samples(shared) / "python_facebook_testdata/instagram"
    comment = json.loads((ig / "models/ig_comment.json").read_text())
    cut = dict(comment, id="17892250648466999")
    cut["replies"] = {"data": comment["replies"]["data"], "paging": {"next": "https://x/y"}}
    replay.add(f"{V}/{ACCOUNT}", Reply(ig / "apidata/users/user_fields.json"))
    page = {
        "data": [
            dict(m, comments_count=5)
            for m in json.loads((ig / "apidata/users/medias_p1.json").read_text())["data"][:1]
        ]
    }
    replay.add(f"{V}/{ACCOUNT}/media", Reply(page))
    replay.add(f"{V}/{MEDIA[0]}/comments", Reply({"data": [comment, cut]}))  # built page
    replay.add(f"{V}/17892250648466999/replies", Reply(ig / "apidata/comments/replies.json"))
    replay.add(f"{V}/{MEDIA[0]}/insights", Reply({"data": []}))
    replay.add(f"{V}/", Reply({}))
    batch = pull(replay)
    assert not replay.unmatched, replay.unmatched
    rows_by_id = {i["interaction_id"]: i for i in table(batch, "interactions")}
    nested = rows_by_id["instagram:17845747489952795"]  # ig_comment.json's reply, no username
    assert nested["in_reply_to_id"] == "instagram:17892250648466172"
    read = rows_by_id["instagram:17847314687296283"]  # replies.json, read separately
    assert read["in_reply_to_id"] == "instagram:17892250648466999"
    assert "instagram:17845747489952795" not in {r["in_reply_to_id"] for r in rows_by_id.values()}


def test_the_account_s_own_comments_are_posts_answering_people(shared: Path) -> None:
    """ig_comment.json is by ikroskun (``user.id`` only on the account's own comments):
    seen from that account, it is an own post; from another, someone's reply."""
    ig = samples(shared) / "python_facebook_testdata/instagram/models"
    item = json.loads((ig / "ig_comment.json").read_text())
    top = comment_of(item, media_id="17846368219941692", parent_id=None)
    replies = [comment_of(r, media_id=top.media_id, parent_id=top.native_id)
               for r in item["replies"]["data"]]  # fmt: skip
    mine = thread_rows(top, replies, own=Own("instagram:ikroskun", "17841406338772941", "ikroskun"))
    assert [t for t, _ in mine] == ["posts", "interactions"]
    assert mine[0][1]["in_reply_to_id"] == "instagram:17846368219941692"
    theirs = thread_rows(top, [], own=Own("instagram:someone", "1", "someone"))
    assert [t for t, _ in theirs] == ["people", "interactions"]
    assert theirs[1][1]["person_id"] == "instagram:ikroskun"
    missing = json.loads((samples(shared) / "restfb_json/instagram/comment_missing_user.json")
                         .read_text())  # fmt: skip
    assert comment_of(missing, media_id="1", parent_id=None).username == "bincyshiona"


def test_insights_old_and_new_shapes(shared: Path) -> None:
    ig = samples(shared) / IG
    old = json.loads((ig / "medias/insights.json").read_text())
    assert insight_counts(old, media_type="IMAGE") == {"impressions": 8, "reach": 5, "saves": 0}
    new = json.loads((ig / "users/user_insights_new.json").read_text())  # total_value
    assert (
        insight_counts(new, media_type="IMAGE")["reach"] == new["data"][0]["total_value"]["value"]
    )
    reels = json.loads(
        (samples(shared) / "airbyte_source_instagram/media_insights_for_reels.json").read_text()
    )
    assert insight_counts(reels, media_type="REELS") == {
        "reach": 2006, "saves": 7, "reposts": 1, "video_views": 2385,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("recorded", "error", "words"),
    [
        ("restfb_json/exampleErrorNew.json", AuthenticationError, "code 190, subcode 460"),
        ("airbyte_source_instagram/media_insights_for_error_with_wrong_permissions_code_10.json",
         AuthenticationError, "lacks a permission"),
        ("python_facebook_testdata/base/error_data.json", RemoteError, "Object does not exist"),
        ("python_facebook_testdata/error.json", RemoteError, "app secret proof"),
        ("restfb_json/oauthExampleError.json", RemoteError, "code 1, subcode 1965014"),
        ("restfb_json/instagram/ig_login_exception.json", RemoteError, "code 2500"),
    ],
)  # fmt: skip
def test_every_recorded_error_on_the_account_is_an_error_without_the_token(
    replay: ReplayServer, shared: Path, recorded: str, error: type[Exception], words: str
) -> None:
    replay.add(f"{V}/{ACCOUNT}", error_reply(samples(shared) / recorded))
    with pytest.raises(error) as raised:
        pull(replay)
    assert words in str(raised.value)
    assert TOKEN not in str(raised.value)
    assert all(TOKEN not in r.path + json.dumps(r.query) for r in replay.requests)
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in replay.requests)


def test_insights_without_the_permission_are_skipped_with_a_note(
    replay: ReplayServer, shared: Path
) -> None:
    serve_recorded(replay, shared)
    code_10 = samples(shared) / (
        "airbyte_source_instagram/media_insights_for_error_with_wrong_permissions_code_10.json"
    )
    replay.add(
        f"{V}/{MEDIA[0]}/insights",
        error_reply(code_10),
        query={"metric": "reach,saved,shares,views"},
    )
    batch = pull(replay)
    assert len(replay.asked(f"{V}/{MEDIA[1]}/insights")) == 0  # not asked again
    assert any("instagram_manage_insights" in n for n in batch.notices)
    assert len(table(batch, "post_stats")) == 4


def test_a_deleted_media_s_comments_are_skipped(replay: ReplayServer, shared: Path) -> None:
    serve_recorded(replay, shared)
    gone = samples(shared) / "python_facebook_testdata/base/error_data.json"
    replay.add(f"{V}/{MEDIA[1]}/comments", error_reply(gone), query={"limit": "50"})
    batch = pull(replay)
    assert "media deleted since the last pull (comments): 1" in batch.notices
    assert table(batch, "interactions") == []


def rate_headers(shared: Path, percent: int, *, regain: int = 0) -> dict[str, str]:
    """Built: X-App-Usage as in batch-first-error.json, X-Business-Use-Case-Usage as in
    header-business.json (its business id and numbers replaced)."""
    business = json.loads((samples(shared) / HEADER_BUSINESS).read_text())
    (entries,) = business.values()
    entries = [dict(e, call_count=percent, estimated_time_to_regain_access=regain) for e in entries]
    return {
        "X-App-Usage": json.dumps({"call_count": percent, "total_cputime": 2, "total_time": 2}),
        "X-Business-Use-Case-Usage": json.dumps({"1234567890": entries}),
    }


def test_near_the_rate_limit_a_pull_stops_and_the_next_continues(
    replay: ReplayServer, shared: Path
) -> None:
    serve_recorded(replay, shared, media_headers=rate_headers(shared, 95))
    first = pull(replay)
    assert len(table(first, "posts")) == 2
    assert first.state[f"instagram:{ACCOUNT}#media_after"] == "after"
    assert first.state[f"instagram:{ACCOUNT}#comments_due"] == MEDIA[1]
    assert any("95% of a rate limit" in n for n in first.notices)
    before = len(replay.requests)
    second = pull(replay, state=first.state)
    asked = [r for r in replay.requests[before:] if r.path == f"{V}/{ACCOUNT}/media"]
    assert [r.param("after") for r in asked] == [None, "after"]
    assert sorted(p["post_id"] for p in table(second, "posts")) == sorted(
        f"instagram:{m}" for m in MEDIA
    )
    assert len(table(second, "interactions")) == 4
    assert second.state[f"instagram:{ACCOUNT}#media_after"] == ""
    assert second.state[f"instagram:{ACCOUNT}#comments_due"] == ""


def test_a_rate_limit_error_raises_with_meta_s_wait(replay: ReplayServer, shared: Path) -> None:
    serve_recorded(replay, shared)
    built = {"error": {"message": "(#4) Application request limit reached", "type":
                       "OAuthException", "is_transient": True, "code": 4,
                       "fbtrace_id": "AbuiltTraceId"}}  # fmt: skip
    replay.add(f"{V}/{MEDIA[1]}/comments", Reply(built, status=400,
               headers=rate_headers(shared, 100, regain=10)), query={"limit": "50"})  # fmt: skip
    with pytest.raises(RateLimited) as raised:
        pull(replay)
    assert raised.value.wait_minutes == 10
    assert "wait 10 minutes" in str(raised.value) and TOKEN not in str(raised.value)


def test_the_account_is_found_from_the_token_or_must_be_chosen(
    replay: ReplayServer, shared: Path
) -> None:
    serve_recorded(replay, shared)
    # /me/accounts refused (the recorded #100), then /me (a Page token) names one: built
    two = {"data": [{"id": "1", "instagram_business_account": {"id": "17841400000000001",
                     "username": "one"}}, {"id": "2", "instagram_business_account": {
                     "id": "17841400000000002", "username": "two"}}]}  # fmt: skip
    refused = error_reply(samples(shared) / "python_facebook_testdata/error.json")
    replay.add(f"{V}/me/accounts", refused, Reply(two))  # the second time: two accounts
    replay.add(f"{V}/me", Reply({"instagram_business_account": {"id": ACCOUNT, "username":
                                 "facebookfordevelopers"}, "id": "20531316728"}))  # fmt: skip
    batch = pull(replay, account=None)
    assert table(batch, "accounts")[0]["handle"] == "facebookfordevelopers"
    with pytest.raises(UsageError) as raised:
        pull(replay, account=None)
    assert "one (17841400000000001), two (17841400000000002)" in str(raised.value)
    assert raised.value.option == "account" and "--" not in str(raised.value)


# -- into a workspace: idempotence and a pull cut off mid-way ---------------------------------
def store(ws: Path, fetch: Callable[[dict[str, str]], Batch]) -> ImportSummary:
    return _pull(Workspace(ws), "instagram:", fetch, None, None)


def counts(ws: Path) -> dict[str, int]:
    names = ("accounts", "people", "posts", "interactions", "post_stats", "follower_counts")
    return {name: len(rows(ws, name)) for name in names}


def test_re_pulling_stores_nothing_new(replay: ReplayServer, shared: Path, tmp_path: Path) -> None:
    serve_recorded(replay, shared)
    ws = tmp_path / "ws"
    first = store(ws, lambda state: pull(replay, state))
    assert first.total("added") > 0
    again = store(ws, lambda state: pull(replay, state))
    assert (again.total("added"), again.total("updated")) == (0, 0)
    assert again.total("unchanged") > 0


def serve_world(replay: ReplayServer, *, date: str | None = None) -> None:
    """tests/data/instagram_world/ (built in the recorded shapes) on the replay server;
    ``date``: the server's time (the moment of the pull), else now."""
    replay.add(f"{V}/{OWN}", Reply(WORLD / "account.json", headers={"Date": date} if date else {}))
    replay.add(f"{V}/{OWN}/media", Reply(WORLD / "media_p1.json"))
    replay.add(
        f"{V}/{OWN}/media", Reply(WORLD / "media_p2.json"), query={"after": "QVFIUmFmdGVyMw"}
    )
    m1 = WORLD_MEDIA[1]
    replay.add(f"{V}/{m1}/comments", Reply(WORLD / "comments_m1_p1.json"))
    replay.add(f"{V}/{m1}/comments", Reply(WORLD / "comments_m1_p2.json"),
               query={"after": "QVFIUmNvbW1lbnQz"})  # fmt: skip
    replay.add(f"{V}/17950000000000004/replies", Reply(WORLD / "replies_c4.json"))
    for n in (2, 3, 4):
        replay.add(f"{V}/{WORLD_MEDIA[n]}/comments", Reply(WORLD / f"comments_m{n}.json"))
    for n, media in WORLD_MEDIA.items():
        replay.add(f"{V}/{media}/insights", Reply(WORLD / f"insights_m{n}.json"))


def pull_world(replay: ReplayServer) -> Callable[[dict[str, str]], Batch]:
    return lambda state: pull(replay, state, account=OWN, limits=instagram.Limits(media_page=2))


def test_a_pull_cut_after_page_3_stores_nothing_and_the_next_completes(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    whole = tmp_path / "whole"
    store(whole, pull_world(replay))
    expected = counts(whole)
    # 4 media + 7 answers by the account; 12 comments and replies by 6 people
    assert expected == {"accounts": 1, "people": 6, "posts": 11, "interactions": 12,
                        "post_stats": 4, "follower_counts": 1}  # fmt: skip

    cut = tmp_path / "cut"
    store(cut, lambda state: pull(replay, state, account=OWN, limits=instagram.Limits(media=2)))
    before = snapshot_file(cut / "rapport.duckdb")
    replay.cut(after=3)  # the account, media page 1, media page 2; then resets
    with pytest.raises(RemoteError):
        store(cut, pull_world(replay))
    assert replay.resets >= 1
    assert snapshot_file(cut / "rapport.duckdb") == before
    replay.cut(after=None)
    store(cut, pull_world(replay))
    assert counts(cut) == expected


def test_the_built_world_gives_the_hand_counted_metrics(
    replay: ReplayServer, tmp_path: Path, cli: CliRunner
) -> None:
    serve_world(replay)
    ws = tmp_path / "ws"
    store(ws, pull_world(replay))
    assert not replay.unmatched and not replay.unplayed()
    result = invoke(cli, "metrics", "--json", "--workspace", ws)
    assert result.exit_code == 0, result.output
    metrics = {m["id"]: m for m in json.loads(result.stdout)}
    # 12 comments and replies by others; 7 answered (README table): 1, 2, 4, 5, 7, 8, 10
    assert (metrics["reply_rate"]["n"], metrics["reply_rate"]["value"]) == (
        12,
        pytest.approx(7 / 12),
    )
    # answer delays in hours: 0.5, 1, 2, 4, 6, 24, 24 -> median 4
    assert metrics["time_to_first_reply"]["value"] == pytest.approx(4.0)
    # in 2+ distinct weeks: ana (Oct 1, Oct 15, Nov 5), ben (Oct 1, Nov 2), chloe (Oct 2-3,
    # Nov 20), dev (Oct 3, Nov 21); eli and fay once
    assert metrics["returning_people"]["value"] == 4
    # first engaged in October and again later: ana, ben, chloe, dev of ana..eli (fay: November,
    # the data's last month, is left out)
    assert metrics["engager_return_rate"]["value"] == pytest.approx(4 / 5)
    assert (metrics["core_community"]["value"], metrics["core_community"]["n"]) == (4, 6)
    posts = {p["post_id"]: p for p in rows(ws, "posts")}
    own_answer = posts["instagram:17960000000000004"]
    assert own_answer["in_reply_to_id"] == "instagram:17950000000000004"
    stats = {s["post_id"]: s for s in rows(ws, "post_stats")}
    assert stats[f"instagram:{WORLD_MEDIA[2]}"]["video_views"] == 1020  # views of a video
    assert stats[f"instagram:{WORLD_MEDIA[1]}"]["impressions"] == 655  # views of an image


def test_new_comments_on_an_older_post_and_changed_counts_in_the_next_pull(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """Built from the world: a day later media 4 has one more like and one more comment; only
    its comments are read again, and its counts become a second post_stats row."""
    serve_world(replay, date="Sat, 21 Nov 2026 12:00:00 GMT")
    ws = tmp_path / "ws"
    store(ws, pull_world(replay))
    page = json.loads((WORLD / "media_p1.json").read_text())
    page["data"][0].update(like_count=62, comments_count=4)
    comments = json.loads((WORLD / "comments_m4.json").read_text())
    eli = {"id": "17841450000000015", "username": "eli.rye"}
    comments["data"].insert(0, {
        "id": "17950000000000012", "text": "Still dreaming of these", "username": "eli.rye",
        "timestamp": "2026-11-22T09:00:00+0000", "from": eli, "like_count": 0,
    })  # fmt: skip
    later = ReplayServer()
    try:
        a_day_later = {"Date": "Sun, 22 Nov 2026 12:00:00 GMT"}  # the moment of the pull
        later.add(f"{V}/{OWN}", Reply(WORLD / "account.json", headers=a_day_later))
        later.add(f"{V}/{OWN}/media", Reply(page))
        later.add(f"{V}/{WORLD_MEDIA[4]}/comments", Reply(comments))
        # 28 days back from Nov 22 reach into the second page: read again, unchanged
        later.add(
            f"{V}/{OWN}/media", Reply(WORLD / "media_p2.json"), query={"after": "QVFIUmFmdGVyMw"}
        )
        for n in (1, 2, 3, 4):
            later.add(f"{V}/{WORLD_MEDIA[n]}/insights", Reply(WORLD / f"insights_m{n}.json"))
        summary = store(ws, pull_world(later))
        assert not later.unmatched, later.unmatched
        asked = {r.path for r in later.requests}
    finally:
        later.close()
    assert f"{V}/{WORLD_MEDIA[3]}/comments" not in asked  # its count did not change
    assert summary.tables["interactions"].added == 1
    assert summary.tables["post_stats"].added == 1  # media 3's counts are the same
    history = [s for s in rows(ws, "post_stats") if s["post_id"] == f"instagram:{WORLD_MEDIA[4]}"]
    assert sorted(s["likes"] for s in history) == [61, 62]
    assert max(s["observed_at"] for s in history).isoformat() == "2026-11-22T12:00:00+00:00"
    by_eli = [i for i in rows(ws, "interactions") if i["person_id"] == "instagram:eli.rye"]
    assert len(by_eli) == 2
