"""Metrics: declared specs plus Ibis expressions, run on any Ibis backend.

Importing this package loads the built-in areas (:mod:`rapport.metrics.builtin`), so the
registries of areas, metrics and tables are complete whichever module is imported first.
"""

from rapport.metrics.portability import NOT_ON_SPARK
from rapport.metrics.run import MetricResult, run_metrics, wilson_interval
from rapport.metrics.spec import (
    Area,
    Measure,
    MetricSpec,
    Need,
    area_ids,
    areas,
    get_area,
    get_metric,
    metric,
    metrics,
)

__all__ = [
    "NOT_ON_SPARK",
    "Area",
    "Measure",
    "MetricResult",
    "MetricSpec",
    "Need",
    "area_ids",
    "areas",
    "get_area",
    "get_metric",
    "metric",
    "metrics",
    "run_metrics",
    "wilson_interval",
]

from rapport.metrics import builtin as builtin
