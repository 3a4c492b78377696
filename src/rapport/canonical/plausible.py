"""Which values can be real: finite numbers, and times from 2000 to a day after the import.

A value can fit its column's type and still be impossible: a conversion worth ``NaN`` (a
Parquet float column holds it without complaint), a post dated 9999 (a broken clock, or a
placeholder some tool writes for "never"), a follower count observed in 1970 (a zero Unix
time). Stored, such a value turns a sum into "no value" or stretches every weekly chart to
the year 9999. :func:`rapport.canonical.check_rows` asks the rules here of every row that
reaches a :class:`~rapport.canonical.Batch`, whichever importer made it, and quarantines
the rows that break one, with the rule's reason.

- **Numbers** (``float64`` columns): NaN, +inf and -inf are never a measurement.
- **Times**, for an import (a batch with ``imported_at``): from :data:`EARLIEST`
  (2000-01-01 UTC; no social platform or web shop rapport reads is older) to
  :data:`FUTURE_MARGIN` (one day) after the import, which leaves room for clocks and time
  zones that run ahead. Data that is not an import (a simulated world, which may be dated
  anywhere) keeps only the rule every time obeys: a year from 1 to 9999, what the store and
  Python can hold.

A time that describes an account or a person rather than dates the record
(:data:`ATTRIBUTE_TIMES`: when an account was created, when a person was first seen) does
not cost the row: quarantining an own account would orphan every post it wrote (a Bluesky
profile without a creation record reports ``0001-01-01``). Such a time is dropped (unknown)
by :func:`blank_attribute_times` and the batch says how many.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.schema import Column

__all__ = [
    "ATTRIBUTE_TIMES",
    "EARLIEST",
    "FUTURE_MARGIN",
    "Implausible",
    "blank_attribute_times",
    "implausible",
    "latest",
]

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""The earliest plausible time: an older one is a wrong clock or a time in the wrong unit."""
FUTURE_MARGIN = dt.timedelta(days=1)
"""How far after the import a time may lie (clocks and time zones ahead of the importer's)."""

ATTRIBUTE_TIMES: Mapping[str, tuple[str, ...]] = {
    "accounts": ("created_at",),
    "people": ("first_seen_at",),
}
"""Times that describe an account or a person: an implausible one is dropped, not the row."""

_FIRST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_LAST = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
_MOMENT = pa.timestamp("us", tz="UTC")


def latest(imported_at: dt.datetime) -> dt.datetime:
    """The latest plausible time for an import made at ``imported_at`` (aware)."""
    return imported_at.astimezone(dt.UTC) + FUTURE_MARGIN


def _outside(
    values: pa.ChunkedArray, low: dt.datetime, high: dt.datetime
) -> pa.ChunkedArray | pa.Array:
    return pc.or_(
        pc.less(values, pa.scalar(low, _MOMENT)), pc.greater(values, pa.scalar(high, _MOMENT))
    )


def blank_attribute_times(
    table_name: str, table: pa.Table, *, imported_at: dt.datetime | None
) -> tuple[pa.Table, dict[str, int]]:
    """``table`` with implausible :data:`ATTRIBUTE_TIMES` made null (unknown), and how many
    were dropped per column (columns with none left out)."""
    dropped: dict[str, int] = {}
    for name in ATTRIBUTE_TIMES.get(table_name, ()):
        if name not in table.column_names or table.num_rows == 0:
            continue
        values = table.column(name)
        low, high = (EARLIEST, latest(imported_at)) if imported_at else (_FIRST, _LAST)
        mask = pc.fill_null(_outside(values, low, high), False)
        count = pc.sum(mask).as_py() or 0
        if count:
            nulls = pa.nulls(table.num_rows, type=values.type)
            blanked = pc.if_else(mask, nulls, values)
            table = table.set_column(table.column_names.index(name), table.field(name), blanked)
            dropped[name] = count
    return table, dropped


@dataclass(frozen=True)
class Implausible:
    """Rows of one column that break a rule: ``mask`` is true (or null) where they do."""

    mask: pa.ChunkedArray | pa.Array
    reason: str


def implausible(
    column: Column, values: pa.ChunkedArray, *, imported_at: dt.datetime | None
) -> Iterator[Implausible]:
    """The rules ``column``'s ``values`` (canonical type) break, each with its reason.

    Nulls never break a rule here (whether a value is required is another rule).
    """
    if column.type == "float64":
        yield Implausible(
            pc.invert(pc.is_finite(values)), "expected a finite number, found NaN or infinity"
        )
    if column.type != "timestamp":
        return
    if imported_at is None:
        yield Implausible(
            _outside(values, _FIRST, _LAST), "a time outside the years 1 to 9999 can't be stored"
        )
        return
    limit = latest(imported_at)
    yield Implausible(
        pc.less(values, pa.scalar(EARLIEST, _MOMENT)),
        f"a time before {EARLIEST:%Y-%m-%d} is not plausible (a wrong clock, or a time "
        "in the wrong unit such as seconds read as milliseconds); fix it in the source",
    )
    yield Implausible(
        pc.greater(values, pa.scalar(limit, _MOMENT)),
        f"a time after {limit:%Y-%m-%d %H:%M} UTC (a day after the import) is not "
        "plausible (a wrong clock or time zone, or a placeholder date); fix it in the source",
    )
