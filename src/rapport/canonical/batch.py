"""A batch: everything one import brings, checked and ready for the store."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from rapport.canonical.plausible import blank_attribute_times
from rapport.canonical.records import Rejection, check_rows
from rapport.canonical.schema import TABLE_ORDER, TABLES

__all__ = ["Batch", "FileDigest", "digest_file"]


@dataclass(frozen=True)
class FileDigest:
    """A file an import read, for the import record."""

    path: str
    sha256: str
    size: int


def digest_file(path: Path) -> FileDigest:
    """The sha256 and size of a file, read in blocks."""
    sha = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            sha.update(block)
            size += len(block)
    return FileDigest(str(path), sha.hexdigest(), size)


@dataclass
class Batch:
    """Checked canonical tables plus what was rejected, repaired or noticed on the way.

    ``tables`` hold only rows that passed the per-row rules; the store still checks
    references against what it holds and quarantines the rows that point at nothing.
    """

    source: str
    origin: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    locators: dict[str, list[str]] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files: list[FileDigest] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    """The file (or endpoint) each table came from, named in quarantine rows."""
    state: dict[str, str] = field(default_factory=dict)
    """Sync state a live pull leaves for the next one (cursors, newest ids), saved with the
    data in the same transaction so that a failed pull never advances it."""
    families: dict[str, dict[str, str]] = field(default_factory=dict)
    """Rows a source can't tell apart with certainty, per table: locator → family.

    A family is an id stem: its members' keys (first key column) are the stem itself or the
    stem, ``-`` and a number. The store updates a family row only when it is the family's one
    row in the batch and the store holds no other member; it adds a family's rows only when
    the store holds none of it; otherwise it leaves the stored rows as they are and says so.
    """
    imported_at: dt.datetime | None = None
    """When the import read its source: times before 2000 or more than a day after it were
    quarantined (:mod:`rapport.canonical.plausible`). None for data that is not an import
    (a simulated world)."""

    @classmethod
    def from_tables(
        cls,
        tables: Mapping[str, pa.Table],
        *,
        source: str,
        origin: str,
        locators: Mapping[str, list[str]] | None = None,
        rejections: list[Rejection] | None = None,
        notices: list[str] | None = None,
        files: list[FileDigest] | None = None,
        sources: Mapping[str, str] | None = None,
        imported_at: dt.datetime | None = None,
    ) -> Batch:
        """Check each table's rows and build a batch from those that pass.

        ``imported_at`` (an import's time) turns on the plausible-time rule: rows with a time
        before 2000 or more than a day after it are quarantined. Data that is not an import
        (a simulated world, dated as its parameters say) leaves it out.
        """
        batch = cls(
            source=source,
            origin=origin,
            rejections=list(rejections or []),
            notices=list(notices or []),
            files=list(files or []),
            imported_at=imported_at,
        )
        for name in TABLE_ORDER:
            if name not in tables:
                continue
            table = tables[name]
            located = (locators or {}).get(name) or [f"row {i + 1}" for i in range(table.num_rows)]
            label = (sources or {}).get(name, name)
            table, dropped = blank_attribute_times(name, table, imported_at=imported_at)
            for column, count in dropped.items():
                batch.notices.append(
                    f"{label}: {count} implausible {name}.{column} time(s) (before 2000, after "
                    "the import, or beyond the year 9999) imported as unknown; the rows were kept"
                )
            good, rejected = check_rows(
                name, table, source=label, locators=located, imported_at=imported_at
            )
            if rejected:
                rejected_locs = {r.locator for r in rejected}
                located = [loc for loc in located if loc not in rejected_locs]
            batch.sources[name] = label
            batch.tables[name] = good
            batch.locators[name] = located
            batch.rejections.extend(rejected)
        unknown = set(tables) - set(TABLES)
        if unknown:
            batch.notices.append(
                f"tables not part of the canonical format, not imported: "
                f"{', '.join(sorted(unknown))}"
            )
        return batch

    @property
    def row_count(self) -> int:
        return sum(t.num_rows for t in self.tables.values())
