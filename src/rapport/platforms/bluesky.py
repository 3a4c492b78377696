"""Bluesky records as canonical fields, shared by the live pull and the ``.car`` importer.

Both sources hand over the same thing: an ``app.bsky.feed.post`` record as a plain mapping
with the lexicon's camelCase keys (the pull converts the SDK's models with
``get_model_as_dict``; the repository export decodes dag-cbor). The rules live here once:

* ids are ``bluesky:<at-uri>`` for posts and ``bluesky:<did>`` for accounts and people;
* timestamps are aware UTC (a record's ``createdAt`` without a zone is read as UTC, one that
  can't be read is unknown);
* links come from the facets' link features (the full URI, never the displayed text, whose
  ``byteStart``/``byteEnd`` are UTF-8 *byte* offsets), the external embed and the legacy
  ``entities``; hashtags from tag facets and the post's ``tags``, or from the text for posts
  written before tag facets existed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from rapport.canonical.ids import prefixed

__all__ = [
    "PLATFORM",
    "account_id",
    "at_uri",
    "parse_time",
    "post_fields",
    "post_id",
    "post_url",
    "profile_url",
    "quoted_uri",
    "reply_refs",
    "split_at_uri",
]

PLATFORM = "bluesky"
POST = "app.bsky.feed.post"

_AT_URI = re.compile(r"^at://(did:[a-z]+:[A-Za-z0-9._:%-]+)/([A-Za-z0-9.-]+)/([A-Za-z0-9._~:-]+)$")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_HASHTAG = re.compile(r"(?<![\w#＃])[#＃](\w[^\s#＃]*)")
"""A ``#`` not inside a word or a URL (``✨#tag`` counts, as its author meant it)."""
_TRAILING_PUNCTUATION = ".,;:!?…)\"'’”"


def account_id(did: str) -> str:
    """``bluesky:did:plc:…`` for an account or a person."""
    return prefixed(PLATFORM, did)


def post_id(uri: str) -> str:
    """``bluesky:at://did:plc:…/app.bsky.feed.post/…`` for a post (or any record)."""
    return prefixed(PLATFORM, uri)


def at_uri(did: str, collection: str, rkey: str) -> str:
    return f"at://{did}/{collection}/{rkey}"


def split_at_uri(uri: str) -> tuple[str, str, str] | None:
    """(did, collection, rkey) of an at-uri naming a record by DID, or None."""
    match = _AT_URI.match(uri)
    return (match[1], match[2], match[3]) if match else None


def profile_url(handle_or_did: str) -> str:
    return f"https://bsky.app/profile/{handle_or_did}"


def post_url(handle_or_did: str, uri: str) -> str | None:
    """The bsky.app address of a post, or None when the at-uri is not a post's."""
    parts = split_at_uri(uri)
    if parts is None or parts[1] != POST:
        return None
    return f"{profile_url(handle_or_did)}/post/{parts[2]}"


def parse_time(value: object) -> dt.datetime | None:
    """An aware UTC datetime from a record's or a view's timestamp, or None.

    Seen in real records: ``Z``, ``+00:00``, six or more fraction digits, and no zone at all
    (read as UTC). Anything else, or a year out of range, is unknown.
    """
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str) and value:
        text = _FRACTION.sub(r"\1", value.strip())
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    try:
        return moment.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        return None


def _mapping(value: object) -> Mapping[str, Any]:
    if type(value) is dict:  # nearly always: decoded records are dicts (no ABC check)
        return value
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _dedupe(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _features(record: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    facets = record.get("facets")
    found: list[Mapping[str, Any]] = []
    if isinstance(facets, list):
        for facet in facets:
            features = _mapping(facet).get("features")
            if isinstance(features, list):
                found.extend(_mapping(f) for f in features)
    return found


def _embed_links(embed: Mapping[str, Any]) -> list[str]:
    kind = embed.get("$type")
    if kind == "app.bsky.embed.external":
        uri = _text(_mapping(embed.get("external")).get("uri"))
        return [uri] if uri else []
    if kind == "app.bsky.embed.recordWithMedia":
        return _embed_links(_mapping(embed.get("media")))
    return []


def _links(record: Mapping[str, Any], embed: Mapping[str, Any]) -> list[str]:
    links = [
        uri
        for feature in _features(record)
        if feature.get("$type") == "app.bsky.richtext.facet#link"
        and (uri := _text(feature.get("uri")))
    ]
    entities = record.get("entities")  # the pre-facet form of 2023: {type: "link", value}
    if isinstance(entities, list):
        for entity in entities:
            entity = _mapping(entity)
            value = _text(entity.get("value"))
            if entity.get("type") == "link" and value:
                links.append(value)
    return _dedupe([*links, *_embed_links(embed)])


def _hashtags(record: Mapping[str, Any], text: str | None) -> list[str]:
    tags = [
        tag
        for feature in _features(record)
        if feature.get("$type") == "app.bsky.richtext.facet#tag"
        and (tag := _text(feature.get("tag")))
    ]
    if not tags and text:
        for match in _HASHTAG.finditer(text):
            tag = match[1].rstrip(_TRAILING_PUNCTUATION)
            if any(ch.isalpha() for ch in tag):  # not "#1", "#17,181" or a keycap emoji
                tags.append(tag)
    outline = record.get("tags")
    if isinstance(outline, list):
        tags.extend(t for t in outline if isinstance(t, str) and t)
    return _dedupe(t.lstrip("#＃").lower() for t in tags if t.lstrip("#＃"))


_MEDIA_FORMATS = {
    "app.bsky.embed.images": "image",
    "app.bsky.embed.video": "video",
    "app.bsky.embed.external": "link",
}


def _format(embed: Mapping[str, Any], links: list[str]) -> str:
    kind = embed.get("$type")
    if kind == "app.bsky.embed.recordWithMedia":
        kind = _mapping(embed.get("media")).get("$type")
    if isinstance(kind, str) and kind in _MEDIA_FORMATS:
        return _MEDIA_FORMATS[kind]
    # No embed, or a quote of another post: the post itself is text (with links or not).
    return "link" if links else "text"


def post_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical ``posts`` fields one ``app.bsky.feed.post`` record determines.

    ``created_at`` is None when the record's ``createdAt`` can't be read; the caller decides
    (the pull falls back to the time the AppView indexed the post, the importer quarantines).
    """
    text = _text(record.get("text"))
    embed = _mapping(record.get("embed"))
    links = _links(record, embed)
    parent = _text(_mapping(_mapping(record.get("reply")).get("parent")).get("uri"))
    langs = record.get("langs")
    language = langs[0] if isinstance(langs, list) and langs and isinstance(langs[0], str) else None
    return {
        "created_at": parse_time(record.get("createdAt")),
        "text": text,
        "format": _format(embed, links),
        "in_reply_to_id": post_id(parent) if parent else None,
        "links": links,
        "hashtags": _hashtags(record, text),
        "language": language,
    }


def reply_refs(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(parent at-uri, root at-uri) of a reply record; (None, None) for a top-level post."""
    reply = _mapping(record.get("reply"))
    parent = _text(_mapping(reply.get("parent")).get("uri"))
    root = _text(_mapping(reply.get("root")).get("uri"))
    return parent, root


def quoted_uri(record: Mapping[str, Any]) -> str | None:
    """The at-uri of the post a record quotes (a record embed, with or without media)."""
    embed = _mapping(record.get("embed"))
    kind = embed.get("$type")
    if kind == "app.bsky.embed.recordWithMedia":
        embed = _mapping(embed.get("record"))  # {record: strongRef}, its $type optional
    elif kind != "app.bsky.embed.record":
        return None
    return _text(_mapping(embed.get("record")).get("uri"))
