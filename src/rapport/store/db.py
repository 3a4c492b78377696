"""The store: one DuckDB file per workspace, reached through Ibis for reading.

Writes go through :meth:`Store.apply`, one transaction per import: either every table of the
batch, its quarantine rows and its import record are written, or nothing is.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from rapport.canonical.batch import Batch, FileDigest
from rapport.canonical.records import Rejection, raw_json
from rapport.canonical.schema import TABLE_ORDER, TABLES, TableSpec, arrow_schema
from rapport.errors import StoreError, WorkspaceBusy
from rapport.store._sql import count, scalar
from rapport.store.attribution import attribute_conversions
from rapport.store.enrich import current_relevance, enrich_texts, refresh_relevance
from rapport.store.locking import connect, remove_marker, write_marker
from rapport.store.merge import (
    dedupe_incoming,
    drop_repeated_observations,
    merge_incoming,
    withhold_uncertain,
)
from rapport.store.migrations import migrate, pending_migrations
from rapport.store.tombstones import Tombstones, withhold

if TYPE_CHECKING:
    from rapport.query.tables import Tables

__all__ = ["AccountRow", "ImportRecord", "ImportSummary", "Store", "TableCounts"]

STORE_FILE = "rapport.duckdb"
MEMORY_LIMIT_VAR = "RAPPORT_DUCKDB_MEMORY_LIMIT"
"""Environment variable capping DuckDB's memory (e.g. ``2GB``); DuckDB's default otherwise."""
_PERSON_TABLES = ("people", "interactions")


@dataclass(frozen=True)
class AccountRow:
    """One stored account."""

    account_id: str
    platform: str
    handle: str
    followers: int | None
    role: str = "own"


@dataclass(frozen=True)
class ImportRecord:
    """One past import, as ``rapport status`` and the report list them."""

    import_id: int
    source: str
    origin: str
    finished_at: str
    seconds: float
    added: int
    updated: int
    unchanged: int
    rejected: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TableCounts:
    received: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportSummary:
    """What one import did: per-table counts, rejections by reason, notices, timing."""

    import_id: int
    source: str
    origin: str
    seconds: float
    tables: dict[str, TableCounts] = field(default_factory=dict)
    rejected_by_reason: list[tuple[str, str, str | None, str, int]] = field(default_factory=list)
    """(table, source file, field, reason, how many), most frequent first."""
    first_rejections: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    files: list[FileDigest] = field(default_factory=list)

    def total(self, what: str) -> int:
        return sum(int(getattr(counts, what)) for counts in self.tables.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "source": self.source,
            "origin": self.origin,
            "seconds": round(self.seconds, 3),
            "added": self.total("added"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "rejected": self.total("rejected"),
            "tables": {name: asdict(counts) for name, counts in self.tables.items()},
            "rejected_by_reason": [
                {"table": t, "source": s, "field": f, "reason": r, "count": n}
                for t, s, f, r, n in self.rejected_by_reason
            ],
            "first_rejections": self.first_rejections,
            "notices": self.notices,
            "files": [asdict(f) for f in self.files],
        }


class Store:
    """A workspace's DuckDB file, migrated to the current schema on open."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool = False,
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        purpose: str = "a rapport command",
        behind_writer: bool | None = None,
    ) -> None:
        """Open the store at ``path`` (created when missing, unless ``read_only``).

        A read-only store can be open in many processes at once; a writable one in only one,
        and then in no other process at all. While another process holds the file, wait up
        to ``wait`` seconds (default: ``$RAPPORT_WAIT_SECONDS`` or 120), telling ``on_wait``
        once; ``purpose`` says what a writer is doing, for readers who wait on it. A writer
        does not wait for another writer (:class:`~rapport.errors.WorkspaceBusy` at once)
        unless ``behind_writer`` (see :func:`rapport.store.locking.connect`).
        """
        self.path = Path(path)
        self.read_only = read_only
        self._con = self._connect(
            read_only=read_only, wait=wait, on_wait=on_wait, behind_writer=behind_writer
        )
        if read_only and pending_migrations(self._con):
            # An older store: upgrade it once (a short write), then read.
            self._con.close()
            self._con = self._connect(
                read_only=False, wait=wait, on_wait=on_wait, behind_writer=True
            )
            self._configure()
            migrate(self._con)
            self._con.close()
            self._con = self._connect(read_only=True, wait=wait, on_wait=on_wait)
        if not read_only:
            write_marker(self.path, purpose)
        self._configure()
        if not read_only:
            migrate(self._con)
        self._ibis: Any = None  # made when first asked for: Ibis takes 0.3 s to import

    def _connect(
        self,
        *,
        read_only: bool,
        wait: float | None,
        on_wait: Callable[[str], None] | None,
        behind_writer: bool | None = None,
    ) -> duckdb.DuckDBPyConnection:
        try:
            return connect(
                self.path,
                read_only=read_only,
                wait=wait,
                on_wait=on_wait,
                behind_writer=behind_writer,
            )
        except WorkspaceBusy:
            raise
        except duckdb.IOException as exc:
            raise StoreError(self.path, problem=f"can't open the store ({exc})") from None
        except duckdb.Error as exc:
            raise StoreError(
                self.path,
                problem=f"not a usable rapport store ({exc}); move it away and import again",
            ) from None

    def _configure(self) -> None:
        self._con.execute("SET TimeZone = 'UTC'")
        limit = os.environ.get(MEMORY_LIMIT_VAR)
        if limit:
            try:
                self._con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
            except duckdb.Error as exc:
                raise StoreError(
                    self.path, problem=f"{MEMORY_LIMIT_VAR}={limit!r}: {exc}"
                ) from None

    # -- life cycle -------------------------------------------------------------------------
    def close(self) -> None:
        self._con.close()
        if not self.read_only:
            remove_marker(self.path)

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def compact(self) -> None:
        """Rewrite the file with only the live data (after an erasure): freed pages of a
        DuckDB file keep what was deleted until they are reused. The tables are copied into
        a new file, which then replaces this one."""
        if self.read_only:
            raise StoreError(self.path, problem="a read-only store can't be compacted")
        copy = self.path.with_name(self.path.name + ".compact")
        copy.unlink(missing_ok=True)
        con = self._con
        con.execute("CHECKPOINT")
        database = str(scalar(con, "SELECT current_database()"))
        con.execute(f"ATTACH '{str(copy).replace(chr(39), chr(39) * 2)}' AS _compact")
        try:
            con.execute(f'COPY FROM DATABASE "{database}" TO _compact')
        finally:
            con.execute("DETACH _compact")
        with copy.open("rb") as handle:
            os.fsync(handle.fileno())
        con.close()
        copy.replace(self.path)
        self.path.with_name(self.path.name + ".wal").unlink(missing_ok=True)
        self._con = self._connect(read_only=False, wait=None, on_wait=None)
        self._configure()
        self._ibis = None

    # -- reading ----------------------------------------------------------------------------
    @property
    def ibis(self) -> Any:
        """The Ibis DuckDB backend over this store."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self._con)
        return self._ibis

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        """The raw DuckDB connection (for bookkeeping queries and tests)."""
        return self._con

    def tables(self) -> Tables:
        from rapport.query.tables import Tables

        return Tables.from_backend(self.ibis)

    def row_counts(self) -> dict[str, int]:
        counts = {}
        for name in TABLE_ORDER:
            counts[name] = count(self._con, f'"{name}"')
        return counts

    def read_table(self, name: str) -> pa.Table:
        """A canonical table, sorted by its key, in exactly the canonical Arrow schema."""
        spec = TABLES[name]
        keys = ", ".join(f'"{k}"' for k in spec.key)
        names = ", ".join(f'"{c}"' for c in spec.column_names)
        result = self._con.sql(f'SELECT {names} FROM "{name}" ORDER BY {keys}').to_arrow_table()
        return result.cast(arrow_schema(name))

    def export_tables(self) -> dict[str, pa.Table]:
        return {name: self.read_table(name) for name in TABLE_ORDER}

    def recent_imports(self, *, limit: int = 10) -> list[ImportRecord]:
        rows = self._con.execute(
            "SELECT import_id, source, origin, strftime(finished_at, '%Y-%m-%dT%H:%M:%SZ'), "
            "seconds, rows_added, rows_updated, "
            "rows_unchanged, rows_rejected FROM imports ORDER BY import_id DESC LIMIT ?",
            [limit],
        ).fetchall()
        keys = (
            "import_id",
            "source",
            "origin",
            "finished_at",
            "seconds",
            "added",
            "updated",
            "unchanged",
            "rejected",
        )
        return [ImportRecord(**dict(zip(keys, row, strict=True))) for row in rows]

    def quarantine_count(self) -> int:
        return count(self._con, "quarantine")

    def refresh_relevance(self, audience: str) -> int:
        """Score bios and replies against the target audience where not yet scored (a write)."""
        with self.transaction() as con:
            return refresh_relevance(con, audience=audience)

    def current_relevance(self, audience: str) -> str | None:
        """The table of relevance scores for ``audience``: None when the stored ``relevance``
        table is current, else a temporary table computed without writing (for readers)."""
        return current_relevance(self._con, audience=audience)

    def own_accounts(self) -> list[AccountRow]:
        """The accounts stored with role ``own``, by platform and handle."""
        rows = self._con.execute(
            "SELECT account_id, platform, handle, followers FROM accounts WHERE role = 'own' "
            "ORDER BY platform, handle"
        ).fetchall()
        return [AccountRow(str(a), str(p), str(h), None if f is None else int(f))
                for a, p, h, f in rows]  # fmt: skip

    def accounts(self) -> list[AccountRow]:
        """Every stored account (own, competitor, other), by role and handle."""
        rows = self._con.execute(
            "SELECT account_id, platform, handle, followers, role FROM accounts "
            "ORDER BY role, handle"
        ).fetchall()
        return [AccountRow(str(a), str(p), str(h), None if f is None else int(f), str(r))
                for a, p, h, f, r in rows]  # fmt: skip

    def post_span(self) -> tuple[str | None, str | None]:
        """The first and last post's creation time, as text (None without posts)."""
        row = self._con.execute(
            "SELECT min(created_at)::VARCHAR, max(created_at)::VARCHAR FROM posts"
        ).fetchall()[0]
        return (None if row[0] is None else str(row[0]), None if row[1] is None else str(row[1]))

    def sync_state(self, prefix: str) -> dict[str, str]:
        """What earlier pulls left under keys starting with ``prefix`` (cursors, newest ids)."""
        rows = self._con.execute(
            "SELECT key, value FROM sync_state WHERE starts_with(key, ?)", [prefix]
        ).fetchall()
        return {str(k): str(v) for k, v in rows}

    def meta(self, key: str) -> str | None:
        value = scalar(self._con, "SELECT value FROM meta WHERE key = ?", [key])
        return None if value is None else str(value)

    def mark_demo(self) -> None:
        """Record that this store holds the synthetic demo (a later demo may replace it)."""
        with self.transaction() as con:
            con.execute("DELETE FROM meta WHERE key = 'demo'")
            con.execute("INSERT INTO meta VALUES ('demo', 'true')")

    # -- writing ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """All or nothing: commit when the block ends, roll back when it raises."""
        self._con.execute("BEGIN TRANSACTION")
        try:
            yield self._con
        except BaseException:
            self._con.execute("ROLLBACK")
            raise
        self._con.execute("COMMIT")

    def apply(
        self,
        batch: Batch,
        *,
        audience: str | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> ImportSummary:
        """Write a batch in one transaction and record the import; return what happened.

        ``audience`` (the workspace's target audience) has new bios and replies scored for
        relevance in the same transaction, so readers find the scores stored.
        """
        started = dt.datetime.now(dt.UTC)
        clock = time.perf_counter()
        withheld = withhold(batch, Tombstones.load(self._con, self.path))
        summary = ImportSummary(
            import_id=0,
            source=batch.source,
            origin=batch.origin,
            seconds=0.0,
            notices=list(batch.notices),
            files=list(batch.files),
        )
        rejections: list[Rejection] = list(batch.rejections)
        for rejection in batch.rejections:
            summary.tables.setdefault(rejection.table, TableCounts()).rejected += 1
        for name, refused in withheld.refused.items():
            counts = summary.tables.setdefault(name, TableCounts())
            counts.received += refused
            counts.unchanged += refused
        with self.transaction() as con:
            summary.import_id = int(
                scalar(con, "SELECT coalesce(max(import_id), 0) + 1 FROM imports")
            )
            salt = self.meta("salt") or ""
            for name in TABLE_ORDER:
                table = batch.tables.get(name)
                if table is None:
                    continue
                if progress:
                    progress(name)
                counts = summary.tables.setdefault(name, TableCounts())
                rejected = self._write_table(
                    TABLES[name],
                    table,
                    batch.locators.get(name),
                    salt=salt,
                    counts=counts,
                    source=batch.sources.get(name, name),
                    notices=summary.notices,
                    families=batch.families.get(name, {}),
                )
                rejections.extend(rejected)
                counts.rejected += len(rejected)
            enrich_texts(con, progress=progress, notices=summary.notices)
            if audience:
                refresh_relevance(con, audience=audience)
            attributed = attribute_conversions(con)
            if attributed:
                summary.notices.append(
                    f"{attributed} conversion(s) attributed to posts (by utm_content or "
                    "landing page)"
                )
            for key, value in batch.state.items():
                con.execute("DELETE FROM sync_state WHERE key = ?", [key])
                con.execute("INSERT INTO sync_state VALUES (?, ?, now())", [key, value])
            summary.seconds = time.perf_counter() - clock
            self._record(summary, rejections, started=started)
        return summary

    def _write_table(
        self,
        spec: TableSpec,
        table: pa.Table,
        locators: list[str] | None,
        *,
        salt: str,
        counts: TableCounts,
        source: str,
        notices: list[str],
        families: dict[str, str],
    ) -> list[Rejection]:
        con = self._con
        n = table.num_rows
        counts.received += n
        if n == 0:
            return []
        located = (
            locators
            if locators is not None and len(locators) == n
            else [f"row {i + 1}" for i in range(n)]
        )
        incoming = table.append_column("_locator", pa.array(located, pa.string()))
        incoming = incoming.append_column("_row", pa.array(range(n), pa.int64()))
        view = f"_in_{spec.name}"
        con.register(f"{view}_arrow", incoming)
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {view} AS SELECT * FROM {view}_arrow")
        finally:
            con.unregister(f"{view}_arrow")
        withheld = self._withhold_erased(spec, view, salt)
        if withheld:
            notices.append(
                f"{spec.name}: {withheld} row(s) about people erased on request were not imported"
            )
        uncertain = withhold_uncertain(con, spec, view, families)
        if uncertain:
            notices.append(
                f"{spec.name}: {uncertain} row(s) could not be matched with certainty to the "
                "stored ones (the source can't tell them apart from similar rows), so the "
                "stored rows were left as they are"
            )
        merged = dedupe_incoming(con, spec, view)
        if merged:
            notices.append(
                f"{spec.name}: {merged} repeated row(s) with the same key were "
                "merged (the last one kept)"
            )
        con.execute(f"DROP TABLE IF EXISTS {view}")  # its rows are in _dedup: hold one copy
        current = f"{view}_dedup"
        rejected = self._reject_dangling(spec, current, source)
        repeated = 0
        if spec.history:
            repeated = drop_repeated_observations(con, spec, current)
            current = f"{current}_kept"
        result = merge_incoming(con, spec, current)
        counts.added += result.added
        counts.updated += result.updated
        counts.unchanged += result.unchanged + repeated + merged + withheld + uncertain
        for suffix in ("", "_dedup", "_dedup_kept"):
            con.execute(f"DROP TABLE IF EXISTS {view}{suffix}")
        return rejected

    def _withhold_erased(self, spec: TableSpec, view: str, salt: str) -> int:
        con = self._con
        if "person_id" not in spec.column_names or not count(con, "erasures"):
            return 0
        erased = f"sha256(? || {view}.person_id) IN (SELECT person_key FROM erasures)"
        if spec.name in _PERSON_TABLES:
            withheld = int(scalar(con, f"SELECT count(*) FROM {view} WHERE {erased}", [salt]))
            if withheld:
                con.execute(f"DELETE FROM {view} WHERE {erased}", [salt])
            return withheld
        con.execute(f"UPDATE {view} SET person_id = NULL WHERE {erased}", [salt])
        return 0

    def _reject_dangling(self, spec: TableSpec, view: str, source: str) -> list[Rejection]:
        con = self._con
        rejected: list[Rejection] = []
        for column, target, target_column in spec.references:
            condition = (
                f'"{column}" IS NOT NULL AND "{column}" NOT IN '
                f'(SELECT "{target_column}" FROM "{target}")'
            )
            rows = con.sql(f"SELECT * FROM {view} WHERE {condition}").to_arrow_table()
            if rows.num_rows == 0:
                continue
            con.execute(f"DELETE FROM {view} WHERE {condition}")
            singular = target.rstrip("s")
            for row in rows.to_pylist():
                locator = str(row.pop("_locator"))
                row.pop("_row", None)
                rejected.append(
                    Rejection(
                        spec.name,
                        source,
                        locator,
                        column,
                        f"{row[column]!r} is not a known {singular} ({target}.{target_column}); "
                        f"import the {target} first or together",
                        raw_json(
                            {
                                k: v.isoformat() if isinstance(v, dt.datetime) else v
                                for k, v in row.items()
                            }
                        ),
                    )
                )
        return rejected

    def _record(
        self, summary: ImportSummary, rejections: list[Rejection], *, started: dt.datetime
    ) -> None:
        con = self._con
        if rejections:
            frame = pa.table(
                {
                    "import_id": pa.array([summary.import_id] * len(rejections), pa.int64()),
                    "table_name": [r.table for r in rejections],
                    "source": [r.source for r in rejections],
                    "locator": [r.locator for r in rejections],
                    "field": [r.field for r in rejections],
                    "reason": [r.reason for r in rejections],
                    "raw": [r.raw for r in rejections],
                }
            )
            con.register("_quarantine_in", frame)
            con.execute("INSERT INTO quarantine SELECT * FROM _quarantine_in")
            con.unregister("_quarantine_in")
            grouped = Counter((r.table, r.source, r.field, r.reason) for r in rejections)
            summary.rejected_by_reason = [
                (t, s, f, reason, n) for (t, s, f, reason), n in grouped.most_common()
            ]
            summary.first_rejections = [r.describe() for r in rejections[:5]]
        for digest in summary.files:
            con.execute(
                "INSERT INTO import_files VALUES (?, ?, ?, ?)",
                [summary.import_id, digest.path, digest.sha256, digest.size],
            )
        details = {
            "tables": {name: asdict(c) for name, c in summary.tables.items()},
            "notices": summary.notices,
        }
        con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, now(), ?, ?, ?, ?, ?, ?)",
            [
                summary.import_id,
                summary.source,
                summary.origin,
                started,
                summary.seconds,
                summary.total("added"),
                summary.total("updated"),
                summary.total("unchanged"),
                summary.total("rejected"),
                json.dumps(details),
            ],
        )
