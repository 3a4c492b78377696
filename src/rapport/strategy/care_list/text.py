"""Links, short excerpts and time phrases for the care list.

Links are built only from what the ids and the people table say; a link is always an
``http(s)`` URL a person can click, or None. People's text is personal data: a reason
quotes at most a short excerpt of it.
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["ago", "excerpt", "item_link", "person_link", "post_link"]

EXCERPT_CHARS = 40
"""The longest quote of a person's text shown in a reason (an ellipsis marks the cut)."""
_BSKY_POST = re.compile(r"^at://(?P<did>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)$")
_X_NUMERIC = re.compile(r"^[0-9]+$")
_X_HANDLE = re.compile(r"^@?(?P<name>[A-Za-z0-9_]{1,15})$")


def _web_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL (never a ``javascript:`` or ``data:`` one)."""
    if not value:
        return None
    text = value.strip()
    lower = text.lower()
    if (lower.startswith("https://") or lower.startswith("http://")) and " " not in text:
        return text
    return None


def post_link(item_id: str | None) -> str | None:
    """A clickable URL for a post, reply or mention, from its canonical id.

    Mastodon status URIs are URLs already; a Bluesky post ``at://DID/app.bsky.feed.post/RKEY``
    becomes ``https://bsky.app/profile/DID/post/RKEY``; an X id becomes
    ``https://x.com/i/web/status/ID``; any other id whose native part is a URL is that URL.
    """
    if not item_id or ":" not in item_id:
        return None
    platform, _, native = item_id.partition(":")
    if platform == "bluesky":
        match = _BSKY_POST.match(native)
        if match:
            return f"https://bsky.app/profile/{match['did']}/post/{match['rkey']}"
        return None
    if platform == "x" and _X_NUMERIC.match(native):
        return f"https://x.com/i/web/status/{native}"
    return _web_url(native)


def person_link(person_id: str | None, *, url: str | None, handle: str | None) -> str | None:
    """A person's profile: ``people.url`` where known, else one built from the id or handle."""
    known = _web_url(url)
    if known:
        return known
    if not person_id or ":" not in person_id:
        return None
    platform, _, native = person_id.partition(":")
    if platform == "bluesky" and native.startswith("did:"):
        return f"https://bsky.app/profile/{native}"
    if platform == "x":
        name = _X_HANDLE.match(handle or "")
        if name:
            return f"https://x.com/{name['name']}"
        if _X_NUMERIC.match(native):
            return f"https://x.com/i/user/{native}"
        return None
    return _web_url(native)


def item_link(
    interaction_id: str | None,
    *,
    post_id: str | None = None,
    post_url: str | None = None,
    person_id: str | None = None,
    person_url: str | None = None,
    handle: str | None = None,
) -> str | None:
    """The best link to a reply: its own, else the post it answers, else the person."""
    return (
        post_link(interaction_id)
        or _web_url(post_url)
        or post_link(post_id)
        or person_link(person_id, url=person_url, handle=handle)
    )


def excerpt(text: str | None, *, limit: int = EXCERPT_CHARS) -> str | None:
    """At most ``limit`` characters of ``text`` on one line, cut at a word, or None."""
    if text is None:
        return None
    flat = " ".join(text.split())
    if not flat:
        return None
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """``moment`` as words relative to ``now``: 'just now', '5 hours ago', '3 days ago'."""
    seconds = max(0.0, (now - moment).total_seconds())
    if seconds < 3600:
        return "just now" if seconds < 120 else f"{int(seconds // 60)} minutes ago"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return "an hour ago" if hours == 1 else f"{hours} hours ago"
    days = int(seconds // 86400)
    return "a day ago" if days == 1 else f"{days} days ago"
