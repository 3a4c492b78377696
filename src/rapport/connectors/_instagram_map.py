"""Instagram Graph API objects (account, media, comments, replies, insights) as canonical rows.

Ids follow the Instagram importer's conventions, so an export and the API meet: a person is
``instagram:<username lower-cased>`` (Instagram usernames are case-insensitive), and so is the
own account (the "Download your information" import names it by its handle too). Media and
comments keep Meta's ids: ``instagram:<media id>``, ``instagram:<comment id>``.

A comment is a thread: the top comment and its replies (Instagram nests one level only). A
comment or reply by someone else is an ``interactions`` row of kind ``reply`` aimed at the
media (a reply to a comment names it in ``in_reply_to_id``); one by the account itself is an
own ``posts`` row whose ``in_reply_to_id`` is what it answers, so reply rate and time to first
reply are computable. Inside a thread, replies answer the top comment unless they start with
``@username`` of someone who wrote an earlier reply there: then they answer that reply.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.schema import TABLE_ORDER, TABLES

__all__ = [
    "PLATFORM",
    "Collector",
    "Comment",
    "Own",
    "Unusable",
    "account_row",
    "comment_of",
    "count",
    "insight_counts",
    "media_kind",
    "media_post",
    "media_stats",
    "parse_time",
    "person_id",
    "thread_rows",
]

PLATFORM = "instagram"
_FORMATS = {"IMAGE": "image", "CAROUSEL_ALBUM": "image", "VIDEO": "video", "REELS": "video"}
_VIDEO = frozenset({"VIDEO", "REELS"})
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://[^\s<>\"'\]\)]+")
_MENTION = re.compile(r"^\s*@([A-Za-z0-9._]{1,30})")
_EARLIEST = frozenset({"first_seen_at"})


class Unusable(ValueError):
    """A field of an API object rapport cannot use (the object is quarantined)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Own:
    """The Instagram professional account a pull is about."""

    account_id: str
    native_id: str
    username: str

    def wrote(self, comment: Comment) -> bool:
        """Whether the account itself wrote ``comment`` (by name, or by ``from``/``user`` id)."""
        if comment.author_id is not None and comment.author_id == self.native_id:
            return True
        return comment.username is not None and comment.username.lower() == self.username.lower()


def count(value: object) -> int | None:
    """A counter: a non-negative whole number, else unknown (None)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_time(value: object, *, field: str) -> dt.datetime:
    """``2021-08-13T08:25:28+0000`` (Meta's offset has no colon) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise Unusable(field, f"expected a time such as 2021-08-13T08:25:28+0000, found {value!r}")
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unusable(field, f"not a time: {value!r}") from None
    if moment.tzinfo is None:
        raise Unusable(field, f"a time without an offset: {value!r}")
    return moment.astimezone(dt.UTC)


def person_id(username: str) -> str:
    return f"{PLATFORM}:{username.lower()}"


def _profile(username: str) -> str:
    return f"https://www.instagram.com/{username}"


def account_row(user: Mapping[str, Any]) -> tuple[dict[str, Any], Own]:
    """The ``accounts`` row (role own) of ``GET /{ig-user}`` and who the account is."""
    username, native = _text(user.get("username")), _text(user.get("id"))
    if username is None or native is None:
        raise Unusable("username" if username is None else "id", "the account has none")
    own = Own(person_id(username), native, username)
    return {
        "account_id": own.account_id,
        "platform": PLATFORM,
        "handle": username,
        "display_name": _text(user.get("name")),
        "role": "own",
        "followers": count(user.get("followers_count")),
        "url": _profile(username),
    }, own


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def media_kind(media: Mapping[str, Any]) -> str | None:
    """``REELS`` for a reel, else the ``media_type`` (``IMAGE``, ``VIDEO``, ``CAROUSEL_ALBUM``)."""
    if media.get("media_product_type") == "REELS":
        return "REELS"
    kind = media.get("media_type")
    return kind if isinstance(kind, str) else None


def media_post(media: Mapping[str, Any], *, own: Own) -> dict[str, Any]:
    """A ``posts`` row of one media object (``/{ig-user}/media``)."""
    native = _text(media.get("id"))
    if native is None:
        raise Unusable("id", "the media has no id")
    caption = _text(media.get("caption"))
    return {
        "post_id": f"{PLATFORM}:{native}",
        "account_id": own.account_id,
        "created_at": parse_time(media.get("timestamp"), field="timestamp"),
        "text": caption,
        "url": _text(media.get("permalink")),
        "format": _FORMATS.get(media_kind(media) or "", "other"),
        "links": _unique(u.rstrip(".,;:!?") for u in _URL.findall(caption or "")),
        "hashtags": _unique(t.lower() for t in _HASHTAG.findall(caption or "") if not t.isdigit()),
    }


def media_stats(
    media: Mapping[str, Any], *, observed_at: dt.datetime, insights: Mapping[str, int]
) -> dict[str, Any]:
    """A ``post_stats`` observation: the media's counts and what its insights gave."""
    return {
        "post_id": f"{PLATFORM}:{media.get('id')}",
        "observed_at": observed_at,
        "likes": count(media.get("like_count")),
        "replies": count(media.get("comments_count")),
        **insights,
    }


def _metric_value(entry: Mapping[str, Any]) -> int | None:
    """An insight's number: new style ``total_value.value``, else the last ``values[].value``
    (lifetime metrics have one and no ``end_time``). Object values (a city → count) are None."""
    total = entry.get("total_value")
    if isinstance(total, Mapping) and count(total.get("value")) is not None:
        return count(total.get("value"))
    values = entry.get("values")
    if isinstance(values, list) and values and isinstance(values[-1], Mapping):
        return count(values[-1].get("value"))
    return None


def insight_counts(body: Mapping[str, Any], *, media_type: str | None) -> dict[str, int]:
    """``post_stats`` columns from a ``/{media}/insights`` answer.

    reach → reach; saved → saves; shares → reposts (sends to a story or a chat: the closest
    canonical counter); impressions → impressions; video_views, plays → video_views; views
    (Meta's replacement of impressions and plays since v22) → video_views for a video or reel,
    impressions otherwise. Others (total_interactions, profile_activity, likes, comments) are
    not stored: the counts come from the media itself.
    """
    found: dict[str, int] = {}
    for entry in body.get("data") or []:
        if not isinstance(entry, Mapping):
            continue
        value = _metric_value(entry)
        name = entry.get("name")
        if value is None or not isinstance(name, str):
            continue
        column = {
            "reach": "reach",
            "saved": "saves",
            "shares": "reposts",
            "impressions": "impressions",
            "video_views": "video_views",
            "plays": "video_views",
            "views": "video_views" if media_type in _VIDEO else "impressions",
        }.get(name)
        if column is not None:
            found.setdefault(column, value)
    return found


@dataclass(frozen=True)
class Comment:
    """One comment or reply as the API gave it."""

    native_id: str
    media_id: str
    created_at: dt.datetime
    text: str | None
    username: str | None
    author_id: str | None
    parent_id: str | None
    """The top comment a reply sits under (None for a top comment)."""


def comment_of(item: Mapping[str, Any], *, media_id: str, parent_id: str | None) -> Comment:
    """A comment or reply (``username`` and ``from``/``user`` may be absent)."""
    native = _text(item.get("id"))
    if native is None:
        raise Unusable("id", "the comment has no id")
    author = item.get("from") if isinstance(item.get("from"), Mapping) else item.get("user")
    author = author if isinstance(author, Mapping) else {}
    return Comment(
        native_id=native,
        media_id=media_id,
        created_at=parse_time(item.get("timestamp"), field="timestamp"),
        text=_text(item.get("text")),
        username=_text(item.get("username")) or _text(author.get("username")),
        author_id=_text(author.get("id")),
        parent_id=parent_id,
    )


def _answers(reply: Comment, earlier: list[Comment], top: Comment) -> str:
    """The id a reply answers: the latest earlier reply by the ``@username`` it starts with,
    else the top comment."""
    mention = _MENTION.match(reply.text or "")
    if mention:
        name = mention.group(1).lower()
        for other in reversed(earlier):
            if other.username is not None and other.username.lower() == name:
                return f"{PLATFORM}:{other.native_id}"
    return f"{PLATFORM}:{top.native_id}"


def thread_rows(
    top: Comment, replies: list[Comment], *, own: Own
) -> list[tuple[str, dict[str, Any]]]:
    """(table, row) pairs of a thread: own posts for the account's comments and replies,
    interactions and people for everyone else's."""
    rows: list[tuple[str, dict[str, Any]]] = []
    post = f"{PLATFORM}:{top.media_id}"
    ordered = sorted(replies, key=lambda r: (r.created_at, r.native_id))
    earlier: list[Comment] = []
    for comment in [top, *ordered]:
        answers = post if comment is top else _answers(comment, earlier, top)
        if own.wrote(comment):
            rows.append(
                ("posts", {
                    "post_id": f"{PLATFORM}:{comment.native_id}",
                    "account_id": own.account_id,
                    "created_at": comment.created_at,
                    "text": comment.text,
                    "format": "text",
                    "in_reply_to_id": answers,
                    "links": [],
                    "hashtags": [],
                })
            )  # fmt: skip
        else:
            who = person_id(comment.username) if comment.username else None
            if comment.username is not None and who is not None:
                rows.append(
                    ("people", {
                        "person_id": who,
                        "platform": PLATFORM,
                        "handle": comment.username,
                        "url": _profile(comment.username),
                        "first_seen_at": comment.created_at,
                    })
                )  # fmt: skip
            rows.append(
                ("interactions", {
                    "interaction_id": f"{PLATFORM}:{comment.native_id}",
                    "platform": PLATFORM,
                    "kind": "reply",
                    "person_id": who,
                    "account_id": own.account_id,
                    "post_id": post,
                    "occurred_at": comment.created_at,
                    "text": comment.text,
                    "in_reply_to_id": None if comment is top else answers,
                })
            )  # fmt: skip
        if comment is not top:
            earlier.append(comment)
    return rows


@dataclass
class Collector:
    """The rows of one pull, merged by key: a later copy fills what an earlier one left
    unknown, and a person's ``first_seen_at`` is the earliest seen."""

    builder: BatchBuilder
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

    def count(self, table: str) -> int:
        return len(self._rows.get(table, {}))

    def flush(self) -> None:
        """Hand every row to the builder, tables in canonical order."""
        for table in TABLE_ORDER:
            where = self._where.get(table, {})
            for key, record in self._rows.get(table, {}).items():
                self.builder.add(table, record, locator=where[key])
        self._rows.clear()
