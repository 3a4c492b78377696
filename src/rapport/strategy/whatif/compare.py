"""What if: strategies side by side in the synthetic world calibrated to the workspace.

:func:`calibrate` measures the workspace (audience size, cadence, engagement per post, reply
behaviour, promotional share, follower growth) and finds the synthetic world
(:mod:`rapport.simulate`) that reproduces it, then checks that it does: each checked quantity
within ±20 % on seeds the search never saw. :func:`run_whatif` runs each strategy from
today's followers over the next months on many seeds and reports, per strategy, the median
and the 10th-90th percentile band of the followers and the core community at the end, the
conversions, the hours the account spends and the largest reach of a single post.

Strategies change only the account's own behaviour (``LEVERS``), never the audience, the
feed or the conversion rates. See docs/strategy.md, "What if".
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapport.config import CommunitySettings, Config, EffortCosts
from rapport.errors import UsageError
from rapport.simulate import WorldParams
from rapport.strategy.plan.stored import latest_plans
from rapport.strategy.whatif.calibrate import (
    CHECKED,
    DEFAULT_SHARE,
    REPORTED,
    Knobs,
    calibrated_params,
    search,
    world_size,
)
from rapport.strategy.whatif.runs import OUTCOMES, Band, RunTask, band, run_all, run_seed
from rapport.strategy.whatif.strategies import (
    LEVERS,
    STRATEGIES,
    CurrentPlan,
    plan_from_config,
    plan_from_stored,
)
from rapport.strategy.whatif.workspace import WorkspaceMeasures, measure_workspace

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "LEVERS",
    "OUTCOMES",
    "STRATEGY_NAMES",
    "Band",
    "CalibratedQuantity",
    "Calibration",
    "StrategyResult",
    "WhatIf",
    "WorkspaceInputs",
    "calibrate",
    "read_inputs",
    "run_whatif",
    "strategy_params",
]

STRATEGY_NAMES: tuple[str, ...] = tuple(STRATEGIES)
TOLERANCE = 0.20
_DEFAULT_FOLLOWERS = WorldParams().people * DEFAULT_SHARE


@dataclass(frozen=True)
class CalibratedQuantity:
    name: str
    target: float | None
    """The workspace's value (``None``: the data can't give it; the world's default is used)."""
    achieved: float | None
    """Mean over the check runs of the calibrated world."""
    checked: bool
    """One of the five quantities that must be within ±20 %."""

    @property
    def relative_error(self) -> float | None:
        if self.target is None or self.achieved is None:
            return None
        floor = 0.05 if self.name == "follower_growth" else 1e-12
        return abs(self.achieved - self.target) / max(abs(self.target), floor)

    @property
    def within_tolerance(self) -> bool | None:
        error = self.relative_error
        return None if error is None else error <= TOLERANCE

    def to_dict(self) -> dict[str, Any]:
        error = self.relative_error
        return {
            "name": self.name,
            "target": self.target,
            "achieved": None if self.achieved is None else round(self.achieved, 4),
            "relative_error": None if error is None else round(error, 4),
            "checked": self.checked,
            "within_tolerance": self.within_tolerance if self.checked else None,
            "source": "workspace" if self.target is not None else "default",
        }


@dataclass(frozen=True)
class Calibration:
    """The synthetic world that reproduces the workspace, and how well it does."""

    params: WorldParams
    """The calibrated world at simulation scale, over the workspace's window."""
    people: int
    """People in the workspace's world; ``params.people`` of them are simulated."""
    scale: float
    """Workspace people per simulated person: simulated counts are multiplied by it."""
    followers_now: float
    """The account's followers at the end of the data: the what-if starts here."""
    quantities: tuple[CalibratedQuantity, ...]
    fallbacks: Mapping[str, str]
    """Quantity -> why the workspace can't give it (the world keeps its default)."""
    plan: CurrentPlan
    costs: EffortCosts
    community: CommunitySettings
    knobs: Knobs
    steps: int
    seconds: float

    @property
    def ok(self) -> bool:
        """Every checked quantity the workspace has is reproduced within ±20 %."""
        return all(q.within_tolerance is not False for q in self.quantities if q.checked)

    def quantity(self, name: str) -> CalibratedQuantity:
        return next(q for q in self.quantities if q.name == name)

    @property
    def notes(self) -> tuple[str, ...]:
        """What to keep in mind when reading the what-if: fallbacks, misses, the scale."""
        notes = [f"{name}: {reason}" for name, reason in self.fallbacks.items()]
        for q in self.quantities:
            if q.checked and q.within_tolerance is False and q.relative_error is not None:
                notes.append(
                    f"{q.name}: the calibrated world gives {q.achieved:.4g} against your "
                    f"{q.target:.4g} ({q.relative_error:.0%} off, beyond ±{TOLERANCE:.0%}): "
                    "read the strategies' differences, not their absolute numbers"
                )
        if self.scale > 1:
            notes.append(
                f"simulated at {self.params.people:,} people, each standing for "
                f"{self.scale:.3g} of the {self.people:,} in your world: counts are scaled "
                "back, and run-to-run spread is wider than at full size"
            )
        return tuple(notes)

    def to_dict(self) -> dict[str, Any]:
        p = self.params
        return {
            "ok": self.ok,
            "tolerance": TOLERANCE,
            "quantities": [q.to_dict() for q in self.quantities],
            "fallbacks": dict(self.fallbacks),
            "world": {
                "people": self.people, "simulated_people": p.people,
                "scale": round(self.scale, 4), "days": p.days,
                "followers_now": self.followers_now,
                "knobs": dataclasses.asdict(self.knobs),
            },
            "plan": self.plan.to_dict(),
            "notes": list(self.notes),
            "steps": self.steps,
            "seconds": round(self.seconds, 2),
        }  # fmt: skip


def _stored_plan(session: Session, config: Config) -> CurrentPlan:
    """The latest stored plan (``rapport plan``), or rapport.toml's targets when none was made.

    A stored plan sets what its steps set; the rest stays as the account does now (its
    promotions under the plan's ceiling). With cadence steps on some of the own platforms,
    the posts a week are their targets plus the others' current posts a week.
    """
    plans = latest_plans(session.store, n=1)
    if not plans:
        return plan_from_config(config)
    stored = plans[0]
    ceiling = stored.plan.get("max_promotional_share")
    kept = CurrentPlan(
        posts_per_week=None,
        max_promotional_share=float(ceiling)
        if isinstance(ceiling, int | float)
        else config.targets.max_promotional_share,
        reply_rate=None,
        reply_time_hours=None,
        source="",
    )
    plan = {**stored.to_dict(), **stored.plan}
    current = plan_from_stored(
        plan, kept, label=f"stored plan {stored.plan_id}", plan_id=stored.plan_id
    )
    cadence = [s for s in stored.plan.get("steps", []) if s.get("metric") == "posts_per_week"]
    if cadence and stored.benchmark is not None:
        stepped = {str(s["platform"]) for s in cadence}
        others = [
            float(v.value)
            for platform, v in stored.benchmark.own_values("posts_per_week").items()
            if platform not in stepped and v.value is not None
        ]
        total = sum(float(s["target"]) for s in cadence) + sum(others)
        current = dataclasses.replace(
            current,
            posts_per_week=total,
            levers={**current.levers, "posts_per_week": total},
        )
    return current


@dataclass(frozen=True)
class WorkspaceInputs:
    """What the calibration reads from a workspace: its measures, config and current plan.

    Read in a short session (:func:`read_inputs`); the search that follows runs with the
    store closed, so a long what-if blocks no one.
    """

    measured: WorkspaceMeasures
    config: Config
    plan: CurrentPlan


def read_inputs(session: Session) -> WorkspaceInputs:
    """The workspace's measures, config and current plan (the only reading a what-if does)."""
    config = session.config
    return WorkspaceInputs(
        measured=measure_workspace(session),
        config=config,
        plan=_stored_plan(session, config),
    )


def calibrate(
    source: Session | WorkspaceInputs,
    *,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> Calibration:
    """Measure the workspace (a session, or inputs read before) and find the synthetic world
    that reproduces it.

    ``workers``: processes for the check runs (default: one per CPU, at most 8; 1 runs them
    here); the result does not depend on it.

    ``progress(runs_done)`` is called after each simulated run of the search (about ten).
    """
    clock = time.perf_counter()
    inputs = source if isinstance(source, WorkspaceInputs) else read_inputs(source)
    measured, config = inputs.measured, inputs.config
    fallbacks = {
        name: f"{reason}; the world keeps its default"
        for name, reason in measured.missing.items()
        if name in (*CHECKED, *REPORTED)
    }
    start = measured.followers_start or measured.followers_end
    if start is None or start <= 0:
        start = _DEFAULT_FOLLOWERS
        fallbacks["audience_size"] = (
            f"no follower count of your own accounts; the world starts from {start:g} followers"
        )
    people, simulated, scale = world_size(start)
    days = 365 if measured.span_days is None else min(730, max(28, round(measured.span_days)))
    done = [0]

    def on_run() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0])

    window = (config.community.window_days, config.community.min_active_weeks)
    result = search(measured, people=simulated, scale=scale, days=days, seed=seed,
                    window=window, on_run=on_run, workers=workers)  # fmt: skip
    quantities = tuple(
        CalibratedQuantity(
            name=name,
            target=measured.get(name),
            achieved=result.check[name],
            checked=name in CHECKED,
        )
        for name in (*CHECKED, *REPORTED)
    )
    plan = inputs.plan
    return Calibration(
        params=calibrated_params(result.knobs, people=simulated, scale=scale, days=days, seed=seed),
        people=people,
        scale=scale,
        followers_now=float(measured.followers_end or start),
        quantities=quantities,
        fallbacks=fallbacks,
        plan=plan,
        costs=config.costs,
        community=config.community,
        knobs=result.knobs,
        steps=result.steps,
        seconds=time.perf_counter() - clock,
    )


def _forward_base(calibration: Calibration, months: int) -> WorldParams:
    share = min(0.5, calibration.followers_now / calibration.people)
    return dataclasses.replace(
        calibration.params, days=round(months * 365 / 12), brand_initial_follower_share=share
    )


def strategy_params(calibration: Calibration, name: str, *, months: int = 12) -> WorldParams:
    """The world one strategy runs in (before its runs' seeds are set)."""
    if name not in STRATEGIES:
        known = ", ".join(STRATEGY_NAMES)
        raise UsageError(f"strategy {name!r}: unknown; choose from {known}")
    return STRATEGIES[name].apply(_forward_base(calibration, months), calibration.plan)


@dataclass(frozen=True)
class StrategyResult:
    name: str
    description: str
    bands: Mapping[str, Band]
    values: Mapping[str, tuple[float, ...]] = field(repr=False)
    """Per outcome (and ``posts``, ``answers``: what the hours are made of), each run's value
    in run order; run ``i`` of every strategy has the same seed."""

    plan: CurrentPlan | None = None
    """For ``current_plan``: the plan it runs (the stored plan's id and levers)."""

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "description": self.description,
                **{name: self.bands[name].to_dict() for name in OUTCOMES}}  # fmt: skip
        if self.plan is not None:
            data["plan"] = self.plan.to_dict()
        return data


@dataclass(frozen=True)
class WhatIf:
    """Strategies side by side in the calibrated world: each with its medians and
    10th–90th percentile bands over the runs."""

    strategies: tuple[StrategyResult, ...]
    months: int
    runs: int
    calibration: Calibration
    seconds: float

    def strategy(self, name: str) -> StrategyResult:
        return next(s for s in self.strategies if s.name == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategies": [s.to_dict() for s in self.strategies],
            "months": self.months,
            "runs": self.runs,
            "calibration": self.calibration.to_dict(),
        }


def run_whatif(
    calibration: Calibration, *, months: int = 12, runs: int = 20,
    strategies: Sequence[str] | None = None, seed: int = 0,
    progress: Callable[[int, int], None] | None = None, workers: int | None = None,
) -> WhatIf:  # fmt: skip
    """Run each strategy ``runs`` times over ``months`` months; ``progress(done, total)``.

    ``workers`` processes share the runs (default: one per CPU, at most 8; 1 runs them
    here); the result does not depend on it.
    """
    if not 1 <= months <= 36:
        raise UsageError(
            f"months = {months}: expected a number of months from 1 to 36", option="months"
        )
    if runs < 1:
        raise UsageError(f"runs = {runs}: expected at least 1 run per strategy", option="runs")
    names = list(strategies) if strategies else list(STRATEGY_NAMES)
    clock = time.perf_counter()
    worlds = {name: strategy_params(calibration, name, months=months) for name in names}
    window = (calibration.community.window_days, calibration.community.min_active_weeks)
    tasks = [
        RunTask(
            name,
            i,
            dataclasses.replace(worlds[name], seed=run_seed(seed, i)),
            calibration.scale,
            *window,
        )
        for name in names
        for i in range(runs)
    ]
    measured = run_all(tasks, workers=workers, progress=progress)
    costs = calibration.costs
    results = []
    for name in names:
        mine = [m for task, m in zip(tasks, measured, strict=True) if task.strategy == name]
        values = {
            "followers": tuple(m.followers_end for m in mine),
            "core_community": tuple(m.core_community for m in mine),
            "conversions": tuple(m.conversions for m in mine),
            "hours": tuple(
                (m.posts * costs.minutes_per_post + m.answers * costs.minutes_per_reply) / 60
                for m in mine
            ),
            "peak_reach": tuple(m.peak_reach for m in mine),
            "posts": tuple(float(m.posts) for m in mine),
            "answers": tuple(m.answers for m in mine),
        }
        bands = {outcome: band(values[outcome]) for outcome in OUTCOMES}
        strategy = STRATEGIES[name]
        plan = calibration.plan if name == "current_plan" else None
        results.append(StrategyResult(name, strategy.description, bands, values, plan))
    return WhatIf(tuple(results), months, runs, calibration, time.perf_counter() - clock)
