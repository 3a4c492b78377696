"""What the Mastodon archive importer and the Mastodon connector share.

Ids: a status or an account is known everywhere by its URI (``mastodon:<uri>``), never by the
instance-local number, so the same status has one id whether it came from an archive or
the API. Text: Mastodon stores HTML; :func:`read_html` turns it into plain text (tags
stripped, entities decoded, ``<br>`` and paragraphs kept as line breaks) and collects the
outbound links (mention and hashtag links are not outbound).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from rapport.errors import RecordProblem

__all__ = [
    "PLATFORM",
    "HtmlContent",
    "RecordProblem",
    "describe",
    "full_handle",
    "language_tag",
    "mapping",
    "mastodon_id",
    "parse_time",
    "post_format",
    "read_html",
    "unique",
]

PLATFORM = "mastodon"
_TIME_EXAMPLE = "an ISO 8601 timestamp such as 2022-06-10T05:17:48Z"
_CAMEL_REGION = re.compile(r"^([a-z]{2,3})([A-Z][a-z]{1,3})$")
"""``zhCn``: a language key of ``contentMap`` whose hyphen JSON-LD compaction ate."""


def describe(value: object) -> str:
    """A short description of a value for messages."""
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "...")
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, Mapping) else type(value).__name__


def mastodon_id(uri: object, *, field: str) -> str:
    """``mastodon:<uri>`` for a status or account URI, or a :class:`RecordProblem`."""
    if not isinstance(uri, str) or not uri.strip():
        raise RecordProblem(field, f"expected a URI, found {describe(uri)}")
    text = uri.strip()
    if (
        text.startswith(("https://", "http://"))
        and text.isascii()
        and "[" not in text
        and "]" not in text
    ):
        return f"{PLATFORM}:{text}"  # what urlsplit finds a scheme in, without splitting it
    try:
        scheme = urlsplit(text).scheme
    except ValueError:
        scheme = ""
    if not scheme:
        raise RecordProblem(field, f"expected a URI, found {describe(uri)}")
    return f"{PLATFORM}:{text}"


def parse_time(value: object, *, field: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text or a datetime, or a :class:`RecordProblem`."""
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise RecordProblem(
                field, f"expected {_TIME_EXAMPLE}, found {describe(value)}"
            ) from None
    else:
        raise RecordProblem(field, f"expected {_TIME_EXAMPLE}, found {describe(value)}")
    if moment.tzinfo is None:
        raise RecordProblem(field, f"timestamp {describe(value)} has no time zone")
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC
        raise RecordProblem(
            field, f"timestamp {describe(value)} falls outside the years 1 to 9999 in UTC"
        ) from None


def full_handle(acct: object, *, domain: str) -> str | None:
    """``user@instance`` from an ``acct`` (local accounts have no ``@instance`` part)."""
    if not isinstance(acct, str) or not acct.strip("@ "):
        return None
    name = acct.strip().lstrip("@")
    return name if "@" in name else f"{name}@{domain}"


def language_tag(key: object) -> str | None:
    """A BCP 47 tag from a ``contentMap`` key or a status language (``zhCn`` → ``zh-CN``)."""
    return _language_tag(key) if isinstance(key, str) else None


@functools.lru_cache(maxsize=1024)
def _language_tag(key: str) -> str | None:
    """:func:`language_tag` of a text, worked out once per key (an archive has a few)."""
    if not key.strip() or key.strip() == "und":
        return None
    match = _CAMEL_REGION.match(key.strip())
    if match:
        return f"{match.group(1)}-{match.group(2).upper()}"
    return key.strip()


def unique(values: Iterable[str]) -> list[str]:
    """The values in their first order, without repeats."""
    return list(dict.fromkeys(values))


def post_format(*, poll: bool, media: Iterable[str], link: bool) -> str:
    """The canonical ``format`` of a post: poll, video, image, link, other or text.

    ``media`` are attachment kinds or MIME types (``image``, ``gifv``, ``video/mp4``...).
    """
    kinds = {m.split("/")[0].lower() for m in media if m}
    if poll:
        return "poll"
    if kinds & {"video", "gifv"}:
        return "video"
    if "image" in kinds:
        return "image"
    if kinds:
        return "other"
    return "link" if link else "text"


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []

    def _break(self, text: str) -> None:
        if self.parts:
            self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p":
            self._break("\n\n")
        elif tag == "a":
            values = dict(attrs)
            classes = (values.get("class") or "").split()
            rel = (values.get("rel") or "").split()
            href = values.get("href") or ""
            if href.startswith(("http://", "https://")) and not (
                {"mention", "hashtag"} & set(classes) or "tag" in rel
            ):
                self.links.append(href)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@dataclass(frozen=True)
class HtmlContent:
    text: str | None
    links: list[str]


_TAG = re.compile(
    r"<(?:/([a-zA-Z][a-zA-Z0-9]*)\s*"
    r"|([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][-a-zA-Z0-9_:.]*(?:=\"[^\"<>]*\")?)*)\s*/?)>"
)
"""A tag as Mastodon's sanitizer writes it: a start tag whose attributes are all quoted with
``"``, or an end tag."""
_ATTRIBUTE = re.compile(r"([a-zA-Z][-a-zA-Z0-9_:.]*)(?:=\"([^\"]*)\")?")
_RAW_TEXT = frozenset(("script", "style"))
_BLANK_LINES = re.compile(r"\n{3,}")


def _simple_html(content: str) -> tuple[list[str], list[str]] | None:
    """What :class:`_Html` collects from ``content`` (text parts, links), read with one
    regular expression; None for HTML that is not in the simple shape of :data:`_TAG` (a
    ``<`` that starts no such tag, a comment, script or style), which the parser reads.

    Mastodon's HTML is sanitized into that shape, and the parser's way through it is
    followed exactly: text between tags has its character references decoded, attribute
    names are lower-cased and their values decoded, end tags add nothing (a test compares
    the two on generated HTML)."""
    parts: list[str] = []
    links: list[str] = []
    position = 0
    for match in _TAG.finditer(content):
        start = match.start()
        if start > position:
            data = content[position:start]
            if "<" in data:
                return None
            parts.append(unescape(data))
        position = match.end()
        name = match[2]
        if name is None:
            continue  # an end tag
        name = name.lower()
        if name == "br":
            parts.append("\n")
        elif name == "p":
            if parts:
                parts.append("\n\n")
        elif name == "a":
            values = {k.lower(): unescape(v) for k, v in _ATTRIBUTE.findall(match[3])}
            classes = values.get("class", "").split()
            rel = values.get("rel", "").split()
            href = values.get("href", "")
            if href.startswith(("http://", "https://")) and not (
                {"mention", "hashtag"} & set(classes) or "tag" in rel
            ):
                links.append(href)
        elif name in _RAW_TEXT:
            return None
    if position < len(content):
        data = content[position:]
        if "<" in data:
            return None
        parts.append(unescape(data))
    return parts, links


def read_html(content: object) -> HtmlContent:
    """Plain text and outbound links of Mastodon HTML (None text when there is none)."""
    if not isinstance(content, str) or not content.strip():
        return HtmlContent(None, [])
    simple = _simple_html(content)
    if simple is None:
        parser = _Html()
        parser.feed(content)
        parser.close()
        simple = parser.parts, parser.links
    parts, links = simple
    lines = "".join(parts).replace("\r\n", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines)
    text = _BLANK_LINES.sub("\n\n", text).strip()
    return HtmlContent(text or None, unique(links))


def mapping(value: object) -> Mapping[str, Any]:
    """The value if it is an object, else an empty one (for optional nested fields)."""
    if type(value) is dict:  # nearly always (parsed JSON): no Mapping ABC check
        return value
    return value if isinstance(value, Mapping) else {}
