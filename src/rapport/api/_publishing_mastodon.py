"""Mastodon's side of ``rapport publish``: native scheduled statuses, posts due sooner, and
what the instance's queue says about them (used by :mod:`rapport.api.publishing`).

Mastodon keeps scheduled statuses itself: a ``scheduled_at`` more than 5 minutes ahead, at
most 300 queued per account and 25 per UTC day. A post far enough ahead is handed to the
instance when it is accepted (:func:`schedule`), sent with the Idempotency-Key chosen when
it was drafted, after the limits are checked against the queue as the instance lists it;
the result says how full the queue is (:class:`Queue`). A post due sooner stays with
rapport: :func:`post_now` posts it when ``publish_due`` finds it due, with its key, and
:func:`store_status` puts the status into the store as a pull would (same ``post_id``).

An edit (:func:`follow_edit`): Mastodon changes only the time of a scheduled status (a
PUT); new text means cancelling it and scheduling the new text under a NEW key. The
instance keeps a key for an hour together with what it made; sent again, the old key would
be answered with the cancelled status (or a not-found), never with the new text.

The instance publishes a queued status at its time without rapport, and a person may delete
one in the web interface. :func:`reconcile` reads the queue: a post whose status left it
after its time was published (the next pull brings the status in); one that left before
its time was cancelled on the instance. A cancel or an edit that finds its status gone
corrects rapport's state the same way (:func:`settle`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.schema import CONTENT_KINDS
from rapport.connectors.mastodon_schedule import (
    MAX_PER_DAY,
    MAX_QUEUED,
    MIN_LEAD,
    Client,
    PublishedStatus,
    ScheduledStatus,
    ScheduledStatusGone,
    cancel_scheduled,
    check_limits,
    connect_account,
    post_status,
    reschedule,
    schedule_status,
    scheduled_statuses,
    status_rows,
)
from rapport.connectors.replies import new_idempotency_key
from rapport.credentials import Connections, MastodonCredentials
from rapport.errors import PostNotSent, RapportError, RecordProblem, UsageError
from rapport.store.scheduled import ScheduledPost, audit, scheduled_posts, update_post
from rapport.strategy.publishing.drafts import tagged_text

if TYPE_CHECKING:
    from rapport.session import Session
    from rapport.store.db import Store
    from rapport.workspace import Workspace

__all__ = [
    "MIN_AHEAD",
    "Queue",
    "Reconciled",
    "Sent",
    "cancel",
    "follow_edit",
    "is_native",
    "post_now",
    "reconcile",
    "schedule",
    "settle",
    "store_status",
]

MIN_AHEAD = MIN_LEAD + dt.timedelta(seconds=1)
"""How far ahead a post must be to become a scheduled status: Mastodon wants *more* than
:data:`MIN_LEAD`, to the second (the connector's check); a post due sooner is posted by
``publish_due``."""
Waiting = Callable[[str], None]


# -- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Queue:
    """The scheduled statuses on a Mastodon account after a change, against its limits:
    ``queued`` in all, ``on_day`` on ``day`` (UTC), the day of the post."""

    queued: int
    day: dt.date
    on_day: int

    def __str__(self) -> str:
        return (
            f"{self.queued} of {MAX_QUEUED} queued; {self.on_day} of {MAX_PER_DAY} on "
            f"{self.day.isoformat()}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "max_queued": MAX_QUEUED,
            "day": self.day.isoformat(),
            "on_day": self.on_day,
            "max_per_day": MAX_PER_DAY,
            "summary": str(self),
        }


@dataclass(frozen=True)
class Native:
    """A post handed to the instance: its scheduled status and the queue after it."""

    scheduled_id: str
    queue: Queue


@dataclass(frozen=True)
class Sent:
    """A status posted now: its instance id, address and canonical ``post_id``; ``status`` as
    the connector read it (for :func:`store_status`)."""

    status_id: str
    url: str | None
    post_id: str
    status: PublishedStatus
    domain: str
    """The instance's host (handles are ``user@domain``)."""


@dataclass(frozen=True)
class Reconciled:
    """What the instances' queues said: posts their instance published or that were
    cancelled there (now so in the store), and the accounts whose queue could not be read."""

    now: dt.datetime
    published: tuple[ScheduledPost, ...] = ()
    cancelled: tuple[ScheduledPost, ...] = ()
    unread: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.astimezone(dt.UTC).isoformat(),
            "published": [p.to_dict() for p in self.published],
            "cancelled": [p.to_dict() for p in self.cancelled],
            "unread": list(self.unread),
        }


# -- helpers -----------------------------------------------------------------------------------
def is_native(post: ScheduledPost, *, now: dt.datetime) -> bool:
    """Whether ``post`` goes to the instance as a scheduled status (Mastodon, far enough)."""
    return post.platform == "mastodon" and post.scheduled_at - now >= MIN_AHEAD


def _credentials(workspace: Workspace, post: ScheduledPost) -> MastodonCredentials:
    if post.connection_id is None:
        raise UsageError(f"post {post.id} has no connection: draft it again", option="post")
    credentials = Connections(workspace).credentials(post.connection_id)
    if not isinstance(credentials, MastodonCredentials):
        raise UsageError(f"connection {post.connection_id!r} is not a Mastodon account",
                         option="connection_id")  # fmt: skip
    return credentials


def _client(credentials: MastodonCredentials) -> Client:
    return connect_account(credentials.instance, token=credentials.token.reveal())


def _text(post: ScheduledPost) -> str:
    """What is sent: the text with its links tagged."""
    return tagged_text(post.text, post.links)


def _queue(queued: Iterable[ScheduledStatus], at: dt.datetime) -> Queue:
    statuses = list(queued)
    day = at.astimezone(dt.UTC).date()
    same = sum(1 for q in statuses if q.scheduled_at.astimezone(dt.UTC).date() == day)
    return Queue(len(statuses), day, same)


def _again(error: PostNotSent, command: str) -> PostNotSent:
    """``error`` with the command that repeats it safely (the same key goes again)."""
    return PostNotSent(
        error.service,
        problem=error.problem,
        fix=f"repeat it ({command}): it sends the same Idempotency-Key, so Mastodon makes it once",
    )


def _writing(workspace: Workspace, on_wait: Waiting | None) -> Session:
    return workspace.session(read_only=False, purpose="publishing", on_wait=on_wait)


def _missing(error: UsageError) -> bool:
    """Whether ``error`` is the connector's 404 of a scheduled status (published or gone)."""
    return isinstance(error, ScheduledStatusGone)


# -- scheduling --------------------------------------------------------------------------------
def _schedule_with(
    client: Client, post: ScheduledPost, queued: Sequence[ScheduledStatus], *, now: dt.datetime,
    retry: str,
) -> Native:  # fmt: skip
    try:
        made = schedule_status(client, text=_text(post), at=post.scheduled_at, key=post.key,
                               now=now, queued=queued)  # fmt: skip
    except PostNotSent as error:
        raise _again(error, retry) from None
    after = [q for q in queued if q.scheduled_id != made.scheduled_id] + [made]
    return Native(made.scheduled_id, _queue(after, made.scheduled_at))


def schedule(workspace: Workspace, post: ScheduledPost, *, now: dt.datetime) -> Native:
    """``post`` as a scheduled status on its instance, sent with its key, once the queue (read
    first) has room: a refusal names the limit and the count, and nothing is sent."""
    client = _client(_credentials(workspace, post))
    return _schedule_with(client, post, scheduled_statuses(client), now=now,
                          retry=f"rapport publish schedule {post.id}")  # fmt: skip


def follow_edit(
    workspace: Workspace, before: ScheduledPost, after: ScheduledPost, *, now: dt.datetime,
    on_wait: Waiting | None,
) -> tuple[dict[str, Any], Queue | None]:  # fmt: skip
    """What the instance does for an edit of ``before`` into ``after`` (new text or time),
    and the store's changes that follow (``key``, ``remote_scheduled_id``) with the queue.

    * not handed to the instance, and still due sooner: nothing;
    * not handed yet and now far enough ahead: scheduled with its key (never sent before);
    * the time only: moved (PUT), or, to a time due sooner, cancelled (``publish_due`` posts
      it then, under a new key: the old one named the scheduled status);
    * new text: cancelled and scheduled again under a NEW key (the old key belongs to the
      cancelled status). The limits are checked before the cancel, so a refusal changes
      nothing; when the new status can't be made, the post is a draft again.
    """
    if before.platform != "mastodon" or before.state == "draft":
        return {}, None
    ahead = is_native(after, now=now)
    client = _client(_credentials(workspace, before))
    old = before.remote_scheduled_id
    if old is None:
        if not ahead:
            return {}, None
        native = _schedule_with(client, after, scheduled_statuses(client), now=now,
                                retry=f"rapport publish edit {before.id}")  # fmt: skip
        return {"remote_scheduled_id": native.scheduled_id}, native.queue
    queued = scheduled_statuses(client)
    if old not in {q.scheduled_id for q in queued}:
        raise _vanished(workspace, before, now=now, on_wait=on_wait)
    others = [q for q in queued if q.scheduled_id != old]
    if _text(after) == _text(before) and ahead:  # the time only: Mastodon moves it
        check_limits(others, at=after.scheduled_at)
        try:
            moved = reschedule(client, old, at=after.scheduled_at, now=now)
        except UsageError as error:
            if not _missing(error):
                raise
            raise _vanished(workspace, before, now=now, on_wait=on_wait) from None
        return {}, _queue([*others, moved], after.scheduled_at)
    if ahead:
        check_limits(others, at=after.scheduled_at)  # before anything is cancelled
    try:
        cancel_scheduled(client, old)
    except UsageError as error:
        if not _missing(error):
            raise
        raise _vanished(workspace, before, now=now, on_wait=on_wait) from None
    fresh = replace(after, key=new_idempotency_key(), remote_scheduled_id=None)
    changes: dict[str, Any] = {"key": fresh.key, "remote_scheduled_id": None}
    if not ahead:
        return changes, None
    try:
        native = _schedule_with(client, fresh, others, now=now,
                                retry=f"rapport publish schedule {before.id}")  # fmt: skip
    except RapportError:
        with _writing(workspace, on_wait) as session:
            update_post(session.store, before.id, now=now, state="draft", text=fresh.text,
                        links=fresh.links, scheduled_at=fresh.scheduled_at, key=fresh.key,
                        remote_scheduled_id=None)  # fmt: skip
            audit(session.store, action="post edited", subject=f"post {before.id}", actor=None,
                  detail=f"scheduled status {old} cancelled; the new text could not be "
                  "scheduled: a draft again", at=now)  # fmt: skip
        raise
    return {**changes, "remote_scheduled_id": native.scheduled_id}, native.queue


def cancel(
    workspace: Workspace, post: ScheduledPost, *, now: dt.datetime, on_wait: Waiting | None
) -> ScheduledPost | None:
    """Delete ``post``'s scheduled status; None when done. When the instance no longer had
    it, the post is corrected (:func:`settle`): cancelled there (returned), or published by
    the instance (a UsageError says so)."""
    assert post.remote_scheduled_id is not None
    try:
        cancel_scheduled(_client(_credentials(workspace, post)), post.remote_scheduled_id)
    except UsageError as error:
        if not _missing(error):
            raise
        done = settle(workspace, post, now=now, on_wait=on_wait)
        if done.state == "published":
            raise _published(post) from None
        return done
    return None


# -- the queue read back -----------------------------------------------------------------------
def settle(
    workspace: Workspace, post: ScheduledPost, *, now: dt.datetime, on_wait: Waiting | None
) -> ScheduledPost:
    """Correct the state of ``post``, whose scheduled status is no longer queued: published
    by the instance when its time has passed, else cancelled on the instance."""
    scheduled = post.remote_scheduled_id
    with _writing(workspace, on_wait) as session:
        if post.scheduled_at <= now:
            audit(session.store, action="post published", subject=f"post {post.id}",
                  actor=None, detail=f"by Mastodon: scheduled status {scheduled} left the "
                  "queue at its time; the next pull brings the status in", at=now)  # fmt: skip
            return update_post(session.store, post.id, now=now, state="published",
                               published_at=post.scheduled_at, error=None)  # fmt: skip
        audit(session.store, action="post cancelled", subject=f"post {post.id}", actor=None,
              detail=f"cancelled on the instance (scheduled status {scheduled})",
              at=now)  # fmt: skip
        return update_post(
            session.store, post.id, now=now, state="cancelled",
            error=f"cancelled on the instance: scheduled status {scheduled} left the queue "
            f"before its time ({post.scheduled_at:%Y-%m-%d %H:%M} UTC)",
        )  # fmt: skip


def _vanished(
    workspace: Workspace, post: ScheduledPost, *, now: dt.datetime, on_wait: Waiting | None
) -> UsageError:
    """The refusal of an edit (or cancel) whose scheduled status is gone, after correcting
    the post's state."""
    done = settle(workspace, post, now=now, on_wait=on_wait)
    if done.state == "published":
        return _published(post)
    return UsageError(
        f"post {post.id}'s scheduled status {post.remote_scheduled_id} was cancelled on the "
        "instance (it left the queue before its time); rapport now lists the post as "
        "cancelled: draft it again to post it",
        option="post",
    )


def _published(post: ScheduledPost) -> UsageError:
    return UsageError(
        f"post {post.id} was already published by Mastodon at "
        f"{post.scheduled_at:%Y-%m-%d %H:%M} UTC (its scheduled status "
        f"{post.remote_scheduled_id} is no longer queued): rapport now lists it as published; "
        "to change or take it down, edit or delete the status on Mastodon",
        option="post",
    )


def reconcile(workspace: Workspace, *, now: dt.datetime, on_wait: Waiting | None) -> Reconciled:
    """Read the queue of each account with posts scheduled there and settle those no longer
    in it; an account whose queue can't be read is named in ``unread`` and its posts stay as
    they are. Nothing is asked of an instance when no post waits there."""
    with workspace.session(on_wait=on_wait) as session:
        posts = [p for p in scheduled_posts(session.store, states=("scheduled",))
                 if p.platform == "mastodon" and p.remote_scheduled_id is not None]  # fmt: skip
    published: list[ScheduledPost] = []
    cancelled: list[ScheduledPost] = []
    unread: list[str] = []
    by_account: dict[str, list[ScheduledPost]] = {}
    for post in posts:
        by_account.setdefault(post.connection_id or "", []).append(post)
    for connection, group in by_account.items():
        try:
            queued = scheduled_statuses(_client(_credentials(workspace, group[0])))
        except RapportError as error:
            unread.append(f"{connection or 'no connection'}: {error}")
            continue
        present = {q.scheduled_id for q in queued}
        for post in group:
            if post.remote_scheduled_id in present:
                continue
            done = settle(workspace, post, now=now, on_wait=on_wait)
            (published if done.state == "published" else cancelled).append(done)
    return Reconciled(now, tuple(published), tuple(cancelled), tuple(unread))


# -- posting now -------------------------------------------------------------------------------
def post_now(workspace: Workspace, post: ScheduledPost) -> Sent:
    """Post ``post`` now with its key. A failure that may have reached the instance is a
    :class:`PostNotSent` saying to publish the due posts again (the same key goes, so the
    instance posts it once); a revoked token the connector's AuthenticationError."""
    credentials = _credentials(workspace, post)
    try:
        status = post_status(_client(credentials), text=_text(post), key=post.key)
    except PostNotSent as error:
        raise _again(error, "publishing the due posts") from None
    if status.uri is None:  # every Mastodon status has one; without it, no canonical id
        raise UsageError(f"the instance answered post {post.id} without the status's uri")
    domain = urlsplit(credentials.instance).netloc or credentials.instance
    return Sent(status.status_id, status.url, f"mastodon:{status.uri}", status, domain)


def store_status(store: Store, post: ScheduledPost, sent: Sent, *, source: str) -> None:
    """The posted status into the store as a pull stores it (same ids), from the import
    ``source``; the account keeps the handle a pull gave it."""
    try:
        account, fields = status_rows(sent.status, domain=sent.domain)
    except RecordProblem:  # an answer the pull would quarantine: the next pull tries again
        return
    known = store.connection.execute(
        "SELECT handle FROM accounts WHERE account_id = ?", [account["account_id"]]
    ).fetchone()
    if known and known[0]:
        account["handle"] = known[0]
    builder = BatchBuilder(source=source, origin=f"rapport publish (post {post.id})")
    builder.add("accounts", account, locator=f"post {post.id}")
    kind = post.kind if post.kind in CONTENT_KINDS else None
    builder.add("posts", {**fields, "content_kind": kind}, locator=f"post {post.id}")
    store.apply(builder.build())
