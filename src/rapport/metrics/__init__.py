"""Metrics: declared specs plus Ibis expressions, run on any Ibis backend."""

from rapport.metrics.run import MetricResult, build_context, run_metrics, wilson_interval
from rapport.metrics.spec import (
    AREAS,
    Context,
    Measure,
    MetricSpec,
    Need,
    get_metric,
    metric,
    metrics,
)

__all__ = [
    "AREAS",
    "Context",
    "Measure",
    "MetricResult",
    "MetricSpec",
    "Need",
    "build_context",
    "get_metric",
    "metric",
    "metrics",
    "run_metrics",
    "wilson_interval",
]
