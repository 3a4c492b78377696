"""The partitioned canonical dataset: Parquet files in Hive-style partitions, written in
bounded memory.

The layout, read by DuckDB (``read_parquet(..., hive_partitioning=true)``) and Spark
(``spark.read.parquet(DIR/<table>)``) alike::

    DIR/meta.json
    DIR/accounts/part-0.parquet
    DIR/people/part-<k>.parquet
    DIR/<table>/platform=<p>/month=YYYY-MM/part-<k>.parquet    posts, interactions,
                                                                post_stats, follower_counts,
                                                                conversions

- Every file holds exactly the columns and types of ``arrow_schema(table)``; timestamps are
  UTC instants (Parquet ``TIMESTAMP(isAdjustedToUTC=true, MICROS)``). The partition values
  are in the path only: a reader adds them as columns (``month``, and ``platform`` where
  the table has none).
- ``month`` is the UTC month of the table's time column: ``created_at`` (posts),
  ``occurred_at`` (interactions, conversions), ``observed_at`` (post_stats,
  follower_counts). A row without a time goes to ``month=unknown``.
- ``platform`` is the table's own ``platform`` column (interactions), else the platform of its
  id, the part before the first colon of ``<platform>:<native id>`` (posts: ``post_id``;
  post_stats: ``post_id``; follower_counts: ``account_id``; conversions: ``conversion_id``,
  e.g. ``shop`` or ``web``); a prefix that is not a canonical platform is ``other``.
- ``meta.json``: ``{"format": "rapport-canonical-partitioned", "version": 1, "zone": "UTC",
  "own_account_ids": [...], "written_at": ISO}``, written last: a folder without it is
  incomplete.

:class:`PartitionedWriter` takes tables in any number of pieces and keeps at most
``budget_bytes`` of rows in memory: a partition is written out as one file when it reaches
``rows_per_file`` rows, and the largest partitions are written out early when the budget is
exceeded; so a dataset of any size is written with memory set by the budget, and a partition
holds as few files as the budget allows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rapport.canonical.schema import PLATFORMS, arrow_schema

__all__ = [
    "META_FILE",
    "PARTITIONED_FORMAT",
    "PARTITIONED_VERSION",
    "PLATFORM_SOURCE",
    "TIME_COLUMN",
    "PartitionedWriter",
    "WrittenFiles",
    "partition_keys",
    "write_meta",
]

PARTITIONED_FORMAT = "rapport-canonical-partitioned"
PARTITIONED_VERSION = 1
META_FILE = "meta.json"

TIME_COLUMN: dict[str, str] = {
    "posts": "created_at",
    "interactions": "occurred_at",
    "post_stats": "observed_at",
    "follower_counts": "observed_at",
    "conversions": "occurred_at",
}
"""The tables partitioned by platform and month, and the time column that sets the month."""

PLATFORM_SOURCE: dict[str, str] = {
    "posts": "post_id",
    "interactions": "platform",
    "post_stats": "post_id",
    "follower_counts": "account_id",
    "conversions": "conversion_id",
}
"""Where each partitioned table's platform comes from (an id column: its prefix)."""

_PLATFORM_VALUES = pa.array(list(PLATFORMS), type=pa.string())


def partition_keys(name: str, table: pa.Table) -> pa.StringArray:
    """``platform=<p>/month=YYYY-MM`` of every row of canonical table ``name``."""
    source = table.column(PLATFORM_SOURCE[name])
    if PLATFORM_SOURCE[name] == "platform":
        platform = source
    else:
        platform = pc.list_element(pc.split_pattern(source, ":", max_splits=1), 0)
    known = pc.is_in(platform, value_set=_PLATFORM_VALUES)
    platform = pc.if_else(pc.fill_null(known, False), platform, "other")
    moment = table.column(TIME_COLUMN[name])
    month = pc.fill_null(pc.strftime(moment, format="%Y-%m"), "unknown")
    joined: pa.StringArray = pc.binary_join_element_wise(
        "platform=", platform, "/month=", month, ""
    )
    return joined


@dataclass
class WrittenFiles:
    """What a writer wrote: files, rows and bytes per table."""

    files: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    bytes: int = 0

    @property
    def file_count(self) -> int:
        return sum(self.files.values())

    @property
    def row_count(self) -> int:
        return sum(self.rows.values())


class PartitionedWriter:
    """Writes canonical tables, given in pieces, into the partitioned layout (module doc).

    Use as a context manager (or call :meth:`close`): what is still buffered is written on
    close. ``on_file(table, path, rows)`` is called after each file.
    """

    def __init__(
        self,
        out: Path,
        *,
        rows_per_file: int = 2_000_000,
        budget_bytes: int = 192 * 2**20,
        on_file: Any = None,
    ) -> None:
        self.out = out
        self.rows_per_file = rows_per_file
        self.budget_bytes = budget_bytes
        self.on_file = on_file
        self.written = WrittenFiles()
        self._buffers: dict[tuple[str, str], list[pa.Table]] = {}
        self._sizes: dict[tuple[str, str], tuple[int, int]] = {}
        self._next: dict[tuple[str, str], int] = {}
        self._buffered = 0

    def __enter__(self) -> PartitionedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()

    @property
    def buffered_bytes(self) -> int:
        """Bytes of rows held, not yet written."""
        return self._buffered

    def write(self, name: str, table: pa.Table) -> None:
        """Add rows of canonical table ``name`` (any order, any number of calls)."""
        schema = arrow_schema(name)
        table = table.select(schema.names).cast(schema)
        if table.num_rows == 0:
            return
        if name not in TIME_COLUMN:
            self._add((name, ""), table)
            return
        keys = partition_keys(name, table)
        for key in pc.unique(keys).to_pylist():
            self._add((name, str(key)), table.filter(pc.equal(keys, key)))

    def _add(self, where: tuple[str, str], table: pa.Table) -> None:
        self._buffers.setdefault(where, []).append(table)
        rows, size = self._sizes.get(where, (0, 0))
        rows, size = rows + table.num_rows, size + table.nbytes
        self._sizes[where] = (rows, size)
        self._buffered += table.nbytes
        if rows >= self.rows_per_file:
            self._flush(where)
        while self._buffered > self.budget_bytes and self._sizes:
            self._flush(max(self._sizes, key=lambda k: self._sizes[k][1]))

    def _flush(self, where: tuple[str, str]) -> None:
        pieces = self._buffers.pop(where)
        _, size = self._sizes.pop(where)
        self._buffered -= size
        name, partition = where
        folder = self.out / name / partition if partition else self.out / name
        folder.mkdir(parents=True, exist_ok=True)
        number = self._next.get(where, 0)
        self._next[where] = number + 1
        path = folder / f"part-{number}.parquet"
        table = pa.concat_tables(pieces)
        del pieces
        pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)
        self.written.files[name] = self.written.files.get(name, 0) + 1
        self.written.rows[name] = self.written.rows.get(name, 0) + table.num_rows
        self.written.bytes += path.stat().st_size
        if self.on_file is not None:
            self.on_file(name, path, table.num_rows)

    def close(self) -> WrittenFiles:
        """Write out everything still buffered, table by table; return what was written."""
        for where in sorted(self._buffers):
            self._flush(where)
        return self.written


def write_meta(out: Path, *, own_account_ids: Iterable[str]) -> Path:
    """``out/meta.json`` (write it last: it marks the dataset complete)."""
    meta = {
        "format": PARTITIONED_FORMAT,
        "version": PARTITIONED_VERSION,
        "zone": "UTC",
        "own_account_ids": sorted(own_account_ids),
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    path = out / META_FILE
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return path
