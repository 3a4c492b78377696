"""What the Mastodon archive importer and the Mastodon connector share.

Ids: a status or an account is known everywhere by its URI (``mastodon:<uri>``), never by the
instance-local number, so the same status has one id whether it came from an archive or
the API. Text: Mastodon stores HTML; :func:`read_html` turns it into plain text (tags
stripped, entities decoded, ``<br>`` and paragraphs kept as line breaks) and collects the
outbound links (mention and hashtag links are not outbound).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    try:
        scheme = urlsplit(uri.strip()).scheme
    except ValueError:
        scheme = ""
    if not scheme:
        raise RecordProblem(field, f"expected a URI, found {describe(uri)}")
    return f"{PLATFORM}:{uri.strip()}"


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
    if not isinstance(key, str) or not key.strip() or key.strip() == "und":
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


def read_html(content: object) -> HtmlContent:
    """Plain text and outbound links of Mastodon HTML (None text when there is none)."""
    if not isinstance(content, str) or not content.strip():
        return HtmlContent(None, [])
    parser = _Html()
    parser.feed(content)
    parser.close()
    lines = "".join(parser.parts).replace("\r\n", "\n").split("\n")
    text = "\n".join(line.rstrip() for line in lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return HtmlContent(text or None, unique(parser.links))


def mapping(value: object) -> Mapping[str, Any]:
    """The value if it is an object, else an empty one (for optional nested fields)."""
    return value if isinstance(value, Mapping) else {}
