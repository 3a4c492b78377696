"""The planner's result types: a plan, its steps, the areas skipped, those already led (against
competitors) or already on target (against the own past), and the words for when a step
starts, shared by the command line and the report."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from rapport.strategy.benchmark.model import Window
from rapport.strategy.benchmark.result import Benchmark

__all__ = [
    "Basis",
    "Leading",
    "OnTarget",
    "Plan",
    "Skipped",
    "Step",
    "plan_reference",
    "start_date",
    "start_words",
]

Basis = Literal["leader", "target", "practice"]
"""What a step aims at: passing a competitor, a rapport.toml target, or a practice."""


def _r(value: float | None, digits: int = 4) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, digits)


@dataclass(frozen=True)
class Step:
    """One area to become number one in, with the action, its cost and its time."""

    order: int
    area: str
    platform: str
    family: str
    metric: str
    title: str
    unit: str
    now: float
    leader: float | None
    """The competitor to pass (its value); None when the step aims at a target."""
    leader_handle: str | None
    target: float
    gap: float
    """How far the value now is from the leader (or, without competitors, the target)."""
    own_rank: int | None
    action: str
    hours_per_week: float
    weeks_to_first: float
    weeks_to_first_at_trend: float | None
    trend: str
    start_week: int
    weight: float
    score: float
    reason: str
    basis: Basis = "leader"
    reaches: str = "number one"
    """What :attr:`weeks_to_first` leads to: ``number one``, ``your target``, ``your ceiling``."""

    @property
    def coming_anyway(self) -> bool:
        """The current trend gets there no later than the effort would."""
        at_trend = self.weeks_to_first_at_trend
        return at_trend is not None and at_trend <= self.weeks_to_first

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "area": self.area,
            "platform": self.platform,
            "family": self.family,
            "metric": self.metric,
            "title": self.title,
            "unit": self.unit,
            "now": _r(self.now, 6),
            "leader": _r(self.leader, 6),
            "leader_handle": self.leader_handle,
            "target": _r(self.target, 6),
            "gap": _r(self.gap, 6),
            "own_rank": self.own_rank,
            "action": self.action,
            "hours_per_week": _r(self.hours_per_week, 2),
            "weeks_to_first": _r(self.weeks_to_first, 1),
            "weeks_to_first_at_trend": _r(self.weeks_to_first_at_trend, 1),
            "trend": self.trend,
            "start_week": self.start_week,
            "weight": self.weight,
            "score": _r(self.score, 3),
            "reason": self.reason,
            "basis": self.basis,
            "reaches": self.reaches,
            "coming_anyway": self.coming_anyway,
        }


@dataclass(frozen=True)
class Skipped:
    area: str
    metric: str
    reason: str
    hours_per_week: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "metric": self.metric,
            "reason": self.reason,
            "hours_per_week": _r(self.hours_per_week, 2),
        }


@dataclass(frozen=True)
class Leading:
    """An area the own account already leads: keep it, don't plan it."""

    area: str
    metric: str
    now: float
    runner_up: str | None
    runner_up_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "metric": self.metric,
            "now": _r(self.now, 6),
            "runner_up": self.runner_up,
            "runner_up_value": _r(self.runner_up_value, 6),
        }


@dataclass(frozen=True)
class OnTarget:
    """An area already at its target (without competitors): keep it, don't plan it."""

    area: str
    metric: str
    now: float
    target: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "area": self.area,
            "metric": self.metric,
            "now": _r(self.now, 6),
            "target": _r(self.target, 6),
            "source": self.source,
        }


@dataclass(frozen=True)
class Plan:
    """The plan: the areas to become number one in among the competitors (or, without them,
    to reach the targets and practices in), one after another, within the weekly hours, and
    the areas led, on target or skipped with the reason."""

    objective: str | None
    weekly_hours: float
    current_hours_per_week: float
    steps: tuple[Step, ...]
    skipped: tuple[Skipped, ...]
    already_leading: tuple[Leading, ...]
    window: Window
    notices: tuple[str, ...] = ()
    benchmark: Benchmark | None = field(default=None, compare=False, repr=False)
    """The benchmark the plan was made from (stored with it, for progress)."""
    mode: str = "competitors"
    """``competitors`` (the industry rule) or ``own_past`` (targets and practices)."""
    on_target: tuple[OnTarget, ...] = ()
    max_promotional_share: float | None = None
    """The promotion ceiling the plan keeps (``targets.max_promotional_share``)."""
    promotions_convert_best: bool = False
    """Promotions bring the most conversions per post: the plan keeps them at the ceiling."""

    @property
    def available_hours_per_week(self) -> float:
        return max(0.0, self.weekly_hours - self.current_hours_per_week)

    @property
    def planned_hours_per_week(self) -> float:
        return sum(s.hours_per_week for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "objective": self.objective,
            "weekly_hours": self.weekly_hours,
            "current_hours_per_week": _r(self.current_hours_per_week, 2),
            "available_hours_per_week": _r(self.available_hours_per_week, 2),
            "planned_hours_per_week": _r(self.planned_hours_per_week, 2),
            "window": self.window.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "skipped": [s.to_dict() for s in self.skipped],
            "already_leading": [a.to_dict() for a in self.already_leading],
            "on_target": [a.to_dict() for a in self.on_target],
            "max_promotional_share": self.max_promotional_share,
            "promotions_convert_best": self.promotions_convert_best,
            "notices": list(self.notices),
        }


def plan_reference(created_at: dt.datetime, data_end: dt.datetime | None) -> dt.date:
    """The day a plan's week 0 begins: the later of the day it was made and the data's end
    (a synthetic world can end after today)."""
    made = created_at.astimezone(dt.UTC).date()
    if data_end is None:
        return made
    return max(made, data_end.astimezone(dt.UTC).date())


def start_date(start_week: int, reference: dt.date) -> dt.date:
    """The day a step starts: ``start_week`` weeks after the plan's reference day."""
    return reference + dt.timedelta(days=7 * max(0, start_week))


def start_words(start_week: int, reference: dt.date | None = None) -> str:
    """When a step starts, in words: ``now``, or ``in 4 weeks (from 2026-06-01)``.

    Weeks count from the day the plan was made (:func:`plan_reference`); the command line
    and the report both say it this way.
    """
    if start_week <= 0:
        return "now"
    words = f"in {start_week} week{'' if start_week == 1 else 's'}"
    if reference is not None:
        words += f" (from {start_date(start_week, reference).isoformat()})"
    return words
