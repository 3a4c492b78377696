"""The canonical format, version 1, as data.

Everything else derives from these specs: the store's DDL, the Arrow schemas of exports, the
record validation of imports and the generated documentation (docs/canonical-format.md).
The meaning of every column is the one in ``../shared/docs/canonical-format.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

__all__ = [
    "CONTENT_KINDS",
    "CONVERSION_KINDS",
    "FORMAT_NAME",
    "INTERACTION_KINDS",
    "PLATFORMS",
    "POST_FORMATS",
    "ROLES",
    "TABLES",
    "TABLE_ORDER",
    "Column",
    "ColumnType",
    "TableSpec",
    "arrow_schema",
    "table_spec",
]

FORMAT_NAME = "rapport-canonical/1"

PLATFORMS = (
    "x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "tiktok", "youtube",
    "web", "shop", "synthetic", "other",
)  # fmt: skip
ROLES = ("own", "competitor", "watch")
POST_FORMATS = ("text", "image", "video", "link", "poll", "other")
CONTENT_KINDS = (
    "promo", "educational", "question", "news", "throwback", "behind_the_scenes", "other",
)  # fmt: skip
INTERACTION_KINDS = (
    "like", "repost", "quote", "reply", "mention", "follow", "unfollow", "click", "save",
    "share", "view", "dm",
)  # fmt: skip
CONVERSION_KINDS = ("signup", "purchase", "lead", "download", "subscribe", "other")

ColumnType = Literal["string", "int64", "float64", "timestamp", "list<string>"]
MergeRule = Literal["latest", "earliest"]

_ARROW_TYPES: Mapping[str, pa.DataType] = {
    "string": pa.string(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "list<string>": pa.list_(pa.string()),
}


@dataclass(frozen=True)
class Column:
    """One canonical column.

    ``required`` columns may not be null in any row (a row with a null there is quarantined);
    ``allowed`` restricts a string column to a vocabulary; ``is_id`` marks the
    ``<platform>:<native id>`` strings; ``merge`` says how a re-import combines a stored value
    with a new one (``latest``: a new known value replaces the stored one, an unknown one
    never erases it; ``earliest``: the smaller of the two, for first-seen times).
    """

    name: str
    type: ColumnType
    meaning: str = ""
    required: bool = False
    allowed: tuple[str, ...] | None = None
    is_id: bool = False
    non_negative: bool = False
    merge: MergeRule = "latest"

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.type]


@dataclass(frozen=True)
class TableSpec:
    """One canonical table: its columns, natural key and whether rows are history."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    meaning: str
    history: bool = False
    """History tables keep every observation: a new ``observed_at`` is a new row, and an
    observation identical to the one before it is not added again."""
    references: tuple[tuple[str, str, str], ...] = ()
    """(column, table, column) pairs that must point at an existing row; others are quarantined."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)

    @property
    def value_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.name not in self.key)


def _id(name: str, meaning: str = "", *, required: bool = False) -> Column:
    return Column(name, "string", meaning, required=required, is_id=True)


def _count(name: str, meaning: str = "") -> Column:
    return Column(name, "int64", meaning, non_negative=True)


_ACCOUNTS = TableSpec(
    name="accounts",
    meaning="the accounts you track: your own and your closest competitors",
    key=("account_id",),
    columns=(
        _id("account_id", required=True),
        Column("platform", "string", required=True, allowed=PLATFORMS),
        Column("handle", "string", required=True),
        Column("display_name", "string"),
        Column("role", "string", "own, competitor or watch", required=True, allowed=ROLES),
        _count("followers", "latest known follower count (history lives in follower_counts)"),
        Column("url", "string"),
        Column("created_at", "timestamp"),
    ),
)

_PEOPLE = TableSpec(
    name="people",
    meaning="everyone who interacts with a tracked account",
    key=("person_id",),
    columns=(
        _id("person_id", required=True),
        Column("platform", "string", required=True, allowed=PLATFORMS),
        Column("handle", "string"),
        Column("display_name", "string"),
        Column("bio", "string", "profile description, used for audience relevance"),
        _count("followers", "latest known"),
        _count("following", "latest known"),
        Column("url", "string"),
        Column(
            "first_seen_at",
            "timestamp",
            "first interaction or follow we know of",
            merge="earliest",
        ),
    ),
)

_POSTS = TableSpec(
    name="posts",
    meaning="what tracked accounts published (replies by the account are posts too)",
    key=("post_id",),
    references=(("account_id", "accounts", "account_id"),),
    columns=(
        _id("post_id", required=True),
        _id("account_id", "author (an accounts row)", required=True),
        Column("created_at", "timestamp", required=True),
        Column("text", "string", "plain text (HTML stripped, entities decoded)"),
        Column("url", "string"),
        Column("format", "string", allowed=POST_FORMATS),
        Column(
            "in_reply_to_id",
            "string",
            "the post or interaction this replies to (how replies to people are found)",
        ),
        Column("repost_of", "string", "id or URL of the reposted item, for pure reposts/boosts"),
        Column("links", "list<string>", "expanded outbound URLs"),
        Column("hashtags", "list<string>", "without #, lower-cased"),
        Column("language", "string"),
        Column(
            "content_kind",
            "string",
            "null means the classifier decides",
            allowed=CONTENT_KINDS,
        ),
    ),
)

_INTERACTIONS = TableSpec(
    name="interactions",
    meaning="what people did to tracked accounts and their posts",
    key=("interaction_id",),
    references=(("account_id", "accounts", "account_id"),),
    columns=(
        _id(
            "interaction_id",
            "the native id where one exists, else a stable hash of its fields",
            required=True,
        ),
        Column("platform", "string", required=True, allowed=PLATFORMS),
        Column("kind", "string", required=True, allowed=INTERACTION_KINDS),
        _id("person_id", "who did it (null only where the source is anonymous)"),
        _id("account_id", "the tracked account it was aimed at", required=True),
        _id("post_id", "the post it was aimed at, if any"),
        Column("occurred_at", "timestamp", "null where the source gives no time"),
        Column("text", "string", "for reply, quote, mention, dm"),
        Column(
            "in_reply_to_id", "string", "for nested replies: the post or interaction replied to"
        ),
        _count("actor_followers", "the person's follower count at that time, where known"),
    ),
)

_POST_STATS = TableSpec(
    name="post_stats",
    meaning="aggregate counters observed at a moment (exports, public counts, competitors)",
    key=("post_id", "observed_at"),
    history=True,
    references=(("post_id", "posts", "post_id"),),
    columns=(
        _id("post_id", required=True),
        Column("observed_at", "timestamp", required=True),
        _count("impressions"),
        _count("reach"),
        _count("likes"),
        _count("reposts"),
        _count("replies"),
        _count("quotes"),
        _count("clicks"),
        _count("saves"),
        _count("video_views"),
    ),
)

_FOLLOWER_COUNTS = TableSpec(
    name="follower_counts",
    meaning="follower count history of tracked accounts",
    key=("account_id", "observed_at"),
    history=True,
    references=(("account_id", "accounts", "account_id"),),
    columns=(
        _id("account_id", required=True),
        Column("observed_at", "timestamp", required=True),
        Column("followers", "int64", required=True, non_negative=True),
    ),
)

_CONVERSIONS = TableSpec(
    name="conversions",
    meaning="business outcomes",
    key=("conversion_id",),
    columns=(
        _id("conversion_id", required=True),
        Column("occurred_at", "timestamp", required=True),
        Column("kind", "string", required=True, allowed=CONVERSION_KINDS),
        Column("value", "float64"),
        Column("currency", "string", "ISO 4217"),
        _id("person_id", "when the conversion can be tied to a person"),
        Column("utm_source", "string"),
        Column("utm_medium", "string"),
        Column("utm_campaign", "string"),
        Column("utm_content", "string"),
        Column("utm_term", "string"),
        Column("landing_url", "string"),
        _id("post_id", "the post it is attributed to, when known"),
    ),
)

TABLE_ORDER: tuple[str, ...] = (
    "accounts", "people", "posts", "interactions", "post_stats", "follower_counts", "conversions",
)  # fmt: skip
"""The order tables are written in, so that references point at rows already present."""

_SPECS = (_ACCOUNTS, _PEOPLE, _POSTS, _INTERACTIONS, _POST_STATS, _FOLLOWER_COUNTS, _CONVERSIONS)
TABLES: Mapping[str, TableSpec] = {spec.name: spec for spec in _SPECS}


def table_spec(name: str) -> TableSpec:
    """The spec of a canonical table, by name."""
    return TABLES[name]


def arrow_schema(name: str) -> pa.Schema:
    """The Arrow schema of a canonical table, exactly as exports write it."""
    spec = TABLES[name]
    return pa.schema(
        [pa.field(c.name, c.arrow_type, nullable=not c.required) for c in spec.columns]
    )
