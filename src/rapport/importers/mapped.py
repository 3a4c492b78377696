"""Any other platform's CSV or JSON export, read through a mapping file (``--as mapped``).

``rapport import FILE --as mapped --mapping MAPPING.toml``: the mapping (docs/sources/mapped.md,
checked by :mod:`rapport.importers._mapping`) names the target table, the platform, which
column is which canonical field, how times are written and how ids are built. Each record
that does not fit is quarantined with its file, line (or record number) and column; a column
the mapping names but the file lacks refuses the whole file (exit 2).

- Ids: ``[id]`` gives the native id (``<platform>:<native>``; a canonical id is kept), or a
  hash of some columns. Interactions without an id rule get the hashed interaction id.
- ``posts``, ``interactions`` and ``follower_counts`` belong to the own account: ``account``
  in the mapping, else ``--account``, else the workspace's only own account on the platform.
  With the option ``competitor=HANDLE`` they belong to that competitor instead: its account
  is stored with the role ``competitor`` (``<platform>:<handle>``), for the benchmark.
- ``[stats]`` (with ``table = "posts"``) adds one ``post_stats`` observation per post,
  observed at ``observed_at`` or the newest post time in the file.
- ``hashtags`` come from the text when no column is mapped to them.

This importer never guesses: detection always answers 0, so it runs only when asked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder, newest
from rapport.canonical.ids import hashed_interaction_id
from rapport.canonical.records import id_is_valid
from rapport.canonical.schema import TABLES
from rapport.errors import SchemaMismatch, UnreadableFile, UsageError, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._conversions import currency_code, utm_from_url
from rapport.importers._csv import (
    CellError,
    header_table,
    parse_count,
    parse_number,
    parse_time,
    read_rows,
    zone_option,
)
from rapport.importers._mapping import KEYS, OWNED, Mapping, load_mapping
from rapport.importers._meta import Owner, hashtags, links_in, own_account

NAME = "mapped"


@dataclass(frozen=True)
class Record:
    locator: str
    get: dict[str, Any]


def _csv_records(text: str, file: Path, label: str, mapping: Mapping) -> Iterator[Record]:
    rows = read_rows(text, path=file, delimiter=mapping.file.delimiter)
    table = header_table(rows[mapping.file.skip_rows :])
    if table is None:
        raise WrongFormat(file, expected="a CSV file with a header row", found="no rows")
    for key, column in mapping.referenced():
        if column not in table.header and table.column(column) is None:
            raise SchemaMismatch(
                file,
                table=mapping.table,
                field=column,
                expected=f"the column {key} names, in the header on line {table.line}",
                found=f"the columns {', '.join(repr(h) for h in table.header if h)}",
            )
    for row in table.rows:
        cells = {c: table.get(row, c) for _, c in mapping.referenced()}
        yield Record(f"{label} line {row.line}", cells)


def _dig(data: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _json_records(text: str, file: Path, label: str, mapping: Mapping) -> Iterator[Record]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            file, reason=f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    items = _dig(data, mapping.file.records or "")
    if not isinstance(items, list):
        where = f"at {mapping.file.records!r}" if mapping.file.records else "at the top"
        raise WrongFormat(
            file,
            expected=f"a list of records {where} (file.records in the mapping)",
            found=type(items).__name__ if items is not None else "nothing",
        )
    for key, column in mapping.referenced():
        if items and not any(_dig(i, column) is not None for i in items if isinstance(i, dict)):
            raise SchemaMismatch(
                file, table=mapping.table, field=column, expected=f"records with {column!r} "
                f"(named by {key})", found="no record with it",
            )  # fmt: skip
    for index, item in enumerate(items, start=1):
        values = {c: _dig(item, c) for _, c in mapping.referenced()}
        yield Record(f"{label} record {index}", values)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None if not value else json.dumps(value)
    text = str(value).strip()
    return text or None


class _Reader:
    """Turns one record of the file into canonical values, as the mapping says."""

    def __init__(self, mapping: Mapping, zone: dt.tzinfo) -> None:
        self.mapping = mapping
        self.zone = zone
        self.spec = TABLES[mapping.table]
        self.assumed = 0

    def canonical_id(self, native: str) -> str:
        return native if id_is_valid(native) else f"{self.mapping.platform}:{native}"

    def convert(self, field: str, column: str, raw: Any) -> Any:
        column_spec = self.spec.column(field) if field in self.spec.column_names else None
        kind = column_spec.type if column_spec else "int64"  # the [stats] counters
        if field == "observed_at":
            kind = "timestamp"
        if kind == "list<string>":
            items = raw if isinstance(raw, list) else re.split(r"[,\s]+", _text(raw) or "")
            cleaned = [str(i).strip().lstrip("#") for i in items if str(i).strip()]
            return [i.lower() for i in cleaned] if field == "hashtags" else cleaned
        text = _text(raw)
        if text is None:
            return None
        if kind == "int64":
            return parse_count(text, column=column)
        if kind == "float64":
            return parse_number(text, column=column)
        if field == "currency":
            return currency_code(text, column=column)
        if kind == "timestamp":
            moment, assumed = parse_time(
                text, column=column, zone=self.zone, fmt=self.mapping.time.format
            )
            self.assumed += assumed
            return moment
        mapped = self.mapping.values.get(field, {})
        lowered = {k.lower(): v for k, v in mapped.items()}
        value = mapped.get(text, lowered.get(text.lower(), text))
        allowed = column_spec.allowed if column_spec else None
        if allowed is not None:
            if value.lower() not in allowed:
                raise CellError(
                    column,
                    f"{text[:40]!r} is not one of {', '.join(allowed)}; map it under "
                    f"[values.{field}] in the mapping",
                )
            value = value.lower()
        if column_spec is not None and column_spec.is_id:
            value = self.canonical_id(value)
        return value

    def native_id(self, record: Record) -> str | None:
        rule = self.mapping.id
        if rule is None:
            return None
        if rule.hash:
            material = "\x1f".join(_text(record.get.get(c)) or "" for c in rule.hash)
            return hashlib.sha256(material.encode()).hexdigest()[:24]
        column = rule.column or ""
        value = _text(record.get.get(column))
        if value and rule.pattern:
            match = re.search(rule.pattern, value)
            if match is None:
                raise CellError(column, f"{value[:60]!r} does not match id.pattern")
            value = match.group(1)
        if not value:
            raise CellError(column, "an id is required here, found none")
        return value

    def build(self, record: Record, owner: Owner | None) -> tuple[dict[str, Any], dict[str, Any]]:
        mapping = self.mapping
        row: dict[str, Any] = {}
        for field, column in mapping.columns.items():
            row[field] = self.convert(field, column, record.get.get(column))
        for field, value in mapping.constants.items():
            if row.get(field) is None:
                text = isinstance(value, str)
                row[field] = self.convert(field, f"constants.{field}", value) if text else value
        key = KEYS[mapping.table]
        native = self.native_id(record)
        if native is not None:
            row[key] = self.canonical_id(native)
        if owner is not None:
            row["account_id"] = owner.account_id
        if mapping.table in ("interactions", "people"):
            row["platform"] = mapping.platform
        if mapping.table == "interactions" and not row.get("interaction_id"):
            target = row.get("post_id") or row.get("account_id")
            row["interaction_id"] = hashed_interaction_id(
                mapping.platform, str(row.get("kind")), row.get("person_id"), target
            )
        if mapping.table == "posts" and "hashtags" not in mapping.columns:
            row["hashtags"] = hashtags(row.get("text"))
        if mapping.table == "conversions":
            for name, value in utm_from_url(row.get("landing_url")).items():
                row[name] = row.get(name) or value
        if mapping.table == "posts" and "links" not in mapping.columns:
            row["links"] = links_in(row.get("text"))
        stats = {f: self.convert(f, c, record.get.get(c)) for f, c in mapping.stats.items()}
        if mapping.observed_at:
            stats["observed_at"] = self.convert(
                "observed_at", mapping.observed_at, record.get.get(mapping.observed_at)
            )
        return row, stats


@dataclass(frozen=True)
class _Competitor(Owner):
    """A competitor whose public posts and counts a file holds (``competitor=HANDLE``)."""

    role: str = "competitor"


def _competitor(options: ImportOptions, mapping: Mapping) -> Owner | None:
    """The competitor named by the option ``competitor=HANDLE``, or None."""
    named = options.extra.get("competitor")
    if named is None:
        return None
    handle = named.strip().lstrip("@")
    if not handle:
        raise UsageError(
            "the option competitor= needs the competitor's handle (competitor=neighbour)",
            option="extra",
        )
    if mapping.table not in OWNED:
        raise UsageError(
            f"the option competitor={handle} goes with a mapping of posts, interactions or "
            f"follower counts; this mapping fills {mapping.table}",
            option="extra",
        )
    own = {a.handle.lstrip("@").lower() for a in options.own_accounts
           if a.platform == mapping.platform}  # fmt: skip
    if handle.lower() in own or (options.account or "").lstrip("@").lower() == handle.lower():
        raise UsageError(
            f"the option competitor={handle} names your own {mapping.platform} account; "
            "name the competitor whose posts the file holds",
            option="extra",
        )
    native = handle if id_is_valid(handle) else f"{mapping.platform}:{handle}"
    return _Competitor(native, handle, mapping.platform)


def _records(file: Path, builder: BatchBuilder, mapping: Mapping) -> Iterator[Record]:
    text = builder.read_text(file)
    label = builder.label(file)
    fmt = mapping.file.format or ("json" if text.lstrip()[:1] in ("[", "{") else "csv")
    if fmt == "json":
        return _json_records(text, file, label, mapping)
    return _csv_records(text, file, label, mapping)


@register(
    NAME,
    description="any CSV or JSON export, through a mapping file (format mapped, with a mapping)",
    detect=lambda path: 0.0,
)
def read(path: Path, options: ImportOptions) -> Batch:
    if options.mapping is None:
        raise UsageError(
            "the mapped importer needs a mapping file (.toml) saying which column is which "
            "field; see docs/sources/mapped.md and the examples in docs/sources/mappings/",
            option="mapping",
        )
    mapping = load_mapping(options.mapping)
    if options.account is None and mapping.account:
        options = replace(options, account=mapping.account)
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = [path] if path.is_file() else find_files(path, ("*.csv", "*.json"), max_depth=2)
    if not files:
        raise WrongFormat(path, expected="a CSV or JSON file", found="none")
    zone, given = zone_option(options, importer=NAME, default=mapping.time.timezone)
    reader = _Reader(mapping, zone)
    owner: Owner | None = _competitor(options, mapping)
    kept: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for file in files:
        if mapping.table in OWNED and owner is None:
            owner = own_account(options, mapping.platform, file=builder.label(file))
        for record in _records(file, builder, mapping):
            try:
                row, stats = reader.build(record, owner)
            except CellError as problem:
                builder.reject(
                    mapping.table,
                    locator=record.locator,
                    field=problem.column,
                    reason=problem.reason,
                    raw=record.get,
                )
                continue
            kept.append((record.locator, row, stats))
    if isinstance(owner, _Competitor):
        builder.add(
            "accounts",
            {"account_id": owner.account_id, "platform": owner.platform,
             "handle": owner.handle, "role": "competitor"},
            locator=builder.label(files[0]),
        )  # fmt: skip
    elif owner is not None:
        owner.add(builder, locator=builder.label(files[0]))
    observed = newest([row.get("created_at") for _, row, _ in kept])
    for locator, row, stats in kept:
        added = builder.add(mapping.table, row, locator=locator)
        counters = {k: v for k, v in stats.items() if k != "observed_at"}
        if added and any(v is not None for v in counters.values()):
            moment = stats.get("observed_at") or observed
            builder.add(
                "post_stats", {"post_id": row["post_id"], "observed_at": moment, **counters},
                locator=locator,
            )  # fmt: skip
    if reader.assumed and not given and "timezone" not in mapping.time.model_fields_set:
        builder.note(
            f"{reader.assumed} time(s) had no time zone and were read as UTC; set time.timezone "
            "in the mapping or the option timezone=Europe/Paris"
        )
    return builder.build()
