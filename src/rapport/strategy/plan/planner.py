"""The plan: a few steps, one after another, within the weekly hours.

Against competitors it is the industry rule: "Isolate a few potential digital advantages
where you, with manageable effort and investment, can become number one amongst your
closest competitors." For every area of a :class:`~rapport.strategy.benchmark.Benchmark`
the own account does not lead, the planner estimates the effort to pass the leader (extra
posts, answers, questions … turned into hours a week with the unit costs of ``[costs]``),
how long it takes at that effort and at the current trend, scores the reachable ones by the
workspace's objective (each metric area's declared weights) and sequences the best few, one
after another, so that the hours never exceed ``targets.weekly_hours``.

Without competitors (an ``own_past`` benchmark) the same selection plans toward the
workspace's targets and the practices rapport stands for (:mod:`rapport.strategy.plan.
practices`). Either way no step works against the objective: the promotional share is never
planned below the workspace's ceiling, and when promotions bring the most conversions per
post the plan says so. Steps the current trend brings anyway come after those that need
effort. See ``docs/strategy.md``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

from rapport.config import OBJECTIVES, Config, EffortCosts
from rapport.metrics.spec import DEFAULT_WEIGHT, get_area
from rapport.strategy.benchmark.model import Area, Window
from rapport.strategy.benchmark.result import ADD_COMPETITORS, Benchmark
from rapport.strategy.plan.conversions import KindConversions
from rapport.strategy.plan.levers import LEVERS, NO_LEVER, Effort, LeverInput
from rapport.strategy.plan.model import Basis, Leading, OnTarget, Plan, Skipped, Step
from rapport.strategy.plan.practices import past_trend, practice_effort
from rapport.strategy.plan.stored import (
    AreaProgress,
    Progress,
    StoredPlan,
    benchmark_history,
    latest_plans,
    plan_progress,
    save_plan,
)

__all__ = [
    "DEFAULT_WEIGHT",
    "AreaProgress",
    "Leading",
    "OnTarget",
    "Plan",
    "Progress",
    "Skipped",
    "Step",
    "StoredPlan",
    "benchmark_history",
    "current_hours",
    "latest_plans",
    "make_plan",
    "plan_progress",
    "save_plan",
]

_FEW = 10
"""A leader's value resting on fewer observations than this is flagged as uncertain."""


def current_hours(benchmark: Benchmark, costs: EffortCosts) -> float:
    """What the own accounts' present activity takes a week, at the unit costs.

    Original posts (questions at their own cost) and reply posts, per week over the window.
    """
    minutes = 0.0
    for account in benchmark.accounts:
        if account.role != "own":
            continue
        a = account.activity
        posts, questions = a.get("posts_per_week") or 0.0, a.get("question_posts_per_week") or 0.0
        minutes += (posts - questions) * costs.minutes_per_post
        minutes += questions * costs.minutes_per_question_post
        minutes += (a.get("reply_posts_per_week") or 0.0) * costs.minutes_per_reply
    return minutes / 60.0


def _slope(points: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (week, value) points."""
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def _trend_weeks(
    area: Area, history: Sequence[Benchmark], *, now: Window, fixed: float | None = None
) -> tuple[float | None, str]:
    """Weeks until the own value passes the leader at the current trend, and how it was read.

    With earlier benchmarks (``history``), the least-squares slope of each account's value
    over the benchmarks' window ends; without, the change from the window's earlier half to
    its later half. None when the gap is not closing. With ``fixed`` (a step that aims at the
    workspace's ceiling, not at the leader), the weeks until the own value reaches it.
    """
    own, leader = area.own, area.leader
    if own is None or leader is None or own.value is None or leader.value is None:
        return None, "trend not known"
    week = 7 * 86400.0
    own_points = [(now.end.timestamp() / week, float(own.value))]
    leader_points = [(now.end.timestamp() / week, float(leader.value))]
    for past in history:
        then = past.area(area.id)
        if then is None or past.window.end >= now.end:
            continue
        for value, points in ((own, own_points), (leader, leader_points)):
            found = next((v for v in then.values if v.account_id == value.account_id), None)
            if found is not None and found.ok and found.value is not None:
                points.append((past.window.end.timestamp() / week, float(found.value)))
    own_slope, leader_slope = own.trend_per_week, leader.trend_per_week
    source = "the window's later half against its earlier half"
    if len(own_points) > 1 and len(leader_points) > 1:
        own_slope, leader_slope = _slope(own_points), _slope(leader_points)
        source = f"{len(own_points)} benchmarks over time"
    if own_slope is None or leader_slope is None:
        return None, "trend not known"
    closing = own_slope - (leader_slope if fixed is None else 0.0)
    if area.spec.direction == "lower":
        closing = -closing
    distance = area.gap if fixed is None else abs(float(own.value) - fixed)
    if closing <= 0 or distance is None:
        return None, f"not closing at the current trend ({source})"
    pace = (
        f"{closing * 100:.3g} percentage points"
        if area.spec.unit == "fraction"
        else f"{closing:.3g} {area.spec.unit}"
    )
    return distance / closing, f"closing by {pace} a week ({source})"


def _weight(objective: str | None, weight_area: str) -> float:
    if objective is None:
        return DEFAULT_WEIGHT
    return get_area(weight_area).weight(objective)


@dataclass(frozen=True)
class _Candidate:
    """One area the plan could take on: the effort, how much it matters, the trend."""

    area: str
    platform: str
    family: str
    metric: str
    title: str
    unit: str
    weight_area: str
    now: float
    gap: float
    effort: Effort
    basis: Basis
    at_trend: float | None
    trend: str
    leader: float | None = None
    leader_handle: str | None = None
    leader_n: int | None = None
    own_rank: int | None = None
    weight: float = 0.0
    score: float = 0.0

    @property
    def coming_anyway(self) -> bool:
        return self.at_trend is not None and self.at_trend <= self.effort.weeks_to_first


def _effort(
    area: Area, benchmark: Benchmark, config: Config, promotions_convert: str | None
) -> Effort | str:
    own, leader = area.own, area.leader
    if own is None or leader is None or own.value is None or leader.value is None:
        return area.note or "nothing to compare"
    lever = LEVERS.get(area.spec.metric)
    if lever is None:
        return NO_LEVER.get(area.spec.metric, "no lever the account controls")
    account = benchmark.account(own.account_id)
    return lever(
        LeverInput(
            own=float(own.value),
            leader=float(leader.value),
            leader_handle=leader.handle,
            direction=area.spec.direction,
            activity=account.activity if account is not None else {},
            own_details=own.details,
            leader_details=leader.details,
            costs=config.costs,
            window_weeks=benchmark.window.days / 7.0,
            ceiling=config.targets.max_promotional_share,
            promotions_convert=promotions_convert,
        )
    )


def _leading(area: Area) -> Leading:
    if area.own is None or area.own.value is None:
        raise ValueError(f"{area.id}: an area led by the own account needs its value")
    others = sorted(
        (v for v in area.values if v.ok and v.role != "own" and v.rank is not None),
        key=lambda v: v.rank or 0,
    )
    runner = others[0] if others else None
    return Leading(
        area.id,
        area.spec.metric,
        float(area.own.value),
        runner.handle if runner else None,
        runner.value if runner else None,
    )


def _weeks(weeks: float) -> str:
    return "within a week" if weeks < 1 else f"after about {weeks:.0f} weeks"


def _against_competitors(
    benchmark: Benchmark,
    config: Config,
    history: Sequence[Benchmark],
    promotions_convert: str | None,
) -> tuple[list[_Candidate], list[Skipped], list[Leading]]:
    leading: list[Leading] = []
    skipped: list[Skipped] = []
    found: list[_Candidate] = []
    for area in benchmark.areas:
        if area.own_rank == 1:
            leading.append(_leading(area))
            continue
        effort = _effort(area, benchmark, config, promotions_convert)
        if isinstance(effort, str):
            skipped.append(Skipped(area.id, area.spec.metric, effort))
            continue
        own, leader = area.own, area.leader
        if own is None or leader is None or own.value is None or leader.value is None:
            raise ValueError(f"{area.id}: a planned area needs its own and leader values")
        fixed = effort.target if effort.reaches != "number one" else None
        at_trend, trend = _trend_weeks(area, history, now=benchmark.window, fixed=fixed)
        found.append(_Candidate(
            area.id, area.platform, area.spec.family, area.spec.metric, area.spec.title,
            area.spec.unit, area.spec.weight_area, float(own.value), area.gap or 0.0, effort,
            "leader", at_trend, trend, float(leader.value), leader.handle, leader.n,
            area.own_rank,
        ))  # fmt: skip
    return found, skipped, leading


def _against_targets(
    benchmark: Benchmark, config: Config, promotions_convert: str | None
) -> tuple[list[_Candidate], list[Skipped], list[OnTarget]]:
    kept: list[OnTarget] = []
    skipped: list[Skipped] = []
    found: list[_Candidate] = []
    window_weeks = benchmark.window.days / 7.0
    for area in benchmark.past:
        target = area.target
        if target is not None and area.on_target and area.now.value is not None:
            kept.append(OnTarget(area.id, area.spec.metric, float(area.now.value),
                                 target.value, target.source))  # fmt: skip
            continue
        account = benchmark.account(area.now.account_id)
        effort = practice_effort(
            area,
            activity=account.activity if account is not None else {},
            costs=config.costs,
            window_weeks=window_weeks,
            promotions_convert=promotions_convert,
        )
        if isinstance(effort, str):
            skipped.append(Skipped(area.id, area.spec.metric, effort))
            continue
        at_trend, trend = past_trend(area)
        basis: Basis = "practice" if target is not None and target.source == "practice" else (
            "target"
        )  # fmt: skip
        found.append(_Candidate(
            area.id, area.platform, area.spec.family, area.spec.metric, area.spec.title,
            area.spec.unit, area.spec.weight_area, float(area.now.value or 0.0),
            area.gap or 0.0, effort, basis, at_trend, trend,
        ))  # fmt: skip
    return found, skipped, kept


def _notices(benchmark: Benchmark, config: Config, current: float, available: float) -> list[str]:
    objective, budget = config.goal.objective, config.targets.weekly_hours
    notices = list(benchmark.notices)
    if benchmark.mode == "own_past":
        notices.insert(0, (
            "No competitor data: this plan works toward your targets (rapport.toml "
            "[targets]) and the practices rapport stands for, measured against your own past "
            f"(the last {benchmark.window.days:.0f} days against the "
            f"{benchmark.window.days:.0f} before). {ADD_COMPETITORS}"
        ))  # fmt: skip
    if objective is None:
        notices.append(
            f"No objective in rapport.toml ([goal] objective): every area weighs "
            f"{DEFAULT_WEIGHT}. Set one of {', '.join(OBJECTIVES)} so the plan puts first "
            "what matters for it."
        )
    unknown = [
        a.handle
        for a in benchmark.accounts
        if a.role == "own" and a.activity.get("posts_per_week") is None
    ]
    if unknown:
        notices.append(
            f"The present activity of {', '.join(unknown)} is not known (less than a week of "
            "its data in the window): the budget counts it as no time at all."
        )
    if available <= 0:
        notices.append(
            f"Your present activity already takes about {current:.1f} h a week, at or above "
            f"the budget of {budget:g} h (targets.weekly_hours): only steps that need no "
            "extra time can be planned."
        )
    return notices


def make_plan(
    benchmark: Benchmark,
    config: Config,
    *,
    history: Sequence[Benchmark] | None = None,
    conversions: KindConversions | None = None,
    max_steps: int = 3,
    horizon_weeks: float = 26.0,
) -> Plan:
    """The plan for ``benchmark`` under the workspace's goal and budget: the industry rule
    against competitors, or the targets and practices against the own past.

    ``history``: earlier benchmarks (e.g. from :func:`latest_plans`), for the current trend.
    ``conversions``: conversions per post by content kind
    (:func:`~rapport.strategy.plan.conversions.conversions_by_kind`), so that promotions that
    bring the conversions are kept. ``max_steps``: how many areas to sequence ("a few");
    ``horizon_weeks``: an area further away than this at the planned effort is not picked.
    """
    objective = config.goal.objective
    budget = config.targets.weekly_hours
    current = current_hours(benchmark, config.costs)
    available = max(0.0, budget - current)
    notices = _notices(benchmark, config, current, available)
    promotions_convert = conversions.promotions_sentence() if conversions else None
    if promotions_convert:
        ceiling = config.targets.max_promotional_share
        notices.append(
            f"{promotions_convert[0].upper()}{promotions_convert[1:]}: the plan keeps them at "
            f"your ceiling of {ceiling:.0%} of posts (targets.max_promotional_share), never "
            "fewer."
        )
    leading: list[Leading] = []
    kept: list[OnTarget] = []
    if benchmark.mode == "own_past":
        found, skipped, kept = _against_targets(benchmark, config, promotions_convert)
    else:
        found, skipped, leading = _against_competitors(
            benchmark, config, history or (), promotions_convert
        )
    candidates: list[_Candidate] = []
    for cand in found:
        hours, weeks = cand.effort.hours_per_week, cand.effort.weeks_to_first
        if hours > available + 1e-9:
            digits = 1 if round(hours, 1) != round(available, 1) else 2
            skipped.append(Skipped(cand.area, cand.metric, (
                f"out of reach: needs {hours:.{digits}f} h a week, more than the "
                f"{available:.{digits}f} h left in the budget ({budget:g} h minus about "
                f"{current:.1f} h your present activity takes)"), hours))  # fmt: skip
            continue
        if weeks > horizon_weeks:
            skipped.append(Skipped(cand.area, cand.metric, (
                f"out of reach: would take {weeks:.0f} weeks at this effort, "
                f"beyond the {horizon_weeks:g}-week horizon"), hours))  # fmt: skip
            continue
        weight = _weight(objective, cand.weight_area)
        score = weight / (1.0 + hours / budget)
        candidates.append(dataclasses.replace(cand, weight=weight, score=score))
    # what needs effort first; what the current trend brings anyway after it
    candidates.sort(key=lambda c: (c.coming_anyway, -c.score, c.effort.hours_per_week, c.area))
    steps: list[Step] = []
    used, start = 0.0, 0
    for cand in candidates:
        hours = cand.effort.hours_per_week
        if len(steps) >= max_steps:
            reason = f"reachable, but comes after the {max_steps} areas planned first"
            skipped.append(Skipped(cand.area, cand.metric, reason, hours))
            continue
        if used + hours > available + 1e-9:
            reason = (
                f"fits alone ({hours:.1f} h a week) but not after the steps before it "
                f"({used:.1f} of {available:.1f} h a week already planned)"
            )
            skipped.append(Skipped(cand.area, cand.metric, reason, hours))
            continue
        used += hours
        steps.append(_step(cand, len(steps) + 1, start, objective))
        start += max(1, math.ceil(cand.effort.weeks_to_first))
    return Plan(
        objective, budget, current, tuple(steps), tuple(skipped), tuple(leading),
        benchmark.window, tuple(notices), benchmark, mode=benchmark.mode, on_target=tuple(kept),
        max_promotional_share=config.targets.max_promotional_share,
        promotions_convert_best=bool(promotions_convert),
    )  # fmt: skip


def _step(cand: _Candidate, order: int, start: int, objective: str | None) -> Step:
    effort = cand.effort
    goal = f"for {objective}" if objective else "with no objective set"
    reason = (
        f"{cand.weight_area} weighs {cand.weight:g} {goal}; {effort.hours_per_week:.1f} h "
        f"a week; {effort.reaches} {_weeks(effort.weeks_to_first)} at this effort"
    )
    reason += (
        f", {_weeks(cand.at_trend)} at the current trend"
        if cand.at_trend is not None
        else f"; {cand.trend}"
    )
    if cand.coming_anyway:
        reason += ": it is coming anyway, so keep doing what moves it"
    if cand.leader_n is not None and cand.leader_n < _FEW:
        reason += f"; the leader's value rests on only n = {cand.leader_n}, so it may move"
    return Step(
        order=order, area=cand.area, platform=cand.platform, family=cand.family,
        metric=cand.metric, title=cand.title, unit=cand.unit, now=cand.now,
        leader=cand.leader, leader_handle=cand.leader_handle, target=effort.target,
        gap=cand.gap, own_rank=cand.own_rank, action=effort.action,
        hours_per_week=effort.hours_per_week, weeks_to_first=effort.weeks_to_first,
        weeks_to_first_at_trend=cand.at_trend, trend=cand.trend, start_week=start,
        weight=cand.weight, score=cand.score, reason=reason, basis=cand.basis,
        reaches=effort.reaches,
    )  # fmt: skip
