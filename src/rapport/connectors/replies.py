# mypy: disable-error-code="import-untyped"
"""Posting a reply a person wrote, at most once: Bluesky and Mastodon.

Each reply is sent with a key chosen *before* sending and kept by the caller (the store's
outbox), so that a retry after a failure is the same request:

* **Bluesky**: ``com.atproto.repo.createRecord`` of an ``app.bsky.feed.post`` under a
  client-chosen record key (a TID, :func:`new_tid`). Before creating it, ``getRecord`` on that
  key tells whether an earlier attempt got through (its answer lost on the way back); the PDS
  also refuses a second record under the same key. ``send_post`` takes no record key, so it is
  not used.
* **Mastodon**: ``status_reply`` (it keeps the visibility and the content warning and mentions
  the people in the thread) with an ``Idempotency-Key`` header: the server answers a repeated
  key with the status it already made.

A failed attempt is a :class:`ReplyNotSent`, which says the same command resumes it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from atproto_client.exceptions import AtProtocolError, RateLimitExceededError
from atproto_client.models.utils import get_model_as_dict

from rapport.connectors import _mastodon_client
from rapport.connectors._bluesky_client import Session, login
from rapport.connectors._mastodon_client import Client
from rapport.errors import RemoteError, ReplyNotSent, UsageError
from rapport.platforms.bluesky import POST, post_url, split_at_uri

__all__ = [
    "LIMITS",
    "Posted",
    "check_length",
    "graphemes",
    "new_idempotency_key",
    "new_tid",
    "post_bluesky_reply",
    "post_mastodon_reply",
    "send_bluesky_reply",
    "send_mastodon_reply",
]

LIMITS = {"bluesky": 300, "mastodon": 500}
"""The longest reply each platform takes: Bluesky counts graphemes, Mastodon characters (500
is Mastodon's default; an instance may allow more)."""
_S32 = "234567abcdefghijklmnopqrstuvwxyz"


def new_tid(now_us: int | None = None, clock_id: int | None = None) -> str:
    """A record key in the TID format: 13 base32-sortable characters of the time in
    microseconds and a random clock id."""
    micros = time.time_ns() // 1000 if now_us is None else now_us
    clock = secrets.randbelow(1024) if clock_id is None else clock_id
    value = ((micros & ((1 << 53) - 1)) << 10) | (clock & 0x3FF)
    return "".join(_S32[(value >> (5 * i)) & 31] for i in reversed(range(13)))


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def graphemes(text: str) -> int:
    """How many characters a reader sees: combining marks, variation selectors, skin tones
    and zero-width joins belong to the character before them (close to Unicode's grapheme
    clusters, without the tables)."""
    count = 0
    joined = False
    for char in unicodedata.normalize("NFC", text):
        code = ord(char)
        if char == "\u200d":
            joined = True
            continue
        attached = (
            unicodedata.combining(char)
            or 0xFE00 <= code <= 0xFE0F
            or 0x1F3FB <= code <= 0x1F3FF
            or 0xE0020 <= code <= 0xE007F
            or unicodedata.category(char) in ("Mn", "Me")
        )
        if not (attached or joined) or count == 0:
            count += 1
        joined = False
    return count


def check_length(platform: str, text: str) -> None:
    """Refuse a reply the platform would refuse, before anything is sent."""
    limit = LIMITS[platform]
    size = graphemes(text) if platform == "bluesky" else len(text)
    if size > limit:
        unit = "characters as Bluesky counts them" if platform == "bluesky" else "characters"
        raise UsageError(
            f"the reply is {size} {unit}; {platform.title()} takes at most {limit}: shorten "
            f"it by {size - limit}",
            option="text",
        )


@dataclass(frozen=True)
class Posted:
    """A reply on the platform: its id (at-uri or status id), its address, and whether an
    earlier attempt had already posted it."""

    remote_id: str
    url: str | None
    earlier: bool = False


def _record(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    data: dict[str, Any] = get_model_as_dict(value)
    return data


def _own_record(session: Session, rkey: str) -> Any:
    return session.api.call(
        f"checking whether reply {rkey} was posted",
        lambda: session.api.client.com.atproto.repo.get_record(
            params={"repo": session.did, "collection": POST, "rkey": rkey}
        ),
        missing_ok=True,
    )


MAX_WRITE_WAIT_S = 60.0
"""Wait at most this long for a write the server refused with 429 (not accepted, so the same
request is safe to repeat); beyond it, the command stops and says when to run it again."""


def _create(session: Session, rkey: str, record: dict[str, Any]) -> Any:
    """``createRecord`` under ``rkey``; a 429 (the server did not accept it) is waited out
    and sent again with the same key, at most a few times within :data:`MAX_WRITE_WAIT_S`."""
    waited = 0.0
    while True:
        try:
            return session.api.client.com.atproto.repo.create_record(
                data={"repo": session.did, "collection": POST, "rkey": rkey, "record": record}
            )
        except RateLimitExceededError as exc:
            wait = exc.retry_after
            if wait is None and exc.reset_at is not None:
                wait = exc.reset_at.timestamp() - session.api.clock()
            wait = max(1.0 if wait is None else float(wait), 0.0)
            if waited + wait > MAX_WRITE_WAIT_S:
                raise
            waited += wait
            session.api.waited_s += wait
            session.api.sleep(wait)


def post_bluesky_reply(session: Session, *, parent_uri: str, text: str, rkey: str) -> Posted:
    """Reply to the post ``parent_uri`` under the record key ``rkey``, unless a record with
    that key exists already (then it is the reply, posted by an earlier attempt)."""
    found = _own_record(session, rkey)
    if found is not None:
        return Posted(str(found.uri), post_url(session.handle, str(found.uri)), earlier=True)
    parts = split_at_uri(parent_uri)
    if parts is None:
        raise UsageError(f"{parent_uri!r} is not the address of a Bluesky post")
    repo, collection, parent_key = parts
    parent = session.api.call(
        "reading the post to answer",
        lambda: session.api.client.com.atproto.repo.get_record(
            params={"repo": repo, "collection": collection, "rkey": parent_key}
        ),
    )
    assert parent is not None
    parent_ref = {"uri": str(parent.uri), "cid": str(parent.cid)}
    reply = _record(parent.value).get("reply") or {}
    root = reply.get("root") or parent_ref
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    record = {
        "$type": POST,
        "text": text,
        "createdAt": now,
        "reply": {"root": {"uri": root["uri"], "cid": root["cid"]}, "parent": parent_ref},
    }
    try:
        created = _create(session, rkey, record)
    except (AtProtocolError, httpx.HTTPError, OSError) as exc:
        raise ReplyNotSent(
            session.api.service,
            problem=f"posting the reply failed ({type(exc).__name__}: {exc}); it may or may not "
            "have reached Bluesky",
            fix="run the same command again: rapport checks whether it was posted (record key "
            f"{rkey}) before sending it again, so it is never posted twice",
        ) from None
    uri = str(created.uri)
    return Posted(uri, post_url(session.handle, uri))


def post_mastodon_reply(client: Client, *, status_uri: str, text: str, key: str) -> Posted:
    """Reply to the status ``status_uri`` (its ActivityPub URI, as the store keeps it) with
    the idempotency key ``key``; a repeated key gets the status the server already made."""
    # exclude_unreviewed=False: it concerns hashtags only, and leaving it on makes Mastodon.py
    # ask the instance for its version first (GET /api/v1/instance/ and /api/v2/instance/);
    # when that fails, Mastodon.py recurses until a RecursionError instead of raising.
    found = client.call(
        "GET /api/v2/search", client.api.search_v2, status_uri, resolve=True,
        result_type="statuses", exclude_unreviewed=False,
    )  # fmt: skip
    statuses = found.get("statuses") if hasattr(found, "get") else None
    if not statuses:
        raise RemoteError(
            client.service,
            problem=f"the status to answer ({status_uri}) was not found on your instance",
            fix="open it on the platform: it may have been deleted",
        )
    try:
        status = client.call(
            "POST /api/v1/statuses", client.api.status_reply, statuses[0], text,
            idempotency_key=key,
        )  # fmt: skip
    except RemoteError as exc:
        raise ReplyNotSent(
            client.service,
            problem=f"posting the reply failed ({exc.problem})",
            fix="run the same command again: it sends the same idempotency key, so the server "
            "does not post it twice",
        ) from None
    return Posted(str(status["id"]), status.get("url") or status.get("uri"))


def send_bluesky_reply(
    *,
    service: str,
    handle: str,
    app_password: str,
    parent_uri: str,
    text: str,
    rkey: str,
    saved: str | None = None,
    keep: Callable[[str], None] | None = None,
) -> Posted:
    """Log in (or reuse the ``saved`` session) and :func:`post_bluesky_reply`."""
    session = login(service, handle, app_password, saved=saved, keep=keep)
    try:
        return post_bluesky_reply(session, parent_uri=parent_uri, text=text, rkey=rkey)
    finally:
        session.api.close()


def send_mastodon_reply(
    *, instance: str, token: str, status_uri: str, text: str, key: str
) -> Posted:
    """Connect to the instance and :func:`post_mastodon_reply`."""
    client = _mastodon_client.connect(_mastodon_client.instance_url(instance), token=token)
    return post_mastodon_reply(client, status_uri=status_uri, text=text, key=key)
