"""Google Analytics 4 "Download file → CSV" reports, read as conversions.

A GA4 report holds totals (conversions by channel, event counts by event name, by date …),
not single conversions. rapport expands a count of N into N ``conversions`` rows, each with
what the row says and nothing more (docs/sources/ga4.md):

- the count: a ``Key events`` / ``Conversions`` column (kind from ``--option kind=``, default
  ``other``, or from the row's Event name), an ``Ecommerce purchases`` / ``Transactions``
  column (kind purchase), or ``Event count`` of the conversion events in an ``Event name``
  table (default ``purchase``, ``sign_up``, ``generate_lead``; ``--option events=`` names
  others, e.g. ``events=generate_lead,file_download:download``);
- the date: the row's ``Date`` (or ``Nth day``, ``Year month``), else the start of the
  report's range (``# Start date``), at midnight in ``--option timezone=`` (default UTC);
- UTM tags from source / medium / campaign / manual content / term columns (``Session source
  / medium`` as one column or two; ``Session manual ad content`` is ``utm_content``, which
  ties a conversion to the post it names), the landing page from ``Landing page (+ query
  string)``; GA4 placeholders such as ``(direct)`` are left out. The platform a source /
  medium names is decided later, from the stored tags (:mod:`rapport.platforms.referrers`);
- ``value`` stays empty: revenue totals are not split over conversions.

Ids are ``web:ga4-<hash of property, period and dimensions>-<n>``, so re-importing the same
report changes nothing and a re-export with more conversions adds only the new ones. Only the
first table with a conversion count is read (a file's other tables are usually other
breakdowns of the same conversions; ``--option table=N`` picks another).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.errors import SchemaMismatch, UsageError, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._conversions import (
    conversion_kind,
    conversion_record,
    site_option,
)
from rapport.importers._csv import (
    CellError,
    Row,
    Table,
    column_key,
    parse_count,
    parse_number,
    read_rows,
    split_tables,
    zone_option,
)
from rapport.importers._gc import without_gc

NAME = "ga4"
COUNTS = ("Key events", "Conversions")
PURCHASES = ("Ecommerce purchases", "Transactions", "Purchases")
REVENUE = ("Total revenue", "Purchase revenue")
MAX_PER_ROW = 100_000
"""The most conversions one report row is expanded into (a guard against a mistyped count)."""
DEFAULT_EVENTS = {"purchase": "purchase", "sign_up": "signup", "generate_lead": "lead"}
SOURCE_MEDIUM = ("Session source / medium", "First user source / medium", "Source / medium")
UTM_COLUMNS = {
    "utm_source": ("Session source", "First user source", "Source"),
    "utm_medium": ("Session medium", "First user medium", "Medium"),
    "utm_campaign": (
        "Session campaign",
        "First user campaign",
        "Campaign",
        "Session campaign name",
    ),
    "utm_content": ("Session manual ad content", "Manual ad content"),
    "utm_term": ("Session manual term", "Manual term"),
}
LANDING = ("Landing page + query string", "Landing page")
GA4_HEADERS = {
    "session default channel group", "event name", "session source medium",
    "first user default channel group", "landing page query string", "key events",
}  # fmt: skip


def _comments(rows: list[Row]) -> dict[str, str]:
    found = {}
    for row in rows:
        if row.cells and row.cells[0].lstrip().startswith("#"):
            key, sep, value = row.cells[0].lstrip("# ").partition(":")
            if sep:
                found[column_key(key)] = value.strip()
    return found


def _head(path: Path) -> str:
    return head_text(path, 8192)


def _score(path: Path) -> float:
    text = _head(path)
    if "Report CSV Export" in text or ("# Start date:" in text and "# End date:" in text):
        return 0.9
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    if lines and {column_key(c) for c in lines[0].split(",")} & GA4_HEADERS:
        return 0.6
    return 0.0


def detect(path: Path) -> float:
    return max((_score(f) for f in find_files(path, ("*.csv",), max_depth=2)), default=0.0)


def _events(options: ImportOptions) -> dict[str, str]:
    text = options.extra.get("events")
    if text is None:
        return dict(DEFAULT_EVENTS)
    events: dict[str, str] = {}
    for item in text.split(","):
        name, _, kind = item.strip().partition(":")
        if not name:
            continue
        try:
            events[name] = conversion_kind(kind or name, column="events")
        except CellError:
            if kind:
                raise UsageError(
                    f"the option events={text}: {kind!r} is not a conversion kind; use "
                    "purchase, signup, lead, download, subscribe or other",
                    option="extra",
                ) from None
            events[name] = _default_kind(options)
    return events


def _default_kind(options: ImportOptions) -> str:
    kind = options.extra.get("kind", "other")
    try:
        return conversion_kind(kind, column="kind")
    except CellError:
        raise UsageError(
            f"the option kind={kind}: expected purchase, signup, lead, download, subscribe or "
            "other",
            option="extra",
        ) from None


def _measure(table: Table) -> str | None:
    if table.has(*COUNTS, *PURCHASES):
        return "count"
    if table.has("Event name") and table.has("Event count"):
        return "events"
    return None


@functools.lru_cache(maxsize=4096)
def _parsed(text: str, fmt: str) -> dt.datetime:
    """``strptime``, once per distinct date (a report repeats each date on many rows)."""
    return dt.datetime.strptime(text, fmt)


def _period(
    table: Table, row: Row, meta: dict[str, str], zone: dt.tzinfo
) -> tuple[dt.datetime, str]:
    """The start of the period a row counts, and the period's name (for ids)."""
    day = table.get(row, "Date")
    start = meta.get("start date")
    try:
        if day:
            return _parsed(day, "%Y%m%d").replace(tzinfo=zone), day
        hour = table.get(row, "Date + hour (YYYYMMDDHH)", "Date hour")
        if hour:
            return _parsed(hour, "%Y%m%d%H").replace(tzinfo=zone), hour
        month = table.get(row, "Year month")
        if month:
            return _parsed(month, "%Y%m").replace(tzinfo=zone), month
        nth = table.get(row, "Nth day")
        if nth and start:
            moment = dt.datetime.strptime(start, "%Y%m%d") + dt.timedelta(days=int(nth))
            return moment.replace(tzinfo=zone), moment.strftime("%Y%m%d")
        if start:
            moment = dt.datetime.strptime(start, "%Y%m%d")
            return moment.replace(tzinfo=zone), f"{start}-{meta.get('end date', '')}"
    except (ValueError, OverflowError):
        column = table.column("Date", "Date hour", "Year month", "Nth day") or "Start date"
        raise CellError(column, "expected a GA4 date such as 20230625") from None
    raise CellError("Date", "the report has no Date column and no '# Start date:' line")


_PLACEHOLDER = re.compile(r"\(.*\)")


def _value(text: str | None) -> str | None:
    """A dimension value, or None for GA4's placeholders: (direct), (none), (not set) …"""
    if text is None or _PLACEHOLDER.fullmatch(text.strip()):
        return None
    return text.strip()


def _utm(table: Table, row: Row) -> dict[str, str | None]:
    utm: dict[str, str | None] = {}
    pair = table.get(row, *SOURCE_MEDIUM)
    if pair:
        source, _, medium = pair.partition(" / ")
        utm["utm_source"], utm["utm_medium"] = _value(source), _value(medium)
    for field, names in UTM_COLUMNS.items():
        utm[field] = utm.get(field) or _value(table.get(row, *names))
    return utm


def _count(
    table: Table, row: Row, measure: str, events: dict[str, str], kind: str
) -> tuple[int, str]:
    """How many conversions a row counts, and their kind."""
    event = table.get(row, "Event name")
    if measure == "events":
        if event not in events:
            return 0, kind
        column = table.column("Event count") or "Event count"
        count = parse_count(table.get(row, column), column=column) or 0
        if count > MAX_PER_ROW:
            raise CellError(
                column,
                f"{count:,} {event} events on one row is more than rapport expands "
                f"({MAX_PER_ROW:,}); export the report by Date to split it",
            )
        return count, events[event]
    purchases = table.column(*PURCHASES)
    column = table.column(*COUNTS) or purchases or "Conversions"
    number = parse_number(table.get(row, column), column=column)
    if number is not None and number != int(number):
        raise CellError(
            column,
            f"expected a whole number of conversions, found {number} (fractional counts come "
            "from data-driven attribution; export the report with a last-click model)",
        )
    count = parse_count(table.get(row, column), column=column) or 0
    if count > MAX_PER_ROW:
        raise CellError(
            column,
            f"{count:,} conversions on one row is more than rapport expands ({MAX_PER_ROW:,}); "
            "export the report by Date to split it",
        )
    if column == purchases:
        return count, "purchase"
    if event in events:
        return count, events[event]
    try:  # a key event named like a kind (sign_up, file_download …)
        return count, conversion_kind(event, column="Event name") if event else kind
    except CellError:
        return count, kind


def _read_table(
    table: Table,
    *,
    label: str,
    meta: dict[str, str],
    builder: BatchBuilder,
    context: dict[str, Any],
) -> tuple[int, float]:
    measure = _measure(table)
    context = {**context, "dimensions": _dimensions(table)}
    total = 0
    revenue = 0.0
    for row in table.rows:
        first = row.cells[0].strip().lower() if row.cells else ""
        if first in ("grand total", "total", "totals"):
            continue
        locator = f"{label} line {row.line}"
        try:
            count, kind = _count(table, row, measure or "", context["events"], context["kind"])
            if count == 0:
                continue
            occurred, period = _period(table, row, meta, context["zone"])
            money = table.column(*REVENUE)
            if money:
                revenue += parse_number(table.get(row, money), column=money) or 0.0
        except CellError as problem:
            builder.reject(
                "conversions",
                locator=locator,
                field=problem.column,
                reason=problem.reason,
                raw=dict(zip(table.header, row.cells, strict=False)),
            )
            continue
        dims = [
            f"{table.header[p]}={row.cells[p].strip() if p < len(row.cells) else ''}"
            for p in context["dimensions"]
        ]
        material = "\x1f".join([meta.get("property", ""), period, kind, *dims])
        stem = "web:ga4-" + hashlib.sha256(material.encode()).hexdigest()[:20]
        record = conversion_record(
            conversion_id=f"{stem}-1",
            occurred_at=occurred,
            kind=kind,
            utm=_utm(table, row),
            landing_url=_value(table.get(row, *LANDING)),
            site=context["site"],
        )
        builder.add("conversions", record, locator=locator)
        for n in range(2, count + 1):  # the row's other conversions differ only in their id
            builder.add("conversions", {**record, "conversion_id": f"{stem}-{n}"}, locator=locator)
        total += count
    return total, revenue


_DIMENSIONS = {
    column_key(name)
    for name in (
        "Date", "Date hour", "Date + hour (YYYYMMDDHH)", "Year month", "Nth day", "Event name",
        *SOURCE_MEDIUM, *LANDING, *(n for names in UTM_COLUMNS.values() for n in names),
    )
}  # fmt: skip
_METRICS = {
    column_key(name)
    for name in (
        *COUNTS, *PURCHASES, *REVENUE, "Event count", "Event count per user", "Events per session",
        "Users", "Total users", "Active users", "New users", "Returning users", "Sessions",
        "Engaged sessions", "Engagement rate", "Bounce rate", "Views", "Views per user",
        "Sessions per user", "Engaged sessions per user", "Average engagement time",
        "Average engagement time per session", "Average session duration",
        "Session key event rate", "User key event rate", "Session conversion rate",
        "User conversion rate",
    )
}  # fmt: skip


def _dimensions(table: Table) -> list[int]:
    """Positions of the dimension columns: the known ones, and every column before the first
    metric (GA4 writes a report's dimensions first, then its metrics).

    Metrics (users, event counts …) change when a report is exported again, and so may what
    their cells hold; dimensions name what was counted, so they, and nothing the cells say,
    decide which columns go into conversion ids.
    """
    keys = [column_key(h) for h in table.header]
    first = next((p for p, key in enumerate(keys) if key in _METRICS), len(keys))
    return [p for p, key in enumerate(keys) if key and (key in _DIMENSIONS or p < first)]


def _read_file(path: Path, builder: BatchBuilder, context: dict[str, Any]) -> None:
    label = builder.label(path)
    rows = read_rows(builder.read_text(path), path=path)
    meta = _comments(rows)
    tables = split_tables(rows)
    counting = [t for t in tables if _measure(t)]
    if not tables:
        raise WrongFormat(
            path,
            expected="a GA4 report CSV (a header row such as 'Event name,Event count')",
            found="no table",
            fix="download the report again (Share → Download file → CSV)",
        )
    if not counting and not _score(path):
        raise WrongFormat(
            path,
            expected="a GA4 report CSV (# comment lines, then tables such as "
            "'Session source / medium,…,Key events')",
            found=f"a table with the columns {', '.join(h for h in tables[0].header if h)}",
            fix="choose another format",
            option="format",
        )
    chosen = context["table"]
    if chosen is not None:
        if not 1 <= chosen <= len(tables):
            raise UsageError(
                f"the option table={chosen}: {label} has {len(tables)} table(s); "
                f"choose a number from 1 to {len(tables)}",
                option="extra",
            )
        picked = tables[chosen - 1]
        if _measure(picked) is None:
            raise SchemaMismatch(
                path,
                table=f"GA4 table {chosen} (line {picked.line})",
                field="Key events",
                expected="a conversion count (Key events, Conversions, Ecommerce purchases, "
                "or Event count by Event name)",
                found=f"the columns {', '.join(h for h in picked.header if h)}",
            )
    elif counting:
        picked = counting[0]
    else:
        picked = None
    for table in tables:
        columns = ", ".join(h for h in table.header if h) or "no header"
        if table is not picked:
            why = (
                "another breakdown of the conversions already read"
                if _measure(table) and picked is not None
                else "no conversion count (Key events, Conversions, Ecommerce purchases, or "
                "Event count by Event name)"
            )
            builder.note(f"{label} line {table.line}: table ({columns}) not imported: {why}")
            continue
        if _measure(table) is None:
            builder.note(
                f"{label} line {table.line}: table ({columns}) has no conversion count; "
                "nothing imported from it"
            )
            continue
        count, revenue = _read_table(
            table, label=label, meta=meta, builder=builder, context=context
        )
        empty = " (the table has no rows)" if not table.rows else ""
        builder.note(
            f"{label} line {table.line}: {count} conversion(s) counted{empty}, each dated at "
            "the start of its day or of the report's range (GA4 reports totals, not single "
            "conversions)"
        )
        if count and table.has("Session default channel group", "Default channel group"):
            builder.note(
                f"{label}: GA4 channel groups (Organic Social, Email …) are GA4's own buckets, "
                "not UTM tags, so these conversions carry no utm_source; export the report by "
                "'Session source / medium' to keep the source"
            )
        if revenue:
            builder.note(
                f"{label}: revenue {revenue:,.2f} was not split over conversions (GA4 does "
                "not say which conversion brought which amount); their value stays empty"
            )


@register(NAME, description="Google Analytics 4 report CSV: conversion counts", detect=detect)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = (
        [f for f in find_files(path, ("*.csv",), max_depth=2) if _score(f)]
        if path.is_dir()
        else [path]
    )
    if not files:
        raise WrongFormat(
            path,
            expected="a GA4 report CSV",
            found="none",
            fix="choose another format",
            option="format",
        )
    zone, given = zone_option(options, importer=NAME)
    table = options.extra.get("table")
    if table is not None and not table.strip().isdigit():
        raise UsageError(
            f"the option table={table}: expected a table number such as 2", option="extra"
        )
    context: dict[str, Any] = {
        "events": _events(options),
        "kind": _default_kind(options),
        "zone": zone,
        "site": site_option(options, importer=NAME),
        "table": int(table) if table is not None else None,
    }
    for file in files:
        _read_file(file, builder, context)
    if not given and builder.count("conversions"):
        builder.note(
            "GA4 dates are in the property's time zone; read as UTC (set it with the "
            "option timezone=Europe/Paris)"
        )
    return builder.build()
