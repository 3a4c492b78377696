"""Facebook Page post insights CSV: posts and their lifetime counters.

Three shapes of the same export are read (see docs/sources/facebook.md):

- the legacy Insights "Export data → Post data" CSV: ``Post ID, Permalink, Post Message,
  Type, …, Posted, Lifetime Post Total Reach, …`` with a second row of descriptions;
- the Meta Business Suite posts export: ``Post ID, Page ID, …, Publish time, Permalink,
  Post type, …, Reach, Reactions, Comments, Shares, Total clicks``;
- the split-date shape (the UCI "Facebook metrics" data set): ``Type, Category, Post Month,
  Post Weekday, Post Hour, Paid, Lifetime Post Total Reach, …, comment, like, share``, with
  no post ids and no year.

Every post becomes a ``posts`` row of the own Facebook account (the lone-file rule) and its
counters one ``post_stats`` observation, observed at the newest post time in the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder, newest
from rapport.canonical.encodings import head_text
from rapport.errors import UsageError, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._csv import (
    CellError,
    Row,
    Table,
    check_shape,
    column_key,
    header_table,
    parse_count,
    read_rows,
    require_columns,
    short_reason,
    zone_option,
)
from rapport.importers._meta import Owner, hashtags, links_in, own_account

NAME = "facebook_insights"
PACIFIC = "America/Los_Angeles"

STATS: dict[str, dict[str, tuple[str, ...]]] = {
    "legacy": {
        "reach": ("Lifetime Post Total Reach",),
        "impressions": ("Lifetime Post Total Impressions",),
        "clicks": ("Lifetime Post Consumptions",),
        "likes": (
            "Lifetime Post Stories by action type - like",
            "Lifetime Talking About This (Post) by action type - like",
        ),
        "replies": (
            "Lifetime Post Stories by action type - comment",
            "Lifetime Talking About This (Post) by action type - comment",
        ),
        "reposts": (
            "Lifetime Post Stories by action type - share",
            "Lifetime Talking About This (Post) by action type - share",
        ),
    },
    "suite": {
        "reach": ("Reach",),
        "impressions": ("Impressions", "Views"),
        "likes": ("Reactions",),
        "replies": ("Comments",),
        "reposts": ("Shares",),
        "clicks": ("Total clicks",),
    },
    "split": {
        "reach": ("Lifetime Post Total Reach",),
        "impressions": ("Lifetime Post Total Impressions",),
        "clicks": ("Lifetime Post Consumptions",),
        "likes": ("like",),
        "replies": ("comment",),
        "reposts": ("share",),
    },
}
REQUIRED = {
    "legacy": {"Post ID": (), "Posted": ()},
    "suite": {"Post ID": (), "Publish time": ()},
    "split": {"Post Month": (), "Post Weekday": (), "Post Hour": (), "Type": ()},
}
WEEKDAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
CATEGORY_KIND = {"1": "promo", "2": "promo", "3": "other"}
"""The UCI data set's own coding: 1 action (offers, contests), 2 product, 3 inspiration."""


def _shape(header: list[str]) -> str | None:
    keys = {column_key(h) for h in header}
    if {"post month", "post weekday", "post hour"} <= keys:
        return "split"
    if "lifetime post total reach" in keys and "posted" in keys:
        return "legacy"
    if {"post id", "publish time", "permalink"} <= keys and ({"page id", "page name"} & keys):
        return "suite"
    return None


def _head(path: Path) -> list[str]:
    text = head_text(path, 65536)
    table = header_table(read_rows(text, path=path)[:3])
    return table.header if table else []


def _files(path: Path) -> list[Path]:
    return [f for f in find_files(path, ("*.csv",), max_depth=2) if _shape(_head(f))]


def detect(path: Path) -> float:
    return 0.9 if _files(path) else 0.0


def _format(kind: str | None) -> str | None:
    if not kind:
        return None
    word = kind.lower()
    for needles, value in (
        (("photo", "image", "album", "carousel"), "image"),
        (("video", "reel", "live"), "video"),
        (("link",), "link"),
        (("status", "text"), "text"),
        (("poll",), "poll"),
    ):
        if any(n in word for n in needles):
            return value
    return "other"


def _year(options: ImportOptions) -> int:
    value = options.option(
        "year",
        importer=NAME,
        fix="this export gives each post's month, weekday and hour but not the year; "
        "add the year the posts were published, e.g. year=2014",
    )
    if not value.strip().isdigit() or not 1990 <= int(value) <= 2100:
        raise UsageError(f"the option year={value}: expected a year such as 2014", option="extra")
    return int(value)


def _small(table: Table, row: Row, name: str, low: int, high: int) -> int:
    column = table.column(name) or name
    value = parse_count(table.get(row, name), column=column)
    if value is None or not low <= value <= high:
        raise CellError(column, f"expected a number from {low} to {high}, found {value!r}")
    return value


def _split_moment(
    table: Table, row: Row, *, year: int, zone: dt.tzinfo
) -> tuple[dt.datetime, tuple[int, int, int]]:
    """The first day of the month that falls on the post's weekday (1 = Sunday), at its hour."""
    month = _small(table, row, "Post Month", 1, 12)
    weekday = _small(table, row, "Post Weekday", 1, 7)
    hour = _small(table, row, "Post Hour", 0, 23)
    day = dt.date(year, month, 1)
    while day.isoweekday() % 7 + 1 != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime(year, month, day.day, hour, tzinfo=zone), (month, weekday, hour)


def _posted(text: str | None, column: str, zone: dt.tzinfo) -> dt.datetime:
    if not text:
        raise CellError(column, "a publication time is required here, found none")
    for fmt in ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p"):
        try:
            return dt.datetime.strptime(text, fmt).replace(tzinfo=zone)
        except ValueError:
            continue
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise CellError(
            column, f"expected a time such as 10/1/2015 21:00, found {text[:40]!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _description_row(table: Table, row: Row) -> bool:
    """The legacy export's second row, which explains each column ("Lifetime: The …")."""
    return not table.get(row, "Post ID") and any(
        c.strip().startswith("Lifetime:") for c in row.cells
    )


def _stats(table: Table, row: Row, shape: str) -> dict[str, int | None]:
    result: dict[str, int | None] = {}
    for field, names in STATS[shape].items():
        column = table.column(*names)
        if column is not None:
            result[field] = parse_count(table.get(row, column), column=column)
    return result


def _read_file(
    file: Path, builder: BatchBuilder, options: ImportOptions, *, accounts: set[str]
) -> None:
    label = builder.label(file)
    table = header_table(read_rows(builder.read_text(file), path=file))
    shape = _shape(table.header) if table else None
    if table is None or shape is None:
        raise WrongFormat(
            file,
            expected="a Facebook Page post insights CSV (Post ID … Lifetime Post Total Reach)",
            found="other columns" if table else "an empty file",
            fix="export Insights → Post data as CSV, or choose another format",
            option="format",
        )
    require_columns(table, file, names=REQUIRED[shape], what="facebook post insights")
    zone, given = zone_option(
        options, importer=NAME, default="UTC" if shape == "suite" else PACIFIC
    )
    year = _year(options) if shape == "split" else 0
    page_id = next((table.get(r, "Page ID") for r in table.rows if table.get(r, "Page ID")), None)
    if page_id is None:
        page_id = next(
            (
                pid.split("_")[0]
                for r in table.rows
                if "_" in (pid := table.get(r, "Post ID") or "")
            ),
            None,
        )
    owner = own_account(options, "facebook", file=label, native_id=page_id)
    rows = [r for r in table.rows if not (shape == "legacy" and _description_row(table, r))]
    kept: list[tuple[str, dict[str, Any], dict[str, int | None], int | None]] = []
    short = check_shape(Table(table.header, rows, table.line), file, what="post insights table")
    for row in reversed(rows):  # oldest first: exports list the newest post first
        locator = f"{label} line {row.line}"
        try:
            if row in short:
                raise CellError(table.header[len(row.cells) - 1], short_reason(table, row))
            post, stats, page_likes = _post(table, row, shape, zone=zone, year=year, owner=owner)
        except CellError as problem:
            builder.reject(
                "posts",
                locator=locator,
                field=problem.column,
                reason=problem.reason,
                raw=dict(zip(table.header, row.cells, strict=False)),
            )
            continue
        kept.append((locator, post, stats, page_likes))
    families, alike = _split_ids([post for _, post, _, _ in kept], owner=owner, year=year)
    observed = newest([post["created_at"] for _, post, _, _ in kept])
    # "Page total likes" (split shape only): the export lists the newest post first
    followers = next((likes for _, _, _, likes in reversed(kept) if likes is not None), None)
    if owner.account_id not in accounts or followers is not None:
        owner.add(builder, locator=label, followers=followers, observed_at=observed)
        accounts.add(owner.account_id)
    for (locator, post, stats, _), family in zip(kept, families, strict=True):
        if builder.add("posts", post, locator=locator, family=family) and any(
            v is not None for v in stats.values()
        ):
            builder.add(
                "post_stats",
                {"post_id": post["post_id"], "observed_at": observed, **stats},
                locator=locator,
                family=family,
            )
    if alike:
        builder.note(
            f"{label}: {alike} post(s) share their month, weekday, hour, type, category and "
            "page likes with another post, so no export can tell them apart: they are added "
            "while the store holds none of them, and never change numbers already stored"
        )
    if not given:
        builder.note(
            f"{label}: post times have no time zone; read as {zone} "
            f"({'Facebook Insights writes Pacific time' if shape != 'suite' else 'the default'}); "
            "change with the option timezone=Europe/Paris"
        )
    if shape == "split":
        builder.note(
            f"{label}: the export gives each post's month, weekday and hour but not its day: "
            f"each post is dated on the first such weekday of its month in {year} (weekday 1 = "
            "Sunday), so weekday and hour analyses hold but gaps within a month do not"
        )


def _split_ids(
    posts: list[dict[str, Any]], *, owner: Owner, year: int
) -> tuple[list[str | None], int]:
    """Give the split shape's posts (oldest first) their ids; return each post's family (None
    for posts with the export's own id) and how many posts share their family.

    The split shape has no post id, so a post's id hashes what the export says of it that
    does not change between exports: page likes when it was published, type, category,
    month, weekday and hour (never its lifetime counters, which grow, nor ``Paid``, which a
    later boost may change). Posts alike in all of these can't be told apart: they get the
    family id, ``-`` and their rank, and the store never updates them (``Batch.families``).
    """
    keys = [post.pop("_key", None) for post in posts]
    sizes = Counter(k for k in keys if k is not None)
    ranks: Counter[tuple[str, ...]] = Counter()
    families: list[str | None] = []
    for post, key in zip(posts, keys, strict=True):
        if key is None:
            families.append(None)
            continue
        material = "\x1f".join(str(k) for k in (owner.account_id, year, *key))
        family = "facebook:insights-" + hashlib.sha256(material.encode()).hexdigest()[:20]
        ranks[key] += 1
        post["post_id"] = family if sizes[key] == 1 else f"{family}-{ranks[key]}"
        families.append(family)
    return families, sum(n for n in sizes.values() if n > 1)


def _post(
    table: Table, row: Row, shape: str, *, zone: dt.tzinfo, year: int, owner: Owner
) -> tuple[dict[str, Any], dict[str, int | None], int | None]:
    stats = _stats(table, row, shape)
    page_likes = None
    if shape == "split":
        created, slot = _split_moment(table, row, year=year, zone=zone)
        page_likes = parse_count(table.get(row, "Page total likes"), column="Page total likes")
        post: dict[str, Any] = {
            "_key": (
                "" if page_likes is None else str(page_likes),
                table.get(row, "Type") or "",
                table.get(row, "Category") or "",
                *slot,
            ),
            "format": _format(table.get(row, "Type")),
            "content_kind": CATEGORY_KIND.get(table.get(row, "Category") or ""),
        }
    else:
        column = table.column("Posted", "Publish time") or "Posted"
        created = _posted(table.get(row, column), column, zone)
        native = table.get(row, "Post ID")
        if not native:
            raise CellError(table.column("Post ID") or "Post ID", "a post id is required here")
        page = table.get(row, "Page ID")
        if page and "_" not in native:
            native = f"{page}_{native}"
        text = table.get(row, "Post Message", "Description") or table.get(row, "Title")
        post = {
            "post_id": f"facebook:{native}",
            "text": text,
            "url": table.get(row, "Permalink"),
            "format": _format(table.get(row, "Type", "Post type")),
            "hashtags": hashtags(text),
            "links": links_in(text),
        }
    post.update({"account_id": owner.account_id, "created_at": created})
    return post, stats, page_likes


@register(
    NAME,
    description="Facebook Page post insights CSV (Insights export, Business Suite, split dates)",
    detect=detect,
)
def read(path: Path, options: ImportOptions) -> Batch:
    files = _files(path) if path.is_dir() else [path]
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    if not files:
        raise WrongFormat(
            path,
            expected="a Facebook Page post insights CSV",
            found="no such CSV file",
            fix="choose another format",
            option="format",
        )
    accounts: set[str] = set()
    for file in files:
        _read_file(file, builder, options, accounts=accounts)
    return builder.build()
