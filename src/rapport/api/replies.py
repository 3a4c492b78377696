"""Answer a person from the care list, at most once.

:func:`reply_to_care_item` posts the text a person wrote as a reply to an ``answer`` item of
the care list, through the workspace's connection for that platform. The reply and the key it
is sent with (a Bluesky record key, a Mastodon idempotency key) are written to the store's
outbox before sending; a failed attempt is noted there and the same call resumes it with the
same key, after checking what the platform already has. Once posted, the care item is marked
done with who answered and the reply's address, and a second call is refused.

rapport never writes the text: it comes from the caller, and empty or too long text is
refused before anything is sent or stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapport.api.connections import connection_for, session_keeping
from rapport.canonical.ids import native_part
from rapport.connectors.replies import (
    Posted,
    check_length,
    new_idempotency_key,
    new_tid,
    send_bluesky_reply,
    send_mastodon_reply,
)
from rapport.credentials import BlueskyCredentials, Connection, Connections, MastodonCredentials
from rapport.errors import ReplyNotSent, UsageError
from rapport.store.outbox import (
    OutboxEntry,
    cancel_reply,
    outbox_entry,
    queue_reply,
    record_attempt,
    record_sent,
)
from rapport.strategy.care_list import CareItem, care_thread
from rapport.workspace import Workspace

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["Replied", "cancel_queued_reply", "refuse_answered", "reply_to_care_item"]

Waiting = Callable[[str], None]
_CONNECT = {"bluesky": "rapport connect bluesky", "mastodon": "rapport connect mastodon"}


@dataclass(frozen=True)
class Replied:
    """A reply posted for a care item: where, under which key, and whether an earlier attempt
    had already posted it (``resumed``)."""

    item: CareItem
    platform: str
    remote_id: str
    url: str | None
    key: str
    resumed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item.id,
            "platform": self.platform,
            "remote_id": self.remote_id,
            "url": self.url,
            "key": self.key,
            "resumed": self.resumed,
        }


def _connection(workspace: Workspace, platform: str, connection_id: str | None) -> Connection:
    return connection_for(
        workspace, platform, connection_id, to="answer",
        otherwise=f"connect one with `{_CONNECT[platform]}`, or answer on the platform and "
        "run `rapport care done ID`",
    )  # fmt: skip


def _send(workspace: Workspace, connection: Connection, entry: OutboxEntry) -> Posted:
    credentials = Connections(workspace).credentials(connection.connection_id)
    if isinstance(credentials, BlueskyCredentials):
        return send_bluesky_reply(
            service=credentials.service, handle=credentials.handle,
            app_password=credentials.app_password.reveal(),
            parent_uri=native_part(entry.in_reply_to), text=entry.text, rkey=entry.key,
            **session_keeping(workspace, connection.connection_id, credentials),
        )  # fmt: skip
    assert isinstance(credentials, MastodonCredentials)
    return send_mastodon_reply(
        instance=credentials.instance, token=credentials.token.reveal(),
        status_uri=native_part(entry.in_reply_to), text=entry.text, key=entry.key,
    )  # fmt: skip


def refuse_answered(session: Session, item_id: str) -> OutboxEntry | None:
    """The outbox entry of ``item_id`` (None: none yet); a sent one is refused with its URL."""
    wanted = item_id.strip().lower()
    pending = outbox_entry(session.store, wanted)
    if pending is not None and pending.state == "sent":
        when = f"{pending.sent_at:%Y-%m-%d %H:%M} UTC" if pending.sent_at else "earlier"
        raise UsageError(
            f"care item {wanted!r}: already answered on {pending.platform} ({when}), "
            f"{pending.url or pending.remote_id}"
        )
    return pending


def _refuse_other_text(item_id: str, pending: OutboxEntry, text: str) -> None:
    """A resumed reply is sent as it was queued (with the key chosen for it): other text is
    refused, saying what was queued and how to send it or drop it."""
    if text.strip() == pending.text.strip():
        return
    earlier = (
        "its last attempt failed and may or may not have reached "
        f"{pending.platform.title()}, so check there before writing another"
        if pending.state == "failed"
        else "it was written but not known to be sent"
    )
    raise UsageError(
        f"care item {item_id!r}: another reply is already queued for it ({earlier}):\n"
        f"  {pending.text}\n"
        "to send it, answer the item again with exactly that text; to drop it and write "
        "another, cancel the queued reply first",
        option="cancel",
    )


def cancel_queued_reply(
    *, workspace: Workspace, item_id: str, on_wait: Waiting | None = None
) -> OutboxEntry:
    """Drop the queued (or failed) reply of the care item ``item_id``, so that another text
    can be sent; refused when none is waiting or when it was sent."""
    wanted = item_id.strip().lower()
    with workspace.session(read_only=False, purpose="a reply", on_wait=on_wait) as session:
        refuse_answered(session, wanted)
        dropped = cancel_reply(session.store, wanted)
    if dropped is None:
        raise UsageError(f"care item {wanted!r} has no reply waiting to be sent: nothing to cancel")
    return dropped


def reply_to_care_item(
    *,
    workspace: Workspace,
    item_id: str,
    text: str,
    connection_id: str | None = None,
    by: str | None = None,
    on_wait: Waiting | None = None,
) -> Replied:
    """Post ``text`` as the answer to the care item ``item_id`` (see the module docstring).

    Refused (:class:`~rapport.errors.UsageError`, nothing sent or stored): an unknown item,
    an item that is not an answer, empty or too long text, no connection for the platform,
    an item already answered, text other than the reply already queued for the item. A failed
    send is a :class:`~rapport.errors.ReplyNotSent`; the
    same call resumes it."""
    wanted = item_id.strip().lower()
    with workspace.session(on_wait=on_wait) as session:
        pending = refuse_answered(session, wanted)
        item = care_thread(session, wanted).item
    if item.action != "answer":
        raise UsageError(
            f"care item {wanted!r} is a {item.action.replace('_', '-')}: replies are for "
            "answers; for the others open the person's profile"
            + (f" ({item.link})" if item.link else "")
            + " and run `rapport care done ID` when done"
        )
    platform = item.target.partition(":")[0]
    if platform not in _CONNECT:
        raise UsageError(
            f"care item {wanted!r} is on {platform}: rapport answers only on Bluesky and "
            "Mastodon; answer there and run `rapport care done ID`"
        )
    if pending is not None:
        _refuse_other_text(wanted, pending, text)
    body = (pending.text if pending is not None else text).strip()
    if not body:
        raise UsageError("the reply is empty: write what to answer", option="text")
    check_length(platform, body)
    connection = _connection(workspace, platform, connection_id)
    key = pending.key if pending is not None else (
        new_tid() if platform == "bluesky" else new_idempotency_key()
    )  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    with workspace.session(read_only=False, purpose="a reply", on_wait=on_wait) as session:
        entry = queue_reply(
            session.store, item_id=wanted, platform=platform,
            connection_id=connection.connection_id, key=key, text=body,
            in_reply_to=item.target, now=now,
        )  # fmt: skip
    try:
        posted = _send(workspace, connection, entry)
    except ReplyNotSent as error:
        with workspace.session(read_only=False, purpose="a reply", on_wait=on_wait) as session:
            record_attempt(session.store, wanted, state="failed", error=str(error), now=now)
        raise
    sent = dt.datetime.now(dt.UTC)
    with workspace.session(read_only=False, purpose="a reply", on_wait=on_wait) as session:
        record_sent(
            session.store, wanted, remote_id=posted.remote_id, url=posted.url,
            action=item.action, person_id=item.person, by=by or connection.account, now=sent,
        )  # fmt: skip
    return Replied(item, platform, posted.remote_id, posted.url, key, posted.earlier)
