"""Metric specs and the registry.

A metric is a declared :class:`MetricSpec` plus one function that takes the canonical
:class:`~rapport.query.tables.Tables` and a :class:`Context` and returns a :class:`Measure` of Ibis
expressions. The function never opens a connection. Before it runs, the runner checks the
spec's ``needs``; a metric whose data is missing is reported ``not_computable`` with the
need's words, never as a zero.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import ibis.expr.types as ir

from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = [
    "AREAS",
    "Measure",
    "MetricSpec",
    "Need",
    "get_metric",
    "metric",
    "metrics",
]

AREAS: tuple[str, ...] = (
    "engagement", "community", "retention", "reciprocity", "promotion", "consistency",
    "content", "audience", "conversions", "sentiment", "timing",
)  # fmt: skip
Unit = Literal[
    "count", "fraction", "hours", "days", "posts per week", "currency", "people", "ratio",
    "per post", "per 1,000 engagements", "hour of day", "weekday", "score", "sentiment",
]  # fmt: skip
Direction = Literal["higher", "lower", "neutral"]


@dataclass(frozen=True)
class Need:
    """Data a metric can't do without, in words a user understands."""

    label: str
    check: Callable[[Tables, Context], ir.BooleanScalar]


@dataclass(frozen=True)
class Measure:
    """The expressions a metric returns.

    ``value`` is the metric; ``n`` the sample size it rests on; ``successes`` with ``n`` turns
    a fraction into a Wilson interval; ``interval`` gives explicit bounds instead; ``extra``
    holds more named numbers shown beside the value (a percentile, a count of unanswered).
    """

    value: ir.Scalar
    n: ir.Scalar | None = None
    successes: ir.Scalar | None = None
    interval: tuple[ir.Scalar, ir.Scalar] | None = None
    extra: Mapping[str, ir.Scalar | int | float | str | bool] = field(default_factory=dict)
    basis: str | None = None
    """Which data the value was computed from, when a metric can use more than one source."""


@dataclass(frozen=True)
class MetricSpec:
    id: str
    area: str
    title: str
    unit: Unit
    denominator: str
    direction: Direction
    description: str
    why: str
    needs: tuple[Need, ...]
    compute: Callable[[Tables, Context], Measure]
    vanity: bool = False
    """A number that flatters (reach, likes, followers), shown beside relationship numbers."""


_REGISTRY: dict[str, MetricSpec] = {}


def metric(
    *,
    id: str,
    area: str,
    title: str,
    unit: Unit,
    denominator: str,
    direction: Direction,
    description: str,
    why: str,
    needs: tuple[Need, ...] = (),
    vanity: bool = False,
) -> Callable[[Callable[[Tables, Context], Measure]], MetricSpec]:
    """Register a metric function under a declared spec."""

    def register(compute: Callable[[Tables, Context], Measure]) -> MetricSpec:
        if id in _REGISTRY:
            raise ValueError(f"metric {id!r} is registered twice")
        if area not in AREAS:
            raise ValueError(f"metric {id!r}: unknown area {area!r}; use one of {AREAS}")
        spec = MetricSpec(
            id, area, title, unit, denominator, direction, description, why, needs, compute, vanity
        )
        _REGISTRY[id] = spec
        return spec

    return register


def metrics() -> list[MetricSpec]:
    """Every registered metric, in area order then registration order."""
    order = {area: i for i, area in enumerate(AREAS)}
    return sorted(_REGISTRY.values(), key=lambda s: order[s.area])


def get_metric(id: str) -> MetricSpec:
    return _REGISTRY[id]
