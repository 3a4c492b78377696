"""The outbox: replies on their way to a platform, one per care item.

A reply is written here, with the key chosen for it (a Bluesky record key, a Mastodon
idempotency key), *before* it is sent: a retry after a failure finds the row and sends with
the same key, so the platform can tell it is the same reply and never posts it twice. States:
``queued`` (written, not known to be sent), ``failed`` (the last attempt failed; resumable),
``sent`` (posted: ``remote_id`` and ``url`` say where).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from rapport.store.db import Store

__all__ = [
    "OutboxEntry",
    "State",
    "cancel_reply",
    "outbox_entry",
    "queue_reply",
    "record_attempt",
    "record_sent",
]

State = Literal["queued", "sent", "failed"]
_COLUMNS = (
    "item_id, platform, connection_id, key, text, in_reply_to, state, remote_id, url, error, "
    "created_at, sent_at"
)


def _utc(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    moment: dt.datetime = value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class OutboxEntry:
    """One reply of the outbox."""

    item_id: str
    platform: str
    connection_id: str | None
    key: str
    text: str
    in_reply_to: str
    state: State
    remote_id: str | None
    url: str | None
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "platform": self.platform,
            "connection_id": self.connection_id,
            "key": self.key,
            "in_reply_to": self.in_reply_to,
            "state": self.state,
            "remote_id": self.remote_id,
            "url": self.url,
            "error": self.error,
            "created_at": self.created_at.isoformat(),
            "sent_at": self.sent_at.isoformat() if self.sent_at else None,
        }


def outbox_entry(store: Store, item_id: str) -> OutboxEntry | None:
    """The reply to the care item ``item_id``, or None when none was written."""
    rows = store.connection.execute(
        f"SELECT {_COLUMNS} FROM outbox WHERE item_id = ?", [item_id]
    ).fetchall()
    if not rows:
        return None
    row = rows[0]
    item, platform, connection, key, text, in_reply_to, state, remote, url, error = row[:10]
    return OutboxEntry(
        item_id=item, platform=platform, connection_id=connection, key=key, text=text,
        in_reply_to=in_reply_to, state=state, remote_id=remote, url=url, error=error,
        created_at=_utc(row[10]) or dt.datetime.now(dt.UTC), sent_at=_utc(row[11]),
    )  # fmt: skip


def queue_reply(
    store: Store,
    *,
    item_id: str,
    platform: str,
    connection_id: str | None,
    key: str,
    text: str,
    in_reply_to: str,
    now: dt.datetime,
) -> OutboxEntry:
    """Write the reply with its key before it is sent; an item already in the outbox keeps
    its row (and its key), which is returned."""
    with store.transaction() as con:
        found = con.execute("SELECT 1 FROM outbox WHERE item_id = ?", [item_id]).fetchall()
        if not found:
            con.execute(
                f"INSERT INTO outbox ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, 'queued', NULL, "
                "NULL, NULL, ?, NULL)",
                [item_id, platform, connection_id, key, text, in_reply_to, now],
            )
    entry = outbox_entry(store, item_id)
    assert entry is not None
    return entry


def record_attempt(
    store: Store,
    item_id: str,
    *,
    state: State,
    remote_id: str | None = None,
    url: str | None = None,
    error: str | None = None,
    now: dt.datetime,
) -> None:
    """Note how the last attempt to send the reply went."""
    with store.transaction() as con:
        con.execute(
            "UPDATE outbox SET state = ?, remote_id = coalesce(?, remote_id), "
            "url = coalesce(?, url), error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? "
            "ELSE sent_at END WHERE item_id = ?",
            [state, remote_id, url, error, state, now, item_id],
        )


def record_sent(
    store: Store,
    item_id: str,
    *,
    remote_id: str,
    url: str | None,
    action: str,
    person_id: str | None,
    by: str | None,
    now: dt.datetime,
) -> None:
    """The reply was posted: the outbox row says where, and the care item is done (by whom,
    with the reply's address), in one transaction, so that a reply on the platform never
    leaves its item on the list, whatever happens next."""
    with store.transaction() as con:
        con.execute(
            "UPDATE outbox SET state = 'sent', remote_id = ?, url = ?, error = NULL, "
            "sent_at = ? WHERE item_id = ?",
            [remote_id, url, now, item_id],
        )
        done = con.execute("SELECT 1 FROM care_done WHERE item_id = ?", [item_id]).fetchall()
        if not done:
            con.execute(
                "INSERT INTO care_done (item_id, action, person_id, done_at, answered_by, url) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [item_id, action, person_id, now, by, url],
            )


def cancel_reply(store: Store, item_id: str) -> OutboxEntry | None:
    """Drop the reply to ``item_id`` unless it was sent; the dropped entry (None: none was
    waiting). A sent reply is kept: it is on the platform."""
    entry = outbox_entry(store, item_id)
    if entry is None or entry.state == "sent":
        return None
    with store.transaction() as con:
        con.execute("DELETE FROM outbox WHERE item_id = ? AND state <> 'sent'", [item_id])
    return entry
