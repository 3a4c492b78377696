"""Links people can click, built from canonical ids and what the people table says.

Shared by every layer that shows a person or a post (the care list, who to care for first):
a link is always an ``http(s)`` URL, or None, never a ``javascript:`` or ``data:`` one.
"""

from __future__ import annotations

import re

__all__ = ["person_link", "post_link", "web_url"]

_BSKY_POST = re.compile(r"^at://(?P<did>[^/]+)/app\.bsky\.feed\.post/(?P<rkey>[^/?#]+)$")
_X_NUMERIC = re.compile(r"^[0-9]+$")
_X_HANDLE = re.compile(r"^@?(?P<name>[A-Za-z0-9_]{1,15})$")


def web_url(value: str | None) -> str | None:
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
    return web_url(native)


def person_link(person_id: str | None, *, url: str | None, handle: str | None) -> str | None:
    """A person's profile: ``people.url`` where known, else one built from the id or handle."""
    known = web_url(url)
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
    return web_url(native)
