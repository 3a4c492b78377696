"""Shopify "Export orders" CSV: one ``purchase`` conversion per order.

An order with several line items fills several rows: the order's own fields (Financial
Status, Total, Currency, Id …) are on its first row only, the next rows repeat the order's
Name and Created at with one more line item each. rapport keeps one conversion per order:

- ``conversion_id`` = ``shop:<Id>`` (Shopify's order id), or ``shop:<Name>`` when the export
  has no Id column; ``occurred_at`` = Created at (the order time, with its offset; Paid at is
  often empty); ``value`` = Total; ``currency`` = Currency.
- Cancelled orders (a Cancelled at time) are counted and skipped; refunds are not subtracted.
- The standard export has no UTM columns. When a landing page column (``Landing Site``) or
  ``utm_*`` note attributes are present, they fill ``landing_url`` and the UTM tags: a note
  attribute first, else the landing page's own query string
  (``/?utm_source=instagram&utm_medium=social&utm_content=instagram:123``).
- An order that still has no ``utm_source`` keeps its referrer the way GA4 records a
  referral: a ``Referring Site`` column (or a ``referring_site`` / ``referrer`` note
  attribute) such as ``https://l.instagram.com/?u=…`` gives ``utm_source`` =
  ``l.instagram.com`` (the host, without ``www.``) and, when no medium is given,
  ``utm_medium`` = ``referral``. A referrer on the shop's own site (the landing page's host,
  or the ``site`` option's) is a visit within the shop and is left out. Tags the order
  carries are never replaced. Which platform such tags name:
  :mod:`rapport.platforms.referrers`.
- Customers' e-mails, names, addresses and phones are never read into the store.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.errors import WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._conversions import (
    UTM_FIELDS,
    conversion_record,
    currency_code,
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
from rapport.importers._gc import without_gc

NAME = "shopify"
REQUIRED: dict[str, tuple[str, ...]] = {"Name": (), "Created at": (), "Total": (), "Currency": ()}
LANDING = ("Landing Site", "Landing Page", "Landing Page URL", "Landing Site URL")
REFERRER = ("Referring Site", "Referring Site URL", "Referrer", "Referrer URL")
_SAFE = {
    column_key(name)
    for name in (
        "Name", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Currency",
        "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount",
        "Created at", "Cancelled at", "Refunded Amount", "Id", "Source", *LANDING,
    )
}  # fmt: skip
"""Order columns a quarantined row keeps: never e-mails, names, addresses, phones or notes."""
_SIGNATURE = {"name", "financial status", "total", "created at", "lineitem name"}


def _is_orders(header: list[str]) -> bool:
    return {column_key(h) for h in header} >= _SIGNATURE


def _head(path: Path) -> list[str]:
    text = head_text(path, 32768)
    table = header_table(read_rows(text, path=path)[:2])
    return table.header if table else []


def _files(path: Path) -> list[Path]:
    return [f for f in find_files(path, ("*.csv",), max_depth=2) if _is_orders(_head(f))]


def detect(path: Path) -> float:
    return 0.95 if _files(path) else 0.0


def _note_attributes(text: str | None) -> dict[str, str]:
    """``utm_source: x`` lines that tracking apps leave in the Note Attributes column."""
    found: dict[str, str] = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            found[key.strip().lower().replace(" ", "_")] = value.strip()
    return found


def _order(
    table: Table, rows: list[Row], *, site: str | None, zone: dt.tzinfo
) -> tuple[dict[str, Any], bool]:
    first = next((r for r in rows if table.get(r, "Financial Status", "Total", "Currency")), None)
    if first is None:
        raise CellError(
            table.column("Total") or "Total",
            "the order's first line (with its Total and Currency) is missing from the file",
        )
    created = table.column("Created at") or "Created at"
    when = table.get(first, created)
    if not when:
        raise CellError(created, "an order time is required here, found none")
    occurred, assumed = parse_time(when, column=created, zone=zone)
    total = table.column("Total") or "Total"
    attributes = _note_attributes(table.get(first, "Note Attributes"))
    landing = table.get(first, *LANDING) or attributes.get("landing_site")
    native = table.get(first, "Id") or table.get(first, "Name")
    record = conversion_record(
        conversion_id=f"shop:{native}",
        occurred_at=occurred,
        kind="purchase",
        value=parse_number(table.get(first, total), column=total),
        currency=currency_code(table.get(first, "Currency"), column="Currency"),
        utm={name: attributes.get(name) for name in UTM_FIELDS},
        landing_url=landing,
        site=site,
    )
    referrer = table.get(first, *REFERRER) or attributes.get("referring_site")
    host = referring_host(referrer or attributes.get("referrer"), own=(record["landing_url"], site))
    if host and not record["utm_source"]:
        record["utm_source"] = host
        record["utm_medium"] = record["utm_medium"] or "referral"
    return record, assumed


def _host(url: str | None) -> str | None:
    """The host of a web address, lower case and without ``www.``; None for a path."""
    text = (url or "").strip()
    if not text:
        return None
    try:
        parts = urlsplit(text if "//" in text else f"//{text}")
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    host = host.removeprefix("www.")
    return host if "." in host else None


def referring_host(referrer: str | None, *, own: tuple[str | None, ...] = ()) -> str | None:
    """The host a ``Referring Site`` names (``https://www.instagram.com/`` → ``instagram.com``),
    None when there is none or it is one of ``own`` (the shop's addresses)."""
    host = _host(referrer)
    if host is None or host in {_host(url) for url in own if url and "//" in url}:
        return None
    return host


def _read_file(
    file: Path, builder: BatchBuilder, *, site: str | None, zone: dt.tzinfo
) -> tuple[int, int, int]:
    label = builder.label(file)
    table = header_table(read_rows(builder.read_text(file), path=file))
    if table is None or not _is_orders(table.header):
        raise WrongFormat(
            file,
            expected="a Shopify orders export (Name, Financial Status, Total, Lineitem name …)",
            found="other columns" if table else "an empty file",
            fix="export Orders → Export → CSV for Excel or plain CSV, or choose another format",
            option="format",
        )
    require_columns(table, file, names=REQUIRED, what="shopify orders")
    short = check_shape(table, file, what="orders table")
    for row in short:
        builder.reject(
            "conversions",
            locator=f"{label} line {row.line}",
            field=table.header[max(len(row.cells) - 1, 0)],
            reason=short_reason(table, row),
        )
    orders: dict[str, list[Row]] = {}
    cut = {row.line for row in short}
    for row in table.rows:
        if row.line in cut:
            continue
        orders.setdefault(table.get(row, "Name") or f"(no name, line {row.line})", []).append(row)
    cancelled = relative = assumed = 0
    for rows in orders.values():
        locator = f"{label} line {rows[0].line}"
        if any(table.get(r, "Cancelled at") for r in rows):
            cancelled += 1
            continue
        try:
            record, naive = _order(table, rows, site=site, zone=zone)
        except CellError as problem:
            raw = {
                h: c
                for h, c in zip(table.header, rows[0].cells, strict=False)
                if column_key(h) in _SAFE or column_key(h).startswith("lineitem")
            }
            builder.reject(
                "conversions", locator=locator, field=problem.column, reason=problem.reason, raw=raw
            )
            continue
        landing = record["landing_url"]
        relative += bool(landing and landing.startswith("/"))
        assumed += naive
        builder.add("conversions", record, locator=locator)
    return cancelled, relative, assumed


@register(
    NAME,
    description="Shopify orders export CSV: one purchase per order",
    detect=detect,
    names=("orders_export*.csv",),
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = _files(path) if path.is_dir() else [path]
    if not files:
        raise WrongFormat(
            path,
            expected="a Shopify orders export CSV",
            found="none",
            fix="choose another format",
            option="format",
        )
    site = site_option(options, importer=NAME)
    zone, given = zone_option(options, importer=NAME)
    cancelled = relative = assumed = 0
    for file in files:
        skipped, paths, naive = _read_file(file, builder, site=site, zone=zone)
        cancelled += skipped
        relative += paths
        assumed += naive
    if assumed and not given:
        builder.note(
            f"{assumed} order time(s) had no UTC offset and were read as UTC; "
            "set the shop's zone with the option timezone=Europe/Paris"
        )
    if cancelled:
        builder.note(f"{cancelled} cancelled order(s) were not imported as conversions")
    if relative:
        builder.note(
            f"{relative} landing page(s) are paths without the shop's address, so they can't "
            "match links in posts; add the option site=https://your-shop.example"
        )
    return builder.build()
