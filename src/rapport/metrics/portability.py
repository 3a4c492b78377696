"""Which metrics an engine can't compute, each with the reason, in one place.

Every metric is an Ibis expression meant to give the same number on every engine (the parity
suite, tests/test_spark_parity.py, checks it on Spark). A metric that can't be made to run on
an engine is listed here with the reason, and the runner reports it ``not_computable`` with
that reason on that engine instead of failing. Today the lists are empty: every registered
metric runs on DuckDB and on Spark and gives the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping

from rapport.query.context import Context

__all__ = ["NOT_ON_SPARK", "UNSUPPORTED", "unsupported"]

NOT_ON_SPARK: Mapping[str, str] = {}
"""Metric id → why it can't be computed on Spark (none: every metric runs there)."""

UNSUPPORTED: Mapping[str, Mapping[str, str]] = {"pyspark": NOT_ON_SPARK}
"""Ibis backend name (``Context.settings['backend']``) → metric id → the reason."""
_NAMES = {"pyspark": "Spark", "duckdb": "DuckDB"}


def unsupported(metric_id: str, context: Context) -> str | None:
    """Why ``metric_id`` can't be computed on the context's engine (None: it can)."""
    backend = context.settings.get("backend")
    reason = UNSUPPORTED.get(str(backend), {}).get(metric_id)
    if reason is None:
        return None
    return f"not computed on {_NAMES.get(str(backend), str(backend))}: {reason}"
