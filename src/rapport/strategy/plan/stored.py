"""Plans kept in the store, and the progress made since the last one.

Each plan is one row of the ``plans`` table (migration ``0005_plans_and_care``) whose
``plan`` column holds JSON: ``{"format": "rapport-plan/1", "plan": Plan.to_dict(),
"benchmark": Benchmark.to_dict()}``. The benchmark travels with the plan so that progress
can compare the values then and now, and so that earlier benchmarks serve as history for
the current trend.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapport.store import Store
from rapport.store.plans import insert_plan, plan_rows
from rapport.strategy.benchmark.compare import format_gap, format_value
from rapport.strategy.benchmark.own_past import workspace_benchmark
from rapport.strategy.benchmark.result import Benchmark
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
_EPSILON = 1e-6
"""Changes smaller than this are rounding (stored values keep six decimals)."""


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


_WORDS = {
    "number one": "number one now",
    "on target": "on target now",
    "closer": "closing in",
    "further": "falling behind",
    "unchanged": "unchanged",
    "still leading": "still number one",
    "lost the lead": "lost the lead",
    "still on target": "still on target",
    "off target": "off target again",
    "not computable now": "not computable now",
}


@dataclass(frozen=True)
class AreaProgress:
    """One planned (or led, or on-target) area: its numbers when the plan was made and now."""

    area: str
    metric: str
    movement: str
    """``number one``, ``on target``, ``closer``, ``further``, ``unchanged``, ``still
    leading``, ``lost the lead``, ``still on target``, ``off target`` or ``not computable
    now``."""
    then: float | None
    now: float | None
    leader_then: str | None
    leader_now: str | None
    gap_then: float | None
    gap_now: float | None
    rank_then: int | None
    rank_now: int | None
    note: str | None = None
    title: str = ""
    unit: str = ""
    basis: str = "leader"
    """What the gap is to: ``leader`` (a competitor) or ``target`` (a target or practice)."""

    @property
    def words(self) -> str:
        """The movement in plain words, with the real values: ``Posts per week: 2.1 a week →
        3.4 a week, gap to the leader 1.5 a week → 0.2 a week: closing in``."""
        name = self.title or self.metric.replace("_", " ")
        if self.area.count(":") and self.area.split(":", 1)[0] not in name:
            name += f" ({self.area.split(':', 1)[0]})"

        def value(v: float | None) -> str:
            return (format_value(self.unit, v) or f"{v:g}") if v is not None else "not known"

        def gap(v: float | None) -> str:
            if v is None:
                return "not known"
            return "none" if v == 0 else format_gap(self.unit, v)

        to = "the leader" if self.basis == "leader" else "your target"
        text = f"{name}: {value(self.then)} → {value(self.now)}"
        if self.gap_then is not None or self.gap_now is not None:
            text += f", gap to {to} {gap(self.gap_then)} → {gap(self.gap_now)}"
        text += f": {_WORDS.get(self.movement, self.movement)}"
        if self.movement == "not computable now" and self.note:
            text += f" ({self.note})"
        return text

    def to_dict(self) -> dict[str, Any]:
        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "area": self.area,
            "metric": self.metric,
            "title": self.title,
            "unit": self.unit,
            "basis": self.basis,
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
            "words": self.words,
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
    def unchanged(self) -> bool:
        """Nothing moved in any followed area since the plan."""
        followed = (*self.areas, *self.leads)
        return bool(followed) and all(
            a.movement in ("unchanged", "still leading", "still on target")
            and a.then is not None
            and a.now is not None
            and abs(a.now - a.then) <= _EPSILON
            for a in followed
        )

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
            "unchanged": self.unchanged,
            "areas": [a.to_dict() for a in self.areas],
            "leads": [a.to_dict() for a in self.leads],
            "notices": list(self.notices),
        }


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class _Standing:
    """An area in today's benchmark: the own value, the gap and rank, or why not."""

    now: float | None
    gap: float | None
    rank: int | None
    leader: str | None
    first: bool
    """Number one (against competitors) or on target (against the own past)."""
    note: str | None


def _standing(bench: Benchmark, area_id: str, target: float | None) -> _Standing | None:
    area = bench.area(area_id)
    if area is not None:
        if area.own is None or area.own.value is None:
            return _Standing(None, None, None, None, False, area.note)
        leader = area.leader.handle if area.leader is not None else None
        return _Standing(float(area.own.value), area.gap, area.own_rank, leader,
                         area.own_rank == 1, area.note)  # fmt: skip
    past = bench.past_area(area_id)
    if past is None:
        return None
    if not past.now.ok or past.now.value is None:
        return _Standing(None, None, None, None, False, past.now.reason)
    value = float(past.now.value)
    goal = past.target
    if target is not None and goal is not None:
        goal = dataclasses.replace(goal, value=target)
    gap = goal.gap(value) if goal is not None else None
    return _Standing(value, gap, None, None, gap == 0, None)


def _movement(
    then: Mapping[str, Any], now: _Standing | None, *, kind: str, unit: str, title: str
) -> AreaProgress:
    """``kind``: ``step``, ``led`` (already number one) or ``kept`` (already on target)."""
    area_id, metric = str(then["area"]), str(then["metric"])
    led = kind == "led" or (kind == "step" and then.get("basis", "leader") == "leader")
    basis = "leader" if led else "target"
    value_then = _number(then.get("now"))
    leader_then = then.get("runner_up") if kind == "led" else then.get("leader_handle")
    gap_then = 0.0 if kind in ("led", "kept") else _number(then.get("gap"))
    rank_then = 1 if kind == "led" else then.get("own_rank")
    words = {"unit": unit, "title": title, "basis": basis}
    if now is None or now.now is None:
        note = "the area is not in today's benchmark" if now is None else now.note
        return AreaProgress(
            area_id, metric, "not computable now", value_then, None, leader_then, None,
            gap_then, None, rank_then, None, note, **words,
        )  # fmt: skip
    gap_now = now.gap
    if kind == "led":
        movement = "still leading" if now.first else "lost the lead"
    elif kind == "kept":
        movement = "still on target" if now.first else "off target"
    elif now.first:
        movement = "number one" if basis == "leader" else "on target"
    elif gap_then is None or gap_now is None:
        movement = "unchanged"
    elif gap_now < gap_then - _EPSILON:
        movement = "closer"
    elif gap_now > gap_then + _EPSILON:
        movement = "further"
    else:
        movement = "unchanged"
    return AreaProgress(
        area_id, metric, movement, value_then, now.now, leader_then, now.leader,
        gap_then, gap_now, rank_then, now.rank, now.note, **words,
    )  # fmt: skip


def _spec_words(bench: Benchmark | None, area_id: str) -> tuple[str, str]:
    if bench is None:
        return "", ""
    area = bench.area(area_id)
    spec = area.spec if area is not None else None
    past = bench.past_area(area_id)
    spec = spec or (past.spec if past is not None else None)
    return (spec.unit, spec.title) if spec is not None else ("", "")


def plan_progress(
    session: Session,
    *,
    benchmark: Benchmark | None = None,
    window_days: int | None = 90,
    progress: Callable[[str], None] | None = None,
) -> Progress:
    """Movement in each planned area since the last stored plan.

    ``benchmark`` is today's (measured over ``window_days`` when not given: against the
    competitors, else against the own past). The plan compared with is the latest one made
    on data that ended before this benchmark's window does (so saving today's plan first does
    not hide the movement); if every stored plan is as recent, the latest one.
    ``progress(label)`` is called as each stage starts.
    """
    say = progress or (lambda label: None)
    if benchmark is None:
        say("measuring where you stand")
        benchmark = workspace_benchmark(session, window_days=window_days)
    config = session.config
    say("reading the stored plans")
    plans = latest_plans(session.store, n=50)
    end = benchmark.window.end
    if not plans:
        return Progress(None, None, None, end, notices=(
            "No plan stored yet: run `rapport plan` first; its areas are followed here "
            "from then on.",))  # fmt: skip
    older = [p for p in plans if p.data_end is not None and p.data_end < end]
    chosen = older[0] if older else plans[0]
    say(f"comparing with plan {chosen.plan_id}")
    notices = []
    if not older:
        notices.append(f"No new data since plan {chosen.plan_id}: both end at {_iso(end)}.")
    if chosen.objective != config.goal.objective:
        notices.append(f"The objective changed since plan {chosen.plan_id} "
                       f"({chosen.objective} → {config.goal.objective}): run `rapport plan` "
                       "for a plan that follows it.")  # fmt: skip
    mode_then = str(chosen.plan.get("mode", "competitors"))
    if mode_then != benchmark.mode:
        against = {"competitors": "your competitors", "own_past": "your own past"}
        notices.append(
            f"Plan {chosen.plan_id} compared you with {against.get(mode_then, mode_then)}; "
            f"today's benchmark compares you with {against[benchmark.mode]}: areas it does "
            "not measure are not computable now."
        )

    def follow(item: Mapping[str, Any], kind: str) -> AreaProgress:
        area_id = str(item["area"])
        unit = str(item.get("unit") or "") or _spec_words(chosen.benchmark, area_id)[0]
        title = str(item.get("title") or "") or _spec_words(chosen.benchmark, area_id)[1]
        target = _number(item.get("target")) if kind != "led" else None
        standing = _standing(benchmark, area_id, target)
        return _movement(item, standing, kind=kind, unit=unit, title=title)

    areas = tuple(follow(s, "step") for s in chosen.plan.get("steps", []))
    leads = tuple(
        [follow(a, "led") for a in chosen.plan.get("already_leading", [])]
        + [follow(a, "kept") for a in chosen.plan.get("on_target", [])]
    )
    return Progress(chosen.plan_id, chosen.created_at, chosen.data_end, end, areas, leads,
                    tuple(notices))  # fmt: skip
