"""The engines a session computes on: DuckDB over the store (the default) or Spark over the
partitioned dataset.

- :mod:`rapport.engines.base`: the :class:`Engine` a session runs on, and the store's;
- :mod:`rapport.engines.dataset`: the partitioned Parquet dataset both engines read;
- :mod:`rapport.engines.export`: writing it from a workspace (``rapport export
  --partitioned``, and the copy the Spark engine keeps fresh);
- :mod:`rapport.engines.plans`: a metrics run's SQL on DuckDB, recorded once and sent again
  without Ibis;
- :mod:`rapport.engines.spark`: the process's Spark session (pyspark imported there only);
- :mod:`rapport.engines.spark_engine`: sessions on Spark.
"""

from __future__ import annotations

from rapport.engines.base import Engine, EngineName, StoreEngine
from rapport.errors import UsageError

__all__ = ["ENGINES", "Engine", "EngineName", "StoreEngine", "check_engine"]

ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


def check_engine(engine: str) -> EngineName:
    """``engine`` if it names one (``duckdb`` or ``spark``), else a UsageError."""
    for name in ENGINES:
        if engine == name:
            return name
    raise UsageError(f"engine {engine!r}: expected duckdb or spark", option="engine")
