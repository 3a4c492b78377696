"""The partitioned canonical dataset: Parquet that DuckDB and Spark both read lazily.

``rapport export DIR --partitioned`` (and the Spark engine, for a workspace) writes::

    DIR/meta.json                    format version, zone, own accounts, audience, settings
    DIR/posts/platform=bluesky/month=2026-01/part-0.parquet
    DIR/interactions/platform=…/month=…/part-0.parquet
    DIR/post_stats/…  DIR/follower_counts/…  DIR/conversions/…
    DIR/accounts/part-0.parquet  DIR/people/part-0.parquet
    DIR/post_text/part-0.parquet  DIR/interaction_text/…  DIR/relevance/…

Tables with a time are partitioned Hive-style by platform (the account's, for tables without
a platform column; ``none`` for a conversion tied to no post) and by the UTC month of their
time (``unknown`` where it is missing). The partition columns are not inside the files: a
reader drops them, except ``interactions.platform``, which the files leave to the path.
Timestamps are UTC instants (Parquet ``isAdjustedToUTC``), so both engines read the same
moment. Each table is written by DuckDB's ``COPY … PARTITION_BY`` straight from the store,
so memory stays bounded whatever the size (a pseudonymised export is rewritten in memory
first, as the plain export is).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from rapport.canonical.schema import TABLE_ORDER, TABLES, arrow_schema
from rapport.query.tables import FEATURE_SCHEMAS

__all__ = [
    "FEATURE_TABLES",
    "FORMAT_VERSION",
    "META_FILE",
    "PARTITIONED",
    "DatasetMeta",
    "dataset_schema",
    "duckdb_read_sql",
    "write_dataset",
]

FORMAT_VERSION = 1
META_FILE = "meta.json"
FEATURE_TABLES = tuple(FEATURE_SCHEMAS)
"""The text-feature tables a store holds besides the canonical ones."""

PARTITIONED: Mapping[str, str] = {
    "posts": "created_at",
    "interactions": "occurred_at",
    "post_stats": "observed_at",
    "follower_counts": "observed_at",
    "conversions": "occurred_at",
}
"""The tables partitioned by platform and month, with the time column that gives the month."""

_PLATFORM_OF: Mapping[str, str] = {
    "posts": "SELECT platform FROM accounts a WHERE a.account_id = t.account_id",
    "interactions": "",
    "post_stats": (
        "SELECT a.platform FROM posts p JOIN accounts a ON a.account_id = p.account_id "
        "WHERE p.post_id = t.post_id"
    ),
    "follower_counts": "SELECT platform FROM accounts a WHERE a.account_id = t.account_id",
    "conversions": (
        "SELECT a.platform FROM posts p JOIN accounts a ON a.account_id = p.account_id "
        "WHERE p.post_id = t.post_id"
    ),
}
"""How each partitioned table finds its platform (interactions have their own column)."""


@dataclass(frozen=True)
class DatasetMeta:
    """What ``meta.json`` says about a partitioned dataset."""

    format_version: int
    zone: str
    """The zone people read times in, as the workspace resolved it (an IANA name or UTC)."""
    zone_source: str
    """Where the zone came from: ``rapport.toml``, ``export`` or ``machine``."""
    own_account_ids: tuple[str, ...]
    audience_hash: str | None
    """The hash of the target audience the ``relevance`` scores are for (None: no audience)."""
    written_at: str
    rows: Mapping[str, int] = field(default_factory=dict)
    """Rows per table written (the feature tables only where the store held them)."""
    pseudonymised: bool = False
    stamp: Mapping[str, Any] = field(default_factory=dict)
    """What the store looked like when written (to know when to write it again)."""
    config: Mapping[str, Any] = field(default_factory=dict)
    """The workspace's settings (rapport.toml: goal, accounts, targets …; no credentials),
    so that a session over the dataset alone computes the metrics as the workspace does."""

    @property
    def tables(self) -> tuple[str, ...]:
        return tuple(self.rows)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["own_account_ids"] = list(self.own_account_ids)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str) -> DatasetMeta:
        from rapport.errors import WrongFormat

        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise WrongFormat(
                where,
                expected=f"a rapport partitioned dataset of format version {FORMAT_VERSION}",
                found=f"format version {version!r}",
            )
        return cls(
            format_version=int(version),
            zone=str(data.get("zone") or "UTC"),
            zone_source=str(data.get("zone_source") or "export"),
            own_account_ids=tuple(str(a) for a in data.get("own_account_ids") or ()),
            audience_hash=None if data.get("audience_hash") is None else str(data["audience_hash"]),
            written_at=str(data.get("written_at") or ""),
            rows={str(k): int(v) for k, v in (data.get("rows") or {}).items()},
            pseudonymised=bool(data.get("pseudonymised", False)),
            stamp=dict(data.get("stamp") or {}),
            config=dict(data.get("config") or {}),
        )

    @classmethod
    def parse(cls, text: str, *, where: str) -> DatasetMeta:
        from rapport.errors import WrongFormat

        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise WrongFormat(where, expected="meta.json of a rapport dataset",
                              found=f"invalid JSON ({exc})") from None  # fmt: skip
        if not isinstance(data, dict):
            raise WrongFormat(where, expected="meta.json of a rapport dataset",
                              found="JSON that is not an object")  # fmt: skip
        return cls.from_dict(data, where=where)

    @classmethod
    def read(cls, folder: Path) -> DatasetMeta:
        from rapport.errors import InputNotFound

        path = folder / META_FILE
        if not path.is_file():
            raise InputNotFound(path, what="a partitioned dataset's meta.json")
        return cls.parse(path.read_text(encoding="utf-8"), where=str(path))


def dataset_schema(name: str) -> pa.Schema:
    """The Arrow schema of a dataset table (canonical or feature), without partitions."""
    return FEATURE_SCHEMAS[name] if name in FEATURE_SCHEMAS else arrow_schema(name)


def _quoted(path: Path | str) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(name: str) -> str:
    """The table's columns as written in its files (a partition column stays in the path)."""
    names = dataset_schema(name).names
    if name in PARTITIONED:
        names = [c for c in names if c != "platform"]
    return ", ".join(f't."{c}"' for c in names)


def _copy_sql(name: str, source: str, target: Path) -> str:
    """The ``COPY`` writing table ``name`` (read from relation ``source``) under ``target``."""
    if name not in PARTITIONED:
        return (
            f'COPY (SELECT {_columns(name)} FROM "{source}" t) '
            f"TO {_quoted(target / 'part-0.parquet')} (FORMAT parquet, COMPRESSION zstd)"
        )
    moment = PARTITIONED[name]
    platform = "t.platform" if name == "interactions" else f"({_PLATFORM_OF[name]})"
    return f"""
        COPY (
            SELECT {_columns(name)},
                   coalesce({platform}, 'none') AS platform,
                   coalesce(strftime(t."{moment}", '%Y-%m'), 'unknown') AS month
            FROM "{source}" t
        ) TO {_quoted(target)}
        (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (platform, month),
         FILENAME_PATTERN 'part-{{i}}', OVERWRITE_OR_IGNORE true)
    """


def _write_empty(name: str, target: Path) -> None:
    """An empty table as one Parquet file with its columns (readers find its schema)."""
    import pyarrow.parquet as pq

    schema = dataset_schema(name)
    if name in PARTITIONED and "platform" not in schema.names:
        schema = schema.append(pa.field("platform", pa.string()))
    target.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), target / "part-0.parquet")


def write_tables(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    *,
    sources: Mapping[str, str],
) -> dict[str, int]:
    """Write every table of ``sources`` (dataset name → relation on ``con``) under
    ``target``; the rows written per table."""
    rows: dict[str, int] = {}
    for name, source in sources.items():
        folder = target / name
        shutil.rmtree(folder, ignore_errors=True)
        n = int(con.execute(f'SELECT count(*) FROM "{source}"').fetchall()[0][0])
        rows[name] = n
        if n == 0:
            _write_empty(name, folder)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(_copy_sql(name, source, folder))
    return rows


def write_dataset(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    *,
    sources: Mapping[str, str],
    zone: str,
    zone_source: str,
    own_account_ids: tuple[str, ...],
    audience_hash: str | None,
    pseudonymised: bool = False,
    stamp: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> DatasetMeta:
    """Write the dataset (tables, then ``meta.json``) into ``target`` and return its meta."""
    target.mkdir(parents=True, exist_ok=True)
    rows = write_tables(con, target, sources=sources)
    meta = DatasetMeta(
        format_version=FORMAT_VERSION,
        zone=zone,
        zone_source=zone_source,
        own_account_ids=own_account_ids,
        audience_hash=audience_hash,
        written_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        rows=rows,
        pseudonymised=pseudonymised,
        stamp=dict(stamp or {}),
        config=dict(config or {}),
    )
    (target / META_FILE).write_text(json.dumps(meta.to_dict(), indent=2) + "\n", encoding="utf-8")
    return meta


def duckdb_read_sql(root: Path | str, name: str) -> str:
    """A DuckDB ``SELECT`` of one dataset table in its canonical columns (lazy: a scan of
    the Parquet files, partitions read from the paths)."""
    pattern = _quoted(f"{str(root).rstrip('/')}/{name}/**/*.parquet")
    columns = ", ".join(f'"{c}"' for c in dataset_schema(name).names)
    hive = "true" if name in PARTITIONED else "false"
    return f"SELECT {columns} FROM read_parquet({pattern}, hive_partitioning={hive})"


CANONICAL_AND_FEATURES = (*TABLE_ORDER, *FEATURE_TABLES)
"""Every table a dataset can hold, in writing order."""
assert set(PARTITIONED) <= set(TABLES)
