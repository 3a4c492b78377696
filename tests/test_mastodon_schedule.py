"""Scheduling and posting Mastodon statuses at most once, replayed from REAL recorded responses.

The cassettes are Mastodon.py's own (../shared/samples/mastodon_api/
mastodonpy_cassettes_write/, recorded on a Mastodon 4.6.4 development server at
localhost:3000 on 2026-08-01, account ``mastodonpy_test``):

* ``test_scheduled_status.yaml``: #0 POST /api/v1/statuses with scheduled_at 4000-01-01
  14:33:14 → scheduled status 1; #1 PUT /api/v1/scheduled_statuses/1 to 14:23:14; #2 GET the
  list (1); #3 GET 1; #4 DELETE 1 → ``{}``; #5 GET the list → ``[]``; #6 POST again,
  scheduled_at 2026-08-01 13:59:01 → scheduled status 2.
* ``cassettes_special/test_scheduled_status_long_part1.yaml``: #0 POST, 14:00:00 → 3; #1 GET
  the list → 3 and 2.
* ``test_toot.yaml`` #0, ``test_status_post[None-public].yaml`` #0: POST /api/v1/statuses now.
* ``cassettes_pre_4_4_0/test_zzz_revoke.yaml`` #5: POST /api/v1/statuses with a revoked token
  → 401; ``test_unauthed_home_tl_throws.yaml`` #1 a 401 of an invalid token;
  ``test_status_missing.yaml`` #0 a 404.

So #5 then #6 of test_scheduled_status is what the instance answered to "what is queued?"
(nothing) and "schedule this at 13:59:01" (scheduled status 2), and part1's list, made right
after, holds status 2 once. Requests are matched on method and address (``MATCH_ON``); the
requests rapport sent are spied on, so the tests read the headers and bodies on the wire.
No cassette holds a 503, a 429 or a lost answer: those are built here by :func:`constructed`
(or, for a lost answer, by dropping a recorded answer on its way back) and say so.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl

import pytest
import requests
import vcr
import yaml

from rapport.connectors import _mastodon_client
from rapport.connectors._mastodon_client import Client, connect
from rapport.connectors.mastodon_schedule import (
    MAX_CHARS,
    MAX_PER_DAY,
    MAX_QUEUED,
    MIN_LEAD,
    PublishedStatus,
    ScheduledStatus,
    ScheduledStatusGone,
    cancel_scheduled,
    check_limits,
    find_scheduled,
    post_status,
    reschedule,
    schedule_status,
    scheduled_statuses,
)
from rapport.errors import AuthenticationError, PostNotSent, RemoteError, UsageError
from tests.test_mastodon_api import INSTANCE, MATCH_ON, TOKEN, constructed

pytestmark = pytest.mark.at_most_once

WRITE = "samples/mastodon_api/mastodonpy_cassettes_write"
SCHEDULED = "test_scheduled_status.yaml"
LONG = "cassettes_special/test_scheduled_status_long_part1.yaml"
UTC = dt.UTC
NOW = dt.datetime(2026, 8, 1, 13, 54, tzinfo=UTC)
"""When Mastodon.py's tests ran: part1 scheduled 14:00:00 "6 minutes ahead" (its README);
#6 of test_scheduled_status was scheduled 5 min 1 s after this."""
AT = dt.datetime(2026, 8, 1, 13, 59, 1, tzinfo=UTC)
TEXT = "please ensure adequate headroom"
KEY = "5b0f6c1e8d7a4c2f9e3b1a0d4c6e8f21"
STATUSES = f"{INSTANCE}/api/v1/statuses"


@functools.cache
def _cassette(root: str, name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((Path(root) / WRITE / name).read_text("utf-8"))
    return list(data["interactions"])


def written(shared: Path, name: str, index: int) -> dict[str, Any]:
    """One recorded interaction of the write cassettes, as the cassette holds it."""
    return json.loads(json.dumps(_cassette(str(shared), name)[index]))  # type: ignore[no-any-return]


def moved(interaction: dict[str, Any], method: str, uri: str) -> dict[str, Any]:
    """A RECORDED response served at another request (the answer is unchanged)."""
    return {**interaction, "request": {**interaction["request"], "method": method, "uri": uri}}


def empty_queue(shared: Path) -> dict[str, Any]:
    return written(shared, SCHEDULED, 5)


def scheduled_two(shared: Path) -> dict[str, Any]:
    return written(shared, SCHEDULED, 6)


def queue_three_two(shared: Path) -> dict[str, Any]:
    return written(shared, LONG, 1)


def unavailable() -> dict[str, Any]:
    """A 503 for POST /api/v1/statuses: NOT recorded (no cassette holds one), built here."""
    return constructed("POST", STATUSES, 503, {"error": "unavailable"})


def rate_limited(seconds: int) -> dict[str, Any]:
    """A 429 with Retry-After for POST /api/v1/statuses: NOT recorded (no cassette holds a
    429), built here with the body Mastodon's throttle sends."""
    return constructed(
        "POST", STATUSES, 429, {"error": "Too many requests"},
        headers={"retry-after": [str(seconds)], "x-ratelimit-remaining": ["0"]},
    )  # fmt: skip


@contextmanager
def replay(
    tmp_path: Path, *interactions: dict[str, Any], lose: dict[int, Exception] | None = None
) -> Iterator[list[Any]]:
    """Serve ``interactions`` (nothing else) and fail unless each was requested; the yielded
    list holds the requests as sent. ``lose`` maps the n-th POST (0-based) to the exception
    its sender sees after the instance answered it: the answer lost on its way back."""
    path = tmp_path / f"schedule-{len(list(tmp_path.glob('schedule-*')))}.yaml"
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}), "utf-8")
    made: list[Any] = []
    send = requests.Session.send
    losing = dict(lose or {})

    def spy(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        made.append(request)
        answer = send(self, request, **kwargs)
        number = len(posts(made)) - 1
        if request.method == "POST" and number in losing:
            raise losing.pop(number)
        return answer

    with (
        mock.patch.object(requests.Session, "send", spy),
        vcr.use_cassette(str(path), record_mode="none", match_on=MATCH_ON) as cassette,
    ):
        yield made
    assert cassette.all_played, [r.url for r in made]


def posts(made: list[Any]) -> list[Any]:
    return [r for r in made if r.method == "POST" and r.path_url == "/api/v1/statuses"]


def form(request: Any) -> dict[str, str]:
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body
    return dict(parse_qsl(raw or ""))


def recorded_form(interaction: dict[str, Any]) -> dict[str, str]:
    return dict(parse_qsl(interaction["request"]["body"]))


def key_of(request: Any) -> str | None:
    value = request.headers.get("Idempotency-Key")
    return None if value is None else str(value)


def client(clock: dt.datetime = NOW) -> Client:
    return connect(INSTANCE, token=TOKEN, clock=lambda: clock)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between attempts, recorded instead of slept."""
    seen: list[float] = []
    monkeypatch.setattr(_mastodon_client, "sleep", seen.append)
    return seen


def queued(n: int, day: dt.date, *, start: int = 0) -> list[ScheduledStatus]:
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=UTC)
    return [
        ScheduledStatus(str(start + i), moment + dt.timedelta(minutes=i), f"post {i}", None, None)
        for i in range(n)
    ]


SCHEDULED_TWO = ScheduledStatus("2", AT, TEXT, None, None)


def assert_one_scheduled(shared: Path, tmp_path: Path) -> None:
    """The caller-visible outcome: the queue, as recorded right after, holds it once."""
    with replay(tmp_path, queue_three_two(shared)):
        listed = scheduled_statuses(client())
    assert [s.scheduled_id for s in listed] == ["3", "2"]
    assert [s for s in listed if s.text == TEXT and s.scheduled_at == AT] == [SCHEDULED_TWO]
    assert find_scheduled(listed, text=TEXT, at=AT) == SCHEDULED_TWO


# -- scheduling, the recorded life cycle ------------------------------------------------------


def test_a_status_is_scheduled_once_with_its_idempotency_key(shared: Path, tmp_path: Path) -> None:
    with replay(tmp_path, empty_queue(shared), scheduled_two(shared)) as made:
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert result == SCHEDULED_TWO
    assert [r.method for r in made] == ["GET", "POST"]  # what is queued, then the post
    (post,) = posts(made)
    assert key_of(post) == KEY
    assert form(post) == recorded_form(
        scheduled_two(shared)
    )  # the body the recording was made with
    assert form(post)["scheduled_at"] == "2026-08-01T13:59:01+00:00"
    assert_one_scheduled(shared, tmp_path)


def test_the_recorded_life_cycle_schedule_move_list_cancel(shared: Path, tmp_path: Path) -> None:
    far = dt.datetime(4000, 1, 1, 14, 33, 14, tzinfo=UTC)
    moved_to = dt.datetime(4000, 1, 1, 14, 23, 14, tzinfo=UTC)
    with replay(
        tmp_path,
        empty_queue(shared),
        written(shared, SCHEDULED, 0),
        written(shared, SCHEDULED, 1),
        written(shared, SCHEDULED, 2),
        written(shared, SCHEDULED, 4),
        empty_queue(shared),
    ) as made:  # fmt: skip  (#5's empty list stands for the queue before #0 too)
        api = client()
        first = schedule_status(api, text=TEXT, at=far, key=KEY, now=NOW)
        again = reschedule(api, first.scheduled_id, at=moved_to, now=NOW)
        listed = scheduled_statuses(api)
        cancel_scheduled(api, first.scheduled_id)
        after = scheduled_statuses(api)
    assert first == ScheduledStatus("1", far, TEXT, None, None)
    assert again == ScheduledStatus("1", moved_to, TEXT, None, None)
    assert listed == (again,) and after == ()
    put = next(r for r in made if r.method == "PUT")
    assert put.path_url == "/api/v1/scheduled_statuses/1"
    assert form(put) == recorded_form(written(shared, SCHEDULED, 1))
    assert [r.method for r in made] == ["GET", "POST", "PUT", "GET", "DELETE", "GET"]


def test_the_list_follows_its_pages(shared: Path, tmp_path: Path) -> None:
    first = queue_three_two(shared)
    first["response"]["headers"]["link"] = [  # CONSTRUCTED: a next link (4.6.4 sent only prev)
        f'<{INSTANCE}/api/v1/scheduled_statuses?max_id=2>; rel="next", '
        f'<{INSTANCE}/api/v1/scheduled_statuses?min_id=3>; rel="prev"'
    ]
    second = moved(  # the recorded list holding status 1 (#2), served as the next page
        written(shared, SCHEDULED, 2), "GET", f"{INSTANCE}/api/v1/scheduled_statuses?max_id=2"
    )
    with replay(tmp_path, first, second) as made:
        listed = scheduled_statuses(client())
    assert [s.scheduled_id for s in listed] == ["3", "2", "1"]
    assert [r.path_url for r in made] == [
        "/api/v1/scheduled_statuses",
        "/api/v1/scheduled_statuses?max_id=2",
    ]
    assert listed[0].text.startswith("please ensure maximum headroom")


def test_a_key_the_queue_echoes_is_not_sent_again(shared: Path, tmp_path: Path) -> None:
    echoing = queue_three_two(shared)  # CONSTRUCTED: the recorded list, with status 2's
    entities = json.loads(echoing["response"]["body"]["string"])  # params.idempotency as
    entities[1]["params"]["idempotency"] = KEY  # an instance echoes a key it was sent
    echoing["response"]["body"]["string"] = json.dumps(entities)
    with replay(tmp_path, echoing) as made:
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert posts(made) == []
    assert result == ScheduledStatus("2", AT, TEXT, None, KEY)


# -- faults: each shows one key on every POST and one scheduled status -------------------------


def test_after_a_503_the_same_key_is_sent_again(
    shared: Path, tmp_path: Path, waits: list[float]
) -> None:
    with replay(tmp_path, empty_queue(shared), unavailable(), scheduled_two(shared)) as made:
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert result == SCHEDULED_TWO
    assert len(posts(made)) == 2 and {key_of(r) for r in posts(made)} == {KEY}
    assert all(form(r) == recorded_form(scheduled_two(shared)) for r in posts(made))
    assert waits == [1.0]
    assert_one_scheduled(shared, tmp_path)


def test_after_a_429_it_waits_as_retry_after_says_and_sends_the_same_key(
    shared: Path, tmp_path: Path, waits: list[float]
) -> None:
    with replay(tmp_path, empty_queue(shared), rate_limited(7), scheduled_two(shared)) as made:
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert result == SCHEDULED_TWO
    assert waits == [7.0]  # Retry-After, not Mastodon.py's own 2-second guess
    assert len(posts(made)) == 2 and {key_of(r) for r in posts(made)} == {KEY}
    assert_one_scheduled(shared, tmp_path)


@pytest.mark.parametrize(
    "lost",
    [
        requests.exceptions.ReadTimeout("read timed out (constructed)"),
        requests.exceptions.ConnectionError("connection aborted (constructed)"),
    ],
    ids=["timeout", "dropped"],
)
def test_after_a_lost_answer_the_same_key_gets_the_same_scheduled_status(
    shared: Path, tmp_path: Path, waits: list[float], lost: Exception
) -> None:
    # The first POST reaches the instance (it answers #6) but its answer is lost; the instance
    # answers the repeated key with what it already made: #6 again, not a new status.
    with replay(
        tmp_path, empty_queue(shared), scheduled_two(shared), scheduled_two(shared),
        lose={0: lost},
    ) as made:  # fmt: skip
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert result == SCHEDULED_TWO
    assert len(posts(made)) == 2 and {key_of(r) for r in posts(made)} == {KEY}
    assert_one_scheduled(shared, tmp_path)


def test_when_every_attempt_fails_the_same_call_resumes_it(
    shared: Path, tmp_path: Path, waits: list[float]
) -> None:
    retries = _mastodon_client.RETRIES
    with (
        replay(tmp_path, empty_queue(shared), *[unavailable() for _ in range(retries)]) as first,
        pytest.raises(PostNotSent) as failed,
    ):
        schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    said = str(failed.value)
    assert "may or may not have reached Mastodon" in said and "HTTP 503" in said
    assert f"repeat the same call with the same key ({KEY})" in said
    assert isinstance(failed.value, RemoteError)
    with replay(tmp_path, empty_queue(shared)):  # look before repeating: not there
        assert find_scheduled(scheduled_statuses(client()), text=TEXT, at=AT, key=KEY) is None
    with replay(tmp_path, empty_queue(shared), scheduled_two(shared)) as second:
        result = schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert result == SCHEDULED_TWO
    assert len(posts(first)) == retries and len(posts(second)) == 1
    assert {key_of(r) for r in posts(first) + posts(second)} == {KEY}


def test_a_lost_answer_is_found_in_the_queue_instead_of_sent_again(
    shared: Path, tmp_path: Path, waits: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_mastodon_client, "RETRIES", 1)
    lost = requests.exceptions.ConnectionError("connection aborted (constructed)")
    with (
        replay(tmp_path, empty_queue(shared), scheduled_two(shared), lose={0: lost}) as made,
        pytest.raises(PostNotSent, match="may or may not have reached Mastodon"),
    ):
        schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert len(posts(made)) == 1 and key_of(posts(made)[0]) == KEY
    assert_one_scheduled(shared, tmp_path)  # it is there: the caller sends nothing more


def test_a_rate_limit_that_lasts_is_not_sent_and_safe_to_repeat(
    shared: Path, tmp_path: Path, waits: list[float]
) -> None:
    with (
        replay(tmp_path, empty_queue(shared), *[rate_limited(7) for _ in range(3)]) as made,
        pytest.raises(PostNotSent) as failed,
    ):
        schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert waits == [7.0, 7.0]
    assert {key_of(r) for r in posts(made)} == {KEY} and len(posts(made)) == 3
    said = str(failed.value)
    assert "was not accepted" in said and "rate limit" in said
    assert "after 2026-08-01 13:54:07 UTC" in said
    with (
        replay(tmp_path, empty_queue(shared), rate_limited(3600)),
        pytest.raises(PostNotSent, match="after 2026-08-01 14:54:00 UTC"),
    ):
        schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert waits == [7.0, 7.0]  # an hour is not waited for


# -- refused before anything is sent -----------------------------------------------------------


def test_a_time_less_than_five_minutes_ahead_is_refused(tmp_path: Path) -> None:
    with replay(tmp_path) as made:
        with pytest.raises(UsageError) as soon:
            schedule_status(client(), text=TEXT, at=NOW + MIN_LEAD, key=KEY, now=NOW)
        with pytest.raises(UsageError) as past:
            schedule_status(client(), text=TEXT, at=NOW - MIN_LEAD, key=KEY, now=NOW)
        with pytest.raises(UsageError, match="more than 5 minutes ahead"):
            reschedule(client(), "1", at=NOW + dt.timedelta(minutes=4), now=NOW)
        with pytest.raises(UsageError, match="no time zone"):
            schedule_status(client(), text=TEXT, at=AT.replace(tzinfo=None), key=KEY, now=NOW)
    assert made == []
    said = str(soon.value)
    assert "2026-08-01 13:59:00 UTC is 5 min from now" in said
    assert "more than 5 minutes ahead" in said and "2026-08-01 13:59:01 UTC or later" in said
    assert soon.value.option == "at"
    assert "5 min ago" in str(past.value)


def test_a_text_too_long_or_empty_is_refused(tmp_path: Path) -> None:
    with replay(tmp_path) as made:
        with pytest.raises(UsageError) as long:
            schedule_status(client(), text="x" * (MAX_CHARS + 1), at=AT, key=KEY, now=NOW)
        with pytest.raises(UsageError, match="at most 500"):
            post_status(client(), text="é" * 501, key=KEY)
        with pytest.raises(UsageError, match="empty"):
            post_status(client(), text="  ", key=KEY)
        with pytest.raises(UsageError, match="visibility 'everyone'"):
            post_status(client(), text=TEXT, key=KEY, visibility="everyone")
        with pytest.raises(UsageError, match="idempotency key is empty"):
            schedule_status(client(), text=TEXT, at=AT, key="", now=NOW)
    assert made == []
    assert "501 characters; Mastodon takes at most 500: shorten it by 1" in str(long.value)


def test_the_limits_of_the_queue() -> None:
    day = dt.date(2026, 8, 3)
    at = dt.datetime(2026, 8, 3, 18, tzinfo=UTC)
    assert (MAX_QUEUED, MAX_PER_DAY) == (300, 25)  # Mastodon's ScheduledStatus model
    full = [s for n in range(MAX_QUEUED // 10) for s in queued(10, day + dt.timedelta(days=n + 1))]
    assert len(full) == MAX_QUEUED
    with pytest.raises(UsageError) as total:
        check_limits(full, at=at)
    assert "300 posts are already scheduled" in str(total.value)
    assert "at most 300 (the limit of scheduled posts per account)" in str(total.value)
    check_limits(full[:-1], at=at)
    with pytest.raises(UsageError) as daily:
        check_limits(queued(MAX_PER_DAY, day) + queued(40, day + dt.timedelta(days=1)), at=at)
    said = str(daily.value)
    assert f"{MAX_PER_DAY} posts are already scheduled on 2026-08-03 (UTC)" in said
    assert f"at most {MAX_PER_DAY} a day (the limit of scheduled posts per day)" in said
    check_limits(queued(MAX_PER_DAY - 1, day), at=at)
    late = dt.datetime(2026, 8, 3, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2)))
    check_limits(queued(MAX_PER_DAY, day), at=late)  # 01:30 UTC the next day


def test_find_scheduled_by_key_or_by_text_and_second() -> None:
    other = ScheduledStatus("7", AT, TEXT, None, "another key")
    same = ScheduledStatus("8", AT + dt.timedelta(hours=1), "else", None, KEY)
    assert find_scheduled([other, same], text=TEXT, at=AT, key=KEY) == same
    at_local = AT.astimezone(dt.timezone(dt.timedelta(hours=3))).replace(microsecond=400_000)
    assert find_scheduled([same, other], text=TEXT, at=at_local) == other
    assert find_scheduled([same, other], text=TEXT + "!", at=AT) is None


# -- posting now -------------------------------------------------------------------------------


def test_a_status_is_posted_now_with_its_key(
    shared: Path, tmp_path: Path, waits: list[float]
) -> None:
    toot = written(shared, "test_toot.yaml", 0)
    with replay(tmp_path, constructed("POST", STATUSES, 502, {}), toot) as made:
        result = post_status(client(), text="Toot!", key=KEY)
    assert result == PublishedStatus(
        "117020585846976096",
        "http://localhost:3000/@mastodonpy_test/117020585846976096",
        dt.datetime(2026, 8, 1, 13, 53, 55, 410000, tzinfo=UTC),
        "http://localhost:3000/ap/users/117020565966271181/statuses/117020585846976096",
    )
    assert result.status["content"] == "<p>Toot!</p>"  # the entity, for the store
    assert len(posts(made)) == 2 and {key_of(r) for r in posts(made)} == {KEY}
    assert all(form(r) == recorded_form(toot) for r in posts(made))
    public = written(shared, "test_status_post[None-public].yaml", 0)
    with replay(tmp_path, public) as made:
        shown = post_status(client(), text="Toot!", key=KEY, visibility="public")
    assert form(posts(made)[0]) == {"status": "Toot!", "visibility": "public"}
    assert shown.status_id == "117020585924712638"


# -- refusals from the instance ----------------------------------------------------------------


def test_a_revoked_token_says_to_reconnect(shared: Path, tmp_path: Path) -> None:
    revoked = written(shared, "cassettes_pre_4_4_0/test_zzz_revoke.yaml", 5)
    with replay(tmp_path, revoked), pytest.raises(AuthenticationError) as refused:
        post_status(client(), text="illegal access detected", key=KEY)
    said = str(refused.value)
    assert "HTTP 401" in said and "revoked" in said
    assert "`rapport connect mastodon` with the connection's id" in said and "Data page" in said
    invalid = moved(  # the recorded 401 of an invalid token, served at the list
        written(shared, "test_unauthed_home_tl_throws.yaml", 1), "GET",
        f"{INSTANCE}/api/v1/scheduled_statuses",
    )  # fmt: skip
    with replay(tmp_path, invalid) as made, pytest.raises(AuthenticationError, match="reconnect"):
        schedule_status(client(), text=TEXT, at=AT, key=KEY, now=NOW)
    assert posts(made) == []


def test_cancelling_what_is_gone_says_so(shared: Path, tmp_path: Path) -> None:
    missing = written(shared, "test_status_missing.yaml", 0)  # the recorded 404
    gone = f"{INSTANCE}/api/v1/scheduled_statuses/1"
    with (
        replay(tmp_path, moved(missing, "DELETE", gone), moved(missing, "PUT", gone)),
    ):
        with pytest.raises(UsageError) as cancelled:
            cancel_scheduled(client(), "1")
        with pytest.raises(UsageError, match="already published or cancelled"):
            reschedule(client(), "1", at=AT, now=NOW)
    assert str(cancelled.value).startswith(
        "scheduled status 1 is not on the instance: it was already published or cancelled"
    )
    assert isinstance(cancelled.value, ScheduledStatusGone)


def test_a_post_the_instance_refuses_is_not_retried(shared: Path, tmp_path: Path) -> None:
    # The recorded 422 of an empty status (message in Japanese), answering a text rapport
    # lets through: what the instance says when it refuses a status for any reason.
    refused = written(shared, "test_status_empty.yaml", 0)
    with replay(tmp_path, refused) as made, pytest.raises(RemoteError) as failed:
        post_status(client(), text="Toot!", key=KEY)
    assert not isinstance(failed.value, PostNotSent) and len(posts(made)) == 1
    said = str(failed.value)
    assert "HTTP 422" in said and "refused it, so nothing was changed" in said
