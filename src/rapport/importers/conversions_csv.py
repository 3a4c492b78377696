"""A conversions CSV from any shop or CRM, in rapport's documented header convention.

Columns (docs/sources/conversions-csv.md): ``conversion_id, occurred_at, kind, value,
currency, utm_source, utm_medium, utm_campaign, utm_content, utm_term, landing_url,
post_id``. Only ``conversion_id`` and ``occurred_at`` are required. Headers match loosely:
case, spaces, dashes and underscores don't matter (``UTM Source`` = ``utm_source``), and
common names are understood (``order_id``, ``date``, ``amount``, ``landing_page`` …).

- ``conversion_id`` becomes ``<platform>:<id>`` (``--option platform=``, default ``web``)
  unless it already is a canonical id such as ``shop:1001``.
- ``occurred_at``: ISO 8601; a time without a zone is read in ``--option timezone=`` (default
  UTC, with a notice).
- ``kind``: purchase, signup, lead, download, subscribe or other (``Sale``, ``sign_up`` …
  understood); a missing column means ``--option kind=`` (default ``other``).
- UTM tags missing from the columns are read from ``landing_url``'s query string.
- ``post_id``: a canonical id is kept; a native id or post URL goes to ``utm_content`` (when
  that is empty), where the store's attribution resolves it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.canonical.records import id_is_valid
from rapport.errors import UsageError, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._conversions import (
    UTM_FIELDS,
    conversion_kind,
    conversion_record,
    currency_code,
    platform_option,
    site_option,
)
from rapport.importers._csv import (
    CellError,
    Row,
    Table,
    check_shape,
    column_key,
    header_table,
    parse_number,
    parse_time,
    read_rows,
    require_columns,
    short_reason,
    zone_option,
)

NAME = "conversions_csv"
ALIASES: dict[str, tuple[str, ...]] = {
    "conversion_id": ("order_id", "transaction_id", "lead_id", "conversion"),
    "occurred_at": ("date", "time", "timestamp", "datetime", "converted_at"),
    "kind": ("type", "conversion_type", "event"),
    "value": ("amount", "revenue", "order_total"),
    "currency": ("currency_code",),
    "utm_source": ("source",),
    "utm_medium": ("medium",),
    "utm_campaign": ("campaign",),
    "utm_content": ("content",),
    "utm_term": ("term",),
    "landing_url": ("landing_page", "landing page url", "landing_site", "page_url"),
    "post_id": ("post",),
}
REQUIRED = {"conversion_id": ALIASES["conversion_id"], "occurred_at": ALIASES["occurred_at"]}


def _names(field: str) -> tuple[str, ...]:
    return (field, *ALIASES[field])


def _recognises(header: list[str]) -> bool:
    keys = {column_key(h) for h in header}
    marked = {"conversion id", "occurred at"} & keys or {column_key(f) for f in UTM_FIELDS} & keys
    has_id = any(column_key(n) in keys for n in _names("conversion_id"))
    has_time = any(column_key(n) in keys for n in _names("occurred_at"))
    return bool(marked) and has_id and has_time


def _head(path: Path) -> list[str]:
    text = head_text(path, 16384)
    table = header_table(read_rows(text, path=path)[:2])
    return table.header if table else []


def _files(path: Path) -> list[Path]:
    return [f for f in find_files(path, ("*.csv",), max_depth=2) if _recognises(_head(f))]


def detect(path: Path) -> float:
    return 0.8 if _files(path) else 0.0


def _record(
    table: Table, row: Row, *, platform: str, kind: str, zone: dt.tzinfo, site: str | None
) -> tuple[dict[str, Any], bool]:
    column = table.column(*_names("conversion_id")) or "conversion_id"
    native = table.get(row, column)
    if not native:
        raise CellError(column, "a conversion id is required here, found none")
    conversion_id = native if id_is_valid(native) else f"{platform}:{native}"
    column = table.column(*_names("occurred_at")) or "occurred_at"
    when = table.get(row, column)
    if not when:
        raise CellError(column, "a time is required here, found none")
    occurred, assumed = parse_time(when, column=column, zone=zone)
    column = table.column(*_names("kind")) or "kind"
    written = table.get(row, column)
    column_value = table.column(*_names("value")) or "value"
    utm = {field: table.get(row, *_names(field)) for field in UTM_FIELDS}
    post = table.get(row, *_names("post_id"))
    if post and not id_is_valid(post):
        if utm["utm_content"] and utm["utm_content"] != post:
            raise CellError(
                table.column(*_names("post_id")) or "post_id",
                f"expected a canonical post id such as x:123, found {post[:40]!r} (a native id "
                "or post URL is accepted only when utm_content is empty)",
            )
        utm["utm_content"], post = post, None
    record = conversion_record(
        conversion_id=conversion_id,
        occurred_at=occurred,
        kind=conversion_kind(written, column=column) if written else kind,
        value=parse_number(table.get(row, column_value), column=column_value),
        currency=currency_code(
            table.get(row, *_names("currency")),
            column=table.column(*_names("currency")) or "currency",
        ),
        utm=utm,
        landing_url=table.get(row, *_names("landing_url")),
        post_id=post,
        site=site,
    )
    return record, assumed


@register(
    NAME,
    description="a conversions CSV with UTM columns (rapport's header convention)",
    detect=detect,
)
def read(path: Path, options: ImportOptions) -> Batch:
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = _files(path) if path.is_dir() else [path]
    if not files:
        raise WrongFormat(
            path,
            expected="a conversions CSV",
            found="none",
            fix="choose another format",
            option="format",
        )
    platform = platform_option(options, importer=NAME, default="web")
    zone, given = zone_option(options, importer=NAME)
    site = site_option(options, importer=NAME)
    try:
        kind = conversion_kind(options.extra.get("kind", "other"), column="kind")
    except CellError:
        raise UsageError(
            f"the option kind={options.extra['kind']}: expected purchase, signup, lead, "
            "download, subscribe or other",
            option="extra",
        ) from None
    assumed = 0
    for file in files:
        label = builder.label(file)
        text = builder.read_text(file)
        table = header_table(read_rows(text, path=file))
        if table is None:
            raise WrongFormat(file, expected="a conversions CSV with a header", found="no rows")
        require_columns(table, file, names=REQUIRED, what="conversions")
        # hand-made files may leave out trailing empty cells; a short last line with no line
        # ending, though, is what a cut download looks like
        short = check_shape(table, file, what="conversions table")
        cut = (
            short[-1:] if short and short[-1] is table.rows[-1] and text[-1:] not in "\r\n" else []
        )
        if not table.has(*_names("kind")):
            builder.note(
                f"{label}: no kind column; every conversion is of kind {kind} (set another "
                "with the option kind=)"
            )
        for row in table.rows:
            locator = f"{label} line {row.line}"
            try:
                if row in cut:
                    raise CellError(table.header[len(row.cells) - 1], short_reason(table, row))
                record, naive = _record(
                    table, row, platform=platform, kind=kind, zone=zone, site=site
                )
            except CellError as problem:
                builder.reject(
                    "conversions",
                    locator=locator,
                    field=problem.column,
                    reason=problem.reason,
                    raw=dict(zip(table.header, row.cells, strict=False)),
                )
                continue
            assumed += naive
            builder.add("conversions", record, locator=locator)
    if assumed and not given:
        builder.note(
            f"{assumed} conversion time(s) had no time zone and were read as UTC; "
            "set the zone with the option timezone=Europe/Paris"
        )
    return builder.build()
