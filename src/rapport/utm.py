"""UTM-tagged links, so that conversions can be traced back to the post that brought them.

A link built here carries ``utm_content=<the post's canonical id>`` when the post is known;
after a conversions import, `rapport` ties a conversion to a post by that tag, or else by its
landing page (see :mod:`rapport.store.attribution`).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rapport.canonical.schema import PLATFORMS
from rapport.errors import UsageError

__all__ = ["tag_link"]


def tag_link(
    url: str,
    *,
    post: str | None = None,
    platform: str | None = None,
    campaign: str | None = None,
    medium: str = "social",
    term: str | None = None,
) -> str:
    """``url`` with utm_source, utm_medium, utm_campaign and utm_content set.

    ``post`` is the canonical id of the post the link goes into (its platform becomes the
    source unless ``platform`` is given). Other query parameters are kept; old utm_* values
    are replaced.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{url!r}: expected a web address such as https://shop.example/page")
    source = platform or (post.partition(":")[0] if post and ":" in post else None)
    if source is None:
        raise UsageError(
            "give the post's id or the platform: the link needs a source", option="post"
        )
    if source not in PLATFORMS:
        raise UsageError(
            f"platform {source!r}: expected one of {', '.join(PLATFORMS)}",
            option="platform" if platform else "post",
        )
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]  # fmt: skip
    tags = {"utm_source": source, "utm_medium": medium, "utm_campaign": campaign or "social"}
    if post:
        tags["utm_content"] = post
    if term:
        tags["utm_term"] = term
    query.extend(tags.items())
    return urlunsplit(parts._replace(query=urlencode(query)))
