"""Find the synthetic world that reproduces a workspace: a small, documented search.

**Audience size.** The world's population is set from the followers at the start of the
data: ``people = followers / 0.03`` (the simulator's default share of the population that
follows the brand at the start). To keep runs short the world is simulated at a smaller
scale: ``scale = max(1, followers / 300)`` people of the workspace's world per simulated
person, so that the simulated account starts with about 300 followers (a test round of 36
people, above the feed's minimum sample). Everything the world does per person (engaging,
following, answering, converting, leaving) is then a rate that does not depend on the
population, and counts are multiplied back by ``scale``. The two absolute sizes in the world
are rescaled with it: ``feed_min_sample`` (30 people, divided by ``scale``) and nothing else
needs to, since rounds, crowds and outside shares are all proportional to the population.
What does not rescale is the noise: seed-to-seed spread of counts in a scaled world is up to
``sqrt(scale)`` wider in relative terms than in the full one (measured in docs/strategy.md).

**The knobs.** Each checked quantity has one knob that drives it, adjusted together by
damped proportional steps (each step divides the knob by the measured elasticity of its
quantity, estimated from the last two steps, between 0.3 and 3):

=====================  ====================================================================
posts per week         both posting rates (active spells and lulls) times one factor, set
                       from the expected posts per week of the cadence (no search)
engagement per post    one shift added to every content kind's base engagement logit
reply rate             both answer probabilities (questions and others) times one factor
follower growth        discovery rate times f, unfollow base rate divided by f
promotional share      set to the measured share (its only driver; no search needed)
time to first reply    the answers' median delay times the ratio of measured to target
=====================  ====================================================================

The search steps on one seed and stops when each searched quantity (engagement per post,
reply rate, follower growth) is within 5 % or after 8 steps. The result is then checked on
three other seeds (their mean against the target); where a searched quantity is more than
10 % off on that mean, one more step is taken from the mean and the check is repeated (twice
at most). ±20 % on the check is what ``Calibration`` calls
valid. The search's steps share their people and follow graph (one seed, drawn once); the
check runs run side by side in worker processes, as the what-if's runs do.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from rapport.simulate import WorldParams
from rapport.simulate.run import draw_population, run_world
from rapport.strategy.whatif.measure import RunMeasures, measure_run
from rapport.strategy.whatif.runs import RunTask, run_all
from rapport.strategy.whatif.workspace import WorkspaceMeasures

__all__ = [
    "CHECKED",
    "REPORTED",
    "Knobs",
    "SearchResult",
    "calibrated_params",
    "search",
    "world_size",
]

DEFAULT_SHARE = 0.03
SIM_FOLLOWERS = 300
MAX_STEPS = 8
STEP_TOLERANCE = 0.05
CHECK_RUNS = 3
REFINE_TOLERANCE = 0.10
MAX_REFINES = 2
CHECKED = (
    "posts_per_week", "engagement_per_post", "reply_rate", "promotional_share", "follower_growth",
)  # fmt: skip
"""The quantities the calibrated world must reproduce within ±20 %."""
SEARCHED = ("engagement_per_post", "reply_rate", "follower_growth")
"""The checked quantities the search steps on (the other two are set directly)."""
REPORTED = ("reply_hours", "weeks_with_posts", "engagement_rate")
"""Quantities shown beside them (``reply_hours`` is calibrated, the others only measured)."""
GROWTH_FLOOR = 0.05
"""Errors of follower growth are relative to the target, or to this when it is smaller."""
_DEFAULT = WorldParams()


@dataclass(frozen=True)
class Knobs:
    """The search's position; :func:`calibrated_params` turns it into ``WorldParams``."""

    cadence: float = 1.0
    logit_shift: float = 0.0
    answer: float = 1.0
    growth: float = 0.0
    """Natural log of the growth factor f."""
    promo_share: float = _DEFAULT.brand_promo_share
    reply_hours: float = _DEFAULT.brand_reply_delay_median_hours


def world_size(followers_start: float) -> tuple[int, int, float]:
    """(people in the workspace's world, simulated people, scale)."""
    people = max(100, round(followers_start / DEFAULT_SHARE))
    scale = max(1.0, followers_start / SIM_FOLLOWERS)
    simulated = max(100, round(people / scale))
    return people, simulated, people / simulated


def calibrated_params(
    knobs: Knobs, *, people: int, scale: float, days: int, seed: int
) -> WorldParams:
    """The simulated world at position ``knobs`` (at simulation scale)."""
    d = _DEFAULT
    kinds = tuple((row[0], row[1] + knobs.logit_shift, *row[2:]) for row in d.content_kind_model)
    answer = min(knobs.answer, 1.0 / d.brand_question_reply_prob)
    factor = math.exp(knobs.growth)
    return dataclasses.replace(
        d,
        seed=seed,
        people=people,
        days=days,
        feed_min_sample=max(1, round(d.feed_min_sample / scale)),
        content_kind_model=kinds,
        audience_discovery_rate=min(1.0, d.audience_discovery_rate * factor),
        audience_unfollow_base=min(1.0, d.audience_unfollow_base / factor),
        brand_posts_per_active_day=min(50.0, d.brand_posts_per_active_day * knobs.cadence),
        brand_posts_per_lull_day=min(50.0, d.brand_posts_per_lull_day * knobs.cadence),
        brand_promo_share=knobs.promo_share,
        brand_reply_prob=min(1.0, d.brand_reply_prob * answer),
        brand_question_reply_prob=min(1.0, d.brand_question_reply_prob * answer),
        brand_reply_delay_median_hours=min(10_000.0, max(0.01, knobs.reply_hours)),
    )


@dataclass(frozen=True)
class SearchResult:
    knobs: Knobs
    steps: int
    check: dict[str, float | None]
    """Mean of each quantity over the check runs."""
    check_runs: tuple[RunMeasures, ...]


def _mean(runs: list[RunMeasures], name: str) -> float | None:
    values = [getattr(r, name) for r in runs if getattr(r, name) is not None]
    return float(np.mean(values)) if values else None


def _error(name: str, target: float, achieved: float) -> float:
    floor = GROWTH_FLOOR if name == "follower_growth" else 1e-12
    return abs(achieved - target) / max(abs(target), floor)


class _Secant:
    """Elasticity of log(quantity) in a knob, from the last two steps."""

    def __init__(self, guess: float) -> None:
        self.value = guess
        self.last: tuple[float, float] | None = None

    def step(self, knob: float, log_measured: float, log_target: float) -> float:
        if self.last is not None and abs(knob - self.last[0]) > 1e-9:
            slope = (log_measured - self.last[1]) / (knob - self.last[0])
            self.value = float(np.clip(slope, 0.3, 3.0))
        self.last = (knob, log_measured)
        return knob + (log_target - log_measured) / self.value


def search(
    targets: WorkspaceMeasures, *, people: int, scale: float, days: int, seed: int,
    window: tuple[int, int] = (90, 2), on_run: Callable[[], None] | None = None,
    workers: int | None = None,
) -> SearchResult:  # fmt: skip
    """Adjust the knobs until the world reproduces ``targets`` (see the module docstring).

    ``workers``: processes for the check runs (default: one per CPU; 1 runs them here)."""
    want: Mapping[str, float | None] = {name: targets.get(name) for name in (*CHECKED, *REPORTED)}
    base_ppw = calibrated_params(Knobs(), people=people, scale=scale, days=days, seed=seed)
    knobs = Knobs(
        cadence=(want["posts_per_week"] or 0.0) / base_ppw.brand_posts_per_week or 1.0,
        promo_share=want["promotional_share"]
        if want["promotional_share"] is not None
        else _DEFAULT.brand_promo_share,
        reply_hours=want["reply_hours"] or _DEFAULT.brand_reply_delay_median_hours,
    )
    engagement, growth = _Secant(1.0), _Secant(0.7)

    def world(k: Knobs, run_seed: int) -> WorldParams:
        return calibrated_params(k, people=people, scale=scale, days=days, seed=run_seed)

    # the knobs change the account and how people react, never who they are
    population = draw_population(world(knobs, seed))

    def measure(k: Knobs) -> RunMeasures:
        run = run_world(world(k, seed), population=population)
        measured = measure_run(run, scale=scale, window_days=window[0], min_active_weeks=window[1])
        if on_run is not None:
            on_run()
        return measured

    def checked(k: Knobs) -> list[RunMeasures]:
        tasks = [
            RunTask("check", i, world(k, seed + 1 + i), scale, *window) for i in range(CHECK_RUNS)
        ]
        progress = None if on_run is None else (lambda done, total: on_run())
        return run_all(tasks, workers=workers, progress=progress)

    steps = 0
    for steps in range(1, MAX_STEPS + 1):
        got = measure(knobs).to_dict()
        if _within(want, got, STEP_TOLERANCE) or steps == MAX_STEPS:
            break
        knobs = _next(knobs, got, want, engagement, growth)
    for refine in range(MAX_REFINES + 1):
        runs = checked(knobs)
        check = {name: _mean(runs, name) for name in (*CHECKED, *REPORTED)}
        if refine == MAX_REFINES or _within(want, check, REFINE_TOLERANCE):
            break
        knobs = _next(knobs, check, want, engagement, growth)
        steps += 1
    return SearchResult(knobs=knobs, steps=steps, check=check, check_runs=tuple(runs))


def _within(
    want: Mapping[str, float | None], got: Mapping[str, float | int | None], tolerance: float
) -> bool:
    return all(
        _error(name, float(target), float(achieved)) <= tolerance
        for name in SEARCHED
        if (target := want[name]) is not None and (achieved := got[name]) is not None
    )


def _ratio(target: float | None, achieved: float | int | None) -> float:
    if target is None or achieved is None or target <= 0 or achieved <= 0:
        return 1.0
    return float(np.clip(target / achieved, 0.25, 4.0))


def _next(
    knobs: Knobs, got: Mapping[str, float | int | None], want: Mapping[str, float | None],
    engagement: _Secant, growth: _Secant,
) -> Knobs:  # fmt: skip
    changes: dict[str, float] = {
        "answer": knobs.answer * _ratio(want["reply_rate"], got["reply_rate"]),
        "reply_hours": knobs.reply_hours * _ratio(want["reply_hours"], got["reply_hours"]),
    }
    target, achieved = want["engagement_per_post"], got["engagement_per_post"]
    if target and achieved:
        shift = engagement.step(knobs.logit_shift, math.log(float(achieved)), math.log(target))
        low, high = knobs.logit_shift - 1.5, knobs.logit_shift + 1.5
        changes["logit_shift"] = float(np.clip(shift, low, high))
    target, achieved = want["follower_growth"], got["follower_growth"]
    if target is not None and achieved is not None:
        log_target = math.log1p(max(target, -0.95))
        log_got = math.log1p(max(float(achieved), -0.95))
        step = growth.step(knobs.growth, log_got, log_target)
        changes["growth"] = float(np.clip(step, knobs.growth - 1.5, knobs.growth + 1.5))
    return dataclasses.replace(knobs, **changes)
