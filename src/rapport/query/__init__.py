"""The query vocabulary every layer above the store speaks.

- :mod:`rapport.query.tables`: the canonical tables as Ibis expressions (:class:`Tables`).
- :mod:`rapport.query.context`: whose accounts and which period (:class:`Context`, with an
  account set), and the survey of what the data holds (:data:`FACTS`).
- :mod:`rapport.query.common`: building blocks shared by metrics, series, analyses and
  strategy (the data's end, engagement per post, weeks, seconds since 1970 …).
- :mod:`rapport.query.cache`: what a read worked out, kept beside the store until a write
  or a change of code makes it stale (the survey, the metrics' compiled SQL).
- :mod:`rapport.query.dialects`: where Ibis compiles a query to SQL whose result differs on
  one engine, the correction (applied on import).

Everything returns Ibis expressions and opens no connection, so the same code runs on DuckDB
and PySpark and compiles on unbound tables.
"""

from rapport.query import dialects
from rapport.query.context import FACTS, Context, build_context, survey
from rapport.query.tables import FEATURE_SCHEMAS, Tables

dialects.apply()  # the same answers on every engine (see rapport.query.dialects)

__all__ = ["FACTS", "FEATURE_SCHEMAS", "Context", "Tables", "build_context", "survey"]
