"""The calendar becomes posts, published at most once.

A person writes each post: :func:`draft_post` stores the text with its time (a calendar
slot's, whose idea and reason come back for display, or one given) and the key it will be
sent with, chosen now (a TID record key on Bluesky, an Idempotency-Key on Mastodon); its
links get the post's UTM tags. :func:`schedule_post` accepts it when it keeps the
workspace's rules (:mod:`rapport.strategy.publishing.rules`), or when a person overrides
them with a reason (stored on the post and in the audit log). :func:`edit_post` re-checks
them, :func:`cancel_post` drops a post.

Bluesky has no scheduled posts: :func:`publish_due` (run by the web workplace's scheduler,
or ``rapport publish --due`` from cron) creates each due record under its key, after looking
whether an earlier attempt created it. A post whose time passed more than :data:`GRACE` ago
while nothing ran is not backdated: it is ``held`` until a person releases it
(:func:`release_held`). Mastodon keeps its own scheduled statuses (more than 5 minutes
ahead; 300 queued and 25 a day per account, checked before sending and reported): a post
far enough ahead becomes one when it is accepted, one due sooner is posted by
:func:`publish_due` with its Idempotency-Key, and :func:`reconcile_mastodon` reads the
instance's queue back (see :mod:`rapport.api._publishing_mastodon`).

A post rapport published enters the store as a pull would store it (same ``post_id``; the
import's source is ``rapport_publish``), so a later pull finds it and adds nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapport.api import _publishing_mastodon as mastodon
from rapport.api._publishing_mastodon import Queue, Reconciled
from rapport.api.connections import connection_for, session_keeping
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.schema import CONTENT_KINDS
from rapport.connectors.publish import Created, send_bluesky_post
from rapport.connectors.replies import LIMITS, graphemes, new_idempotency_key, new_tid
from rapport.credentials import BlueskyCredentials, Connection, Connections, MastodonCredentials
from rapport.errors import InputError, RemoteError, UsageError
from rapport.platforms.bluesky import account_id, post_fields, post_id, profile_url
from rapport.store.scheduled import (
    ScheduledPost,
    audit,
    insert_post,
    next_id,
    scheduled_post,
    scheduled_posts,
    update_post,
)
from rapport.strategy.publishing.drafts import tag_links
from rapport.strategy.publishing.rules import RuleBreak, check, known_posts, rules_of

if TYPE_CHECKING:
    from rapport.session import Session
    from rapport.workspace import Workspace

__all__ = [
    "GRACE",
    "PLATFORMS",
    "Draft",
    "DueRun",
    "Queue",
    "Reconciled",
    "Scheduled",
    "cancel_post",
    "draft_post",
    "edit_post",
    "list_posts",
    "publish_due",
    "reconcile_mastodon",
    "release_held",
    "schedule_post",
]

GRACE = dt.timedelta(minutes=15)
"""How late a post may still go out; later, it is held and a person is asked."""
PLATFORMS = ("bluesky", "mastodon")
SOURCE = "rapport_publish"
"""The import source of the posts rapport published (what tags them in the store)."""
Waiting = Callable[[str], None]
_EDITABLE = ("draft", "scheduled", "held")


# -- results -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Draft:
    """A drafted post, and the slot's idea and reason to show while writing."""

    post: ScheduledPost
    idea: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"post": self.post.to_dict(), "idea": self.idea, "reason": self.reason}


@dataclass(frozen=True)
class Scheduled:
    """A post accepted (or edited), the rules a person overrode for it, and, when it is a
    scheduled status on Mastodon, that account's queue after it ("12 of 300 queued; 3 of 25
    on 2026-08-02")."""

    post: ScheduledPost
    overridden: tuple[RuleBreak, ...] = ()
    queue: Queue | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "post": self.post.to_dict(),
            "overridden": [b.to_dict() for b in self.overridden],
            "queue": None if self.queue is None else self.queue.to_dict(),
        }


@dataclass(frozen=True)
class DueRun:
    """What one run of the scheduler did: published (``resumed``: ids an earlier attempt had
    already posted), held (late: a person decides), failed (with the message), and what the
    Mastodon queues said of the scheduled statuses (``reconciled``)."""

    now: dt.datetime
    published: tuple[ScheduledPost, ...] = ()
    resumed: tuple[int, ...] = ()
    held: tuple[ScheduledPost, ...] = ()
    failed: tuple[tuple[ScheduledPost, str], ...] = ()
    reconciled: Reconciled | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "now": self.now.astimezone(dt.UTC).isoformat(),
            "published": [p.to_dict() for p in self.published],
            "resumed": list(self.resumed),
            "held": [p.to_dict() for p in self.held],
            "failed": [{"post": p.to_dict(), "error": e} for p, e in self.failed],
            "reconciled": None if self.reconciled is None else self.reconciled.to_dict(),
        }


# -- helpers -----------------------------------------------------------------------------------
def _now(now: dt.datetime | None) -> dt.datetime:
    moment = now or dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        raise UsageError("give times with their zone (or in UTC)", option="at")
    return moment.astimezone(dt.UTC)


def _writing(workspace: Workspace, on_wait: Waiting | None) -> Session:
    return workspace.session(read_only=False, purpose="publishing", on_wait=on_wait)


def _post(session: Session, post: int) -> ScheduledPost:
    found = scheduled_post(session.store, post)
    if found is None:
        raise UsageError(f"there is no post {post}: `rapport publish list` shows them")
    return found


def _check_text(platform: str, text: str) -> str:
    body = text.strip()
    if not body:
        raise UsageError("the post is empty: write what to say", option="text")
    size = graphemes(body) if platform == "bluesky" else len(body)
    if size > LIMITS[platform]:
        raise UsageError(
            f"the post is {size} characters; {platform.title()} takes at most "
            f"{LIMITS[platform]}: shorten it by {size - LIMITS[platform]}",
            option="text",
        )
    return body


def _check_future(at: dt.datetime, now: dt.datetime) -> None:
    if at <= now:
        raise UsageError(
            f"{at:%Y-%m-%d %H:%M} UTC has passed: choose a time ahead (rapport never backdates "
            "a post)",
            option="at",
        )


def _connection(workspace: Workspace, platform: str, connection_id: str | None) -> Connection:
    return connection_for(
        workspace, platform, connection_id, to="post",
        otherwise=f"connect one with `rapport connect {platform}`",
    )  # fmt: skip


def _rule_breaks(session: Session, post: ScheduledPost, at: dt.datetime) -> tuple[RuleBreak, ...]:
    return check(
        at=at,
        promotion=post.promotion,
        others=known_posts(session, exclude=post.id),
        rules=rules_of(session, around=at),
    )


def _refuse_or_override(
    post: ScheduledPost, breaks: tuple[RuleBreak, ...], *, override: bool, reason: str | None
) -> tuple[RuleBreak, ...]:
    """The breaks a person overrides (none when there are none), or a refusal naming them."""
    if not breaks:
        return ()
    if not override:
        listed = "\n".join(f"  - {b.reason}" for b in breaks)
        raise UsageError(
            f"post {post.id} breaks your publishing rules:\n{listed}\nchoose another time "
            "for it, or accept it anyway: an override, with the reason (recorded in the audit "
            "log)",
            option="override",
        )
    if not (reason or "").strip():
        raise UsageError("an override needs the reason, for the audit log", option="reason")
    return breaks


def _record_override(
    session: Session, post: int, breaks: tuple[RuleBreak, ...], reason: str | None,
    by: str | None, now: dt.datetime,
) -> dict[str, Any]:  # fmt: skip
    if not breaks:
        return {}
    rules = ",".join(b.rule for b in breaks)
    audit(session.store, action="rule overridden", subject=f"post {post}", actor=by,
          detail=f"{rules}: {(reason or '').strip()} ({'; '.join(b.reason for b in breaks)})",
          at=now)  # fmt: skip
    return {"override_rules": rules, "override_reason": (reason or "").strip(),
            "override_by": by, "override_at": now}  # fmt: skip


# -- drafting and scheduling -------------------------------------------------------------------
def draft_post(
    *,
    workspace: Workspace,
    platform: str,
    text: str,
    slot: int | None = None,
    at: dt.datetime | None = None,
    connection_id: str | None = None,
    promotion: bool | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    on_wait: Waiting | None = None,
) -> Draft:
    """Store a draft of ``text`` for the calendar's slot number ``slot`` (1 = the first slot
    `rapport calendar` lists) or for the time ``at``. Its links get the post's UTM tags; a
    slot's kind says whether it is a promotion unless ``promotion`` says so."""
    moment = _now(now)
    if platform not in PLATFORMS:
        raise UsageError(f"platform {platform!r}: rapport publishes on Bluesky and Mastodon",
                         option="platform")  # fmt: skip
    if (slot is None) == (at is None):
        raise UsageError("say when: a calendar slot or a time, one of them", option="slot")
    body = _check_text(platform, text)
    connection = _connection(workspace, platform, connection_id)
    chosen = None
    if slot is not None:
        from rapport.strategy.calendar import content_calendar

        with workspace.session(on_wait=on_wait) as session:
            slots = content_calendar(session, today=session.zone.local(moment).date()).slots
        if not 1 <= slot <= len(slots):
            raise UsageError(f"slot {slot}: the calendar has slots 1 to {len(slots)} "
                             "(`rapport calendar` lists them)", option="slot")  # fmt: skip
        chosen = slots[slot - 1]
        at = chosen.start
    assert at is not None
    when = _now(at)
    _check_future(when, moment)
    kind = chosen.kind if chosen is not None else None
    promo = promotion if promotion is not None else kind == "promo"
    key = new_tid() if platform == "bluesky" else new_idempotency_key()
    with _writing(workspace, on_wait) as session:
        ident = next_id(session.store)
        links = tag_links(body, platform=platform, post=ident, campaign=kind)
        made = insert_post(
            session.store, platform=platform, connection_id=connection.connection_id,
            text=body, links=links, scheduled_at=when, key=key,
            kind=kind or ("promo" if promo else None), promotion=promo, created_by=by,
            slot=None if chosen is None else (chosen.start, chosen.kind, chosen.title),
            now=moment, post_id=ident,
        )  # fmt: skip
    return Draft(made, chosen.idea if chosen else None, chosen.reason if chosen else None)


def schedule_post(
    *,
    workspace: Workspace,
    post: int,
    override: bool = False,
    reason: str | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    on_wait: Waiting | None = None,
) -> Scheduled:
    """Accept the draft ``post`` when it keeps the rules; a post that breaks one is refused
    with the reasons, or accepted with ``override`` and a ``reason`` (audited)."""
    moment = _now(now)
    with workspace.session(on_wait=on_wait) as session:
        found = _post(session, post)
        if found.state != "draft":
            raise UsageError(f"post {post} is {found.state}, not a draft: nothing to schedule")
        _check_future(found.scheduled_at, moment)
        breaks = _refuse_or_override(found, _rule_breaks(session, found, found.scheduled_at),
                                     override=override, reason=reason)  # fmt: skip
    native = mastodon.schedule(workspace, found, now=moment) if mastodon.is_native(
        found, now=moment) else None  # fmt: skip
    with _writing(workspace, on_wait) as session:
        changes = _record_override(session, post, breaks, reason, by, moment)
        done = update_post(session.store, post, now=moment, state="scheduled", error=None,
                           remote_scheduled_id=None if native is None else native.scheduled_id,
                           **changes)  # fmt: skip
        where = f"; scheduled status {native.scheduled_id}, {native.queue}" if native else ""
        audit(session.store, action="post scheduled", subject=f"post {post}", actor=by,
              detail=f"{found.platform} at {found.scheduled_at:%Y-%m-%d %H:%M} UTC{where}",
              at=moment)  # fmt: skip
    return Scheduled(done, breaks, None if native is None else native.queue)


def list_posts(session: Session, *, states: tuple[str, ...] | None = None) -> list[ScheduledPost]:
    """The planned posts (in ``states``, default all), by time."""
    return scheduled_posts(session.store, states=states)  # type: ignore[arg-type]


def edit_post(
    *,
    workspace: Workspace,
    post: int,
    text: str | None = None,
    at: dt.datetime | None = None,
    override: bool = False,
    reason: str | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    on_wait: Waiting | None = None,
) -> Scheduled:
    """Change the text or the time of a post not yet sent; a scheduled or held post is
    checked against the rules again (see :func:`schedule_post`)."""
    moment = _now(now)
    if text is None and at is None:
        raise UsageError("say what changes: the text or the time", option="text")
    with workspace.session(on_wait=on_wait) as session:
        found = _post(session, post)
        if found.state not in _EDITABLE:
            raise UsageError(f"post {post} is {found.state}: only drafts, scheduled and held "
                             "posts can change")  # fmt: skip
        body = found.text if text is None else _check_text(found.platform, text)
        when = found.scheduled_at if at is None else _now(at)
        if at is not None:
            _check_future(when, moment)
        breaks: tuple[RuleBreak, ...] = ()
        if found.state != "draft":
            breaks = _refuse_or_override(found, _rule_breaks(session, found, when),
                                         override=override, reason=reason)  # fmt: skip
    links = tag_links(body, platform=found.platform, post=post, campaign=found.slot_kind)
    changes: dict[str, Any] = {"text": body, "links": links, "scheduled_at": when}
    # Mastodon: the scheduled status follows (moved; or, for new text, cancelled and made
    # again under a NEW key, since the old key belongs to the cancelled status)
    remote, queue = mastodon.follow_edit(workspace, found, dataclasses.replace(found, **changes),
                                         now=moment, on_wait=on_wait)  # fmt: skip
    changes.update(remote)
    if found.state == "held":
        changes["state"] = "scheduled"
    with _writing(workspace, on_wait) as session:
        changes.update(_record_override(session, post, breaks, reason, by, moment))
        done = update_post(session.store, post, now=moment, **changes)
        audit(session.store, action="post edited", subject=f"post {post}", actor=by,
              detail=", ".join(k for k, v in (("text", text), ("time", at)) if v is not None),
              at=moment)  # fmt: skip
    return Scheduled(done, breaks, queue)


def cancel_post(
    *,
    workspace: Workspace,
    post: int,
    by: str | None = None,
    now: dt.datetime | None = None,
    on_wait: Waiting | None = None,
) -> ScheduledPost:
    """Drop a draft, scheduled or held post (Mastodon: its scheduled status too). A scheduled
    status the instance no longer has corrects the post: cancelled (it was cancelled there),
    or published (its time passed: the instance posted it; a UsageError says so)."""
    moment = _now(now)
    with workspace.session(on_wait=on_wait) as session:
        found = _post(session, post)
    if found.state not in _EDITABLE:
        hint = (" (an attempt to send it may have reached the platform: run `rapport publish "
                "--due` first)") if found.state in ("sending", "failed") else ""  # fmt: skip
        raise UsageError(f"post {post} is {found.state}: it can't be cancelled{hint}")
    if found.remote_scheduled_id is not None:
        settled = mastodon.cancel(workspace, found, now=moment, on_wait=on_wait)
        if settled is not None:
            return settled  # it was already cancelled on the instance
    with _writing(workspace, on_wait) as session:
        done = update_post(session.store, post, now=moment, state="cancelled")
        audit(session.store, action="post cancelled", subject=f"post {post}", actor=by,
              detail=f"was {found.state}", at=moment)  # fmt: skip
    return done


# -- publishing --------------------------------------------------------------------------------
def publish_due(
    *,
    workspace: Workspace,
    now: dt.datetime | None = None,
    grace: dt.timedelta = GRACE,
    by: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Waiting | None = None,
) -> DueRun:
    """Publish every post whose time has come; hold those more than ``grace`` late (a
    person decides: :func:`release_held`); resume those an attempt left ``sending`` or
    ``failed`` (looking on the platform first). Mastodon's scheduled statuses are the
    instance's to publish: their queue is read back (:func:`reconcile_mastodon`)."""
    moment = _now(now)
    reconciled = reconcile_mastodon(workspace=workspace, now=moment, on_wait=on_wait)
    with workspace.session(on_wait=on_wait) as session:
        due = [
            p for p in scheduled_posts(session.store, states=("scheduled", "sending", "failed"))
            if p.scheduled_at <= moment and p.remote_scheduled_id is None
        ]  # fmt: skip
    published: list[ScheduledPost] = []
    resumed: list[int] = []
    held: list[ScheduledPost] = []
    failed: list[tuple[ScheduledPost, str]] = []
    for post in due:
        late = moment - post.scheduled_at > grace
        if late and post.state == "scheduled":  # never attempted: nothing can be out there
            held.append(_hold(workspace, post, moment, on_wait))
            continue
        try:
            outcome = _publish(workspace, post, create=not late, by=by, sleep=sleep,
                               on_wait=on_wait)  # fmt: skip
        except RemoteError as error:
            failed.append((_failed(workspace, post, str(error), on_wait), str(error)))
            continue
        except InputError as error:  # refused before anything was made (a revoked token)
            failed.append((post, str(error)))
            continue
        if outcome is None:  # late, and the earlier attempt did not get through
            held.append(_hold(workspace, post, moment, on_wait))
            continue
        done, earlier = outcome
        published.append(done)
        if earlier:
            resumed.append(done.id)
    return DueRun(moment, tuple(published), tuple(resumed), tuple(held), tuple(failed),
                  reconciled)  # fmt: skip


def reconcile_mastodon(
    *, workspace: Workspace, now: dt.datetime | None = None, on_wait: Waiting | None = None
) -> Reconciled:
    """Read the queue of each Mastodon account with scheduled statuses from rapport: a post
    whose status left the queue after its time was published by the instance (the next pull
    brings the status in); one that left before its time was cancelled on the instance.
    Nothing is asked of an instance when no post waits there."""
    return mastodon.reconcile(workspace, now=_now(now), on_wait=on_wait)


def release_held(
    *,
    workspace: Workspace,
    post: int,
    at: dt.datetime | None = None,
    override: bool = False,
    reason: str | None = None,
    by: str | None = None,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_wait: Waiting | None = None,
) -> ScheduledPost:
    """Let a held post go: at ``at`` (scheduled again), or now (published at once). The new
    time is checked against the rules like an edit."""
    moment = _now(now)
    with workspace.session(on_wait=on_wait) as session:
        found = _post(session, post)
        if found.state != "held":
            raise UsageError(f"post {post} is {found.state}, not held: nothing to release")
        when = moment if at is None else _now(at)
        if at is not None:
            _check_future(when, moment)
        breaks = _refuse_or_override(found, _rule_breaks(session, found, when),
                                     override=override, reason=reason)  # fmt: skip
    with _writing(workspace, on_wait) as session:
        changes = _record_override(session, post, breaks, reason, by, moment)
        ready = update_post(session.store, post, now=moment, state="scheduled",
                            scheduled_at=when, **changes)  # fmt: skip
        audit(session.store, action="post released", subject=f"post {post}", actor=by,
              detail="now" if at is None else f"for {when:%Y-%m-%d %H:%M} UTC",
              at=moment)  # fmt: skip
    if at is not None:
        return ready
    try:
        outcome = _publish(workspace, ready, create=True, by=by, sleep=sleep, on_wait=on_wait)
    except RemoteError as error:
        _failed(workspace, ready, str(error), on_wait)
        raise
    assert outcome is not None
    return outcome[0]


def _hold(workspace: Workspace, post: ScheduledPost, now: dt.datetime,
          on_wait: Waiting | None) -> ScheduledPost:  # fmt: skip
    late = now - post.scheduled_at
    minutes = int(late.total_seconds() // 60)
    with _writing(workspace, on_wait) as session:
        audit(session.store, action="post held", subject=f"post {post.id}", actor=None,
              detail=f"{minutes} min late", at=now)  # fmt: skip
        return update_post(
            session.store,
            post.id,
            now=now,
            state="held",
            error=f"its time passed {minutes} min ago while rapport was not "
            "running: release it (rapport publish release ID) or cancel it",
        )


def _failed(workspace: Workspace, post: ScheduledPost, error: str,
            on_wait: Waiting | None) -> ScheduledPost:  # fmt: skip
    with _writing(workspace, on_wait) as session:
        return update_post(session.store, post.id, now=dt.datetime.now(dt.UTC), state="failed",
                           error=error)  # fmt: skip


def _publish(
    workspace: Workspace, post: ScheduledPost, *, create: bool, by: str | None,
    sleep: Callable[[float], None], on_wait: Waiting | None,
) -> tuple[ScheduledPost, bool] | None:  # fmt: skip
    """Send ``post`` (``create``: may create it; else only look whether it is out there);
    the post as stored after it and whether an earlier attempt had published it."""
    assert post.connection_id is not None
    credentials = Connections(workspace).credentials(post.connection_id)
    if isinstance(credentials, MastodonCredentials) and not create:
        return None  # Mastodon: a late post is held (the Idempotency-Key expires)
    started = dt.datetime.now(dt.UTC)
    if create:  # the key is stored already; "sending" says an attempt may be out there
        with _writing(workspace, on_wait) as session:
            update_post(session.store, post.id, now=started, state="sending", error=None)
    created, sent = None, None
    try:
        if isinstance(credentials, MastodonCredentials):
            sent = mastodon.post_now(workspace, post)
        else:
            assert isinstance(credentials, BlueskyCredentials)
            created = send_bluesky_post(
                service=credentials.service, handle=credentials.handle,
                app_password=credentials.app_password.reveal(), text=post.text,
                links=post.links, rkey=post.key, sleep=sleep, create=create,
                **session_keeping(workspace, post.connection_id, credentials),
            )  # fmt: skip
    except InputError:  # refused before anything was made: the post stays as it was
        with _writing(workspace, on_wait) as session:
            update_post(session.store, post.id, now=started, state=post.state, error=post.error)
        raise
    if created is not None:
        remote, url, earlier = created.uri, created.url, created.earlier
        post_key = post_id(created.uri)
    elif sent is not None:
        remote, url, earlier, post_key = sent.status_id, sent.url, False, sent.post_id
    else:
        return None
    done_at = dt.datetime.now(dt.UTC)
    with _writing(workspace, on_wait) as session:
        done = update_post(session.store, post.id, now=done_at, state="published",
                           remote_id=remote, url=url, post_id=post_key, error=None,
                           published_at=done_at)  # fmt: skip
        audit(session.store, action="post published", subject=f"post {post.id}", actor=by,
              detail=url or remote, at=done_at)  # fmt: skip
        if created is not None:
            session.store.apply(_batch(created, post))
        elif sent is not None:
            mastodon.store_status(session.store, post, sent, source=SOURCE)
    return done, earlier


def _batch(created: Created, post: ScheduledPost) -> Any:
    """The published post as a pull stores it (same ids), from the import ``rapport_publish``."""
    builder = BatchBuilder(source=SOURCE, origin=f"rapport publish (post {post.id})")
    account = account_id(created.did)
    builder.add("accounts", {"account_id": account, "platform": "bluesky",
                             "handle": created.handle, "role": "own",
                             "url": profile_url(created.handle)},
                locator=f"post {post.id}")  # fmt: skip
    fields = post_fields(created.record)
    kind = post.kind if post.kind in CONTENT_KINDS else None
    builder.add("posts", {"post_id": post_id(created.uri), "account_id": account, **fields,
                          "url": created.url, "content_kind": kind},
                locator=f"post {post.id}")  # fmt: skip
    return builder.build()
