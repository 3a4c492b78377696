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
from typing import TYPE_CHECKING, Literal

import ibis.expr.types as ir

from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.charts.figure import Figure
    from rapport.session import Session

__all__ = [
    "DEFAULT_WEIGHT",
    "UNIT_DOMAINS",
    "Area",
    "Domain",
    "Measure",
    "MetricSpec",
    "Need",
    "area",
    "area_ids",
    "areas",
    "get_area",
    "get_metric",
    "metric",
    "metrics",
    "objective_weights",
]

DEFAULT_WEIGHT = 0.6
"""How much an area weighs for an objective that does not name it (and with no goal set)."""
Unit = Literal[
    "count", "fraction", "hours", "days", "posts per week", "currency", "people", "ratio",
    "per post", "per 1,000 engagements", "hour of day", "weekday", "score", "sentiment",
]  # fmt: skip
Direction = Literal["higher", "lower", "neutral"]
Domain = tuple[float | None, float | None]
"""The values a quantity can take: (lowest, highest), ``None`` for an unbounded side."""

UNIT_DOMAINS: Mapping[str, Domain] = {
    "fraction": (0.0, 1.0),
    "count": (0.0, None),
    "people": (0.0, None),
    "hours": (0.0, None),
    "days": (0.0, None),
    "posts per week": (0.0, None),
    "per post": (0.0, None),
    "currency": (0.0, None),
    "per 1,000 engagements": (0.0, None),
    "ratio": (0.0, None),
    "hour of day": (0.0, 23.0),
    "weekday": (0.0, 6.0),
    "sentiment": (-1.0, 1.0),  # a VADER compound score
}
"""The domain each unit implies. A ``score`` has none: its metric declares one."""


@dataclass(frozen=True)
class Need:
    """Data a metric can't do without, in words a user understands."""

    label: str
    check: Callable[[Tables, Context], ir.BooleanScalar]


@dataclass(frozen=True)
class Measure:
    """The expressions a metric returns.

    ``value`` is the metric; ``n`` the sample size it rests on; ``successes`` with ``n`` turns
    a fraction into a Wilson interval; ``interval`` gives explicit bounds instead (from a
    method that keeps them inside the metric's domain, such as
    :func:`rapport.query.common.mean_interval`); ``extra`` holds more named numbers shown
    beside the value (a percentile, a count of unanswered).
    """

    value: ir.Scalar
    n: ir.Scalar | None = None
    successes: ir.Scalar | None = None
    interval: tuple[ir.Scalar, ir.Scalar] | None = None
    extra: Mapping[str, ir.Scalar | int | float | str | bool] = field(default_factory=dict)
    basis: str | None = None
    """Which data the value was computed from, when a metric can use more than one source."""
    interval_note: ir.Scalar | str | None = None
    """Why there is no interval, when there is none ("n = 2: too few posts for an
    interval", "a count, not an estimate"); null where the interval exists."""


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
    domain: Domain = (None, None)
    """The values the metric can take, (lowest, highest) with ``None`` for an unbounded side:
    its value and its interval always lie inside."""


@dataclass(frozen=True)
class Area:
    """One area of the practice (engagement, community, answering people …), declared once in
    its module under ``rapport.metrics.builtin``: the report's section, the principle it
    stands for, how much it weighs for each objective, and the figures the report draws."""

    id: str
    title: str
    """The report section's title."""
    principle: str
    """The practitioners' principle the area measures, in one sentence."""
    weights: Mapping[str, float]
    """How much the area matters for each objective (see :data:`rapport.config.OBJECTIVES`);
    an objective not named weighs :data:`DEFAULT_WEIGHT`."""
    position: int
    """Where the area comes in lists and the report when weights tie (lower first)."""
    figures: Callable[[Session], list[Figure]] | None = None
    """The report's charts and tables for the area, built from a session."""

    def weight(self, objective: str | None) -> float:
        """How much the area matters for ``objective`` (no objective: every area alike)."""
        return float(self.weights.get(objective, DEFAULT_WEIGHT)) if objective else DEFAULT_WEIGHT


_AREAS: dict[str, Area] = {}


def area(
    *,
    id: str,
    title: str,
    principle: str,
    weights: Mapping[str, float],
    position: int,
    figures: Callable[[Session], list[Figure]] | None = None,
) -> Area:
    """Declare an area (once, in its module); metrics then name it by ``id``."""
    if id in _AREAS:
        raise ValueError(f"area {id!r} is declared twice")
    if any(a.position == position for a in _AREAS.values()):
        raise ValueError(f"area {id!r}: position {position} is taken")
    declared = Area(id, title, principle, dict(weights), position, figures)
    _AREAS[id] = declared
    return declared


def areas() -> list[Area]:
    """Every declared area, in order (the built-in ones loaded first)."""
    return sorted(_AREAS.values(), key=lambda a: a.position)


def area_ids() -> tuple[str, ...]:
    """The ids of :func:`areas`, in order."""
    return tuple(a.id for a in areas())


def get_area(id: str) -> Area:
    areas()
    return _AREAS[id]


def objective_weights(objective: str | None) -> dict[str, float]:
    """Area id -> how much it matters for ``objective`` (the findings' and the planner's
    ranking; every area :data:`DEFAULT_WEIGHT` without a goal)."""
    return {a.id: a.weight(objective) for a in areas()}


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
    domain: Domain | None = None,
) -> Callable[[Callable[[Tables, Context], Measure]], MetricSpec]:
    """Register a metric function under a declared spec.

    ``domain`` is the values the metric can take, (lowest, highest) with ``None`` for an
    unbounded side; by default the one its unit implies (:data:`UNIT_DOMAINS`: a fraction
    0 to 1, a count 0 and up …). Declare it where the metric differs (an engagement rate can
    exceed 1), and always for a ``score``.
    """
    bounds = _domain(id, unit, domain)

    def register(compute: Callable[[Tables, Context], Measure]) -> MetricSpec:
        if id in _REGISTRY:
            raise ValueError(f"metric {id!r} is registered twice")
        if area not in _AREAS:
            raise ValueError(
                f"metric {id!r}: unknown area {area!r}; declare it first with area(...)"
            )
        spec = MetricSpec(
            id, area, title, unit, denominator, direction, description, why, needs, compute,
            vanity, bounds,
        )  # fmt: skip
        _REGISTRY[id] = spec
        return spec

    return register


def _domain(id: str, unit: str, domain: Domain | None) -> Domain:
    """The declared domain, else the unit's; checked to be an interval."""
    if domain is None:
        if unit not in UNIT_DOMAINS:
            raise ValueError(f"metric {id!r}: unit {unit!r} implies no domain; declare domain=")
        return UNIT_DOMAINS[unit]
    low, high = domain
    if low is not None and high is not None and not low < high:
        raise ValueError(f"metric {id!r}: domain {domain!r} is empty; expected low < high")
    return (None if low is None else float(low), None if high is None else float(high))


def metrics() -> list[MetricSpec]:
    """Every registered metric, in area order then registration order."""
    order = {a.id: a.position for a in areas()}
    return sorted(_REGISTRY.values(), key=lambda s: order[s.area])


def get_metric(id: str) -> MetricSpec:
    return _REGISTRY[id]
