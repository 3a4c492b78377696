"""Metrics: declared specs plus Ibis expressions, run on any Ibis backend."""

from rapport.metrics.run import MetricResult, run_metrics, wilson_interval
from rapport.metrics.spec import AREAS, Measure, MetricSpec, Need, get_metric, metric, metrics

__all__ = [
    "AREAS",
    "Measure",
    "MetricResult",
    "MetricSpec",
    "Need",
    "get_metric",
    "metric",
    "metrics",
    "run_metrics",
    "wilson_interval",
]
