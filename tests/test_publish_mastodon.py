"""``rapport publish`` on Mastodon: native scheduled statuses, posts due sooner, the queue read
back, replayed from REAL recorded responses.

The responses are Mastodon.py's cassettes (../shared/samples/mastodon_api/
mastodonpy_cassettes_write/, a Mastodon 4.6.4 development server at localhost:3000, account
``mastodonpy_test``, recorded 2026-08-01; see tests/test_mastodon_schedule.py for what each
holds). Requests are matched on method and address; the requests rapport sent are spied
on, so the tests read the Idempotency-Key and the form on the wire. Responses no cassette
holds are built by ``constructed`` and say so: a 503, and the full queues of the limits
(record-shaped: the recorded scheduled-status entity, repeated with other ids and times).
Every call is given ``now`` (the recordings are dated 2026-08-01).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from rapport.api.publishing import (
    Queue,
    cancel_post,
    draft_post,
    edit_post,
    publish_due,
    reconcile_mastodon,
    schedule_post,
)
from rapport.cli import app
from rapport.connectors import _mastodon_client
from rapport.credentials import Connections, MastodonCredentials
from rapport.errors import AuthenticationError, UsageError
from rapport.store.scheduled import ScheduledPost, audit_log, scheduled_post, update_post
from rapport.workspace import Workspace
from tests.test_mastodon_api import INSTANCE, TOKEN, constructed
from tests.test_mastodon_schedule import (
    AT,
    LONG,
    NOW,
    SCHEDULED,
    STATUSES,
    TEXT,
    WRITE,
    form,
    key_of,
    moved,
    posts,
    recorded_form,
    replay,
    waits,
    written,
)

__all__ = ["waits"]

pytestmark = pytest.mark.at_most_once

UTC = dt.UTC
RULES_OFF = "[targets]\nposts_per_week = 100\nmin_gap_hours = 0\nmax_promotional_share = 1\n"
FAR = dt.datetime(4000, 1, 1, 14, 33, 14, tzinfo=UTC)
"""Where test_scheduled_status.yaml #0 scheduled status 1; #1 moved it to :data:`MOVED`."""
MOVED = dt.datetime(4000, 1, 1, 14, 23, 14, tzinfo=UTC)
LONG_AT = dt.datetime(2026, 8, 1, 14, 0, tzinfo=UTC)
LONG_TEXT = "please ensure maximum headroom at 2026-08-01 17:00:00.237250"
"""What part1 #0 scheduled for 14:00:00 (scheduled status 3); part2 shows it posted."""
TOOT_ID = "117020585846976096"
TOOT_POST = f"mastodon:{INSTANCE}/ap/users/117020565966271181/statuses/{TOOT_ID}"
"""The canonical id of test_toot.yaml #0's status: ``mastodon:`` + its uri, as a pull gives."""
ME = f"mastodon:{INSTANCE}/ap/users/117020565966271181"
GONE = "test_status_missing.yaml"


def run(*args: str | Path) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace connected to mastodonpy_test on localhost:3000 (the token is the
    recording's placeholder), its publishing rules out of the way."""
    made = Workspace(tmp_path / "ws")
    made.create()
    (made.root / "rapport.toml").write_text(RULES_OFF, "utf-8")
    Connections(made).add(MastodonCredentials.of(instance=INSTANCE, token=TOKEN))
    with made.session(read_only=False, create=True):
        pass
    return made


def drafted(ws: Workspace, text: str, at: dt.datetime) -> ScheduledPost:
    return draft_post(workspace=ws, platform="mastodon", text=text, at=at, now=NOW).post


def stored(ws: Workspace, post: int) -> ScheduledPost:
    with ws.session() as session:
        found = scheduled_post(session.store, post)
    assert found is not None
    return found


def actions(ws: Workspace, post: int) -> list[str]:
    with ws.session() as session:
        return [e.action for e in audit_log(session.store, subject=f"post {post}")]


def as_scheduled(ws: Workspace, post: int, scheduled_id: str) -> ScheduledPost:
    """The post as :func:`schedule_post` leaves it once the instance queued it as
    ``scheduled_id`` (scheduling itself is tested below, against the recordings)."""
    with ws.session(read_only=False) as session:
        return update_post(session.store, post, now=NOW, state="scheduled",
                           remote_scheduled_id=scheduled_id)  # fmt: skip


def full_queue(shared: Path, n: int, first: dt.datetime, step: dt.timedelta) -> dict[str, Any]:
    """GET /api/v1/scheduled_statuses holding ``n`` statuses: NOT recorded (no cassette holds
    a full queue), built from the recorded entity of #2 with other ids and times."""
    (entity,) = json.loads(written(shared, SCHEDULED, 2)["response"]["body"]["string"])
    listed = [{**entity, "id": str(i + 1), "scheduled_at": iso(first + i * step)} for i in range(n)]
    return constructed("GET", f"{INSTANCE}/api/v1/scheduled_statuses", 200, listed)


def unavailable() -> dict[str, Any]:
    """A 503 for POST /api/v1/statuses: NOT recorded (no cassette holds one), built here."""
    return constructed("POST", STATUSES, 503, {"error": "unavailable"})


def stored_posts(ws: Workspace) -> list[tuple[Any, ...]]:
    with ws.session() as session:
        return session.store.connection.execute(
            "SELECT p.post_id, p.account_id, p.text, p.url, a.handle FROM posts p "
            "JOIN accounts a USING (account_id) ORDER BY p.post_id"
        ).fetchall()


# -- scheduling on the instance ----------------------------------------------------------------


def test_a_post_far_enough_ahead_is_a_scheduled_status_sent_with_its_key(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    draft = drafted(ws, TEXT, AT)  # 5 min 1 s after NOW: just far enough
    with replay(tmp_path, written(shared, SCHEDULED, 5), written(shared, SCHEDULED, 6)) as made:
        shown = run("publish", "schedule", draft.id, "--now", iso(NOW), "--workspace", ws.root)
    assert shown.exit_code == 0, shown.stdout + shown.stderr
    assert [r.method for r in made] == ["GET", "POST"]  # the queue (its limits), then the post
    (sent,) = posts(made)
    assert key_of(sent) == draft.key  # the key chosen when it was drafted
    assert form(sent) == recorded_form(written(shared, SCHEDULED, 6))
    said = " ".join(shown.stdout.split())
    assert "scheduled status 2 on Mastodon" in said
    assert "Mastodon queue: 1 of 300 queued; 1 of 25 on 2026-08-01." in said
    post = stored(ws, draft.id)
    assert (post.state, post.remote_scheduled_id, post.key) == ("scheduled", "2", draft.key)
    assert actions(ws, draft.id) == ["post scheduled"]
    listed = run("publish", "list", "--workspace", ws.root)
    assert "Mastodon #2" in listed.stdout
    with replay(tmp_path) as none:  # the instance publishes it: --due sends nothing for it
        due = publish_due(workspace=ws, now=AT + dt.timedelta(minutes=1))
    assert posts(none) == [] and due.published == ()


def test_the_counts_are_of_the_whole_queue_and_the_post_s_day(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    draft = drafted(ws, TEXT, FAR)
    # part1 #1: the queue holding statuses 3 and 2 (2026-08-01); #0 of test_scheduled_status
    # then answers the POST with status 1 on 4000-01-01.
    with replay(tmp_path, written(shared, LONG, 1), written(shared, SCHEDULED, 0)) as made:
        done = schedule_post(workspace=ws, post=draft.id, now=NOW)
    assert [r.method for r in made] == ["GET", "POST"]
    assert done.queue == Queue(queued=3, day=dt.date(4000, 1, 1), on_day=1)
    assert str(done.queue) == "3 of 300 queued; 1 of 25 on 4000-01-01"
    assert done.to_dict()["queue"]["summary"] == str(done.queue)
    assert done.post.remote_scheduled_id == "1"


def test_move_new_text_and_cancel_follow_the_recorded_life_cycle(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    draft = drafted(ws, TEXT, FAR)
    with replay(tmp_path, written(shared, SCHEDULED, 5), written(shared, SCHEDULED, 0)):
        schedule_post(workspace=ws, post=draft.id, now=NOW)
    # The time only: Mastodon moves the scheduled status (PUT), the key stays. #2 is the
    # recorded queue holding status 1 (recorded just after the move; read before it here).
    with replay(tmp_path, written(shared, SCHEDULED, 2), written(shared, SCHEDULED, 1)) as made:
        moved_to = edit_post(workspace=ws, post=draft.id, at=MOVED, now=NOW)
    assert [r.method for r in made] == ["GET", "PUT"]
    put = made[1]
    assert put.path_url == "/api/v1/scheduled_statuses/1"
    assert form(put) == recorded_form(written(shared, SCHEDULED, 1))
    post = moved_to.post
    assert (post.remote_scheduled_id, post.key, post.scheduled_at) == ("1", draft.key, MOVED)
    assert str(moved_to.queue) == "1 of 300 queued; 1 of 25 on 4000-01-01"
    # New text: cancelled (DELETE #4) and scheduled again under a NEW key (part1 #0 answers
    # with status 3): the old key belongs to the cancelled status.
    with replay(
        tmp_path, written(shared, SCHEDULED, 2), written(shared, SCHEDULED, 4),
        written(shared, LONG, 0),
    ) as made:  # fmt: skip
        rewritten = edit_post(workspace=ws, post=draft.id, text=LONG_TEXT, at=LONG_AT, now=NOW)
    assert [r.method for r in made] == ["GET", "DELETE", "POST"]
    assert made[1].path_url == "/api/v1/scheduled_statuses/1"
    post = rewritten.post
    assert post.remote_scheduled_id == "3" and post.text == LONG_TEXT
    assert post.key != draft.key and key_of(posts(made)[0]) == post.key
    assert form(posts(made)[0]) == recorded_form(written(shared, LONG, 0))
    assert str(rewritten.queue) == "1 of 300 queued; 1 of 25 on 2026-08-01"
    # Cancel: DELETE (#4's answer `{}`, served for status 3).
    gone = f"{INSTANCE}/api/v1/scheduled_statuses/3"
    with replay(tmp_path, moved(written(shared, SCHEDULED, 4), "DELETE", gone)) as made:
        cancelled = cancel_post(workspace=ws, post=draft.id, now=NOW)
    assert [(r.method, r.path_url) for r in made] == [("DELETE", "/api/v1/scheduled_statuses/3")]
    assert cancelled.state == "cancelled"
    assert actions(ws, draft.id) == ["post scheduled", "post edited", "post edited",
                                     "post cancelled"]  # fmt: skip


def test_a_full_queue_is_refused_before_anything_is_sent(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    draft = drafted(ws, TEXT, AT)
    total = full_queue(shared, 300, FAR, dt.timedelta(days=1))
    with replay(tmp_path, total) as made, pytest.raises(UsageError) as refused:
        schedule_post(workspace=ws, post=draft.id, now=NOW)
    said = str(refused.value)
    assert "300 posts are already scheduled on this account" in said
    assert "at most 300 (the limit of scheduled posts per account)" in said
    day = full_queue(shared, 25, dt.datetime(2026, 8, 1, 15, tzinfo=UTC), dt.timedelta(minutes=10))
    with replay(tmp_path, day) as more, pytest.raises(UsageError) as daily:
        schedule_post(workspace=ws, post=draft.id, now=NOW)
    said = str(daily.value)
    assert "25 posts are already scheduled on 2026-08-01 (UTC)" in said
    assert "at most 25 a day (the limit of scheduled posts per day)" in said
    assert posts(made) == [] and posts(more) == []
    assert stored(ws, draft.id).state == "draft" and actions(ws, draft.id) == []


def test_new_text_on_a_full_day_is_refused_before_the_old_status_is_cancelled(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    draft = drafted(ws, TEXT, FAR)
    with replay(tmp_path, written(shared, SCHEDULED, 5), written(shared, SCHEDULED, 0)):
        schedule_post(workspace=ws, post=draft.id, now=NOW)
    day = full_queue(shared, 26, dt.datetime(2026, 8, 1, 15, tzinfo=UTC), dt.timedelta(minutes=1))
    with replay(tmp_path, day) as made, pytest.raises(UsageError, match="at most 25 a day"):
        edit_post(workspace=ws, post=draft.id, text="New", at=LONG_AT, now=NOW)
    assert [r.method for r in made] == ["GET"]  # nothing cancelled, nothing sent
    post = stored(ws, draft.id)
    assert (post.text, post.remote_scheduled_id, post.key) == (TEXT, "1", draft.key)


# -- the instance's queue read back ------------------------------------------------------------


def test_the_queue_read_back_settles_published_and_cancelled_posts(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    two = as_scheduled(ws, drafted(ws, TEXT, AT).id, "2")
    three = as_scheduled(ws, drafted(ws, LONG_TEXT, LONG_AT).id, "3")
    one = as_scheduled(ws, drafted(ws, "Far away", FAR).id, "1")
    # At 13:55 the recorded queue (part1 #1) holds 3 and 2: status 1 left it before its time.
    with replay(tmp_path, written(shared, LONG, 1)) as made:
        listed = run("publish", "list", "--remote", "--now", "2026-08-01T13:55:00Z",
                     "--workspace", ws.root)  # fmt: skip
    assert listed.exit_code == 0, listed.stdout + listed.stderr
    assert [r.path_url for r in made] == ["/api/v1/scheduled_statuses"]
    said = " ".join(listed.stdout.split())
    assert f"Cancelled post {one.id}: cancelled on the instance" in said
    assert "Mastodon #2" in said and "Mastodon #3" in said
    assert stored(ws, one.id).state == "cancelled"
    assert "cancelled on the instance" in (stored(ws, one.id).error or "")
    assert {stored(ws, p.id).state for p in (two, three)} == {"scheduled"}
    # At 14:10 the queue is empty (#5, the recorded empty list): both were published there.
    with replay(tmp_path, written(shared, SCHEDULED, 5)) as made:
        due = publish_due(workspace=ws, now=dt.datetime(2026, 8, 1, 14, 10, tzinfo=UTC))
    assert posts(made) == []
    assert due.reconciled is not None
    assert [p.id for p in due.reconciled.published] == [two.id, three.id]
    for post in (two, three):
        done = stored(ws, post.id)
        assert done.state == "published" and done.published_at == post.scheduled_at
        assert actions(ws, post.id) == ["post published"]
    # What part2 recorded ten minutes later: status 3 is a normal status (the next pull's).
    home = json.loads(written(shared, LONG.replace("part1", "part2"), 0)["response"]["body"]
                      ["string"])  # fmt: skip
    assert any(s["content"] == f"<p>{LONG_TEXT}</p>" for s in home)
    with replay(tmp_path) as none:  # nothing waits on the instance: nothing is asked
        again = reconcile_mastodon(workspace=ws, now=dt.datetime(2026, 8, 1, 14, 20, tzinfo=UTC))
    assert none == [] and again.published == () and again.cancelled == ()


def test_cancelling_what_the_instance_no_longer_has_corrects_the_post(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    missing = written(shared, GONE, 0)  # the recorded 404
    far = as_scheduled(ws, drafted(ws, "Far away", FAR).id, "1")
    soon = as_scheduled(ws, drafted(ws, TEXT, AT).id, "2")
    queue = f"{INSTANCE}/api/v1/scheduled_statuses"
    with replay(tmp_path, moved(missing, "DELETE", f"{queue}/1")):
        cancelled = cancel_post(workspace=ws, post=far.id, now=NOW)
    assert cancelled.state == "cancelled"
    assert (cancelled.error or "").startswith("cancelled on the instance")
    later = dt.datetime(2026, 8, 1, 14, 5, tzinfo=UTC)
    with (
        replay(tmp_path, moved(missing, "DELETE", f"{queue}/2")),
        pytest.raises(UsageError) as refused,
    ):
        cancel_post(workspace=ws, post=soon.id, now=later)
    said = str(refused.value)
    assert f"post {soon.id} was already published by Mastodon at 2026-08-01 13:59 UTC" in said
    assert "delete the status on Mastodon" in said
    assert stored(ws, soon.id).state == "published"
    assert actions(ws, soon.id) == ["post published"]


# -- due sooner than 5 minutes: rapport posts it -----------------------------------------------


def test_a_post_due_now_is_posted_once_through_a_503_with_its_key(
    shared: Path, tmp_path: Path, ws: Workspace, waits: list[float]
) -> None:
    draft = drafted(ws, "Toot!", NOW + dt.timedelta(minutes=2))
    with replay(tmp_path) as none:  # due within 5 minutes: not a scheduled status
        accepted = schedule_post(workspace=ws, post=draft.id, now=NOW)
    assert none == [] and accepted.queue is None and accepted.post.remote_scheduled_id is None
    toot = written(shared, "test_toot.yaml", 0)
    with replay(tmp_path, unavailable(), toot) as made:
        due = publish_due(workspace=ws, now=NOW + dt.timedelta(minutes=2, seconds=30))
    assert [p.id for p in due.published] == [draft.id] and due.failed == ()
    sent = posts(made)
    assert len(sent) == 2 and {key_of(r) for r in sent} == {draft.key}  # one key, one status
    assert all(form(r) == recorded_form(toot) for r in sent)
    post = stored(ws, draft.id)
    assert (post.state, post.remote_id, post.post_id) == ("published", TOOT_ID, TOOT_POST)
    assert post.url == f"{INSTANCE}/@mastodonpy_test/{TOOT_ID}"
    assert stored_posts(ws) == [
        (TOOT_POST, ME, "Toot!", post.url, "mastodonpy_test@localhost:3000")
    ]
    with ws.session() as session:
        sources = session.store.connection.execute("SELECT source FROM imports").fetchall()
    assert sources == [("rapport_publish",)]
    with replay(tmp_path) as none:
        again = publish_due(workspace=ws, now=NOW + dt.timedelta(minutes=4))
    assert none == [] and again.published == ()


def test_a_post_whose_attempts_all_failed_is_sent_again_with_the_same_key(
    shared: Path, tmp_path: Path, ws: Workspace, waits: list[float]
) -> None:
    draft = drafted(ws, "Toot!", NOW + dt.timedelta(minutes=2))
    schedule_post(workspace=ws, post=draft.id, now=NOW)
    retries = _mastodon_client.RETRIES
    with replay(tmp_path, *[unavailable() for _ in range(retries)]) as first:
        failed = run("publish", "--due", "--now", iso(NOW + dt.timedelta(minutes=3)),
                     "--workspace", ws.root)  # fmt: skip
    assert failed.exit_code == 0, failed.stdout + failed.stderr
    said = " ".join(failed.stdout.split())
    assert f"Not published post {draft.id}" in said and "may or may not have reached" in said
    assert "repeat it (publishing the due posts)" in said
    assert stored(ws, draft.id).state == "failed"
    toot = written(shared, "test_toot.yaml", 0)
    with replay(tmp_path, toot) as second:
        due = publish_due(workspace=ws, now=NOW + dt.timedelta(minutes=8))
    assert [p.id for p in due.published] == [draft.id]
    assert len(posts(first)) == retries and len(posts(second)) == 1
    assert {key_of(r) for r in posts(first) + posts(second)} == {draft.key}


# -- a revoked token ---------------------------------------------------------------------------


def test_a_revoked_token_says_to_reconnect_and_changes_nothing(
    shared: Path, tmp_path: Path, ws: Workspace
) -> None:
    invalid = moved(  # the recorded 401 of an invalid token, served at the queue
        written(shared, "test_unauthed_home_tl_throws.yaml", 1), "GET",
        f"{INSTANCE}/api/v1/scheduled_statuses",
    )  # fmt: skip
    far = drafted(ws, TEXT, AT)
    with replay(tmp_path, invalid) as made, pytest.raises(AuthenticationError) as refused:
        schedule_post(workspace=ws, post=far.id, now=NOW)
    said = str(refused.value)
    assert "HTTP 401" in said and "`rapport connect mastodon` with the connection's id" in said
    assert posts(made) == [] and stored(ws, far.id).state == "draft"
    assert actions(ws, far.id) == []
    soon = drafted(ws, "illegal access detected", NOW + dt.timedelta(minutes=2))
    schedule_post(workspace=ws, post=soon.id, now=NOW)
    revoked = written(shared, "cassettes_pre_4_4_0/test_zzz_revoke.yaml", 5)
    with replay(tmp_path, revoked) as made:
        due = publish_due(workspace=ws, now=NOW + dt.timedelta(minutes=3))
    ((post, error),) = due.failed
    assert post.id == soon.id and "HTTP 401" in error and "Reconnect" in error
    assert len(posts(made)) == 1 and key_of(posts(made)[0]) == soon.key
    kept = stored(ws, soon.id)
    assert (kept.state, kept.error, kept.remote_id) == ("scheduled", None, None)
    assert actions(ws, soon.id) == ["post scheduled"] and stored_posts(ws) == []


def test_the_recordings_are_where_this_module_says(shared: Path) -> None:
    folder = shared / WRITE
    for name in (SCHEDULED, LONG, GONE, "test_toot.yaml"):
        assert yaml.safe_load((folder / name).read_text("utf-8"))["interactions"]
