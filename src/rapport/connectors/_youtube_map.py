"""From YouTube Data API v3 resources to canonical records, merged per key.

* a channel -> the own ``accounts`` row and a ``follower_counts`` observation (the
  subscriber count, unless the channel hides it);
* a video -> a ``posts`` row (format ``video``) and a ``post_stats`` observation (viewCount
  -> video_views, likeCount -> likes, commentCount -> replies; numbers come as strings);
* a comment by someone else (a thread's top-level comment or a reply in it) -> a ``reply``
  interaction aimed at the video, with a ``people`` row for its author; its
  ``in_reply_to_id`` is the video for a top-level comment, the thread's top-level comment for
  a reply (YouTube threads are one level deep);
* a comment by the channel itself -> an own ``posts`` row whose ``in_reply_to_id`` is the
  comment it answers (the thread's top-level comment; a top-level comment of its own answers
  the video): that link is how reply rate and time to first reply are measured.

Ids are ``youtube:<native id>``: ``UC…`` channel ids for accounts and people, video ids, and
comment ids (a reply's id is ``<thread id>.<suffix>``). Times are parsed in both formats the
API has used (``2019-11-26T15:51:44.000Z`` and ``2022-11-15T02:20:01Z``).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.ids import prefixed

__all__ = ["PLATFORM", "Collector", "count", "parse_time", "text_of", "youtube_id"]

PLATFORM = "youtube"
_KEYS = {
    "accounts": ("account_id",),
    "people": ("person_id",),
    "posts": ("post_id",),
    "interactions": ("interaction_id",),
    "post_stats": ("post_id", "observed_at"),
    "follower_counts": ("account_id", "observed_at"),
}
_TAG = re.compile(r"<[^>]+>")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_URL = re.compile(r"https?://[^\s<>\"')\]]+")


def youtube_id(native: str) -> str:
    return prefixed(PLATFORM, native)


def parse_time(value: object) -> dt.datetime | None:
    """``2019-11-26T15:51:44.000Z`` or ``2022-11-15T02:20:01Z`` as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def count(value: object) -> int | None:
    """A count as the API writes it (``"7920"``) or as a number; None when absent or odd."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def text_of(snippet: Mapping[str, Any]) -> str | None:
    """A comment's plain text: ``textOriginal``, else ``textDisplay`` without its HTML."""
    original = snippet.get("textOriginal")
    if isinstance(original, str):
        return original
    shown = snippet.get("textDisplay")
    if isinstance(shown, str):
        return html.unescape(_TAG.sub("", shown.replace("<br>", "\n")))
    return None


def _author(snippet: Mapping[str, Any]) -> str | None:
    channel = snippet.get("authorChannelId")
    value = channel.get("value") if isinstance(channel, Mapping) else channel
    return value if isinstance(value, str) and value else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@dataclass
class Collector:
    """Canonical rows by table and key, merged as they arrive; ``emit`` hands them over."""

    channel: str
    observed_at: dt.datetime
    rows: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = field(default_factory=dict)
    locators: dict[str, dict[tuple[Any, ...], str]] = field(default_factory=dict)

    @property
    def account_id(self) -> str:
        return youtube_id(self.channel)

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
            elif name == "first_seen_at":
                stored[name] = min(stored[name], value)

    def count(self, table: str) -> int:
        return len(self.rows.get(table, {}))

    def emit(self, builder: BatchBuilder) -> None:
        for table in _KEYS:
            for key, row in self.rows.get(table, {}).items():
                builder.add(table, row, locator=self.locators[table][key])

    # -- the channel ---------------------------------------------------------------------
    def account(self, item: Mapping[str, Any], *, locator: str) -> None:
        snippet = item.get("snippet") or {}
        statistics = item.get("statistics") or {}
        title = _str(snippet.get("title"))
        custom = _str(snippet.get("customUrl"))
        hidden = statistics.get("hiddenSubscriberCount") is True
        followers = None if hidden else count(statistics.get("subscriberCount"))
        handle = custom or title or self.channel
        self._put(
            "accounts",
            {
                "account_id": self.account_id,
                "platform": PLATFORM,
                "handle": handle,
                "display_name": title,
                "role": "own",
                "followers": followers,
                "url": f"https://www.youtube.com/{custom}"
                if custom and custom.startswith("@")
                else f"https://www.youtube.com/channel/{self.channel}",
                "created_at": parse_time(snippet.get("publishedAt")),
            },
            locator=locator,
        )
        if followers is not None:
            self._put(
                "follower_counts",
                {
                    "account_id": self.account_id,
                    "observed_at": self.observed_at,
                    "followers": followers,
                },
                locator=locator,
            )

    # -- videos --------------------------------------------------------------------------
    def video(
        self, video_id: str, snippet: Mapping[str, Any], *, published: object, locator: str
    ) -> None:
        """A video of the channel (from playlistItems or videos.list; merged)."""
        title = _str(snippet.get("title"))
        description = _str(snippet.get("description"))
        text = "\n\n".join(t for t in (title, description) if t) or None
        language = _str(snippet.get("defaultAudioLanguage")) or _str(snippet.get("defaultLanguage"))
        created = parse_time(published)
        if created is None:
            return  # a private or deleted upload shows no time: nothing to place it at
        self._put(
            "posts",
            {
                "post_id": youtube_id(video_id),
                "account_id": self.account_id,
                "created_at": created,
                "text": text,
                "url": f"https://www.youtube.com/watch?v={video_id}",
                "format": "video",
                "links": sorted(set(_URL.findall(description or ""))),
                "hashtags": sorted({t.lower() for t in _HASHTAG.findall(text or "")}),
                "language": language.split("-")[0].lower() if language else None,
            },
            locator=locator,
        )

    def stats(self, video_id: str, statistics: Mapping[str, Any], *, locator: str) -> None:
        row = {
            "post_id": youtube_id(video_id),
            "observed_at": self.observed_at,
            "video_views": count(statistics.get("viewCount")),
            "likes": count(statistics.get("likeCount")),
            "replies": count(statistics.get("commentCount")),
        }
        if any(row[k] is not None for k in ("video_views", "likes", "replies")):
            self._put("post_stats", row, locator=locator)

    # -- comments ------------------------------------------------------------------------
    def comment(
        self,
        item: Mapping[str, Any],
        *,
        video_id: str,
        parent: str | None,
        locator: str,
    ) -> None:
        """One comment: a top-level one (``parent`` None) or a reply to ``parent``."""
        native = item.get("id")
        snippet = item.get("snippet")
        if not isinstance(native, str) or not native or not isinstance(snippet, Mapping):
            return
        video = _str(snippet.get("videoId")) or video_id
        parent = _str(snippet.get("parentId")) or parent
        moment = parse_time(snippet.get("publishedAt"))
        author = _author(snippet)
        text = text_of(snippet)
        if author == self.channel:
            if moment is None:
                return
            answered = youtube_id(parent) if parent else youtube_id(video)
            self._put(
                "posts",
                {
                    "post_id": youtube_id(native),
                    "account_id": self.account_id,
                    "created_at": moment,
                    "text": text,
                    "url": f"https://www.youtube.com/watch?v={video}&lc={native}",
                    "format": "text",
                    "in_reply_to_id": answered,
                    "links": sorted(set(_URL.findall(text or ""))),
                    "hashtags": sorted({t.lower() for t in _HASHTAG.findall(text or "")}),
                },
                locator=locator,
            )
            return
        person = None
        if author is not None:
            person = youtube_id(author)
            name = _str(snippet.get("authorDisplayName"))
            self._put(
                "people",
                {
                    "person_id": person,
                    "platform": PLATFORM,
                    "handle": name,
                    "display_name": name,
                    "url": _str(snippet.get("authorChannelUrl")),
                    "first_seen_at": moment,
                },
                locator=locator,
            )
        self._put(
            "interactions",
            {
                "interaction_id": youtube_id(native),
                "platform": PLATFORM,
                "kind": "reply",
                "person_id": person,
                "account_id": self.account_id,
                "post_id": youtube_id(video),
                "occurred_at": moment,
                "text": text,
                "in_reply_to_id": youtube_id(parent) if parent else youtube_id(video),
            },
            locator=locator,
        )
