# mypy: disable-error-code="import-untyped"
"""From the atproto SDK's views to canonical records, merged per key.

One act often arrives from several endpoints: a like from ``getLikes`` and again from
``listNotifications``, a reply from the thread and from the notification. Likes, reposts
and follows always get :func:`~rapport.canonical.ids.hashed_interaction_id` (even where a
notification carries the like record's at-uri), replies, quotes and mentions the at-uri of
the post that makes them, so the copies share a key; :class:`Collector` merges them field by
field (a known value is never replaced by an unknown one) before anything reaches the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from atproto_client.models.utils import get_model_as_dict

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.ids import hashed_interaction_id
from rapport.platforms.bluesky import (
    PLATFORM,
    account_id,
    parse_time,
    post_fields,
    post_id,
    post_url,
    profile_url,
    quoted_uri,
    reply_refs,
)

__all__ = ["Collector", "FeedEntry", "record_of"]

_INVALID_HANDLE = "handle.invalid"
_KEYS = {
    "accounts": ("account_id",),
    "people": ("person_id",),
    "posts": ("post_id",),
    "interactions": ("interaction_id",),
    "post_stats": ("post_id", "observed_at"),
    "follower_counts": ("account_id", "observed_at"),
}
_EARLIEST = {"first_seen_at"}
NOTIFICATION_KINDS = ("like", "repost", "follow", "reply", "mention", "quote")


def record_of(view: Any) -> dict[str, Any]:
    """A post view's (or notification's) record as a plain lexicon mapping."""
    record = getattr(view, "record", None)
    if isinstance(record, Mapping):
        return dict(record)
    try:
        return get_model_as_dict(record) if record is not None else {}
    except (AttributeError, TypeError, ValueError):
        return {}


def _handle(profile: Any) -> str | None:
    handle = getattr(profile, "handle", None)
    return handle if isinstance(handle, str) and handle and handle != _INVALID_HANDLE else None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class FeedEntry:
    """One author-feed item: the account's post, or its repost of a post."""

    post_id: str
    sorted_at: dt.datetime | None
    view: Any
    is_repost: bool


@dataclass
class Collector:
    """Canonical rows by table and key, merged as they arrive; ``emit`` hands them over."""

    observed_at: dt.datetime
    own_did: str | None = None
    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    locators: dict[str, dict[tuple[Any, ...], str]] = field(default_factory=dict)

    def _put(self, table: str, row: dict[str, Any], *, locator: str) -> None:
        key = tuple(row[k] for k in _KEYS[table])
        stored = self.rows.setdefault(table, {}).get(key)
        if stored is None:
            self.rows[table][key] = row
            self.locators.setdefault(table, {})[key] = locator
            return
        for name, value in row.items():
            if value is None:
                continue
            if stored.get(name) is None:
                stored[name] = value
            elif name in _EARLIEST:
                stored[name] = min(stored[name], value)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, {}))

    # -- accounts -----------------------------------------------------------------------
    def account(self, profile: Any, *, role: str, locator: str) -> str:
        """The tracked account's row and today's follower count; returns its id."""
        did = str(profile.did)
        handle = _handle(profile) or did
        followers = _count(getattr(profile, "followers_count", None))
        identifier = account_id(did)
        self._put(
            "accounts",
            {
                "account_id": identifier,
                "platform": PLATFORM,
                "handle": handle,
                "display_name": getattr(profile, "display_name", None) or None,
                "role": role,
                "followers": followers,
                "url": profile_url(handle),
                "created_at": parse_time(getattr(profile, "created_at", None)),
            },
            locator=locator,
        )
        if followers is not None:
            self._put(
                "follower_counts",
                {"account_id": identifier, "observed_at": self.observed_at, "followers": followers},
                locator=locator,
            )
        return identifier

    def person(self, profile: Any, *, seen_at: dt.datetime | None, locator: str) -> str | None:
        """A person's row (None for the own account, which is not a person)."""
        did = getattr(profile, "did", None)
        if not isinstance(did, str) or did == self.own_did:
            return None
        handle = _handle(profile)
        identifier = account_id(did)
        self._put(
            "people",
            {
                "person_id": identifier,
                "platform": PLATFORM,
                "handle": handle,
                "display_name": getattr(profile, "display_name", None) or None,
                "bio": getattr(profile, "description", None) or None,
                "followers": _count(getattr(profile, "followers_count", None)),
                "following": _count(getattr(profile, "follows_count", None)),
                "url": profile_url(handle or did),
                "first_seen_at": seen_at,
            },
            locator=locator,
        )
        return identifier

    def enrich(self, profiles: Iterable[Any]) -> None:
        """Counts and bios from getProfiles: people rows and the actors' follower counts."""
        followers: dict[str, int | None] = {}
        for profile in profiles:
            identifier = self.person(profile, seen_at=None, locator="app.bsky.actor.getProfiles")
            if identifier is None:
                continue
            row = self.rows["people"][(identifier,)]
            row["followers"] = _count(getattr(profile, "followers_count", None))
            row["following"] = _count(getattr(profile, "follows_count", None))
            followers[identifier] = row["followers"]
        for row in self.rows.get("interactions", {}).values():
            if row["actor_followers"] is None and row["person_id"] in followers:
                row["actor_followers"] = followers[row["person_id"]]

    def person_dids(self) -> list[str]:
        return sorted(key[0].removeprefix(f"{PLATFORM}:") for key in self.rows.get("people", {}))

    # -- posts ---------------------------------------------------------------------------
    def post(self, view: Any, *, account: str, handle: str, locator: str) -> str:
        """A tracked account's post and its counts now; returns the post id."""
        uri = str(view.uri)
        fields = post_fields(record_of(view))
        if fields["created_at"] is None:  # a record with an unreadable createdAt
            fields["created_at"] = parse_time(getattr(view, "indexed_at", None))
        identifier = post_id(uri)
        row = {"post_id": identifier, "account_id": account, **fields}
        row["url"] = post_url(handle, uri)
        self._put("posts", row, locator=locator)
        self._put(
            "post_stats",
            {
                "post_id": identifier,
                "observed_at": self.observed_at,
                "likes": _count(getattr(view, "like_count", None)),
                "reposts": _count(getattr(view, "repost_count", None)),
                "replies": _count(getattr(view, "reply_count", None)),
                "quotes": _count(getattr(view, "quote_count", None)),  # absent before 2024
            },
            locator=locator,
        )
        return identifier

    def feed_item(self, item: Any, *, account: str, handle: str, locator: str) -> FeedEntry | None:
        """One author-feed item: the account's own post, or its repost (a post with
        ``repost_of``); posts of others shown as reply context are skipped."""
        view = item.post
        reason: Any = getattr(item, "reason", None)
        reason_type = getattr(reason, "py_type", None)
        by = getattr(getattr(reason, "by", None), "did", None)
        if reason_type == "app.bsky.feed.defs#reasonRepost" and by == account.split(":", 1)[1]:
            subject = post_id(str(view.uri))
            identifier = hashed_interaction_id(PLATFORM, "repost", account, subject)
            moment = parse_time(reason.indexed_at)
            self._put(
                "posts",
                {
                    "post_id": identifier,
                    "account_id": account,
                    "created_at": moment,
                    "repost_of": subject,
                    "links": [],
                    "hashtags": [],
                },
                locator=locator,
            )
            return FeedEntry(identifier, moment, view, True)
        if reason is not None or getattr(view.author, "did", None) != account.split(":", 1)[1]:
            return None  # a pinned post (seen again in place) or someone else's post
        identifier = self.post(view, account=account, handle=handle, locator=locator)
        return FeedEntry(identifier, parse_time(view.indexed_at), view, False)

    # -- interactions ----------------------------------------------------------------------
    def interaction(
        self,
        *,
        kind: str,
        actor: Any,
        account: str,
        post: str | None,
        occurred_at: dt.datetime | None,
        locator: str,
        native: str | None = None,
        text: str | None = None,
        in_reply_to: str | None = None,
    ) -> None:
        person = self.person(actor, seen_at=occurred_at, locator=locator)
        if person is None:
            return  # the account's own act (its reply in its own thread) is a post, not this
        if native is None:
            interaction_id = hashed_interaction_id(PLATFORM, kind, person, post or account)
        else:
            interaction_id = post_id(native)
        self._put(
            "interactions",
            {
                "interaction_id": interaction_id,
                "platform": PLATFORM,
                "kind": kind,
                "person_id": person,
                "account_id": account,
                "post_id": post,
                "occurred_at": occurred_at,
                "text": text,
                "in_reply_to_id": in_reply_to,
                "actor_followers": _count(getattr(actor, "followers_count", None)),
            },
            locator=locator,
        )

    def _aimed_at(self, parent: str | None, root: str | None) -> str | None:
        """The own post a reply is aimed at: its parent if own, else the thread's root."""
        for uri in (parent, root):
            if uri and self.own_did and uri.startswith(f"at://{self.own_did}/"):
                return post_id(uri)
        return None

    def reply(self, view: Any, *, account: str, handle: str, locator: str) -> None:
        """A post in one of the account's threads: the account's own reply is a post,
        anyone else's a ``reply`` interaction linked to what it answers."""
        record = record_of(view)
        parent, root = reply_refs(record)
        if getattr(view.author, "did", None) == self.own_did:
            self.post(view, account=account, handle=handle, locator=locator)
            return
        fields = post_fields(record)
        self.interaction(
            kind="reply",
            actor=view.author,
            account=account,
            post=self._aimed_at(parent, root),
            occurred_at=fields["created_at"] or parse_time(getattr(view, "indexed_at", None)),
            locator=locator,
            native=str(view.uri),
            text=fields["text"],
            in_reply_to=post_id(parent) if parent else None,
        )

    def thread(self, thread: Any, *, account: str, handle: str, locator: str) -> None:
        """Every reply below a thread's root (blocked and deleted branches are skipped)."""
        stack = list(getattr(thread, "replies", None) or [])
        while stack:
            node = stack.pop()
            view = getattr(node, "post", None)
            if view is None:
                continue  # notFoundPost, blockedPost
            self.reply(view, account=account, handle=handle, locator=locator)
            stack.extend(getattr(node, "replies", None) or [])

    def quote(self, view: Any, *, account: str, locator: str) -> None:
        record = record_of(view)
        quoted = quoted_uri(record)
        fields = post_fields(record)
        self.interaction(
            kind="quote",
            actor=view.author,
            account=account,
            post=post_id(quoted) if quoted else None,
            occurred_at=fields["created_at"] or parse_time(getattr(view, "indexed_at", None)),
            locator=locator,
            native=str(view.uri),
            text=fields["text"],
        )

    def notification(self, note: Any, *, account: str, locator: str) -> bool:
        """One listNotifications item; False for kinds rapport does not store."""
        kind = note.reason
        if kind not in NOTIFICATION_KINDS:
            return False
        record = record_of(note)
        moment = parse_time(record.get("createdAt")) or parse_time(note.indexed_at)
        subject = getattr(note, "reason_subject", None)
        if kind in ("like", "repost"):
            target = subject or str((record.get("subject") or {}).get("uri") or "") or None
            self.interaction(
                kind=kind,
                actor=note.author,
                account=account,
                post=post_id(target) if target else None,
                occurred_at=moment,
                locator=locator,
            )
        elif kind == "follow":
            self.interaction(
                kind="follow",
                actor=note.author,
                account=account,
                post=None,
                occurred_at=moment,
                locator=locator,
            )
        else:  # reply, mention, quote: the note's record is the post that makes them
            fields = post_fields(record)
            parent, root = reply_refs(record)
            aimed = {
                "reply": self._aimed_at(parent, root),
                "quote": post_id(q) if (q := quoted_uri(record) or subject) else None,
                "mention": None,
            }[kind]
            self.interaction(
                kind=kind,
                actor=note.author,
                account=account,
                post=aimed,
                occurred_at=fields["created_at"] or moment,
                locator=locator,
                native=str(note.uri),
                text=fields["text"],
                in_reply_to=post_id(parent) if kind == "reply" and parent else None,
            )
        return True

    # -- out -----------------------------------------------------------------------------
    def emit(self, builder: BatchBuilder) -> None:
        for table in _KEYS:
            for key, row in self.rows.get(table, {}).items():
                builder.add(table, row, locator=self.locators[table][key])
