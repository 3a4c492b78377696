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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from rapport.canonical.schema import Column

__all__ = ["EARLIEST", "FUTURE_MARGIN", "Implausible", "implausible", "latest"]

EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""The earliest plausible time: an older one is a wrong clock or a time in the wrong unit."""
FUTURE_MARGIN = dt.timedelta(days=1)
"""How far after the import a time may lie (clocks and time zones ahead of the importer's)."""

_FIRST = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
_LAST = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
_MOMENT = pa.timestamp("us", tz="UTC")


def latest(imported_at: dt.datetime) -> dt.datetime:
    """The latest plausible time for an import made at ``imported_at`` (aware)."""
    return imported_at.astimezone(dt.UTC) + FUTURE_MARGIN


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
            pc.or_(
                pc.less(values, pa.scalar(_FIRST, _MOMENT)),
                pc.greater(values, pa.scalar(_LAST, _MOMENT)),
            ),
            "a time outside the years 1 to 9999 can't be stored",
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
