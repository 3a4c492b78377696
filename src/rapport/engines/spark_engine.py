"""The Spark engine: the partitioned dataset as Ibis tables over ``ibis.pyspark``.

:class:`SparkEngine` reads a dataset folder (or any location Spark reads, ``s3a://…``) as
temporary views, one per table, in the canonical columns and types. A
:class:`~rapport.session.Session` over it (:meth:`Session.on_dataset`, :meth:`Session.on_spark`)
has the same API as one over the store, and its context says ``backend == "pyspark"``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport.engines.base import EngineName
from rapport.engines.dataset import (
    CANONICAL_AND_FEATURES,
    FEATURE_TABLES,
    META_FILE,
    PARTITIONED,
    DatasetMeta,
    dataset_schema,
)
from rapport.engines.spark import spark_session
from rapport.localtime import LocalZone
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.config import Config

__all__ = ["SparkEngine", "dataset_engine", "is_uri"]

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_uri(location: str | Path) -> bool:
    """Whether ``location`` names a place by URI (``s3a://…``, ``file:///…``), read as given."""
    return isinstance(location, str) and bool(_URI.match(location))


def _read_meta(spark: Any, location: str) -> DatasetMeta:
    where = f"{location}/{META_FILE}"
    if not is_uri(location):
        return DatasetMeta.read(Path(location))
    try:
        rows = spark.read.text(where, wholetext=True).collect()
    except Exception as exc:
        from rapport.errors import InputNotFound

        raise InputNotFound(where, what=f"a partitioned dataset's meta.json ({exc})") from None
    return DatasetMeta.parse(str(rows[0][0]) if rows else "", where=where)


class SparkEngine:
    """A partitioned dataset read by Spark, as Ibis tables (temporary views, dropped on
    :meth:`close`; the Spark session itself stays, one per process)."""

    def __init__(self, spark: Any, *, location: str, meta: DatasetMeta, master: str) -> None:
        import ibis

        self.spark = spark
        self.location = location.rstrip("/")
        self.meta = meta
        self.master = master
        self._backend = ibis.pyspark.connect(spark)
        self._prefix = f"rapport_{uuid.uuid4().hex[:10]}"
        self._views: list[str] = []

    @property
    def name(self) -> EngineName:
        return "spark"

    @property
    def backend(self) -> Any:
        return self._backend

    def _view(self, name: str) -> Any:
        import pyarrow as pa
        from pyspark.sql.pandas.types import from_arrow_schema

        schema = dataset_schema(name)
        columns = list(schema.names)
        if name in PARTITIONED:
            if "platform" not in columns:
                schema = schema.append(pa.field("platform", pa.string()))
            schema = schema.append(pa.field("month", pa.string()))
        frame = self.spark.read.schema(from_arrow_schema(schema)).parquet(f"{self.location}/{name}")
        view = f"{self._prefix}_{name}"
        frame.select(*columns).createOrReplaceTempView(view)
        self._views.append(view)
        return self._backend.table(view)

    def tables(self, *, audience: str) -> Tables:
        from rapport.store.enrich import text_hash

        held = set(self.meta.tables) or set(CANONICAL_AND_FEATURES)
        found = {name: self._view(name) for name in CANONICAL_AND_FEATURES if name in held}
        wanted = text_hash(audience.strip()) if audience.strip() else None
        if wanted is not None and self.meta.audience_hash != wanted:
            found.pop("relevance", None)  # scored for another audience: not these people
        features = {name: found.pop(name, None) for name in FEATURE_TABLES}
        return Tables(**found, **features)

    def zone(self, configured: str | None) -> LocalZone:
        if configured:
            return LocalZone(configured, "rapport.toml")
        source = self.meta.zone_source
        known = source if source in ("rapport.toml", "export", "machine") else "export"
        return LocalZone(self.meta.zone, known)  # type: ignore[arg-type]

    def settings(self) -> Config:
        """The workspace settings the dataset was written with (the defaults, if none)."""
        from pydantic import ValidationError

        from rapport.config import Config
        from rapport.errors import WrongFormat

        try:
            return Config.model_validate(dict(self.meta.config))
        except ValidationError as exc:
            raise WrongFormat(f"{self.location}/{META_FILE}",
                              expected="rapport.toml's settings under 'config'",
                              found=str(exc).splitlines()[0]) from None  # fmt: skip

    def close(self) -> None:
        for view in self._views:
            try:
                self.spark.catalog.dropTempView(view)
            except Exception:  # the session was stopped meanwhile
                continue
        self._views.clear()

    def __repr__(self) -> str:
        return f"<SparkEngine {self.master} reading {self.location}>"


def dataset_engine(
    location: str | Path,
    *,
    master: str = "local[2]",
    on_progress: Callable[[str], None] | None = None,
) -> SparkEngine:
    """Spark (started if needed) over the partitioned dataset at ``location``: a folder,
    or any URI Spark reads, as given. A missing or wrong folder is said before Spark starts."""
    where = str(location) if is_uri(location) else str(Path(location).expanduser().resolve())
    if not is_uri(where):
        DatasetMeta.read(Path(where))
    spark = spark_session(master=master, on_progress=on_progress)
    return SparkEngine(spark, location=where, meta=_read_meta(spark, where), master=master)
