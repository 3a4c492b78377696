"""When the own account posts, and what kind of post each one is.

The account alternates between active spells and lulls (a two-state Markov chain over days),
so there are quiet weeks. Posts per day are Poisson (fewer on weekends) at plausible hours.
Each post's kind is drawn from ``brand_promo_share`` and ``brand_content_mix`` with one
uniform per post, so two worlds that differ only in the mix post at the same moments.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from rapport.simulate.params import WorldParams
from rapport.simulate.vocab import CONTENT_KINDS

__all__ = ["HOUR_WEIGHTS", "Schedule", "draw_kinds", "draw_schedule"]

HOUR_WEIGHTS: tuple[float, ...] = (
    0, 0, 0, 0, 0, 0.2, 1, 3, 6, 6, 4, 4, 6, 5, 3, 3, 3, 5, 7, 7, 5, 3, 1, 0.2,
)  # fmt: skip
"""Relative chance of posting in each UTC hour (mornings, lunch and evenings)."""

DAY = 86_400


@dataclass(frozen=True, eq=False)
class Schedule:
    """The own account's broadcast posts, in time order."""

    day: npt.NDArray[np.int32]
    time: npt.NDArray[np.int64]
    """Seconds from the start of the window."""
    active: npt.NDArray[np.bool_]
    """Per day: whether the account was in an active spell."""

    @property
    def count(self) -> int:
        return int(self.day.shape[0])


def hour_draws(count: int, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Seconds into the day of ``count`` posts, at plausible hours."""
    weights = np.array(HOUR_WEIGHTS) / sum(HOUR_WEIGHTS)
    hours = rng.choice(24, size=count, p=weights)
    return (hours * 3600 + rng.integers(0, 3600, size=count)).astype(np.int64)


def draw_schedule(
    params: WorldParams, rng: np.random.Generator, *, days: int | None = None,
    posts_per_active_day: float | None = None, posts_per_lull_day: float | None = None,
    lull_start_prob: float | None = None, lull_end_prob: float | None = None,
) -> Schedule:  # fmt: skip
    """Draw posting days and times (defaults: the brand's cadence parameters)."""
    days = params.days if days is None else days
    active_rate = (
        params.brand_posts_per_active_day
        if posts_per_active_day is None
        else (posts_per_active_day)
    )
    lull_rate = (
        params.brand_posts_per_lull_day if posts_per_lull_day is None else (posts_per_lull_day)
    )
    to_lull = params.brand_lull_start_prob if lull_start_prob is None else lull_start_prob
    to_active = params.brand_lull_end_prob if lull_end_prob is None else lull_end_prob
    flips = rng.random(days)
    active = np.empty(days, dtype=bool)
    state = True
    for index in range(days):
        active[index] = state
        state = not (flips[index] < to_lull) if state else bool(flips[index] < to_active)
    weekday = (params.start.weekday() + np.arange(days)) % 7
    rate = np.where(active, active_rate, lull_rate) * np.where(
        weekday >= 5, params.brand_weekend_factor, 1.0
    )
    per_day = rng.poisson(rate)
    post_day = np.repeat(np.arange(days, dtype=np.int32), per_day)
    time = post_day.astype(np.int64) * DAY + hour_draws(len(post_day), rng)
    order = np.argsort(time, kind="stable")
    return Schedule(day=post_day[order], time=time[order], active=active)


def draw_kinds(mix: dict[str, float], count: int, rng: np.random.Generator) -> npt.NDArray[np.int8]:
    """Content kind (index into ``CONTENT_KINDS``) of ``count`` posts.

    The promo share is cut first from each post's uniform, so raising it turns some posts
    into promotions and leaves the others' kinds as they were.
    """
    u = rng.random(count)
    promo = mix.get("promo", 0.0)
    others = [k for k in CONTENT_KINDS if k != "promo"]
    weights = np.array([mix.get(k, 0.0) for k in others])
    total = weights.sum()
    kinds = np.full(count, CONTENT_KINDS.index("promo"), dtype=np.int8)
    rest = u >= promo
    if total > 0 and np.any(rest):
        scaled = (u[rest] - promo) / max(1.0 - promo, 1e-12)
        pick = np.searchsorted(np.cumsum(weights / total), scaled, side="right")
        pick = np.minimum(pick, len(others) - 1)
        kinds[rest] = np.array([CONTENT_KINDS.index(k) for k in others], dtype=np.int8)[pick]
    return kinds
