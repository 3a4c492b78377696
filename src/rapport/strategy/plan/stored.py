"""Plans kept in the store, and the progress made since the last one.

Each plan is one row of the ``plans`` table (migration ``0005_plans_and_care``) whose
``plan`` column holds JSON: ``{"format": "rapport-plan/1", "plan": Plan.to_dict(),
"benchmark": Benchmark.to_dict()}``. The benchmark travels with the plan so that progress
can compare the values then and now, and so that earlier benchmarks serve as history for
the current trend.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapport.store import Store
from rapport.store.plans import insert_plan, plan_rows
from rapport.strategy.benchmark import competitor_benchmark
from rapport.strategy.benchmark.model import Area, Benchmark
from rapport.strategy.plan.model import Plan

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "FORMAT",
    "AreaProgress",
    "Progress",
    "StoredPlan",
    "benchmark_history",
    "latest_plans",
    "plan_progress",
    "save_plan",
]

FORMAT = "rapport-plan/1"
_EPSILON = 1e-9


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class StoredPlan:
    plan_id: int
    created_at: dt.datetime
    objective: str | None
    weekly_hours: float | None
    data_end: dt.datetime | None
    plan: Mapping[str, Any]
    benchmark: Benchmark | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id,
            "created_at": _iso(self.created_at),
            "objective": self.objective,
            "weekly_hours": self.weekly_hours,
            "data_end": _iso(self.data_end),
            "plan": dict(self.plan),
        }


def save_plan(store: Store, plan: Plan) -> int:
    """Store ``plan`` (with its benchmark) and return its id (``store`` open for writing)."""
    payload = {
        "format": FORMAT,
        "plan": plan.to_dict(),
        "benchmark": plan.benchmark.to_dict() if plan.benchmark is not None else None,
    }
    return insert_plan(
        store,
        payload,
        objective=plan.objective,
        weekly_hours=plan.weekly_hours,
        data_end=plan.window.end,
    )


def latest_plans(store: Store, *, n: int = 2) -> list[StoredPlan]:
    """The ``n`` most recent stored plans, newest first."""
    found = []
    for row in plan_rows(store, n=n):
        bench = row.payload.get("benchmark")
        found.append(
            StoredPlan(
                plan_id=row.plan_id,
                created_at=row.created_at,
                objective=row.objective,
                weekly_hours=row.weekly_hours,
                data_end=row.data_end,
                plan=row.payload.get("plan", {}),
                benchmark=Benchmark.from_dict(bench) if bench else None,
            )
        )
    return found


def benchmark_history(store: Store, *, n: int = 5) -> list[Benchmark]:
    """The benchmarks stored with the last ``n`` plans, oldest first (``make_plan(history=)``)."""
    return [p.benchmark for p in reversed(latest_plans(store, n=n)) if p.benchmark is not None]


@dataclass(frozen=True)
class AreaProgress:
    """One planned (or led) area: its numbers when the plan was made and now."""

    area: str
    metric: str
    movement: str
    """``number one``, ``closer``, ``further``, ``unchanged``, ``still leading``,
    ``lost the lead`` or ``not computable now``."""
    then: float | None
    now: float | None
    leader_then: str | None
    leader_now: str | None
    gap_then: float | None
    gap_now: float | None
    rank_then: int | None
    rank_now: int | None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "area": self.area,
            "metric": self.metric,
            "movement": self.movement,
            "then": r(self.then),
            "now": r(self.now),
            "change": None if self.then is None or self.now is None else r(self.now - self.then),
            "leader_then": self.leader_then,
            "leader_now": self.leader_now,
            "gap_then": r(self.gap_then),
            "gap_now": r(self.gap_now),
            "rank_then": self.rank_then,
            "rank_now": self.rank_now,
            "note": self.note,
        }


@dataclass(frozen=True)
class Progress:
    """Movement in each planned area since the last stored plan."""

    plan_id: int | None
    planned_at: dt.datetime | None
    data_end_then: dt.datetime | None
    data_end_now: dt.datetime
    areas: tuple[AreaProgress, ...] = ()
    leads: tuple[AreaProgress, ...] = ()
    notices: tuple[str, ...] = field(default_factory=tuple)

    @property
    def weeks_between(self) -> float | None:
        if self.data_end_then is None:
            return None
        return (self.data_end_now - self.data_end_then).total_seconds() / (7 * 86400.0)

    def to_dict(self) -> dict[str, Any]:
        weeks = self.weeks_between
        return {
            "plan_id": self.plan_id,
            "planned_at": _iso(self.planned_at),
            "then": _iso(self.data_end_then),
            "now": _iso(self.data_end_now),
            "weeks_between": None if weeks is None else round(weeks, 1),
            "areas": [a.to_dict() for a in self.areas],
            "leads": [a.to_dict() for a in self.leads],
            "notices": list(self.notices),
        }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _movement(
    area_id: str, metric: str, then: Mapping[str, Any], now: Area | None, *, led: bool
) -> AreaProgress:
    value_then = _number(then.get("now"))
    leader_then = then.get("runner_up") if led else then.get("leader_handle")
    gap_then = 0.0 if led else _number(then.get("gap"))
    rank_then = 1 if led else then.get("own_rank")
    if now is None or now.own is None:
        note = "the area is not in today's benchmark" if now is None else now.note
        return AreaProgress(
            area_id, metric, "not computable now", value_then, None, leader_then, None,
            gap_then, None, rank_then, None, note,
        )  # fmt: skip
    gap_now = now.gap
    if led:
        movement = "still leading" if now.own_rank == 1 else "lost the lead"
    elif now.own_rank == 1:
        movement = "number one"
    elif gap_then is None or gap_now is None:
        movement = "unchanged"
    elif gap_now < gap_then - _EPSILON:
        movement = "closer"
    elif gap_now > gap_then + _EPSILON:
        movement = "further"
    else:
        movement = "unchanged"
    leader_now = now.leader.handle if now.leader is not None else None
    return AreaProgress(
        area_id, metric, movement, value_then, now.own.value, leader_then, leader_now,
        gap_then, gap_now, rank_then, now.own_rank, now.note,
    )  # fmt: skip


def plan_progress(
    session: Session, *, benchmark: Benchmark | None = None, window_days: int | None = 90
) -> Progress:
    """Movement in each planned area since the last stored plan.

    ``benchmark`` is today's (measured over ``window_days`` when not given). The plan
    compared with is the latest one made on data that ended before this benchmark's window
    does (so saving today's plan first does not hide the movement); if every stored plan is
    as recent, the latest one.
    """
    if benchmark is None:
        benchmark = competitor_benchmark(session, window_days=window_days)
    config = session.config
    plans = latest_plans(session.store, n=50)
    end = benchmark.window.end
    if not plans:
        return Progress(None, None, None, end, notices=(
            "No plan stored yet: run `rapport plan` first; its areas are followed here "
            "from then on.",))  # fmt: skip
    older = [p for p in plans if p.data_end is not None and p.data_end < end]
    chosen = older[0] if older else plans[0]
    notices = []
    if not older:
        notices.append(f"No new data since plan {chosen.plan_id}: both end at {_iso(end)}.")
    if chosen.objective != config.goal.objective:
        notices.append(f"The objective changed since plan {chosen.plan_id} "
                       f"({chosen.objective} → {config.goal.objective}): run `rapport plan` "
                       "for a plan that follows it.")  # fmt: skip
    steps = chosen.plan.get("steps", [])
    areas = tuple(
        _movement(s["area"], s["metric"], s, benchmark.area(s["area"]), led=False) for s in steps
    )
    leads = tuple(
        _movement(a["area"], a["metric"], a, benchmark.area(a["area"]), led=True)
        for a in chosen.plan.get("already_leading", [])
    )
    return Progress(chosen.plan_id, chosen.created_at, chosen.data_end, end, areas, leads,
                    tuple(notices))  # fmt: skip
