"""Metric tables: the rows behind the numbers (per post, per person, cohorts, slots).

Each table is a registered function returning an Ibis table expression, like a metric;
``rapport metrics --table ID --format csv|json`` writes one, and the report shows them beside
its charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis.expr.types as ir

from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = ["MetricTable", "get_table", "metric_tables", "table"]


@dataclass(frozen=True)
class MetricTable:
    """The rows behind a metric (per post, per person, cohorts …), as a registered
    query."""

    id: str
    title: str
    description: str
    build: Callable[[Tables, Context], ir.Table]


_TABLES: dict[str, MetricTable] = {}


def table(
    id: str, title: str, description: str
) -> Callable[[Callable[[Tables, Context], ir.Table]], Callable[[Tables, Context], ir.Table]]:
    def register(
        build: Callable[[Tables, Context], ir.Table],
    ) -> Callable[[Tables, Context], ir.Table]:
        _TABLES[id] = MetricTable(id, title, description, build)
        return build

    return register


def metric_tables() -> list[MetricTable]:
    """Every registered table, in the order their areas were loaded."""
    return list(_TABLES.values())


def get_table(id: str) -> MetricTable:
    from rapport.errors import UsageError

    if id not in _TABLES:
        raise UsageError(f"{id!r}: unknown table; known tables: {', '.join(_TABLES)}")
    return _TABLES[id]
