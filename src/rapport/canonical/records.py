"""From records to checked canonical tables.

Two paths lead here. Importers that read row by row (JSONL, platform exports) hand over one
``dict`` per record: :class:`TableBuilder` coerces each value to its canonical type and
quarantines the record when a value does not fit. Columnar sources (Parquet) arrive as Arrow
tables and go through :func:`conform_arrow`, which refuses the whole file when a column is
missing or of the wrong type (rows whose times no microsecond timestamp can hold are
quarantined first, by :func:`drop_unstorable_times`). Both then pass :func:`check_rows`, the
vectorised per-row rules (required values, vocabularies, id shapes, non-negative counts, and
the plausibility rules of :mod:`rapport.canonical.plausible`: finite numbers, times from 2000
to a day after the import).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.plausible import EARLIEST, implausible
from rapport.canonical.schema import PLATFORMS, TABLES, Column, arrow_schema
from rapport.errors import FieldProblem, SchemaMismatch

__all__ = [
    "Rejection",
    "TableBuilder",
    "check_rows",
    "coerce_value",
    "conform_arrow",
    "drop_unstorable_times",
    "raw_json",
]

_ID_PATTERN = "^(" + "|".join(PLATFORMS) + r"):[\s\S]*\S[\s\S]*$"
"""``<platform>:<native id>``: a known platform, and a native id with at least one visible
character (any characters are allowed around it: Mastodon and Bluesky ids are URIs)."""
_ID_RE = re.compile(_ID_PATTERN)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_OUT_OF_RANGE = (
    "the time falls outside the years 1 to 9999 once converted to UTC (expected a time from "
    f"{EARLIEST:%Y-%m-%d} to a day after the import)"
)


@dataclass(frozen=True)
class Rejection:
    """A record that could not be imported, kept in the quarantine table with its reason."""

    table: str
    source: str
    locator: str
    field: str | None
    reason: str
    raw: str

    def describe(self) -> str:
        """One line: where the record was (the source, then its place in it), the field and
        the reason. A single file is both the source and the start of its records' locators
        (``posts.json`` and ``posts.json item 5``); it is named once."""
        where = (
            self.locator
            if self.locator == self.source
            or self.locator.startswith((f"{self.source}: ", f"{self.source} "))
            else f"{self.source}: {self.locator}"
        )
        return (
            f"{where}: field {self.field!r}: {self.reason}"
            if self.field
            else (f"{where}: {self.reason}")
        )


def raw_json(value: object) -> str:
    """The record as it arrived, for the quarantine table (never fails)."""
    try:
        return json.dumps(value, default=str, ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _parse_timestamp(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not an ISO-8601 timestamp") from None
    if moment.tzinfo is None:
        raise ValueError("timestamp without a time zone (add Z or +00:00)")
    try:
        return moment.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31T23:59:59-05:00 is in the year 10000 in UTC
        raise ValueError(_OUT_OF_RANGE) from None


def coerce_value(column: Column, value: Any, repairs: list[str]) -> Any:
    """The canonical Python value of ``value`` for ``column``, or raise :class:`FieldProblem`.

    A lone UTF-16 surrogate (half of a broken emoji, seen in JSON exports) can't be stored:
    it is replaced by U+FFFD and the repair is reported, so one broken emoji never costs a
    whole post.
    """
    if value is None:
        return None
    name = column.name
    kind = column.type
    if kind == "string":
        if not isinstance(value, str):
            raise FieldProblem(name, f"expected text, found {_describe(value)}")
        if not value.isascii() and _SURROGATE_RE.search(value):
            repairs.append(name)
            value = _SURROGATE_RE.sub("\ufffd", value)
        return value
    if kind == "int64":
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldProblem(name, f"expected a whole number, found {_describe(value)}")
        if not -(2**63) <= value < 2**63:
            raise FieldProblem(name, f"number {value} does not fit in 64 bits")
        return value
    if kind == "float64":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldProblem(name, f"expected a number, found {_describe(value)}")
        number = float(value)
        if not math.isfinite(number):
            raise FieldProblem(name, f"expected a finite number, found {value!r}")
        return number
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                raise FieldProblem(name, "timestamp without a time zone (add Z or +00:00)")
            try:
                return value.astimezone(dt.UTC)
            except OverflowError:
                raise FieldProblem(name, f"{_OUT_OF_RANGE}, found {value.isoformat()}") from None
        if not isinstance(value, str):
            raise FieldProblem(
                name,
                f"expected an ISO-8601 timestamp such as 2024-05-01T12:00:00Z, found "
                f"{_describe(value)}",
            )
        try:
            return _parse_timestamp(value)
        except ValueError as exc:
            raise FieldProblem(name, f"{exc}, found {_describe(value)}") from None
    # list<string>
    if not isinstance(value, list):
        raise FieldProblem(name, f"expected a list of text, found {_describe(value)}")
    items: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise FieldProblem(name, f"expected a list of text, found an item {_describe(item)}")
        if _SURROGATE_RE.search(item):
            repairs.append(name)
            item = _SURROGATE_RE.sub("\ufffd", item)
        items.append(item)
    return items


@dataclass
class TableBuilder:
    """Collects records of one table, coerces them, and quarantines those that don't fit."""

    table: str
    source: str
    rejections: list[Rejection] = field(default_factory=list)
    repaired: int = 0
    ignored_fields: set[str] = field(default_factory=set)
    _columns: dict[str, list[Any]] = field(default_factory=dict)
    _locators: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._spec = TABLES[self.table]
        self._columns = {name: [] for name in self._spec.column_names}
        self._names = frozenset(self._spec.column_names)
        self._lists = [self._columns[name] for name in self._spec.column_names]

    def __len__(self) -> int:
        return len(self._locators)

    def add(self, record: Mapping[str, Any], *, locator: str) -> bool:
        """Add one record; return False (and quarantine it) when a value does not fit."""
        if not isinstance(record, Mapping):
            self.rejections.append(
                Rejection(
                    self.table,
                    self.source,
                    locator,
                    None,
                    f"expected an object with the {self.table} columns, found {_describe(record)}",
                    raw_json(record),
                )
            )
            return False
        repairs: list[str] = []
        row: list[Any] = []
        get = record.get
        try:
            for column in self._spec.columns:
                value = get(column.name)
                row.append(None if value is None else coerce_value(column, value, repairs))
        except FieldProblem as problem:
            self.rejections.append(
                Rejection(
                    self.table,
                    self.source,
                    locator,
                    problem.field,
                    problem.reason,
                    raw_json(record),
                )
            )
            return False
        extra = record.keys() - self._names
        if extra:
            self.ignored_fields |= extra
        if repairs:
            self.repaired += 1
        for values, value in zip(self._lists, row, strict=True):
            values.append(value)
        self._locators.append(locator)
        return True

    def finish(self) -> tuple[pa.Table, list[str]]:
        """The records as an Arrow table in the canonical schema, and their locators."""
        schema = arrow_schema(self.table)
        arrays = [pa.array(self._columns[f.name], type=f.type) for f in schema]
        relaxed = pa.schema([f.with_nullable(True) for f in schema])
        return pa.Table.from_arrays(arrays, schema=relaxed), list(self._locators)


def _cast_column(path: Path, table: str, column: Column, array: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cast a column of a columnar file to its canonical type, or refuse the file."""
    found = array.type
    target = column.arrow_type

    def refuse(expected: str) -> SchemaMismatch:
        return SchemaMismatch(
            path, table=table, field=column.name, expected=expected, found=str(found)
        )

    if pa.types.is_dictionary(found):
        array = pc.cast(array, found.value_type)
        found = array.type
    if pa.types.is_null(found):
        return pa.chunked_array([pa.nulls(len(array), type=target)])
    kind = column.type
    if kind == "string":
        if not (
            pa.types.is_string(found)
            or pa.types.is_large_string(found)
            or pa.types.is_string_view(found)
        ):
            raise refuse("text (string)")
    elif kind == "int64":
        if not pa.types.is_integer(found):
            raise refuse("whole numbers (int64)")
        if pa.types.is_uint64(found) and len(array) and (pc.max(array).as_py() or 0) >= 2**63:
            raise refuse("whole numbers that fit in int64")
    elif kind == "float64":
        if not (pa.types.is_floating(found) or pa.types.is_integer(found)):
            raise refuse("numbers (float64)")
    elif kind == "timestamp":
        if not pa.types.is_timestamp(found):
            raise refuse("UTC timestamps (timestamp[us, tz=UTC])")
        if found.tz is None:
            raise refuse("timestamps with a time zone (UTC); this column has none")
        array = pc.cast(array, pa.timestamp(found.unit, tz="UTC"))
        if found.unit == "ns":
            array = pc.cast(array, target, safe=False)
            return array
    else:  # list<string>
        if not (
            pa.types.is_list(found) or pa.types.is_large_list(found) or pa.types.is_list_view(found)
        ):
            raise refuse("lists of text (list<string>)")
        value_type = found.value_type
        if not (
            pa.types.is_string(value_type)
            or pa.types.is_large_string(value_type)
            or pa.types.is_null(value_type)
        ):
            raise refuse("lists of text (list<string>)")
    return pc.cast(array, target)


def conform_arrow(path: Path, table_name: str, table: pa.Table) -> tuple[pa.Table, list[str]]:
    """Bring a columnar file's table to the canonical schema, or raise SchemaMismatch.

    A missing required column or a column of the wrong type refuses the whole file. A
    missing optional column is filled with nulls (unknown) and reported; extra columns are
    reported and not imported.
    """
    spec = TABLES[table_name]
    notices: list[str] = []
    arrays = []
    present = set(table.column_names)
    for column in spec.columns:
        if column.name not in present:
            if column.required:
                raise SchemaMismatch(
                    path,
                    table=table_name,
                    field=column.name,
                    expected=f"a column {column.name!r} ({column.type})",
                    found="no such column",
                )
            notices.append(f"{path.name}: no column {column.name!r}; imported as unknown (null)")
            arrays.append(pa.chunked_array([pa.nulls(table.num_rows, type=column.arrow_type)]))
            continue
        arrays.append(_cast_column(path, table_name, column, table.column(column.name)))
    extra = sorted(present - set(spec.column_names))
    if extra:
        notices.append(f"{path.name}: extra columns not imported: {', '.join(extra)}")
    relaxed = pa.schema([f.with_nullable(True) for f in arrow_schema(table_name)])
    return pa.Table.from_arrays(arrays, schema=relaxed), notices


def _id_ok(array: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.match_substring_regex(array, _ID_PATTERN)


def check_rows(
    table_name: str,
    table: pa.Table,
    *,
    source: str,
    locators: Iterable[str] | None = None,
    imported_at: dt.datetime | None = None,
) -> tuple[pa.Table, list[Rejection]]:
    """Apply the per-row rules; return the rows that pass and the rejected ones.

    Rules, in order (the first one a row breaks is its reason): required values present,
    ids shaped ``<platform>:<native id>``, values from the column's vocabulary, counts not
    negative, numbers finite, times plausible (:mod:`rapport.canonical.plausible`: from 2000
    to a day after ``imported_at``; without it, data that is not an import, only a year from
    1 to 9999).
    """
    spec = TABLES[table_name]
    n = table.num_rows
    if n == 0:
        return table, []
    bad = pa.array([False] * n)
    reasons: dict[int, tuple[str, str]] = {}

    def mark(mask: pa.Array | pa.ChunkedArray, field: str, reason: str) -> None:
        nonlocal bad
        mask = pc.fill_null(mask, False)
        if isinstance(mask, pa.ChunkedArray):
            mask = mask.combine_chunks()
        fresh = pc.and_(mask, pc.invert(bad))
        for index in pc.indices_nonzero(fresh).to_pylist():
            reasons[index] = (field, reason)
        bad = pc.or_(bad, mask)

    for column in spec.columns:
        values = table.column(column.name)
        if column.required:
            mark(pc.is_null(values), column.name, "a value is required here, found none")
        if column.is_id:
            mark(
                pc.and_(pc.is_valid(values), pc.invert(_id_ok(values))),
                column.name,
                "expected an id '<platform>:<native id>' with a known platform "
                f"({', '.join(PLATFORMS)})",
            )
        if column.allowed is not None:
            allowed = pa.array(column.allowed)
            mark(
                pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, value_set=allowed))),
                column.name,
                f"expected one of {', '.join(column.allowed)}",
            )
        if column.non_negative:
            mark(pc.less(values, 0), column.name, "a count can't be negative")
        for rule in implausible(column, values, imported_at=imported_at):
            mark(rule.mask, column.name, rule.reason)
    if not reasons:
        return table, []
    located = list(locators) if locators is not None else [f"row {i + 1}" for i in range(n)]
    rows = _python_rows(table.filter(bad))
    bad_indices = sorted(reasons)
    rejections = [
        Rejection(
            table_name,
            source,
            located[index],
            reasons[index][0],
            reasons[index][1],
            raw_json(_jsonable(row)),
        )
        for index, row in zip(bad_indices, rows, strict=True)
    ]
    return table.filter(pc.invert(bad)), rejections


def _python_rows(table: pa.Table) -> list[dict[str, Any]]:
    """The rows as Python values; times Python can't hold (year 10000 on) as Arrow's text."""
    rows: list[dict[str, Any]]
    try:
        rows = table.to_pylist()
    except (OverflowError, ValueError):
        texts = [
            pc.cast(column, pa.string()) if pa.types.is_timestamp(column.type) else column
            for column in table.columns
        ]
        rows = pa.Table.from_arrays(texts, names=table.column_names).to_pylist()
    return rows


_UNITS = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}
_SECONDS_PER_YEAR = 365.2425 * 86_400


def drop_unstorable_times(
    table_name: str, table: pa.Table, *, source: str, locators: list[str]
) -> tuple[pa.Table, list[str], list[Rejection]]:
    """Quarantine the rows of a columnar file with a time no microsecond timestamp can hold.

    A Parquet time in seconds or milliseconds can lie beyond the ±292,000 years that the
    canonical ``timestamp[us]`` holds; converting it would fail for the whole file. Such rows
    are quarantined with their reason (the value shown as a count of the file's units since
    1970), and the rest of the file goes on to :func:`conform_arrow`. Returns the rows kept,
    their locators, and the rejections.
    """
    spec = TABLES[table_name]
    n = table.num_rows
    bad = pa.array([False] * n)
    reasons: dict[int, tuple[str, str]] = {}
    for column in spec.columns:
        if column.type != "timestamp" or column.name not in table.column_names:
            continue
        values = table.column(column.name)
        kind = values.type
        if pa.types.is_dictionary(kind):
            values = pc.cast(values, kind.value_type)
            kind = values.type
        if not pa.types.is_timestamp(kind) or kind.unit in ("us", "ns"):
            continue  # another type is conform_arrow's to refuse; us and ns always fit
        bound = (2**63 - 1) // (_UNITS["us"] // _UNITS[kind.unit])
        counts = pc.cast(values, pa.int64())
        mask = pc.fill_null(pc.or_(pc.greater(counts, bound), pc.less(counts, -bound)), False)
        mask = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
        for index in pc.indices_nonzero(pc.and_(mask, pc.invert(bad))).to_pylist():
            count = counts[index].as_py()
            years = abs(count) / _UNITS[kind.unit] / _SECONDS_PER_YEAR
            reasons[index] = (
                column.name,
                f"expected a time from {EARLIEST:%Y-%m-%d} to a day after the import, found "
                f"{count} {_UNIT_NAMES[kind.unit]} {'after' if count > 0 else 'before'} 1970 "
                f"(about {years:,.0f} years, more than a microsecond timestamp holds)",
            )
        bad = pc.or_(bad, mask)
    if not reasons:
        return table, locators, []
    shown = pa.Table.from_arrays(
        [
            pc.cast(column, pa.int64()) if pa.types.is_timestamp(column.type) else column
            for column in table.filter(bad).columns
        ],
        names=table.column_names,
    )
    rejections = [
        Rejection(
            table_name,
            source,
            locators[index],
            reasons[index][0],
            reasons[index][1],
            raw_json(row),
        )
        for index, row in zip(sorted(reasons), shown.to_pylist(), strict=True)
    ]
    keep = pc.invert(bad)
    kept = [loc for loc, ok in zip(locators, keep.to_pylist(), strict=True) if ok]
    return table.filter(keep), kept, rejections


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, dt.datetime) else value
        for key, value in row.items()
    }


def id_is_valid(value: str) -> bool:
    """Whether ``value`` is shaped like a canonical id."""
    return bool(_ID_RE.match(value))
