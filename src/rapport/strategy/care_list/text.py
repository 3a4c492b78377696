"""Links, short excerpts and time phrases for the care list.

Links are built only from what the ids and the people table say (by
:mod:`rapport.platforms.links`, shared with who to care for first); a link is always an
``http(s)`` URL a person can click, or None. People's text is personal data: a reason
quotes at most a short excerpt of it.
"""

from __future__ import annotations

import datetime as dt

from rapport.platforms.links import person_link, post_link, web_url

__all__ = ["ago", "excerpt", "item_link", "person_link", "post_link"]

EXCERPT_CHARS = 40
"""The longest quote of a person's text shown in a reason (an ellipsis marks the cut)."""


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
        or web_url(post_url)
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
