"""Graph API objects of a Facebook Page into canonical records.

Ids are the ones rapport's Facebook imports use: the Page is ``facebook:<page id>``, a post
``facebook:<page id>_<post id>`` (the Graph API's own post id, which the Insights export
writes too), a comment ``facebook:<comment id>``, a person ``facebook:<page-scoped user id>``.

A comment without an ``id`` (the API leaves it out in some answers although it was asked
for) gets it back from its ``permalink_url`` (``…/posts/<object>/?comment_id=<c>`` names
``<object>_<c>``, with ``reply_comment_id`` for a reply, whose parent is then the
``comment_id``), else a stable hash of its post, author, time and text
(:func:`~rapport.canonical.ids.hashed_interaction_id`), the same in every pull.

Counts: comments are ``comments.summary.total_count`` (or the old ``comments.count`` /
``comments.total_count``); likes are all reactions, ``reactions.summary.total_count``, else
the sum of the per-type aliases (``like``, ``love``, …) when only those came; reposts are
``shares.count``. Insights: the old ``values: [{value, end_time}]`` and the new
``total_value: {value}``; only whole-number values are read (an object such as city →
count is not a count of the post or the Page).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from rapport.canonical.ids import hashed_interaction_id

__all__ = [
    "FOLLOWER_METRICS",
    "PLATFORM",
    "POST_METRICS",
    "Comment",
    "account_row",
    "comment_of",
    "comments_total",
    "flatten_comments",
    "insight_values",
    "mapping",
    "parse_time",
    "post_row",
    "post_stats",
    "reactions_total",
]

PLATFORM = "facebook"
POST_METRICS: Mapping[str, str] = {
    "post_impressions": "impressions",
    "post_impressions_unique": "reach",
    "post_clicks": "clicks",
}
"""Post insight metric → ``post_stats`` column (lifetime totals)."""
FOLLOWER_METRICS = ("page_follows", "page_fans")
"""Page insight metrics that are a running total of the Page's followers (``page_follows``:
people following the Page; ``page_fans``: people who like it, the older measure). Other
page metrics (daily new follows, fans by city) are not a follower count and are not read."""
REACTION_ALIASES = ("like", "love", "wow", "haha", "sad", "angry", "care", "thankful", "pride")
_FORMATS = {
    "added_photos": "image",
    "added_video": "video",
    "shared_story": "link",
    "mobile_status_update": "text",
    "wall_post": "text",
}
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://[^\s<>\"'\]\)]+")


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _native(value: object) -> str | None:
    """A Graph API id as text (ids are strings; an integer is taken too)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _count(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def parse_time(value: object) -> dt.datetime | None:
    """``2021-08-13T08:25:28+0000`` (the Graph API's form) or ISO-8601; None when absent or
    unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _hashtags(text: str | None) -> list[str]:
    found: dict[str, None] = {}
    for tag in _HASHTAG.findall(text or ""):
        if not tag.isdigit():
            found.setdefault(tag.lower(), None)
    return list(found)


def _links(text: str | None) -> list[str]:
    found: dict[str, None] = {}
    for url in _URL.findall(text or ""):
        found.setdefault(url.rstrip(".,;:!?"), None)
    return list(found)


def account_row(page: Mapping[str, Any]) -> dict[str, Any]:
    """The Page as an own ``accounts`` row (followers: ``followers_count``, else the older
    ``fan_count``)."""
    page_id = _native(page.get("id"))
    followers = _count(page.get("followers_count"))
    return {
        "account_id": f"{PLATFORM}:{page_id}",
        "platform": PLATFORM,
        "handle": _text(page.get("username")) or _text(page.get("name")) or page_id,
        "display_name": _text(page.get("name")),
        "role": "own",
        "followers": followers if followers is not None else _count(page.get("fan_count")),
        "url": _text(page.get("link")),
    }


def _total(edge: object) -> int | None:
    edge = mapping(edge)
    for value in (mapping(edge.get("summary")).get("total_count"), edge.get("total_count"),
                  edge.get("count")):  # fmt: skip
        if (found := _count(value)) is not None:
            return found
    return None


def comments_total(post: Mapping[str, Any]) -> int | None:
    """``comments.summary.total_count``, or the old ``comments.count``."""
    return _total(post.get("comments"))


def reactions_total(post: Mapping[str, Any]) -> int | None:
    """All reactions: ``reactions.summary.total_count``, else the sum of the type aliases."""
    total = _total(post.get("reactions"))
    if total is not None:
        return total
    parts = [_total(post.get(alias)) for alias in REACTION_ALIASES if alias in post]
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def post_row(post: Mapping[str, Any], *, account_id: str) -> dict[str, Any] | None:
    """A ``posts`` row; None without an id or a time."""
    native, created = _native(post.get("id")), parse_time(post.get("created_time"))
    if native is None or created is None:
        return None
    text = _text(post.get("message"))
    links = _links(text)
    status = post.get("status_type")
    kind = _FORMATS.get(status) if isinstance(status, str) else None
    return {
        "post_id": f"{PLATFORM}:{native}",
        "account_id": account_id,
        "created_at": created,
        "text": text,
        "url": _text(post.get("permalink_url")),
        "format": kind or ("link" if links else ("text" if text else None)),
        "links": links,
        "hashtags": _hashtags(text),
    }


def post_stats(
    post: Mapping[str, Any], *, observed_at: dt.datetime, insights: Mapping[str, int]
) -> dict[str, Any]:
    """The counters of a post at ``observed_at`` (insights: column → value)."""
    return {
        "post_id": f"{PLATFORM}:{_native(post.get('id'))}",
        "observed_at": observed_at,
        "likes": reactions_total(post),
        "reposts": _count(mapping(post.get("shares")).get("count")),
        "replies": comments_total(post),
        **insights,
    }


def insight_values(answer: Mapping[str, Any]) -> Iterator[tuple[str, str, dt.datetime | None, int]]:
    """(metric, period, end_time, value) of an insights answer: ``{"data": [...]}`` or an
    object with its ``insights`` edge. Only whole-number values (old ``values`` list or new
    ``total_value``)."""
    edge = answer.get("insights") if isinstance(answer.get("insights"), Mapping) else answer
    data = mapping(edge).get("data")
    for metric in data if isinstance(data, list) else []:
        metric = mapping(metric)
        name, period = metric.get("name"), metric.get("period")
        if not isinstance(name, str):
            continue
        period = period if isinstance(period, str) else ""
        values = metric.get("values")
        for item in values if isinstance(values, list) else []:
            value = _count(mapping(item).get("value"))
            if value is not None:
                yield name, period, parse_time(mapping(item).get("end_time")), value
        value = _count(mapping(metric.get("total_value")).get("value"))
        if value is not None:
            yield name, period, None, value


@dataclass(frozen=True)
class Comment:
    """One comment as rapport reads it."""

    native_id: str
    parent_id: str | None
    """The native id of the comment it answers (None: it answers the post)."""
    author_id: str | None
    author_name: str | None
    created_at: dt.datetime
    text: str | None
    from_permalink: bool = False
    hashed: bool = False


def _from_permalink(url: object) -> tuple[str | None, str | None]:
    """(comment id, parent id) named by a comment's ``permalink_url``."""
    if not isinstance(url, str) or "comment_id=" not in url:
        return None, None
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    target = segments[segments.index("posts") + 1] if "posts" in segments[:-1] else None
    comment = next(iter(query.get("comment_id") or []), None)
    reply = next(iter(query.get("reply_comment_id") or []), None)
    if not target or not comment:
        return None, None
    if reply:
        return f"{target}_{reply}", f"{target}_{comment}"
    return f"{target}_{comment}", None


def comment_of(
    item: Mapping[str, Any], *, post_id: str, parent: str | None = None
) -> Comment | None:
    """A comment (None without a time). ``parent``: the comment whose nested ``comments``
    edge held it."""
    created = parse_time(item.get("created_time"))
    if created is None:
        return None
    author = mapping(item.get("from"))
    author_id = _native(author.get("id"))
    text = _text(item.get("message"))
    native = _native(item.get("id"))
    parent = _native(mapping(item.get("parent")).get("id")) or parent
    linked, linked_parent = _from_permalink(item.get("permalink_url"))
    from_permalink = hashed = False
    if native is None and linked is not None:
        native, from_permalink = linked, True
    if native is None:
        material = f"{created.isoformat()}\x1f{parent or ''}\x1f{text or ''}"
        native = hashed_interaction_id(PLATFORM, "comment", author_id, f"{post_id}\x1f{material}")
        native, hashed = native.partition(":")[2], True
    if parent is None and linked_parent is not None and linked_parent != native:
        parent = linked_parent
    return Comment(native, parent, author_id, _text(author.get("name")), created, text,
                   from_permalink, hashed)  # fmt: skip


def flatten_comments(
    items: list[dict[str, Any]], *, post_id: str, parent: str | None = None
) -> Iterator[tuple[Comment, dict[str, Any]]]:
    """Every comment of a page of comments, and the replies nested in its ``comments`` edge."""
    for item in items:
        comment = comment_of(item, post_id=post_id, parent=parent)
        if comment is None:
            continue
        yield comment, item
        nested = mapping(item.get("comments")).get("data")
        if isinstance(nested, list):
            inner = [i for i in nested if isinstance(i, dict)]
            yield from flatten_comments(inner, post_id=post_id, parent=comment.native_id)
