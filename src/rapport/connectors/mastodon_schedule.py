"""Posting and scheduling Mastodon statuses, at most once.

Every post is sent with an ``Idempotency-Key`` chosen *before* sending and kept by the caller:
Mastodon answers a repeated key with what it already made (the status, or the scheduled
status), so repeating a call that failed on the way back cannot post twice. What may fail
how:

* **5xx, dropped connection, timeout**: :meth:`Client.call` tries again with the same request
  (the same key); when every attempt failed, :class:`~rapport.errors.PostNotSent` says the
  post may or may not have reached Mastodon and that the same call is safe to repeat. The
  instance's idempotency has had bugs (mastodon #30039, #40399), so before repeating, a caller
  may look for the post: :func:`scheduled_statuses` and :func:`find_scheduled`.
* **429**: the instance did not accept the request. Mastodon.py's own "wait" mode ignores
  ``Retry-After`` and waits without a bound, so a write here waits as ``Retry-After`` (else
  ``X-RateLimit-Reset``) says, at most :data:`MAX_WAIT` and :data:`RATE_LIMIT_ATTEMPTS`
  times, then sends the same request (the same key) again.
* **401/403**: an :class:`~rapport.errors.AuthenticationError` that says to reconnect.

Mastodon's rules are checked before anything is sent: a scheduled time at least
:data:`MIN_LEAD` ahead, at most :data:`MAX_QUEUED` scheduled statuses per account and
:data:`MAX_PER_DAY` per UTC day, at most :data:`MAX_CHARS` characters.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import requests
from mastodon.errors import (
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
    MastodonServerError,
)

from rapport.connectors import _mastodon_client
from rapport.connectors._mastodon_client import Client
from rapport.connectors._mastodon_records import status_post, tracked
from rapport.errors import (
    AuthenticationError,
    PostNotSent,
    RemoteError,
    RemoteNotFound,
    UsageError,
)

__all__ = [
    "MAX_CHARS",
    "MAX_PER_DAY",
    "MAX_QUEUED",
    "MIN_LEAD",
    "Client",
    "PublishedStatus",
    "ScheduledStatus",
    "ScheduledStatusGone",
    "cancel_scheduled",
    "check_limits",
    "connect_account",
    "find_scheduled",
    "post_status",
    "reschedule",
    "schedule_status",
    "scheduled_statuses",
    "status_rows",
]


class ScheduledStatusGone(UsageError):
    """A scheduled status the instance no longer has (404): published, or cancelled."""


MIN_LEAD = dt.timedelta(minutes=5)
"""Mastodon refuses a ``scheduled_at`` that is not more than 5 minutes ahead."""
MAX_QUEUED = 300
"""Scheduled statuses one account may have (Mastodon's ``ScheduledStatus::TOTAL_LIMIT``)."""
MAX_PER_DAY = 25
"""Scheduled statuses per UTC day: Mastodon's ``ScheduledStatus::DAILY_LIMIT`` is 25 (the
pull request that added scheduling, #9706, said 50; the code it merged says 25)."""
MAX_CHARS = 500
"""Mastodon's default status length (an instance may allow more; links count 23 there, here
every character counts, so a text with long links may be refused that the instance takes)."""
MAX_WAIT = 300.0
"""The longest wait (seconds) after a 429 before the same request is sent again."""
RATE_LIMIT_ATTEMPTS = 3
VISIBILITIES = ("public", "unlisted", "private", "direct")
_DEFAULTS: dict[str, Any] = {"sensitive": None}
"""Left out of the request, so the account's default applies (Mastodon.py sends
``sensitive=0`` unless told otherwise, overriding the account's "mark media as sensitive")."""
_RECONNECT = (
    "reconnect the account with a token that may write statuses (scope write:statuses): "
    "Reconnect on the web workplace's Data page, or `rapport connect mastodon` with the "
    "connection's id to reconnect"
)


@dataclass(frozen=True)
class ScheduledStatus:
    """One queued post on the instance."""

    scheduled_id: str
    scheduled_at: dt.datetime
    """UTC-aware."""
    text: str
    visibility: str | None
    idempotency_key: str | None
    """The key it was sent with, when the instance echoes it (``params.idempotency``)."""


@dataclass(frozen=True)
class PublishedStatus:
    """A status posted now."""

    status_id: str
    url: str | None
    created_at: dt.datetime
    uri: str | None = None
    """The status's ActivityPub URI: what a pull knows it by (``mastodon:<uri>``)."""
    status: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The Status entity as the instance answered it (for the store)."""


def connect_account(instance: str, *, token: str) -> Client:
    """A client for the account of ``token`` on ``instance`` (``https://host`` or a host)."""
    return _mastodon_client.connect(_mastodon_client.instance_url(instance), token=token)


def status_rows(status: PublishedStatus, *, domain: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``accounts`` row of the status's author and the ``posts`` row of the status, as a
    pull stores them (ids from the URIs); ``domain`` completes local handles. A
    :class:`~rapport.errors.RecordProblem` when the entity can't be used."""
    account, own = tracked(status.status.get("account"), domain=domain, role="own")
    post, _ = status_post(status.status, account_id=own.account_id)
    return account, post


def check_limits(queued: Sequence[ScheduledStatus], *, at: dt.datetime) -> None:
    """Refuse (:class:`UsageError`) one more scheduled status at ``at`` when ``queued`` is
    full: :data:`MAX_QUEUED` in all, or :data:`MAX_PER_DAY` on ``at``'s UTC day."""
    if len(queued) >= MAX_QUEUED:
        raise UsageError(
            f"{len(queued)} posts are already scheduled on this account and Mastodon keeps at "
            f"most {MAX_QUEUED} (the limit of scheduled posts per account): cancel some, or "
            "wait until some are published",
            option="at",
        )
    day = _utc(at).date()
    same_day = sum(1 for q in queued if q.scheduled_at.astimezone(dt.UTC).date() == day)
    if same_day >= MAX_PER_DAY:
        raise UsageError(
            f"{same_day} posts are already scheduled on {day.isoformat()} (UTC) and Mastodon "
            f"schedules at most {MAX_PER_DAY} a day (the limit of scheduled posts per day): "
            "pick another day",
            option="at",
        )


def find_scheduled(
    queued: Sequence[ScheduledStatus], *, text: str, at: dt.datetime, key: str | None = None
) -> ScheduledStatus | None:
    """The queued status an earlier attempt made, if any: the one the instance says was sent
    with ``key``, else one with the same text at the same second."""
    if key is not None:
        for status in queued:
            if status.idempotency_key == key:
                return status
    moment = _to_second(_utc(at))
    for status in queued:
        if status.text == text and _to_second(status.scheduled_at) == moment:
            return status
    return None


def scheduled_statuses(client: Client) -> tuple[ScheduledStatus, ...]:
    """Every status queued on the account, following the list's pages."""
    what = "GET /api/v1/scheduled_statuses"
    try:
        pages = client.pages(
            what, client.api.scheduled_statuses, direction="next", cap=10 * MAX_QUEUED
        )
        return tuple(_scheduled(item) for _, found in pages for item in found)
    except AuthenticationError as error:
        raise _reconnect(error) from None


def schedule_status(
    client: Client,
    *,
    text: str,
    at: dt.datetime,
    key: str,
    now: dt.datetime | None = None,
    visibility: str | None = None,
    queued: Sequence[ScheduledStatus] | None = None,
) -> ScheduledStatus:
    """Queue ``text`` to be published at ``at``, sent with the idempotency key ``key``.

    Refused before anything is sent: ``at`` not more than :data:`MIN_LEAD` after ``now``
    (default: the client's clock), a text Mastodon would refuse, a full queue
    (:func:`check_limits`). When the queue already holds a status the instance says was sent
    with ``key``, that one is returned and nothing is sent. ``queued``: the queue as the
    caller just read it (:func:`scheduled_statuses`), instead of reading it again.
    """
    _check_text(text)
    _check_visibility(visibility)
    _check_key(key)
    moment = _check_lead(at, now=now if now is not None else client.clock())
    if queued is None:
        queued = scheduled_statuses(client)
    earlier = next((q for q in queued if q.idempotency_key == key), None)
    if earlier is not None:
        return earlier
    check_limits(queued, at=moment)
    answer = _send(
        client,
        "POST /api/v1/statuses",
        lambda: client.api.status_post(
            text, visibility=visibility, scheduled_at=moment, idempotency_key=key, **_DEFAULTS
        ),
        key=key,
    )
    return _scheduled(answer)


def post_status(
    client: Client, *, text: str, key: str, visibility: str | None = None
) -> PublishedStatus:
    """Publish ``text`` now, sent with the idempotency key ``key``."""
    _check_text(text)
    _check_visibility(visibility)
    _check_key(key)
    answer = _send(
        client,
        "POST /api/v1/statuses",
        lambda: client.api.status_post(
            text, visibility=visibility, idempotency_key=key, **_DEFAULTS
        ),
        key=key,
    )
    return PublishedStatus(
        status_id=str(answer["id"]),
        url=answer.get("url") or answer.get("uri"),
        created_at=_moment(answer["created_at"]),
        uri=None if answer.get("uri") is None else str(answer["uri"]),
        status=answer,
    )


def reschedule(
    client: Client, scheduled_id: str, *, at: dt.datetime, now: dt.datetime | None = None
) -> ScheduledStatus:
    """Move the queued status ``scheduled_id`` to ``at`` (PUT /api/v1/scheduled_statuses/:id).

    Mastodon changes only the time of a scheduled status: to change its text (or visibility),
    :func:`cancel_scheduled` it and :func:`schedule_status` the new text with a new key. The
    same :data:`MIN_LEAD` rule applies; a status already published or cancelled is a
    :class:`UsageError`.
    """
    moment = _check_lead(at, now=now if now is not None else client.clock())
    answer = _send(
        client,
        f"PUT /api/v1/scheduled_statuses/{scheduled_id}",
        lambda: client.api.scheduled_status_update(scheduled_id, moment),
        key=None,
        missing=scheduled_id,
    )
    return _scheduled(answer)


def cancel_scheduled(client: Client, scheduled_id: str) -> None:
    """Drop the queued status ``scheduled_id``; one already published or cancelled (404) is a
    :class:`UsageError` saying so."""
    _send(
        client,
        f"DELETE /api/v1/scheduled_statuses/{scheduled_id}",
        lambda: client.api.scheduled_status_delete(scheduled_id),
        key=None,
        missing=scheduled_id,
    )


# -- sending ------------------------------------------------------------------------------------


@dataclass
class _Attempts:
    """What the attempts of one write met: the last failure, the last answer's headers."""

    client: Client
    call: Callable[[], Any]
    failure: MastodonError | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    retry_at: dt.datetime | None = None

    def keep(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.headers = response.headers

    def __call__(self) -> Any:
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            try:
                return self.call()
            except MastodonRatelimitError as error:
                self.failure = error
                now = self.client.clock().astimezone(dt.UTC)
                wait = _retry_after(self.headers, now=now, attempt=attempt)
                self.retry_at = now + dt.timedelta(seconds=wait)
                if attempt == RATE_LIMIT_ATTEMPTS or wait > MAX_WAIT:
                    raise
                _mastodon_client.sleep(wait)
            except MastodonError as error:
                self.failure = error
                raise
        raise AssertionError("unreachable")  # pragma: no cover


def _send(
    client: Client, what: str, call: Callable[[], Any], *, key: str | None, missing: str = ""
) -> Any:
    """``call()`` through :meth:`Client.call` (which repeats it after a 5xx or a network
    failure), waiting out a 429 as the instance asks; failures in rapport's words.

    For the call, Mastodon.py's rate-limit mode is "throw" (the client is not shared between
    threads: :func:`~rapport.connectors._mastodon_client.connect` makes one per use)."""
    attempts = _Attempts(client, call)
    api = client.api
    hooks = api.session.hooks["response"]
    hooks.append(attempts.keep)
    method, api.ratelimit_method = api.ratelimit_method, "throw"  # a 429 comes back to us
    try:
        return client.call(what, attempts)
    except AuthenticationError as error:
        raise _reconnect(error) from None
    except RemoteNotFound:
        raise ScheduledStatusGone(
            f"scheduled status {missing} is not on the instance: it was already published or "
            "cancelled; list the scheduled statuses to see what is queued",
        ) from None
    except RemoteError as error:
        repeat = (
            f"repeat the same call with the same key ({key}): Mastodon answers a repeated key "
            "with what it already made, so it is never posted twice"
            if key
            else "repeat the same call: it is safe to repeat"
        )
        unsure = PostNotSent if key else RemoteError
        if isinstance(attempts.failure, MastodonRatelimitError):
            when = f" after {attempts.retry_at:%Y-%m-%d %H:%M:%S} UTC" if attempts.retry_at else ""
            raise unsure(
                client.service,
                problem=f"{what} was not accepted: the instance's rate limit was reached",
                fix=f"{repeat}{when}",
            ) from None
        if isinstance(attempts.failure, (MastodonNetworkError, MastodonServerError)):
            raise unsure(
                client.service,
                problem=f"{error.problem}; it may or may not have reached Mastodon",
                fix=repeat,
            ) from None
        raise RemoteError(  # refused (422 and the like): nothing was made
            client.service,
            problem=f"{error.problem}; the instance refused it, so nothing was changed",
            fix="change what the instance names (its message is in the account's language) "
            "and send it again",
        ) from None
    finally:
        api.ratelimit_method = method
        hooks.remove(attempts.keep)


def _retry_after(headers: Mapping[str, str], *, now: dt.datetime, attempt: int) -> float:
    """Seconds to wait after a 429: ``Retry-After`` (seconds or a date), else
    ``X-RateLimit-Reset``, else 2, 4, 8 … seconds."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, (email.utils.parsedate_to_datetime(value) - now).total_seconds())
        except (TypeError, ValueError):
            pass
    reset = headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, (_moment(reset) - now).total_seconds())
        except ValueError:
            pass
    return float(2**attempt)


def _reconnect(error: AuthenticationError) -> AuthenticationError:
    return AuthenticationError(
        error.service,
        problem=f"{error.problem}: the token was revoked, has expired or may not post",
        fix=_RECONNECT,
        option="token",
    )


# -- checks and conversions ---------------------------------------------------------------------


def _check_text(text: str) -> None:
    if not text.strip():
        raise UsageError("the post is empty; write what to post", option="text")
    if len(text) > MAX_CHARS:
        raise UsageError(
            f"the post is {len(text)} characters; Mastodon takes at most {MAX_CHARS}: shorten "
            f"it by {len(text) - MAX_CHARS}",
            option="text",
        )


def _check_key(key: str) -> None:
    if not key.strip():
        raise UsageError(
            "the idempotency key is empty; choose one before sending and keep it, so that a "
            "repeated call is recognised",
        )


def _check_visibility(visibility: str | None) -> None:
    if visibility is not None and visibility not in VISIBILITIES:
        raise UsageError(
            f"visibility {visibility!r} is not one of {', '.join(VISIBILITIES)}",
        )


def _check_lead(at: dt.datetime, *, now: dt.datetime) -> dt.datetime:
    """``at`` in UTC to the second (as it is sent), when it is more than :data:`MIN_LEAD`
    after ``now``; else a :class:`UsageError` naming the earliest time allowed."""
    moment = _to_second(_utc(at))
    earliest = _to_second(_utc(now) + MIN_LEAD) + dt.timedelta(seconds=1)
    if moment < earliest:
        ahead = int((moment - _to_second(_utc(now))).total_seconds())
        when = f"{_span(ahead)} from now" if ahead >= 0 else f"{_span(-ahead)} ago"
        minutes = int(MIN_LEAD.total_seconds() // 60)
        raise UsageError(
            f"{moment:%Y-%m-%d %H:%M:%S} UTC is {when}; Mastodon schedules a post only more "
            f"than {minutes} minutes ahead: pick {earliest:%Y-%m-%d %H:%M:%S} UTC or later",
            option="at",
        )
    return moment


def _span(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError(
            f"{moment.isoformat()} has no time zone; give the time with its offset "
            "(e.g. 2026-08-01T14:00:00+00:00)",
            option="at",
        )
    return moment.astimezone(dt.UTC)


def _to_second(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _scheduled(entity: Any) -> ScheduledStatus:
    params = entity.get("params") or {}
    visibility = params.get("visibility")
    key = params.get("idempotency")
    return ScheduledStatus(
        scheduled_id=str(entity["id"]),
        scheduled_at=_moment(entity["scheduled_at"]),
        text=str(params.get("text") or ""),
        visibility=None if visibility is None else str(visibility),
        idempotency_key=None if key is None else str(key),
    )
