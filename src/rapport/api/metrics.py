"""Metrics and the rows behind them, on a session's data."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from rapport.metrics.findings import Finding, findings
from rapport.metrics.run import MetricResult, run_metrics
from rapport.metrics.tables import MetricTable, get_table, metric_tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "Finding",
    "MetricResult",
    "MetricTable",
    "findings",
    "metric_table",
    "metric_tables",
    "run_metrics",
]


def metric_table(session: Session, table: str) -> pd.DataFrame:
    """The rows behind a metric (per post, per person, cohorts …) as a data frame; the ids
    are those of :func:`metric_tables`."""
    spec = get_table(table)
    frame: pd.DataFrame = session.execute(spec.build(session.tables, session.context))
    return frame
