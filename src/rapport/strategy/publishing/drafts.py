"""A post's text and links: the links get the post's UTM tags, the words stay the person's.

Every web address in the text is tagged with ``utm_source`` = the platform, ``utm_medium`` =
``social``, ``utm_campaign`` = the slot's kind (or ``social``) and ``utm_content`` =
:func:`content_tag` of the planned post, so that a conversion that arrives through the link
is tied to the post once it is published (:mod:`rapport.store.attribution`). On Bluesky
the text keeps the address as written and its link facet carries the tagged one; on
Mastodon the tagged address replaces it in the text (:func:`tagged_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from rapport.connectors.publish import find_links
from rapport.utm import tag_link

__all__ = ["CONTENT_PREFIX", "content_tag", "tag_links", "tagged_text"]

CONTENT_PREFIX = "rapport-post-"


def content_tag(post: int) -> str:
    """The ``utm_content`` of the links of planned post ``post``."""
    return f"{CONTENT_PREFIX}{post}"


def tag_links(text: str, *, platform: str, post: int, campaign: str | None) -> tuple[str, ...]:
    """The addresses of ``text``, in order, with the post's UTM tags."""
    return tuple(
        tag_link(address, post=content_tag(post), platform=platform, campaign=campaign)
        for _, _, address in find_links(text)
    )


def tagged_text(text: str, links: Sequence[str]) -> str:
    """``text`` with each address replaced by its tagged form (the same position)."""
    parts: list[str] = []
    last = 0
    for (start, end, _), tagged in zip(find_links(text), links, strict=False):
        parts += [text[last:start], tagged]
        last = end
    return "".join([*parts, text[last:]])
