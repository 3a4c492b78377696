"""The planner's result types: a plan, its steps, the areas skipped and those already led."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from rapport.strategy.benchmark.model import Benchmark, Window

__all__ = ["Leading", "Plan", "Skipped", "Step"]


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
    leader: float
    leader_handle: str
    target: float
    gap: float
    own_rank: int
    action: str
    hours_per_week: float
    weeks_to_first: float
    weeks_to_first_at_trend: float | None
    trend: str
    start_week: int
    weight: float
    score: float
    reason: str

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
class Plan:
    """The industry-rule plan: the areas to become number one in, one after another,
    within the weekly hours, and the areas led or skipped with the reason."""

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

    @property
    def available_hours_per_week(self) -> float:
        return max(0.0, self.weekly_hours - self.current_hours_per_week)

    @property
    def planned_hours_per_week(self) -> float:
        return sum(s.hours_per_week for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        return {
            "objective": self.objective,
            "weekly_hours": self.weekly_hours,
            "current_hours_per_week": _r(self.current_hours_per_week, 2),
            "available_hours_per_week": _r(self.available_hours_per_week, 2),
            "planned_hours_per_week": _r(self.planned_hours_per_week, 2),
            "window": self.window.to_dict(),
            "steps": [s.to_dict() for s in self.steps],
            "skipped": [s.to_dict() for s in self.skipped],
            "already_leading": [a.to_dict() for a in self.already_leading],
            "notices": list(self.notices),
        }
