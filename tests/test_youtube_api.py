"""The YouTube Data API v3 connector against a real HTTP server on 127.0.0.1.

Two kinds of answers are served (tests/replay_server.py), each said where it is used:

* **recorded** responses of the real API, unchanged, from
  ``../shared/samples/youtube_data_api/`` (its README says which were recorded; the files come
  from different channels and years: the recorded comment threads belong to another video
  than the recorded video, and the recorded replies to another thread than the recorded
  threads, which the assertions below say where it shows);
* **built** answers: the coherent channel of ``tests/data/youtube_world/`` (its README: built
  in the recorded files' exact shapes, invented people), and the ``quotaExceeded``,
  ``commentsDisabled`` and ``videoNotFound`` errors, of which no recording exists, built in the
  documented envelope (the one ``error_response.json`` has).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

import rapport
from rapport.api.data import _pull
from rapport.canonical.batch import Batch
from rapport.connectors import _youtube_client, youtube
from rapport.connectors.youtube import Limits
from rapport.errors import AuthenticationError, RemoteError, UsageError
from rapport.metrics import run_metrics
from rapport.store import ImportSummary
from rapport.workspace import Workspace
from tests.conftest import snapshot_file
from tests.importer_support import rows
from tests.replay_server import ReplayServer, Reply

YT = "/youtube/v3"
KEY = "AIzaTEST-key-never-shown-0123456789"
RECORDED = "samples/youtube_data_api/python_youtube_testdata"
WORLD = Path(__file__).parent / "data" / "youtube_world"
CH = "UCbakeryWorld0000000000A"
OWN = f"youtube:{CH}"
V = {n: f"bkVid00000{n}" for n in (1, 2, 3, 4)}
T7 = "UgwWorldThread07xxxxx4AaABAg"
WORLD_LIMITS = Limits(playlist_page=2, threads_page=2, replies_page=2)
"""The page sizes the built files use: every list is read across pages."""
GOOGLE_DEVELOPERS = "UC_x5XG1OV2P6uZZ5FSM9Ttw"
THREADS_PAGE_2 = (
    "QURTSl9pMzdZOUVzMkI0czlmRmNjSVBPcTBTdzVzajUydDVnbE5SNElWS0l5WU12amYweVotdzF5c1hTNmxz"
    "UmVIcEZXbmVEVFMzNVJmWk82TVVwUlB2LWh5aUpOQlA5TGQzTWZEcHlTeTd2dlNGRUFZaVF0cmtJd01BTHln"
    "OG0="
)
REPLIES_PAGE_2 = (
    "R0FJeVZnbzBJTl9zNXRxNXlPWUNNaWtRQUJpQ3RNeW4wcFBtQWlBQktBTXdDam9XT1RGNlZETmpXV0kxUWpJ"
    "NU1YcGhOV1ZLZUhwek1SSWVDQVVTR2xWbmR6VjZXVlUyYmpsd2JVbG5RVnBYZGs0MFFXRkJRa0ZuT2lBSUFS"
    "SWNOVHBWWjNjMWVsbFZObTQ1Y0cxSlowRmFWM1pPTkVGaFFVSkJadw=="
)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retries back off without waiting; the waits asked for are kept."""
    waits: list[float] = []
    monkeypatch.setattr(_youtube_client, "sleep", waits.append)
    return waits


def built_error(code: int, reason: str, domain: str, message: str) -> Reply:
    """NOT recorded: an error in the envelope YouTube documents (error_response.json's)."""
    body = {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }
    return Reply(body, status=code)


QUOTA_EXCEEDED = built_error(
    403,
    "quotaExceeded",
    "youtube.quota",
    "The request cannot be completed because you have exceeded your quota.",
)
COMMENTS_DISABLED = built_error(
    403,
    "commentsDisabled",
    "youtube.commentThread",
    "The video identified by the videoId parameter has disabled comments.",
)
VIDEO_NOT_FOUND = built_error(
    404,
    "videoNotFound",
    "youtube.commentThread",
    "The video identified by the videoId parameter could not be found.",
)


# -- the built world -----------------------------------------------------------------------
def serve_world(replay: ReplayServer, *, later: bool = False, skip: set[int] = frozenset()) -> None:
    """Routes for the built channel (``later``: as it is a few weeks on)."""

    def file(name: str) -> Reply:
        return Reply(
            WORLD / ("later" if later and (WORLD / "later" / name).exists() else "") / name
        )

    uploads = "UU" + CH[2:]
    replay.add(f"{YT}/channels", file("channels.json"), query={"id": CH})
    replay.add(f"{YT}/channels", file("channels.json"), query={"forHandle": "@crumbandco"})
    replay.add(f"{YT}/playlistItems", file("playlist_items_1.json"), query={"playlistId": uploads})
    replay.add(
        f"{YT}/playlistItems",
        file("playlist_items_2.json"),
        query={"playlistId": uploads, "pageToken": "CAIQAA"},
    )
    replay.add(f"{YT}/videos", file("videos.json"))
    threads = f"{YT}/commentThreads"
    if 1 not in skip:
        replay.add(threads, file("threads_v1_1.json"), query={"videoId": V[1]})
        for page, token in ((2, "QURTSl9pV29ybGRQYWdlMg=="), (3, "QURTSl9pV29ybGRQYWdlMw==")):
            replay.add(
                threads,
                file(f"threads_v1_{page}.json"),
                query={"videoId": V[1], "pageToken": token},
            )
    replay.add(threads, file("threads_v2.json"), query={"videoId": V[2]})
    replay.add(threads, file("threads_v3.json"), query={"videoId": V[3]})
    replay.add(f"{YT}/comments", file("comments_t7_1.json"), query={"parentId": T7})
    replay.add(
        f"{YT}/comments",
        file("comments_t7_2.json"),
        query={"parentId": T7, "pageToken": "R0FJeVZnV29ybGRSZXBsaWVzMg=="},
    )


def pull_world(replay: ReplayServer, state: dict[str, str] | None = None, **options: Any) -> Batch:
    settings: dict[str, Any] = {"api_key": KEY, "limits": WORLD_LIMITS, **options}
    return youtube.pull_channel(
        channel=settings.pop("channel", CH),
        state=state or {},
        base_url=replay.url + YT,
        **settings,
    )


def store(workspace: Path, fetch: Any) -> ImportSummary:
    """Pull and store as the API does (rapport.api.data._pull: earlier state in, data and new
    state written in one transaction)."""
    return _pull(Workspace(workspace), "youtube:", fetch, None, None)


def store_world(workspace: Path, replay: ReplayServer) -> ImportSummary:
    return store(workspace, lambda state: pull_world(replay, state))


def counts(workspace: Path) -> dict[str, int]:
    tables = ("accounts", "people", "posts", "interactions", "post_stats", "follower_counts")
    return {name: len(rows(workspace, name)) for name in tables}


def asked(replay: ReplayServer) -> dict[str, int]:
    found: dict[str, int] = {}
    for request in replay.requests:
        name = request.path.removeprefix(YT + "/")
        found[name] = found.get(name, 0) + 1
    return found


def test_a_pull_of_the_built_channel_maps_everything(replay: ReplayServer) -> None:
    serve_world(replay)
    batch = pull_world(replay)
    assert not replay.unmatched and not batch.rejections
    assert all(key.startswith(f"youtube:{CH}:") for key in batch.state)
    tables = {name: table.to_pylist() for name, table in batch.tables.items()}
    (account,) = tables["accounts"]
    assert (account["account_id"], account["handle"], account["role"]) == (
        OWN,
        "@crumbandco",
        "own",
    )
    assert account["followers"] == 1250 and account["url"] == "https://www.youtube.com/@crumbandco"
    assert tables["follower_counts"][0]["followers"] == 1250
    posts = {row["post_id"]: row for row in tables["posts"]}
    videos = [p for p in posts.values() if p["format"] == "video"]
    assert sorted(p["post_id"] for p in videos) == [f"youtube:{V[n]}" for n in (1, 2, 3)]
    assert posts[f"youtube:{V[3]}"]["hashtags"] == ["bread"]
    assert posts[f"youtube:{V[3]}"]["links"] == ["https://crumb.example/recipes/3"]
    assert posts[f"youtube:{V[1]}"]["created_at"] == dt.datetime(2026, 6, 2, 15, tzinfo=dt.UTC)
    answers = [p for p in posts.values() if p["format"] == "text"]
    assert len(answers) == 9  # eight answers in threads and one top-level comment of its own
    own_top = posts["youtube:UgwWorldThread12xxxxx4AaABAg"]
    assert own_top["in_reply_to_id"] == f"youtube:{V[3]}"
    answer_to_ben = posts[f"youtube:{T7}.9WorldReply02x"]  # found only through comments.list
    assert answer_to_ben["in_reply_to_id"] == f"youtube:{T7}"
    assert answer_to_ben["account_id"] == OWN
    stats = {row["post_id"]: row for row in tables["post_stats"]}
    assert (stats[f"youtube:{V[2]}"]["video_views"], stats[f"youtube:{V[2]}"]["likes"]) == (
        1210,
        77,
    )
    assert stats[f"youtube:{V[2]}"]["replies"] == 10
    interactions = {row["interaction_id"]: row for row in tables["interactions"]}
    assert len(interactions) == 15 and {i["kind"] for i in interactions.values()} == {"reply"}
    dev = interactions[f"youtube:{T7}.9WorldReply03x"]
    assert (dev["post_id"], dev["in_reply_to_id"]) == (f"youtube:{V[2]}", f"youtube:{T7}")
    assert dev["person_id"] == "youtube:UCdevWorld0000000000000B" and dev["account_id"] == OWN
    ada = interactions["youtube:UgwWorldThread01xxxxx4AaABAg"]
    assert ada["text"] == "My starter finally doubled! How often do you feed it?"
    assert ada["in_reply_to_id"] == f"youtube:{V[1]}"
    people = {row["person_id"]: row for row in tables["people"]}
    assert len(people) == 6 and OWN not in people
    assert people["youtube:UCadaWorld0000000000000B"]["display_name"] == "Ada Crumb"
    assert people["youtube:UCadaWorld0000000000000B"]["first_seen_at"] == dt.datetime(
        2026, 6, 2, 18, tzinfo=dt.UTC
    )
    # channels 1, playlistItems 2, videos 1, commentThreads 3 + 1 + 1, comments 2
    assert asked(replay) == {
        "channels": 1, "playlistItems": 2, "videos": 1, "commentThreads": 5, "comments": 2
    }  # fmt: skip
    assert (
        "quota: 11 units of the 10,000 a day (channels.list 1, playlistItems.list 2, "
        "videos.list 1, commentThreads.list 5, comments.list 2)"
    ) in batch.notices
    assert all(r.param("key") == KEY and "authorization" not in r.headers for r in replay.requests)
    thread_asks = replay.asked(f"{YT}/commentThreads")
    assert {r.param("part") for r in thread_asks} == {"snippet,replies"}
    assert {r.param("order") for r in thread_asks} == {"time"}


def test_the_metrics_of_the_built_channel_match_a_hand_count(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    workspace = tmp_path / "ws"
    summary = store_world(workspace, replay)
    assert summary.total("rejected") == 0
    with rapport.open(workspace) as session:
        results = {r.id: r for r in run_metrics(session)}
    # By hand (tests/data/youtube_world/README.md): 15 comments by people (11 threads they
    # started, 4 replies by them in threads); the channel answered threads 1, 2, 5, 6, 7, 8, 10.
    assert results["reply_rate"].value == pytest.approx(7 / 15) and results["reply_rate"].n == 15
    # first answers after 2, 6, 10, 24, 4, 1.5 and 6 hours: median 6; 8 unanswered
    ttfr = results["time_to_first_reply"]
    assert ttfr.value == pytest.approx(6.0) and ttfr.n == 7
    assert ttfr.extra["unanswered"] == 8
    # weeks (Monday to Sunday) people commented in: Ada Jun 1, Aug 17, Sep 14; Ben Jun 1,
    # Aug 17; Cleo and Dev Jun 1, Aug 17, Sep 14; Eli Jun 1 only (twice); Fay Aug 17 only.
    assert results["engaged_people"].value == 6
    assert results["returning_people"].value == 4
    # the data ends 09-18 13:00 (the last answer): the 90 days since 06-20 leave out June;
    # Ada, Cleo and Dev are active in 2 weeks of it, Ben and Fay in one, Eli in none.
    core = results["core_community"]
    assert (core.value, core.n) == (3, 5)


def test_a_later_pull_reads_only_new_uploads_and_changed_threads(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    workspace = tmp_path / "ws"
    store_world(workspace, replay)
    before = counts(workspace)
    later = ReplayServer()
    later.answer_at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    try:
        serve_world(later, later=True)
        summary = store_world(workspace, later)
        # channels 1, playlistItems 1 (its first page holds a known upload), videos 1 (all
        # four ids), commentThreads 1: only video 3's comment count changed (6 -> 7)
        assert asked(later) == {
            "channels": 1, "playlistItems": 1, "videos": 1, "commentThreads": 1
        }  # fmt: skip
        assert later.asked(f"{YT}/videos")[0].param("id") == ",".join(V[n] for n in (4, 3, 2, 1))
    finally:
        later.close()
    assert any(n.startswith("incremental pull (since ") for n in summary.notices)
    assert any("1 new upload(s), comments read on 1 video(s)" in n for n in summary.notices)
    after = counts(workspace)
    assert after["posts"] == before["posts"] + 1  # video 4
    assert after["interactions"] == before["interactions"] + 1  # Fay's thread 13
    # counts are history: video 3 moved and video 4 is new; videos 1 and 2 did not move
    assert after["post_stats"] == before["post_stats"] + 2
    assert after["follower_counts"] == before["follower_counts"] + 1
    views = sorted(
        (r["observed_at"], r["video_views"])
        for r in rows(workspace, "post_stats")
        if r["post_id"] == f"youtube:{V[3]}"
    )
    assert [v for _, v in views] == [640, 820]


def test_pulling_the_same_data_again_changes_nothing(replay: ReplayServer, tmp_path: Path) -> None:
    serve_world(replay)
    workspace = tmp_path / "ws"
    store_world(workspace, replay)
    first = {name: rows(workspace, name) for name in ("people", "posts", "interactions")}
    again = store_world(workspace, replay)  # with the saved state
    assert again.total("added") == 0 and again.total("updated") == 0
    fresh = store(workspace, lambda state: pull_world(replay, {}))  # everything read again
    assert fresh.total("added") == 0 and fresh.total("updated") == 0
    assert {name: rows(workspace, name) for name in first} == first


def test_a_pull_cut_off_midway_stores_nothing_and_the_next_one_completes(
    replay: ReplayServer, tmp_path: Path, no_waiting: list[float]
) -> None:
    serve_world(replay)
    whole = tmp_path / "whole"
    store_world(whole, replay)
    cut = tmp_path / "cut"
    replay.cut(after=3)  # channels, playlist pages 1 and 2 answered; then connections reset
    with pytest.raises(RemoteError) as caught:
        store_world(cut, replay)
    assert replay.resets == 3 and no_waiting == [1.0, 2.0]  # three tries of videos.list
    assert "videos.list failed 3 times" in str(caught.value) and KEY not in str(caught.value)
    assert not (cut / "rapport.duckdb").exists() or sum(counts(cut).values()) == 0
    replay.cut(after=None)
    store_world(cut, replay)
    assert counts(cut) == counts(whole)
    assert counts(cut)["interactions"] == 15


def test_the_channel_by_handle_and_with_an_oauth_token(replay: ReplayServer) -> None:
    serve_world(replay)
    batch = pull_world(replay, channel="@crumbandco", api_key=None, oauth_token="ya29.tok")
    assert batch.tables["accounts"].to_pylist()[0]["account_id"] == OWN
    assert replay.requests[0].param("forHandle") == "@crumbandco"
    assert all(r.headers["authorization"] == "Bearer ya29.tok" for r in replay.requests)
    assert all(r.param("key") is None for r in replay.requests)


def test_exactly_one_credential_and_a_real_channel() -> None:
    with pytest.raises(UsageError, match="exactly one"):
        youtube.pull_channel(channel=CH, state={})
    with pytest.raises(UsageError, match="exactly one"):
        youtube.pull_channel(channel=CH, api_key="k", oauth_token="t", state={})
    with pytest.raises(UsageError, match="not a YouTube channel"):
        youtube.pull_channel(channel="my channel", api_key="k", state={})


# -- errors ----------------------------------------------------------------------------------
def test_turned_off_comments_skip_one_video_and_the_pull_goes_on(
    replay: ReplayServer, tmp_path: Path
) -> None:
    # commentsDisabled: NOT recorded (no recording exists), built in the documented envelope
    replay.add(f"{YT}/commentThreads", COMMENTS_DISABLED, query={"videoId": V[1]})
    serve_world(replay, skip={1})
    batch = pull_world(replay)
    (note,) = [n for n in batch.notices if V[1] in n]
    assert "comments are turned off (commentsDisabled)" in note and "the rest was pulled" in note
    interactions = batch.tables["interactions"].to_pylist()
    assert len(interactions) == 15 - 6  # video 1's five threads and Dev's reply are missing
    assert batch.state[f"youtube:{CH}:comments:{V[1]}"] == "8"  # not asked again until it moves


def test_a_video_not_found_is_skipped_with_a_note(replay: ReplayServer) -> None:
    # videoNotFound: NOT recorded, built in the documented envelope
    replay.add(f"{YT}/commentThreads", VIDEO_NOT_FOUND, query={"videoId": V[1]})
    serve_world(replay, skip={1})
    batch = pull_world(replay)
    assert any(f"video {V[1]}" in n and "videoNotFound" in n for n in batch.notices)
    assert batch.tables["interactions"].num_rows == 9


def test_a_spent_quota_says_when_it_resets_and_stores_nothing(
    replay: ReplayServer, tmp_path: Path
) -> None:
    # quotaExceeded: NOT recorded, built in the documented envelope
    replay.add(f"{YT}/commentThreads", QUOTA_EXCEEDED, query={"videoId": V[2]})
    serve_world(replay)
    workspace = tmp_path / "ws"
    noon = dt.datetime(2026, 9, 20, 12, tzinfo=dt.UTC)  # 05:00 in Los Angeles (PDT)
    with pytest.raises(RemoteError) as caught:
        store(workspace, lambda state: pull_world(replay, state, clock=lambda: noon))
    message = str(caught.value)
    assert "the day's 10,000 quota units" in message and "nothing was stored" in message
    assert "midnight Pacific time (2026-09-21 07:00 UTC)" in message
    assert KEY not in message and "--" not in message
    assert not (workspace / "rapport.duckdb").exists() or sum(counts(workspace).values()) == 0


def test_a_bad_key_is_an_authentication_error(replay: ReplayServer, shared: Path) -> None:
    # recorded (copied by the sample's author from google-api-python-client): 400 keyInvalid
    replay.add(f"{YT}/channels", Reply(shared / RECORDED / "error_response.json", status=400))
    with pytest.raises(AuthenticationError) as caught:
        pull_world(replay)
    assert "keyInvalid" in str(caught.value) and KEY not in str(caught.value)
    assert len(replay.requests) == 1  # no retry of a refused key


def test_permission_denied_is_a_remote_error_with_a_fix(replay: ReplayServer, shared: Path) -> None:
    # recorded (origin not stated): 403 PERMISSION_DENIED, reason SERVICE_UNAVAILABLE
    path = shared / RECORDED / "apidata" / "error_permission_resp.json"
    replay.add(f"{YT}/channels", Reply(path, status=403))
    with pytest.raises(RemoteError) as caught:
        pull_world(replay)
    assert not isinstance(caught.value, AuthenticationError)
    assert "enable the YouTube Data API v3" in str(caught.value)
    assert "SERVICE_UNAVAILABLE" in str(caught.value) and len(replay.requests) == 1


def test_a_backend_error_is_retried_then_given_up(
    replay: ReplayServer, shared: Path, no_waiting: list[float]
) -> None:
    # recorded: google-api-python-client's 503 backendError, which YouTube answers too
    busy = Reply(shared / "samples/youtube_data_api/google_api_python_client/503.json", status=503)
    replay.add(f"{YT}/videos", busy, busy, Reply(WORLD / "videos.json"))
    serve_world(replay)
    batch = pull_world(replay)  # the third try passes
    assert no_waiting == [1.0, 2.0] and batch.tables["interactions"].num_rows == 15
    assert "videos.list 3" in next(n for n in batch.notices if n.startswith("quota:"))
    stuck = ReplayServer()
    try:
        stuck.add(f"{YT}/channels", busy)
        with pytest.raises(RemoteError, match=r"channels\.list failed 3 times.*backendError"):
            pull_world(stuck)
        assert len(stuck.requests) == 3
    finally:
        stuck.close()


# -- the recorded responses ----------------------------------------------------------------
def serve_recorded(
    replay: ReplayServer, shared: Path, *, channel: str = "channel_info_single.json"
) -> Path:
    """The recorded channel (Google Developers), its recorded playlist pages and video."""
    data = shared / RECORDED
    channels = (
        data
        / "apidata"
        / (channel if channel == "channel_info_single.json" else f"channels/{channel}")
    )
    replay.add(f"{YT}/channels", Reply(channels), query={"id": GOOGLE_DEVELOPERS})
    uploads = "UU" + GOOGLE_DEVELOPERS[2:]
    pages = data / "apidata" / "playlist_items"
    replay.add(
        f"{YT}/playlistItems",
        Reply(pages / "playlist_items_paged_1.json"),
        query={"playlistId": uploads},
    )
    replay.add(
        f"{YT}/playlistItems",
        Reply(pages / "playlist_items_paged_2.json"),
        query={"playlistId": uploads, "pageToken": "CAoQAA"},
    )
    return data


def pull_recorded(replay: ReplayServer) -> Batch:
    return youtube.pull_channel(
        channel=GOOGLE_DEVELOPERS, api_key=KEY, state={}, base_url=replay.url + YT
    )


def test_recorded_paging_duplicate_page_and_replies_beyond_the_nested(
    replay: ReplayServer, shared: Path
) -> None:
    data = serve_recorded(replay, shared)
    replay.add(f"{YT}/videos", Reply(data / "modeldata/videos/video_api_response.json"))
    threads = data / "apidata" / "comment_threads"
    replay.add(
        f"{YT}/commentThreads",
        Reply(threads / "comment_threads_by_video_paged_1.json"),
        query={"videoId": "D-lhorsDlUQ"},
    )
    replay.add(
        f"{YT}/commentThreads",
        Reply(threads / "comment_threads_by_video_paged_2.json"),  # page 1 again, recorded so
        query={"videoId": "D-lhorsDlUQ", "pageToken": THREADS_PAGE_2},
    )
    replies = data / "apidata" / "comments"
    parent = "UgwI_ylXVnzPS8Q-oAV4AaABAg"  # totalReplyCount 2, no replies part in this recording
    replay.add(
        f"{YT}/comments",
        Reply(replies / "comments_by_parent_paged_1.json"),
        query={"parentId": parent},
    )
    replay.add(
        f"{YT}/comments",
        Reply(replies / "comments_by_parent_paged_2.json"),
        query={"parentId": parent, "pageToken": REPLIES_PAGE_2},
    )
    batch = pull_recorded(replay)
    assert not replay.unmatched and not replay.unplayed() and not batch.rejections
    (account,) = batch.tables["accounts"].to_pylist()
    assert (account["handle"], account["followers"]) == ("@googledevelopers", 1927873)
    assert account["created_at"] == dt.datetime(2007, 8, 23, 0, 34, 43, tzinfo=dt.UTC)
    # no contentDetails in this 2019 recording: the uploads playlist is UU + the id's tail
    assert {r.param("playlistId") for r in replay.asked(f"{YT}/playlistItems")} == {
        "UU_x5XG1OV2P6uZZ5FSM9Ttw"
    }
    asked_ids = replay.asked(f"{YT}/videos")[0].param("id") or ""
    assert len(asked_ids.split(",")) == 13  # both recorded playlist pages
    # the recorded video is the channel's, though not on the recorded playlist
    (post,) = batch.tables["posts"].to_pylist()
    assert post["post_id"] == "youtube:D-lhorsDlUQ" and post["format"] == "video"
    assert any("13 upload(s) were not returned by videos.list" in n for n in batch.notices)
    (stats,) = batch.tables["post_stats"].to_pylist()
    assert (stats["video_views"], stats["likes"], stats["replies"]) == (7920, 190, 32)
    interactions = {r["interaction_id"]: r for r in batch.tables["interactions"].to_pylist()}
    assert len(interactions) == 5 + 3  # the duplicate page adds nothing; 3 replies by paging
    top = interactions["youtube:UgyZ1jqkHKYvi1-ruOZ4AaABAg"]
    assert top["text"] == "Google.com"  # textOriginal, not the HTML of textDisplay
    assert top["occurred_at"] == dt.datetime(2019, 11, 26, 15, 51, 44, tzinfo=dt.UTC)
    assert top["post_id"] == "youtube:F1UP7wRCPH8"  # the recorded threads' own video
    reply = interactions["youtube:Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za3E-eR-l"]
    # the recorded replies belong to another thread: their own parentId is kept
    assert reply["in_reply_to_id"] == "youtube:Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert reply["post_id"] == "youtube:D-lhorsDlUQ"  # no videoId in comments.list: the video
    people = {r["person_id"]: r for r in batch.tables["people"].to_pylist()}
    kun = people["youtube:UCNvMBmCASzTNNX8lW3JRMbw"]
    assert kun["url"] == "http://www.youtube.com/channel/UCNvMBmCASzTNNX8lW3JRMbw"
    assert (
        len(replay.asked(f"{YT}/commentThreads")) == 2 and len(replay.asked(f"{YT}/comments")) == 2
    )


def test_recorded_nested_replies_need_no_comments_call(replay: ReplayServer, shared: Path) -> None:
    data = serve_recorded(replay, shared)
    replay.add(f"{YT}/videos", Reply(data / "modeldata/videos/video_api_response.json"))
    thread = json.loads((data / "modeldata/comments/comment_thread_info.json").read_text())
    # BUILT envelope around a recorded item: the recording holds the thread alone
    envelope = {"kind": "youtube#commentThreadListResponse", "items": [thread]}
    replay.add(f"{YT}/commentThreads", Reply(envelope), query={"videoId": "D-lhorsDlUQ"})
    batch = pull_recorded(replay)
    assert not replay.asked(f"{YT}/comments")  # totalReplyCount 1, 1 nested
    (nested,) = [r for r in batch.tables["interactions"].to_pylist() if "." in r["interaction_id"]]
    assert nested["in_reply_to_id"] == "youtube:UgydxWWoeA7F1OdqypJ4AaABAg"
    assert nested["person_id"] == "youtube:UCsl2A_QzcSnFD2hpCyVwXxA"
    assert nested["occurred_at"] == dt.datetime(2019, 7, 20, 20, 22, 27, tzinfo=dt.UTC)


def test_recorded_fields_that_are_missing(replay: ReplayServer, shared: Path) -> None:
    data = serve_recorded(replay, shared)
    replay.add(f"{YT}/videos", Reply(data / "modeldata/videos/video_api_response.json"))
    # two of these 2019 threads carry no videoId, one has totalReplyCount 1 and no replies;
    # nothing is recorded for its comments.list, so the server answers 404 (skipped, noted)
    replay.add(
        f"{YT}/commentThreads",
        Reply(data / "apidata/comment_threads/comment_threads_all_to_me.json"),
        query={"videoId": "D-lhorsDlUQ"},
    )
    batch = pull_recorded(replay)
    by_id = {r["interaction_id"]: r for r in batch.tables["interactions"].to_pylist()}
    assert by_id["youtube:Ugy0FhSzKMNMT9qs6zt4AaABAg"]["post_id"] == "youtube:D-lhorsDlUQ"
    assert by_id["youtube:UgyWeTdgc4sc1xgmbld4AaABAg"]["post_id"] == "youtube:JE8xdDp5B8Q"
    assert [r.param("parentId") for r in replay.unmatched] == ["UgwSRpgkjCe6OHHe3IJ4AaABAg"]
    assert any("replies to comment UgwSRpgkjCe6OHHe3IJ4AaABAg" in n for n in batch.notices)


def test_recorded_newer_channels_and_videos_without_statistics(
    replay: ReplayServer, shared: Path
) -> None:
    # 2022+ format (no milliseconds), two channels in one answer, the uploads playlist given
    data = serve_recorded(replay, shared, channel="info_multiple.json")
    replay.add(f"{YT}/videos", Reply(data / "apidata/videos/videos_info_multi.json"))
    batch = pull_recorded(replay)
    (account,) = batch.tables["accounts"].to_pylist()
    assert (account["account_id"], account["followers"]) == (
        f"youtube:{GOOGLE_DEVELOPERS}",
        2260000,
    )
    assert account["created_at"] == dt.datetime(2007, 8, 23, 0, 34, 43, tzinfo=dt.UTC)
    # part=snippet,player only: no statistics, so no counts and no comment threads asked;
    # ovdbrdCIP7U is another channel's video, not asked for: left out
    assert [p["post_id"] for p in batch.tables["posts"].to_pylist()] == ["youtube:D-lhorsDlUQ"]
    assert "post_stats" not in batch.tables or batch.tables["post_stats"].num_rows == 0
    assert not replay.asked(f"{YT}/commentThreads") and not replay.unmatched


def test_a_later_pull_cut_off_leaves_the_store_as_it_was(
    replay: ReplayServer, tmp_path: Path
) -> None:
    serve_world(replay)
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    store_world(whole, replay)
    store_world(cut, replay)
    before = snapshot_file(cut / "rapport.duckdb")
    later = ReplayServer()
    later.answer_at(dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))  # both later pulls
    try:
        serve_world(later, later=True)
        store_world(whole, later)
        later.cut(after=3)  # channels, playlist page 1, videos; commentThreads is reset
        with pytest.raises(RemoteError, match=r"commentThreads\.list failed 3 times"):
            store_world(cut, later)
        assert snapshot_file(cut / "rapport.duckdb") == before  # data and state untouched
        later.cut(after=None)
        store_world(cut, later)
    finally:
        later.close()
    assert counts(cut) == counts(whole)
    assert rows(cut, "interactions") == rows(whole, "interactions")
