"""Planned posts on their way to a platform, and the workspace's audit log.

A post is written here (migration ``0008_scheduled_posts``) when it is drafted, with the key
chosen for it at that moment: a TID record key on Bluesky, an ``Idempotency-Key`` on
Mastodon. Every later attempt to publish it uses that key, so the platform can tell a retry
from a new post and nothing is posted twice. States:

* ``draft``: written, not yet accepted by the publishing rules;
* ``scheduled``: accepted; rapport's scheduler (or Mastodon, for a native scheduled status)
  publishes it at ``scheduled_at``;
* ``held``: its time passed while nothing ran; it waits for a person to release it;
* ``sending``: an attempt started (a crash here leaves it so; the next run looks on the
  platform first);
* ``failed``: the last attempt failed and may or may not have reached the platform;
* ``published``: on the platform (``remote_id``, ``url``, ``post_id`` say where);
* ``cancelled``: dropped before it was published.

The audit log keeps what people decided: overrides of a rule, cancels, publishes, releases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rapport.store.db import Store

__all__ = [
    "ACTIVE",
    "AuditEntry",
    "ScheduledPost",
    "State",
    "audit",
    "audit_log",
    "insert_post",
    "next_id",
    "scheduled_post",
    "scheduled_posts",
    "update_post",
]

State = Literal["draft", "scheduled", "held", "sending", "failed", "published", "cancelled"]
ACTIVE: tuple[State, ...] = ("scheduled", "held", "sending", "failed")
"""States of a post that is planned and not yet known to be on the platform."""
_COLUMNS = (
    "id", "platform", "connection_id", "slot_start", "slot_kind", "slot_title", "text",
    "links", "scheduled_at", "key", "state", "remote_id", "url", "post_id",
    "remote_scheduled_id", "error", "kind", "promotion", "created_by", "override_rules",
    "override_reason", "override_by", "override_at", "created_at", "updated_at",
    "published_at",
)  # fmt: skip
_UPDATABLE = frozenset(_COLUMNS) - {"id", "platform", "created_at", "created_by"}


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment: dt.datetime = value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class ScheduledPost:
    """One planned post, as the store keeps it (times are aware UTC)."""

    id: int
    platform: str
    connection_id: str | None
    slot_start: dt.datetime | None
    slot_kind: str | None
    slot_title: str | None
    text: str
    """The text as the person wrote it."""
    links: tuple[str, ...]
    """The links of the text with their UTM tags, in the order they appear."""
    scheduled_at: dt.datetime
    key: str
    state: State
    remote_id: str | None
    url: str | None
    post_id: str | None
    """The canonical id of the published post (as a pull stores it)."""
    remote_scheduled_id: str | None
    error: str | None
    kind: str | None
    promotion: bool
    created_by: str | None
    override_rules: str | None
    override_reason: str | None
    override_by: str | None
    override_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "connection_id": self.connection_id,
            "slot": None
            if self.slot_start is None
            else {"start": _iso(self.slot_start), "kind": self.slot_kind, "title": self.slot_title},
            "text": self.text,
            "links": list(self.links),
            "scheduled_at": _iso(self.scheduled_at),
            "key": self.key,
            "state": self.state,
            "remote_id": self.remote_id,
            "url": self.url,
            "post_id": self.post_id,
            "remote_scheduled_id": self.remote_scheduled_id,
            "error": self.error,
            "kind": self.kind,
            "promotion": self.promotion,
            "created_by": self.created_by,
            "override": None
            if self.override_rules is None
            else {
                "rules": self.override_rules.split(","),
                "reason": self.override_reason,
                "by": self.override_by,
                "at": _iso(self.override_at),
            },
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "published_at": _iso(self.published_at),
        }


def _post(row: Sequence[Any]) -> ScheduledPost:
    values = dict(zip(_COLUMNS, row, strict=True))
    for name in ("slot_start", "scheduled_at", "override_at", "created_at", "updated_at",
                 "published_at"):  # fmt: skip
        values[name] = _utc(values[name])
    values["links"] = tuple(values["links"] or ())
    values["id"] = int(values["id"])
    values["promotion"] = bool(values["promotion"])
    return ScheduledPost(**values)


def scheduled_post(store: Store, post: int) -> ScheduledPost | None:
    """The planned post ``post``, or None when there is none with that id."""
    rows = store.connection.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM scheduled_posts WHERE id = ?", [post]
    ).fetchall()
    return _post(rows[0]) if rows else None


def scheduled_posts(store: Store, *, states: Iterable[State] | None = None) -> list[ScheduledPost]:
    """The planned posts (in ``states``, default all), by time then id."""
    wanted = list(states) if states is not None else None
    where = "" if wanted is None else f"WHERE state IN ({', '.join('?' for _ in wanted)})"
    rows = store.connection.execute(
        f"SELECT {', '.join(_COLUMNS)} FROM scheduled_posts {where} ORDER BY scheduled_at, id",
        wanted or [],
    ).fetchall()
    return [_post(row) for row in rows]


def insert_post(
    store: Store,
    *,
    platform: str,
    connection_id: str | None,
    text: str,
    links: Sequence[str],
    scheduled_at: dt.datetime,
    key: str,
    kind: str | None,
    promotion: bool,
    created_by: str | None,
    slot: tuple[dt.datetime, str, str] | None,
    now: dt.datetime,
    post_id: int | None = None,
) -> ScheduledPost:
    """Write a draft with its key (chosen by the caller) and return it; ``post_id`` is the id
    to use (see :func:`next_id`), by default the next free one."""
    start, slot_kind, title = slot if slot is not None else (None, None, None)
    with store.transaction() as con:
        if post_id is None:
            row = con.execute("SELECT coalesce(max(id), 0) + 1 FROM scheduled_posts").fetchone()
            post_id = int(row[0]) if row else 1
        con.execute(
            "INSERT INTO scheduled_posts (id, platform, connection_id, slot_start, slot_kind, "
            "slot_title, text, links, scheduled_at, key, state, kind, promotion, created_by, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?)",
            [post_id, platform, connection_id, start, slot_kind, title, text, list(links),
             scheduled_at, key, kind, promotion, created_by, now, now],
        )  # fmt: skip
    made = scheduled_post(store, post_id)
    assert made is not None
    return made


def next_id(store: Store) -> int:
    """The id the next drafted post gets (its links are tagged with it before it is stored)."""
    row = store.connection.execute(
        "SELECT coalesce(max(id), 0) + 1 FROM scheduled_posts"
    ).fetchone()
    return int(row[0]) if row else 1


def update_post(store: Store, post: int, *, now: dt.datetime, **changes: Any) -> ScheduledPost:
    """Set ``changes`` (column = value) on the post ``post`` and return it as it is now."""
    unknown = set(changes) - _UPDATABLE
    if unknown:
        raise ValueError(f"not a column that can change: {', '.join(sorted(unknown))}")
    values = {**changes, "updated_at": now}
    if "links" in values:
        values["links"] = list(values["links"])
    assignments = ", ".join(f"{name} = ?" for name in values)
    with store.transaction() as con:
        con.execute(
            f"UPDATE scheduled_posts SET {assignments} WHERE id = ?", [*values.values(), post]
        )
    updated = scheduled_post(store, post)
    assert updated is not None
    return updated


# -- the audit log -----------------------------------------------------------------------------
@dataclass(frozen=True)
class AuditEntry:
    """One decision in the audit log."""

    at: dt.datetime
    action: str
    subject: str | None
    actor: str | None
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": _iso(self.at),
            "action": self.action,
            "subject": self.subject,
            "by": self.actor,
            "detail": self.detail,
        }


def audit(
    store: Store,
    *,
    action: str,
    subject: str | None,
    actor: str | None,
    detail: str | None,
    at: dt.datetime,
) -> None:
    """Record a decision (``post override``, ``post cancelled``, ``post published`` …)."""
    with store.transaction() as con:
        con.execute(
            "INSERT INTO audit (occurred_at, action, subject, actor, detail) "
            "VALUES (?, ?, ?, ?, ?)",
            [at, action, subject, actor, detail],
        )


def audit_log(store: Store, *, subject: str | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest entries (of ``subject`` only, when given), oldest first."""
    where = "" if subject is None else "WHERE subject = ?"
    rows = store.connection.execute(
        f"SELECT occurred_at, action, subject, actor, detail FROM (SELECT *, row_number() "
        f"OVER () AS n FROM audit {where} ORDER BY occurred_at DESC, n DESC LIMIT ?) "
        "ORDER BY occurred_at, n",
        [*([subject] if subject is not None else []), limit],
    ).fetchall()
    return [
        AuditEntry(_utc(at) or dt.datetime.now(dt.UTC), action, subj, actor, detail)
        for at, action, subj, actor, detail in rows
    ]
