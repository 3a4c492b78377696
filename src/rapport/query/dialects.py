"""Where Ibis writes SQL whose result differs between backends, the one correction rapport makes.

Metric code is written once, in Ibis; :mod:`rapport.query.common` routes the few builtins that
exist on one engine only (``epoch``, ``timezone``, ``unix_micros``, ``from_utc_timestamp``).
This module corrects what Ibis itself compiles differently, so that every rapport query,
whoever wrote it, gives DuckDB's answer on Spark too. It is applied when :mod:`rapport.query`
is imported, and only changes Ibis's PySpark compiler.

- **A count with a condition over no rows.** ``table.count(where=c)`` is ``count_if(c)`` on
  DuckDB, 0 over no rows; Ibis 12 writes ``SUM(CAST(c AS BIGINT))`` for Spark, which is NULL
  over no rows (or when ``c`` is null on every row), so a metric would lose a count of 0
  (an empty period, a group without a match). Spark's own ``count_if`` gives 0, as DuckDB.
"""

from __future__ import annotations

from typing import Any

__all__ = ["apply"]

_APPLIED = False


def _count_star(self: Any, op: Any, *, arg: Any, where: Any) -> Any:
    import sqlglot.expressions as sge

    if where is not None:
        return self.f.count_if(where)
    return self.f.count(sge.Star())


def apply() -> None:
    """Correct Ibis's PySpark compiler (once; nothing happens without it)."""
    global _APPLIED
    if _APPLIED:
        return
    try:
        from ibis.backends.sql.compilers.pyspark import PySparkCompiler
    except ImportError:  # an Ibis without the PySpark compiler: nothing to correct
        return
    PySparkCompiler.visit_CountStar = _count_star
    _APPLIED = True
