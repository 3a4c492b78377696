"""Mastodon API entities (as Mastodon.py returns them) into canonical records.

Every id is a URI: statuses by ``uri``, accounts by ``uri``. The API refers to statuses it
does not embed by their instance-local number (``in_reply_to_id``); :class:`Uris` learns
number → URI from every status a pull sees, and what it has not seen is resolved later
(:class:`Pending`). Likes (favourites), reposts (boosts) and follows get the hashed id of
:func:`~rapport.canonical.ids.hashed_interaction_id`, so the same act from notifications,
``favourited_by`` or the follower list is stored once. Acts by the account itself (a
self-favourite, a self-boost) are not interactions with people and are skipped.

A value that does not fit raises :class:`RecordProblem` naming the API's field; the
collector quarantines that record and goes on.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.schema import TABLE_ORDER, TABLES
from rapport.platforms.mastodon import (
    PLATFORM,
    RecordProblem,
    describe,
    full_handle,
    language_tag,
    mapping,
    mastodon_id,
    parse_time,
    post_format,
    read_html,
    unique,
)

__all__ = [
    "Collector",
    "Own",
    "Pending",
    "Uris",
    "account_id_of",
    "account_row",
    "conversation_kind",
    "count",
    "local_id",
    "person_row",
    "settle_pending",
    "status_post",
    "status_stats",
    "tracked",
]

_EARLIEST = frozenset({"first_seen_at", "occurred_at"})


@dataclass(frozen=True)
class Own:
    """The tracked account a pull is about."""

    account_id: str
    local_id: str
    domain: str
    role: str = "own"


def local_id(value: object) -> str | None:
    """An instance-local id as text (Mastodon.py hands out str subclasses or ints)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    return text or None


def count(value: object) -> int | None:
    """A counter from the API: a non-negative whole number, else unknown (None)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def account_id_of(account: object, *, field: str = "account") -> str:
    """``mastodon:<uri>`` of an account entity, or a RecordProblem."""
    if not isinstance(account, Mapping):
        raise RecordProblem(field, f"expected an account object, found {describe(account)}")
    return mastodon_id(account.get("uri"), field=f"{field}.uri")


def person_row(account: Mapping[str, Any], *, domain: str) -> dict[str, Any]:
    """A ``people`` row: bio is the profile note as plain text."""
    return {
        "person_id": account_id_of(account),
        "platform": PLATFORM,
        "handle": full_handle(account.get("acct"), domain=domain),
        "display_name": _text(account.get("display_name")),
        "bio": read_html(account.get("note")).text,
        "followers": count(account.get("followers_count")),
        "following": count(account.get("following_count")),
        "url": _text(account.get("url")),
    }


def account_row(account: Mapping[str, Any], *, domain: str, role: str) -> dict[str, Any]:
    """An ``accounts`` row for a tracked account (own or competitor)."""
    created = account.get("created_at")
    return {
        "account_id": account_id_of(account),
        "platform": PLATFORM,
        "handle": full_handle(account.get("acct") or account.get("username"), domain=domain),
        "display_name": _text(account.get("display_name")),
        "role": role,
        "followers": count(account.get("followers_count")),
        "url": _text(account.get("url")),
        "created_at": parse_time(created, field="created_at") if created is not None else None,
    }


def tracked(account: object, *, domain: str, role: str) -> tuple[dict[str, Any], Own]:
    """The ``accounts`` row of a tracked account and who it is (RecordProblem if unusable)."""
    if not isinstance(account, Mapping):
        raise RecordProblem("account", f"expected an account object, found {describe(account)}")
    row = account_row(account, domain=domain, role=role)
    number = local_id(account.get("id"))
    if number is None:
        raise RecordProblem("id", f"expected the account's id, found {describe(account.get('id'))}")
    return row, Own(row["account_id"], number, domain, role)


def _media(status: Mapping[str, Any]) -> list[str]:
    items = status.get("media_attachments")
    return [
        kind
        for item in (items if isinstance(items, list) else [])
        if isinstance(kind := mapping(item).get("type"), str)
    ]


def _hashtags(status: Mapping[str, Any]) -> list[str]:
    tags = status.get("tags")
    return unique(
        name.strip().lstrip("#").lower()
        for tag in (tags if isinstance(tags, list) else [])
        if isinstance(name := mapping(tag).get("name"), str) and name.strip("# ")
    )


def status_post(status: Mapping[str, Any], *, account_id: str) -> tuple[dict[str, Any], str | None]:
    """A ``posts`` row and the local id of the status it replies to (resolved later)."""
    post_id = mastodon_id(status.get("uri"), field="uri")
    created_at = parse_time(status.get("created_at"), field="created_at")
    url = _text(status.get("url"))
    reblog = status.get("reblog")
    if isinstance(reblog, Mapping):
        repost_of = mastodon_id(reblog.get("uri"), field="reblog.uri")
        return {
            "post_id": post_id,
            "account_id": account_id,
            "created_at": created_at,
            "url": url,
            "repost_of": repost_of,
            "links": [],
            "hashtags": [],
        }, None
    html = read_html(status.get("content"))
    text = html.text
    spoiler = _text(status.get("spoiler_text"))
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    card = mapping(status.get("card"))
    links = unique([*html.links, *([card["url"]] if isinstance(card.get("url"), str) else [])])
    post = {
        "post_id": post_id,
        "account_id": account_id,
        "created_at": created_at,
        "text": text,
        "url": url,
        "format": post_format(
            poll=isinstance(status.get("poll"), Mapping), media=_media(status), link=bool(links)
        ),
        "links": links,
        "hashtags": _hashtags(status),
        "language": language_tag(status.get("language")),
    }
    return post, local_id(status.get("in_reply_to_id"))


def status_stats(status: Mapping[str, Any], *, observed_at: dt.datetime) -> dict[str, Any] | None:
    """The counters of a status at ``observed_at`` (None for a boost: its counts are the
    boosted status's)."""
    if isinstance(status.get("reblog"), Mapping):
        return None
    return {
        "post_id": mastodon_id(status.get("uri"), field="uri"),
        "observed_at": observed_at,
        "likes": count(status.get("favourites_count")),
        "reposts": count(status.get("reblogs_count")),
        "replies": count(status.get("replies_count")),
        "quotes": count(status.get("quotes_count")),
    }


def conversation_kind(status: Mapping[str, Any], *, own: Own) -> str | None:
    """``dm``, ``reply`` or ``mention`` for someone else's status; None when it is not
    aimed at the account (a reply between two other people in a thread)."""
    if status.get("visibility") == "direct":
        return "dm"
    if local_id(status.get("in_reply_to_account_id")) == own.local_id:
        return "reply"
    mentions = status.get("mentions")
    for mention in mentions if isinstance(mentions, list) else []:
        if local_id(mapping(mention).get("id")) == own.local_id:
            return "mention"
    return None


class Uris:
    """Instance-local status numbers → URIs, learnt from every status a pull sees."""

    def __init__(self) -> None:
        self._uris: dict[str, str] = {}
        self.authors: dict[str, str | None] = {}
        """Status number → the number of the account that wrote it."""
        self.parents: dict[str, str | None] = {}
        """Status number → the number of the status it replies to."""

    def learn(self, status: object) -> None:
        if not isinstance(status, Mapping):
            return
        number, uri = local_id(status.get("id")), status.get("uri")
        if number is not None and isinstance(uri, str) and uri.strip():
            self._uris[number] = uri.strip()
            self.authors[number] = local_id(mapping(status.get("account")).get("id"))
            self.parents[number] = local_id(status.get("in_reply_to_id"))
        self.learn(status.get("reblog"))

    def get(self, number: str | None) -> str | None:
        return self._uris.get(number) if number is not None else None

    def remember(self, number: str, uri: str | None, *, author: str | None = None) -> None:
        if uri:
            self._uris[number] = uri
            self.authors[number] = author


@dataclass
class Pending:
    """A record waiting for local status numbers to become URIs (``field`` → number)."""

    table: str
    record: dict[str, Any]
    locator: str
    fields: dict[str, str]


@dataclass
class Collector:
    """The records of one pull, merged by key: the same act may come from several
    endpoints, and a later copy fills what an earlier one left unknown."""

    builder: BatchBuilder
    skipped: Counter[str] = field(default_factory=Counter)
    pending: list[Pending] = field(default_factory=list)
    _rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    _where: dict[str, dict[tuple[Any, ...], str]] = field(default_factory=dict)

    def put(self, table: str, record: dict[str, Any], *, locator: str) -> None:
        key = tuple(record.get(k) for k in TABLES[table].key)
        rows = self._rows.setdefault(table, {})
        old = rows.get(key)
        if old is None:
            rows[key] = dict(record)
            self._where.setdefault(table, {})[key] = locator
            return
        for name, value in record.items():
            if value is None:
                continue
            if old.get(name) is None:
                old[name] = value
            elif name in _EARLIEST and isinstance(value, dt.datetime):
                old[name] = min(old[name], value)

    def reject(self, table: str, *, locator: str, problem: RecordProblem, raw: object) -> None:
        self.builder.reject(
            table, locator=locator, field=problem.field, reason=problem.reason, raw=raw
        )

    def has(self, table: str, *key: Any) -> bool:
        return key in self._rows.get(table, {})

    def count(self, table: str) -> int:
        return len(self._rows.get(table, {}))

    def flush(self) -> None:
        """Hand every record to the builder, tables in canonical order."""
        for table in TABLE_ORDER:
            where = self._where.get(table, {})
            for key, record in self._rows.get(table, {}).items():
                self.builder.add(table, record, locator=where[key])
        self._rows.clear()


def settle_pending(collector: Collector, uris: Uris) -> int:
    """Put the pending records in, their status numbers turned into ``mastodon:<uri>``
    where known and unknown (None) otherwise; return how many links stayed unknown."""
    missing = 0
    for pending in collector.pending:
        for name, number in pending.fields.items():
            uri = uris.get(number)
            pending.record[name] = f"{PLATFORM}:{uri}" if uri else None
            missing += uri is None
        collector.put(pending.table, pending.record, locator=pending.locator)
    collector.pending.clear()
    return missing
