"""One activity of a Mastodon archive's ``outbox.json`` as a canonical post.

``Create`` activities carry the whole status (a ``Note``, or a ``Question`` for polls);
``Announce`` activities (boosts) carry only the URI of the boosted status. The archive has
no like, boost or reply counts: those come from the API only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.platforms.mastodon import (
    RecordProblem,
    describe,
    language_tag,
    mapping,
    mastodon_id,
    parse_time,
    post_format,
    read_html,
    unique,
)

__all__ = ["PUBLIC", "Skipped", "activity_post", "visibility"]

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@dataclass(frozen=True)
class Skipped:
    """An activity that is deliberately not a post, and why (counted in a notice)."""

    reason: str


def _audience(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def visibility(activity: Mapping[str, Any]) -> str:
    """Mastodon's visibility from the addressing: public, unlisted, private or direct."""
    to, cc = _audience(activity.get("to")), _audience(activity.get("cc"))
    if PUBLIC in to:
        return "public"
    if PUBLIC in cc:
        return "unlisted"
    if any(a.endswith("/followers") for a in to + cc):
        return "private"
    return "direct"


def _content(note: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The HTML content and its language (``contentMap`` when ``content`` is absent)."""
    content = note.get("content")
    languages = mapping(note.get("contentMap"))
    language = next(iter(languages), None)
    if not isinstance(content, str) or not content.strip():
        content = next((v for v in languages.values() if isinstance(v, str)), None)
    return content, language_tag(language)


def _hashtags(note: Mapping[str, Any]) -> list[str]:
    found = []
    tags = note.get("tag")
    for tag in tags if isinstance(tags, list) else []:
        tag = mapping(tag)
        name = tag.get("name")
        if tag.get("type") == "Hashtag" and isinstance(name, str) and name.strip("#"):
            found.append(name.strip().lstrip("#").lower())
    return unique(found)


def _media(note: Mapping[str, Any]) -> list[str]:
    attachments = note.get("attachment")
    kinds = []
    for item in attachments if isinstance(attachments, list) else []:
        item = mapping(item)
        kind = item.get("mediaType") or item.get("type")
        if isinstance(kind, str):
            kinds.append("image" if kind == "Image" else kind)
    return kinds


def _create(activity: Mapping[str, Any], account_id: str) -> dict[str, Any] | Skipped:
    note = activity.get("object")
    if not isinstance(note, Mapping):
        raise RecordProblem("object", f"expected the whole status, found {describe(note)}")
    if visibility(note if ("to" in note or "cc" in note) else activity) == "direct":
        return Skipped("direct message")
    published = note.get("published", activity.get("published"))
    in_reply_to = note.get("inReplyTo")
    if in_reply_to is not None and not isinstance(in_reply_to, str):
        raise RecordProblem("inReplyTo", f"expected a URI, found {describe(in_reply_to)}")
    content, language = _content(note)
    html = read_html(content)
    summary = note.get("summary")
    text = html.text
    if isinstance(summary, str) and summary.strip():
        text = f"{summary.strip()}\n\n{text}" if text else summary.strip()
    url = note.get("url")
    return {
        "post_id": mastodon_id(note.get("id"), field="object.id"),
        "account_id": account_id,
        "created_at": parse_time(published, field="published"),
        "text": text,
        "url": url if isinstance(url, str) else None,
        "format": post_format(
            poll=note.get("type") == "Question", media=_media(note), link=bool(html.links)
        ),
        "in_reply_to_id": mastodon_id(in_reply_to, field="inReplyTo") if in_reply_to else None,
        "repost_of": None,
        "links": html.links,
        "hashtags": _hashtags(note),
        "language": language,
    }


def _announce(activity: Mapping[str, Any], account_id: str) -> dict[str, Any]:
    boosted = activity.get("object")
    uri = boosted.get("id") if isinstance(boosted, Mapping) else boosted
    return {
        "post_id": mastodon_id(activity.get("id"), field="id"),
        "account_id": account_id,
        "created_at": parse_time(activity.get("published"), field="published"),
        "repost_of": mastodon_id(uri, field="object"),
        "links": [],
        "hashtags": [],
    }


def activity_post(activity: object, *, account_id: str) -> dict[str, Any] | Skipped:
    """The post an outbox activity stands for, a :class:`Skipped`, or a RecordProblem."""
    if not isinstance(activity, Mapping):
        raise RecordProblem("type", f"expected an activity object, found {describe(activity)}")
    kind = activity.get("type")
    if kind == "Create":
        return _create(activity, account_id)
    if kind == "Announce":
        return _announce(activity, account_id)
    return Skipped(f"{kind if isinstance(kind, str) else 'untyped'} activity")
