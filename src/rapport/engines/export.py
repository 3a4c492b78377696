"""Writing a workspace's store as the partitioned dataset, and keeping the Spark copy fresh.

``rapport export DIR --partitioned`` calls :func:`export_partitioned`. The Spark engine reads
a workspace through its own copy, ``<workspace>/.rapport/spark-dataset/``, which
:func:`refresh_dataset` writes again only when the store changed since (its import log, its
file, the zone or the target audience: :func:`store_stamp`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from rapport.canonical.schema import TABLE_ORDER
from rapport.engines.dataset import FEATURE_TABLES, DatasetMeta, write_dataset
from rapport.errors import UsageError

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["DATASET_FOLDER", "export_partitioned", "refresh_dataset", "store_stamp"]

DATASET_FOLDER = Path(".rapport") / "spark-dataset"
"""Where, inside a workspace, the Spark engine keeps the dataset it reads."""


def _audience_hash(session: Session) -> str | None:
    from rapport.store.enrich import text_hash

    audience = session.config.goal.target_audience.strip()
    return text_hash(audience) if audience else None


def _store_sources(session: Session) -> dict[str, str]:
    """Dataset table → relation on the store's connection: the canonical tables, the
    feature tables, and the relevance scores for the config's audience (computed into a
    temporary table where the stored ones are for another; see ``Session.tables``)."""
    store = session.store
    sources = {name: name for name in (*TABLE_ORDER, *FEATURE_TABLES)}
    current = store.current_relevance(session.config.goal.target_audience)
    if current is not None:
        sources["relevance"] = current
    return sources


def store_stamp(session: Session) -> dict[str, Any]:
    """What identifies the store's content for a dataset written from it: the last import,
    the number of erasures, the file's size and time, the zone and the audience."""
    store = session.store
    con = store.connection
    last_id, last_at = con.execute(
        "SELECT max(import_id), max(finished_at)::VARCHAR FROM imports"
    ).fetchall()[0]
    erasures = int(con.execute("SELECT count(*) FROM erasures").fetchall()[0][0])
    files = {}
    for path in (store.path, store.path.with_name(store.path.name + ".wal")):
        with contextlib.suppress(OSError):
            info = path.stat()
            files[path.name] = [info.st_size, info.st_mtime_ns]
    return {
        "last_import_id": last_id,
        "last_import_at": last_at,
        "erasures": erasures,
        "files": files,
        "zone": session.zone.name,
        "audience_hash": _audience_hash(session),
        "config": session.config.model_dump(mode="json"),
    }


def _write(
    session: Session, target: Path, *, pseudonymise: bool, stamp: dict[str, Any]
) -> DatasetMeta:
    store = session.store
    own = tuple(sorted(a.account_id for a in store.own_accounts()))
    common: dict[str, Any] = {
        "zone": session.zone.name,
        "zone_source": session.zone.source,
        "own_account_ids": own,
        "audience_hash": _audience_hash(session),
        "stamp": stamp,
        "config": session.config.model_dump(mode="json"),
    }
    sources = _store_sources(session)
    if not pseudonymise:
        return write_dataset(store.connection, target, sources=sources, **common)
    from rapport.store import privacy

    salt = store.meta("salt") or ""
    canonical = privacy.pseudonymise(store.export_tables(), salt=salt)
    tracked = frozenset(canonical["posts"].column("post_id").to_pylist())
    features = {
        name: store.connection.sql(f'SELECT * FROM "{sources[name]}"').to_arrow_table()
        for name in FEATURE_TABLES
    }
    features = privacy.pseudonymise_features(features, salt=salt, tracked=tracked)
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        for name, table in {**canonical, **features}.items():
            con.register(name, table)
        return write_dataset(
            con,
            target,
            sources={name: name for name in sources},
            pseudonymised=True,
            **common,
        )
    finally:
        con.close()


def export_partitioned(
    session: Session, target: Path, *, pseudonymise: bool = False
) -> DatasetMeta:
    """Write the session's store as the partitioned dataset into ``target`` (see
    :mod:`rapport.engines.dataset`); tables already there are replaced."""
    if session.engine.name != "duckdb":
        raise UsageError("a partitioned export is written from the store: open the workspace "
                         "with the default engine")  # fmt: skip
    if (target / "manifest.json").exists():
        raise UsageError(
            f"{target} holds a canonical export (manifest.json); write the partitioned one "
            "into another folder"
        )
    return _write(session, target, pseudonymise=pseudonymise, stamp=store_stamp(session))


def refresh_dataset(
    session: Session, *, on_progress: Callable[[str], None] | None = None
) -> tuple[Path, DatasetMeta, bool]:
    """The workspace's dataset for Spark, written again when the store changed since it
    was (``<workspace>/.rapport/spark-dataset/``); its folder, its meta and whether it was
    written now. A new copy is written beside the old one and then takes its place, so a
    reader never sees half a dataset. ``on_progress`` is told when it is written."""
    if session.workspace is None:
        raise UsageError("the Spark engine reads a workspace or a dataset folder")
    target = session.workspace.root / DATASET_FOLDER
    stamp = store_stamp(session)
    with contextlib.suppress(Exception):
        meta = DatasetMeta.read(target)
        if dict(meta.stamp) == stamp:
            return target, meta, False
    if on_progress is not None:
        on_progress(f"writing the dataset for Spark in {target} …")
    target.parent.mkdir(parents=True, exist_ok=True)
    fresh = target.with_name(f"{target.name}.new-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        meta = _write(session, fresh, pseudonymise=False, stamp=stamp)
        old = target.with_name(f"{target.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        if target.exists():
            target.rename(old)
        fresh.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(fresh, ignore_errors=True)
    return target, meta, True
