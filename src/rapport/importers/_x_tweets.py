"""One X tweet (any archive generation) as a canonical post, and a fast way to collect many.

Shared by the ``x_archive`` and ``x_grailbird`` importers. :func:`tweet_post` maps the
tweet object of every generation (``tweets.js``, ``tweet.js``, Grailbird's monthly files)
and raises :class:`TweetProblem` naming the field when a tweet can't be used.
:class:`PostColumns` collects posts and their counts column by column: the values made
here already have their canonical types, so a million-tweet archive skips the
value-by-value coercion of ``BatchBuilder.add``; the per-row rules (id shapes,
vocabularies, non-negative counts) still run in ``Batch.from_tables``.

Objects parsed from JSON are plain ``dict``s; the checks below use ``dict`` rather than
``Mapping`` on purpose (an ABC check costs more than the rest of a tweet's mapping).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.batch import Batch
from rapport.canonical.schema import TABLE_ORDER, arrow_schema
from rapport.errors import TweetProblem
from rapport.importers._x_js import id_value, parse_x_time

__all__ = [
    "Owner",
    "PostColumns",
    "TweetProblem",
    "describe",
    "handle_account_id",
    "tweet_post",
]

_RETWEET = re.compile(r"RT @(\w{1,50})")
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNKNOWN_LANGUAGES = frozenset({"und", "zxx", "qam", "qct", "qht", "qme", "qst", "art"})
"""X's codes for "no language" (undetermined, media only, hashtags only, …): unknown."""
_DATE_EXAMPLE = "a date like 'Tue Jan 31 09:01:52 +0000 2017'"
_NO_ITEMS: list[Any] = []


@dataclass(frozen=True)
class Owner:
    """The archive's own account: who wrote every tweet in it."""

    account_id: str
    handle: str
    display_name: str | None = None
    created_at: dt.datetime | None = None

    @property
    def url(self) -> str:
        return f"https://x.com/{self.handle}"


def handle_account_id(handle: str) -> str:
    """The id of an own account known only by its handle: ``x:@<handle>``, lower-cased.

    X handles are case-insensitive; the ``@`` keeps it apart from numeric account ids.
    """
    return f"x:@{handle.lstrip('@').lower()}"


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
    return "a list" if isinstance(value, list) else "an object"


def _items(value: object) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else counts as no items)."""
    if not isinstance(value, list) or not value:
        return _NO_ITEMS
    return [item for item in value if isinstance(item, dict)]


def optional_id(record: dict[str, Any], *names: str) -> str | None:
    """The first of ``names`` that holds an id; None when all are absent or empty."""
    for name in names:
        value = record.get(name)
        if value is None or value == "":
            continue
        native = id_value(value)
        if native is None:
            raise TweetProblem(name, f"expected a numeric id, found {describe(value)}")
        return native
    return None


def tweet_time(value: object, *, field: str = "created_at") -> dt.datetime:
    if isinstance(value, str):
        try:
            return parse_x_time(value)
        except ValueError:
            pass
    raise TweetProblem(field, f"expected {_DATE_EXAMPLE}, found {describe(value)}")


def unique(values: Iterable[str]) -> list[str]:
    """The values in their first order, without repeats."""
    return list(dict.fromkeys(values))


def links_of(entities: dict[str, Any]) -> list[str]:
    """Expanded outbound URLs (media links are not outbound)."""
    found = []
    for item in _items(entities.get("urls")):
        url = item.get("expanded_url") or item.get("url")
        if isinstance(url, str) and url:
            found.append(url)
    return unique(found) if len(found) > 1 else found


def hashtags_of(entities: dict[str, Any]) -> list[str]:
    found = []
    for item in _items(entities.get("hashtags")):
        tag = item.get("text")
        if isinstance(tag, str) and tag:
            found.append(tag.lstrip("#").lower())
    return unique(found) if len(found) > 1 else found


def media_format(media: list[dict[str, Any]]) -> str | None:
    """``video`` or ``image`` from media entities (Grailbird's lack a ``type``), else None."""
    if not media:
        return None
    kinds = set()
    for item in media:
        kind = item.get("type")
        if not isinstance(kind, str):
            url = item.get("expanded_url")
            kind = "video" if isinstance(url, str) and "/video/" in url else "photo"
        kinds.add(kind)
    return "video" if kinds & {"video", "animated_gif"} else "image"


def language_of(value: object) -> str | None:
    if isinstance(value, str) and value and value not in _UNKNOWN_LANGUAGES:
        return value
    return None


def repost_target(retweeted_id: str | None, text: str | None) -> str | None:
    """What a retweet reposts: ``x:<id>`` where the archive gives the original's id.

    Current archives give only the truncated text ``RT @author: …``; the best they tell is
    the original's author, so the repost points at the author's profile URL.
    """
    if retweeted_id is not None:
        return f"x:{retweeted_id}"
    if text is not None and text.startswith("RT @"):
        match = _RETWEET.match(text)
        if match:
            return f"https://x.com/{match.group(1)}"
    return None


def tweet_post(tweet: dict[str, Any], owner: Owner) -> dict[str, Any]:
    """The canonical ``posts`` record of one tweet object; raises :class:`TweetProblem`."""
    native = tweet.get("id_str")
    if not (isinstance(native, str) and native.isascii() and native.isdigit()):
        native = optional_id(tweet, "id_str", "id")
        if native is None:
            raise TweetProblem("id_str", "expected the tweet's numeric id, found nothing")
    created_at = tweet_time(tweet.get("created_at"))
    text = tweet.get("full_text")
    if text is None:
        text = tweet.get("text")
    if text is not None:
        if not isinstance(text, str):
            raise TweetProblem("full_text", f"expected text, found {describe(text)}")
        text = html.unescape(text)
    entities = tweet.get("entities")
    if not isinstance(entities, dict):
        entities = {}
    extended = tweet.get("extended_entities")
    media = _items(extended.get("media")) if isinstance(extended, dict) else _NO_ITEMS
    links = links_of(entities)
    retweeted = tweet.get("retweeted_status")
    retweeted_id = optional_id(retweeted, "id_str", "id") if isinstance(retweeted, dict) else None
    reply_to = tweet.get("in_reply_to_status_id_str")
    if reply_to is not None or "in_reply_to_status_id" in tweet:
        reply_to = optional_id(tweet, "in_reply_to_status_id_str", "in_reply_to_status_id")
    return {
        "post_id": f"x:{native}",
        "account_id": owner.account_id,
        "created_at": created_at,
        "text": text,
        "url": f"https://x.com/{owner.handle}/status/{native}",
        "format": (
            media_format(media or _items(entities.get("media"))) or ("link" if links else "text")
        ),
        "in_reply_to_id": None if reply_to is None else f"x:{reply_to}",
        "repost_of": repost_target(retweeted_id, text),
        "links": links,
        "hashtags": hashtags_of(entities),
        "language": language_of(tweet.get("lang")),
        "content_kind": None,
    }


_POST_FIELDS = arrow_schema("posts")
_STATS_FIELDS = arrow_schema("post_stats")
_POSTS = pa.schema([f.with_nullable(True) for f in _POST_FIELDS])  # as _relaxed gives


@dataclass
class PostColumns:
    """Posts and their like/repost counts, collected column by column.

    ``add`` takes records made by :func:`tweet_post` (already canonical types). Every
    ``chunk_rows`` records the Python values become Arrow columns, which keeps memory low;
    broken emoji (lone surrogates) are repaired then, one regular-expression pass per
    column, as ``BatchBuilder`` would. ``observed_at`` of the counts is set at the end,
    when the archive's date is known.
    """

    chunk_rows: int = 5_000
    repaired: int = 0
    _rows: list[dict[str, Any]] = field(default_factory=list)
    _post_locators: list[str] = field(default_factory=list)
    _stats: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    _stats_locators: list[str] = field(default_factory=list)
    _post_chunks: list[pa.Table] = field(default_factory=list)
    _stats_chunks: list[pa.Table] = field(default_factory=list)
    _count: int = 0

    def __len__(self) -> int:
        return self._count

    def add(
        self, post: dict[str, Any], *, locator: str, likes: int | None, reposts: int | None
    ) -> None:
        self._rows.append(post)
        self._post_locators.append(locator)
        if likes is not None or reposts is not None:
            self._stats.append((post["post_id"], likes, reposts))
            self._stats_locators.append(locator)
        self._count += 1
        if len(self._rows) >= self.chunk_rows:
            self._flush()

    def _flush(self) -> None:
        rows = self._rows
        if rows:
            try:
                table = pa.Table.from_pylist(rows, schema=_POSTS)
            except UnicodeEncodeError:  # rare: look for broken emoji only then
                self._repair(rows)
                table = pa.Table.from_pylist(rows, schema=_POSTS)
            self._post_chunks.append(table)
            self._rows = []
        if self._stats:
            ids, likes, reposts = zip(*self._stats, strict=True)
            self._stats_chunks.append(
                pa.table(
                    {
                        "post_id": pa.array(ids, pa.string()),
                        "likes": pa.array(likes, pa.int64()),
                        "reposts": pa.array(reposts, pa.int64()),
                    }
                )
            )
            self._stats = []

    def _repair(self, rows: list[dict[str, Any]]) -> None:
        """Replace lone surrogates (they can't be stored) by U+FFFD, counting the records."""
        broken: set[int] = set()
        for name in ("text", "repost_of", "language", "url"):
            if _SURROGATE.search("".join(r[name] for r in rows if r[name] is not None)):
                for index, row in enumerate(rows):
                    if row[name] is not None and _SURROGATE.search(row[name]):
                        row[name] = _SURROGATE.sub("\ufffd", row[name])
                        broken.add(index)
        for name in ("links", "hashtags"):
            if _SURROGATE.search("".join(v for r in rows for v in r[name])):
                for index, row in enumerate(rows):
                    if any(_SURROGATE.search(v) for v in row[name]):
                        row[name] = [_SURROGATE.sub("\ufffd", v) for v in row[name]]
                        broken.add(index)
        self.repaired += len(broken)

    def exclude(self, post_ids: set[str]) -> int:
        """Drop collected posts (and their counts) by id; return how many were dropped."""
        if not post_ids or not self._count:
            return 0
        self._flush()
        unwanted = pa.array(sorted(post_ids), pa.string())
        posts = pa.concat_tables(self._post_chunks)
        keep = pc.invert(pc.is_in(posts.column("post_id"), value_set=unwanted))
        dropped = int(posts.num_rows - pc.sum(keep).as_py())
        if not dropped:
            return 0
        self._post_chunks = [posts.filter(keep)]
        self._post_locators = _kept(self._post_locators, keep)
        if self._stats_chunks:
            stats = pa.concat_tables(self._stats_chunks)
            keep_stats = pc.invert(pc.is_in(stats.column("post_id"), value_set=unwanted))
            self._stats_chunks = [stats.filter(keep_stats)]
            self._stats_locators = _kept(self._stats_locators, keep_stats)
        self._count -= dropped
        return dropped

    def tables(
        self, *, observed_at: dt.datetime | None
    ) -> tuple[dict[str, pa.Table], dict[str, list[str]]]:
        """The posts table and, when the moment is known, the post_stats table."""
        self._flush()
        tables: dict[str, pa.Table] = {}
        locators: dict[str, list[str]] = {}
        if self._post_chunks:
            tables["posts"] = pa.concat_tables(self._post_chunks)
            locators["posts"] = self._post_locators
        if self._stats_chunks and observed_at is not None:
            counts = pa.concat_tables(self._stats_chunks)
            n = counts.num_rows
            columns = {
                f.name: (
                    counts.column(f.name)
                    if f.name in counts.column_names
                    else pa.nulls(n, type=f.type)
                )
                for f in _STATS_FIELDS
            }
            moment_type = _STATS_FIELDS.field("observed_at").type
            columns["observed_at"] = pa.array([observed_at] * n, type=moment_type)
            tables["post_stats"] = pa.Table.from_arrays(
                [columns[f.name] for f in _STATS_FIELDS], schema=_relaxed(_STATS_FIELDS)
            )
            locators["post_stats"] = self._stats_locators
        return tables, locators

    def merge_into(self, batch: Batch, *, observed_at: dt.datetime | None) -> None:
        """Check the collected tables and add them to ``batch`` (built by BatchBuilder)."""
        tables, locators = self.tables(observed_at=observed_at)
        if not tables:
            return
        extra = Batch.from_tables(
            tables,
            source=batch.source,
            origin=batch.origin,
            locators=locators,
            sources={name: batch.origin for name in tables},
            imported_at=batch.imported_at,
        )
        for name in TABLE_ORDER:
            if name not in extra.tables:
                continue
            if name in batch.tables:
                batch.tables[name] = pa.concat_tables([batch.tables[name], extra.tables[name]])
                batch.locators[name] = batch.locators[name] + extra.locators[name]
            else:
                batch.tables[name] = extra.tables[name]
                batch.locators[name] = extra.locators[name]
            batch.sources[name] = batch.origin
        batch.rejections.extend(extra.rejections)
        if self.repaired:
            batch.notices.append(
                f"posts: {self.repaired} record(s) had broken emoji (lone surrogates) "
                "replaced by U+FFFD"
            )


def _kept(values: list[str], mask: pa.ChunkedArray) -> list[str]:
    return [value for value, keep in zip(values, mask.to_pylist(), strict=True) if keep]


def _relaxed(schema: pa.Schema) -> pa.Schema:
    return pa.schema([f.with_nullable(True) for f in schema])
