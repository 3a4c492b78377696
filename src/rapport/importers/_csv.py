"""Reading spreadsheet-style exports: any line ending, comment lines, padding, loose headers.

Platform CSV exports are rarely clean: Facebook writes CR-only line endings, GA4 puts ``#``
comment lines and several tables in one file, spreadsheets pad rows with ``,,,,``. The
helpers here read such files row by row, keep the physical line number of every row (for
quarantine locators such as ``orders.csv line 12``), and turn cells into canonical values or
a :class:`CellError` naming the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapport.errors import CellError, SchemaMismatch, UnreadableFile, UsageError
from rapport.importers._base import ImportOptions

__all__ = [
    "MAX_CELL",
    "CellError",
    "Row",
    "Table",
    "blank",
    "check_shape",
    "column_key",
    "csv_problem",
    "header_table",
    "parse_count",
    "parse_number",
    "parse_time",
    "read_rows",
    "require_columns",
    "short_reason",
    "sniff_delimiter",
    "split_tables",
    "zone_option",
]

MAX_CELL = 1 << 20
"""The longest CSV cell rapport reads: 1,048,576 characters.

Python's csv module stops at 131,072 by default, which a long post, a bio or an order's notes
may pass in a real export. A longer cell is no platform's export (a damaged file, or a file
that is not CSV): the file is refused, naming the line. The limit is the csv module's, for
the whole process; importing this module sets it, and every CSV importer imports it."""
csv.field_size_limit(MAX_CELL)


def csv_problem(error: csv.Error, *, line: int) -> str:
    """Why a CSV reader stopped at ``line``, as the reason of an UnreadableFile."""
    if "field larger than field limit" in str(error):
        return (
            f"line {line}: a cell longer than {MAX_CELL:,} characters, the most rapport reads "
            "in one cell (a damaged file, or a file that is not CSV)"
        )
    return f"line {line}: not valid CSV ({error})"


class Row(NamedTuple):
    """One CSV row and the physical line it starts on (1-based). A named tuple: a file's rows
    are made by the hundred thousand, and a tuple is the cheapest immutable record to make."""

    line: int
    cells: list[str]


@dataclass
class Table:
    """A header row and the rows below it, cells addressed by header name."""

    header: list[str]
    rows: list[Row]
    line: int
    """The line the header is on."""
    index: dict[str, int] = field(default_factory=dict, init=False)
    _positions: dict[tuple[str, ...], int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for position, name in enumerate(self.header):
            self.index.setdefault(column_key(name), position)

    def has(self, *names: str) -> bool:
        return any(column_key(n) in self.index for n in names)

    def position(self, *names: str) -> int | None:
        """The position of the first of ``names`` present (found once per set of names: cells
        are looked up row after row under the same names)."""
        try:
            return self._positions[names]
        except KeyError:
            found = (self.index.get(column_key(name)) for name in names)
            position = next((p for p in found if p is not None), None)
            self._positions[names] = position
            return position

    def column(self, *names: str) -> str | None:
        """The header (as written in the file) of the first of ``names`` present."""
        position = self.position(*names)
        return None if position is None else self.header[position]

    def get(self, row: Row, *names: str) -> str | None:
        """The stripped cell under the first of ``names`` present; None when empty or absent."""
        position = self._positions.get(names, -1)
        if position == -1:
            position = self.position(*names)
        if position is None:
            return None
        cells = row.cells
        return (cells[position].strip() if position < len(cells) else "") or None


_WORDS = re.compile(r"[0-9a-z%]+")


@functools.lru_cache(maxsize=4096)
def column_key(name: str) -> str:
    """A header reduced to lower-case words: ``UTM-Source`` and ``utm_source`` match.

    Cached: cells are looked up by header name once per row, with the same few names."""
    return " ".join(_WORDS.findall(name.lower()))


def blank(cells: Sequence[str]) -> bool:
    """A row of nothing but empty cells (spreadsheet padding such as ``,,,,``)."""
    return not any(cell.strip() for cell in cells)


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first line that is not a comment: comma, semicolon or tab."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            counts = {d: line.count(d) for d in (",", ";", "\t")}
            best = max(counts, key=lambda d: counts[d])
            return best if counts[best] else ","
    return ","


def read_rows(text: str, *, path: Path, delimiter: str | None = None) -> list[Row]:
    """Every row of a CSV text with its line number (CR, LF and CRLF endings all work)."""
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter or sniff_delimiter(text), strict=False
    )
    rows: list[Row] = []
    previous = 0
    try:
        for cells in reader:
            rows.append(Row(previous + 1, cells))
            previous = reader.line_num
    except csv.Error as exc:
        raise UnreadableFile(path, reason=csv_problem(exc, line=reader.line_num + 1)) from None
    return rows


def _comment(cells: Sequence[str]) -> bool:
    return bool(cells) and cells[0].lstrip().startswith("#")


def header_table(rows: Sequence[Row]) -> Table | None:
    """The first non-blank row as the header and every later non-blank row as data."""
    body = [row for row in rows if not blank(row.cells)]
    if not body:
        return None
    return Table([cell.strip() for cell in body[0].cells], body[1:], body[0].line)


def split_tables(rows: Sequence[Row]) -> list[Table]:
    """Several tables in one file (GA4): blocks separated by blank rows.

    ``#`` comment lines between tables are skipped (inside a table a leading ``#`` is data).
    """
    found: list[Table] = []
    block: list[Row] = []
    for row in [*rows, Row(0, [])]:
        if not block and _comment(row.cells):
            continue
        if blank(row.cells):
            if block:
                found.append(Table([c.strip() for c in block[0].cells], block[1:], block[0].line))
            block = []
        else:
            block.append(row)
    return found


def check_shape(table: Table, path: Path, *, what: str) -> list[Row]:
    """Refuse a table without rows; return the rows with fewer cells than the header.

    Platform exports write every cell of every row, so a short row was cut off (a truncated
    download) or edited by hand: its values can't be trusted and it is quarantined.
    """
    if not table.rows:
        raise UnreadableFile(
            path,
            reason=f"the {what} has a header on line {table.line} but no rows",
            fix="export a period that has data, or download the file again if it was cut short",
        )
    width = len(table.header)
    return [row for row in table.rows if len(row.cells) < width]


def short_reason(table: Table, row: Row) -> str:
    return (
        f"the line has {len(row.cells)} of the header's {len(table.header)} columns "
        "(cut short, or edited by hand)"
    )


def require_columns(
    table: Table, path: Path, *, names: Mapping[str, Iterable[str]], what: str
) -> None:
    """Refuse the file when a required column is missing (exit 2, naming file and column)."""
    for wanted, aliases in names.items():
        if not table.has(wanted, *aliases):
            raise SchemaMismatch(
                path,
                table=what,
                field=wanted,
                expected=f"a column {wanted!r} in the header on line {table.line}",
                found=f"the columns {', '.join(repr(h) for h in table.header if h.strip())}",
            )


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def parse_number(text: str | None, *, column: str) -> float | None:
    """A decimal number (``1234.5`` or ``1,234.5``); None for an empty cell."""
    if text is None or not text.strip():
        return None
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    if _GROUPED.match(value):
        value = value.replace(",", "")
    if not _NUMBER.match(value):
        raise CellError(column, f"expected a number, found {text.strip()[:40]!r}")
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise CellError(column, f"expected a finite number, found {text.strip()[:40]!r}")
    return number


def parse_count(text: str | None, *, column: str) -> int | None:
    """A whole, non-negative count (``1250``, ``1,250`` or ``1250.0``); None when empty."""
    number = parse_number(text, column=column)
    if number is None:
        return None
    if number < 0 or number != int(number):
        raise CellError(column, f"expected a whole count, found {text!r}")
    if number >= 2**63:
        raise CellError(column, f"count {text!r} is too large")
    return int(number)


def parse_time(
    text: str, *, column: str, zone: dt.tzinfo, fmt: str = "iso"
) -> tuple[dt.datetime, bool]:
    """A timezone-aware moment and whether ``zone`` had to be assumed (the text had none).

    ``fmt``: ``iso`` (ISO 8601, a date alone, or ``2024-05-01 12:00:00 -0500``), ``unix``
    (seconds), ``unix_ms`` (milliseconds), or a :func:`~datetime.datetime.strptime` format.
    """
    value = text.strip()
    try:
        if fmt in ("unix", "unix_ms"):
            seconds = float(value) / (1000 if fmt == "unix_ms" else 1)
            return dt.datetime.fromtimestamp(seconds, dt.UTC), False
        moment = _iso(value) if fmt == "iso" else dt.datetime.strptime(value, fmt)
    except (ValueError, OverflowError, OSError):
        expected = "an ISO 8601 time such as 2024-05-01T12:00:00Z" if fmt == "iso" else fmt
        raise CellError(column, f"expected {expected}, found {value[:40]!r}") from None
    assumed = moment.tzinfo is None
    if assumed:
        moment = moment.replace(tzinfo=zone)
    try:
        moment.astimezone(dt.UTC)
    except OverflowError:  # 9999-12-31 23:59:59 -0500 is in the year 10000 in UTC
        raise CellError(
            column, f"the time {value[:40]!r} falls outside the years 1 to 9999 in UTC"
        ) from None
    return moment, assumed


_SPACED_OFFSET = re.compile(r"^(.*\d)\s+([+-]\d{2}):?(\d{2})$")
_COMPACT_DATE = re.compile(r"^\d{8}$")


def _iso(value: str) -> dt.datetime:
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    match = _SPACED_OFFSET.match(text)  # Shopify: "... 10:37:33 -0500"
    if match:
        text = f"{match[1]}{match[2]}:{match[3]}"
    if _COMPACT_DATE.match(text):  # GA4 dates: 20230625
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return dt.datetime.fromisoformat(text)


def zone_option(
    options: ImportOptions, *, importer: str, default: str = "UTC"
) -> tuple[dt.tzinfo, bool]:
    """The ``--option timezone=...`` zone (an IANA name) and whether it was given."""
    name = options.extra.get("timezone")
    if name is None:
        return (dt.UTC if default == "UTC" else ZoneInfo(default)), False
    try:
        return ZoneInfo(name.strip()), True
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise UsageError(
            f"the option timezone={name}: unknown time zone for the {importer} importer; "
            "use an IANA name such as Europe/Paris or America/New_York",
            option="extra",
        ) from None
