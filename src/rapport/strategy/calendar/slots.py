"""The content plan's arithmetic, apart from the store: evidence in, dated slots out.

Kept pure so that property tests can run it over any ceiling, cadence and length quickly.
Weeks are 7-day blocks from the start (a Monday by default). Within each week:

* the number of posts keeps the cadence: week ``i`` gets ``round((i+1)·c) − round(i·c)``, so
  every week has ⌊c⌋ or ⌈c⌉ posts and the calendar ``round(weeks·c)``;
* a week with at least two posts has exactly one throwback, on its Thursday (a week's only
  post is kept for something useful);
* promotions are at most ``max_promotional_share`` of that week's posts (so of the whole
  calendar's too), spread out among the week's other slots;
* the other slots mix questions, evergreen resources, news shares and behind-the-scenes posts
  by smooth weighted round robin, each kind's weight lifted by how it performed.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Sequence

from rapport.strategy.calendar.model import (
    MIN_KIND_POSTS,
    WEEKDAYS,
    Evidence,
    Example,
    KindStat,
    Slot,
    SlotStat,
)
from rapport.strategy.calendar.words import (
    KIND_LABELS,
    MIX_WEIGHTS,
    hour_reason,
    idea_for,
    kind_reason,
    weekday_reason,
)

__all__ = [
    "MIN_KIND_POSTS",
    "MIN_POSTS_PER_SLOT",
    "Evidence",
    "Example",
    "KindStat",
    "Slot",
    "SlotStat",
    "clear_winners",
    "plan_slots",
    "promotions_allowed",
    "week_counts",
]

MIN_POSTS_PER_SLOT = 5
"""An hour or weekday with fewer posts is never called better (as in the timing metrics)."""
DEFAULT_DAYS: dict[int, tuple[int, ...]] = {
    1: (3,), 2: (1, 3), 3: (1, 3, 5), 4: (0, 2, 3, 5), 5: (0, 1, 2, 3, 4),
    6: (0, 1, 2, 3, 4, 5), 7: (0, 1, 2, 3, 4, 5, 6),
}  # fmt: skip
"""Weekdays (0 = Monday) for n posts a week when the data shows no better day."""
DEFAULT_HOURS: tuple[int, ...] = (
    10, 14, 17, 12, 8, 19, 15, 11, 13, 16, 9, 18, 20, 7, 21, 6, 22, 23, 5, 4, 3, 2, 1, 0,
)  # fmt: skip
"""Hours (local time) in order of preference when the data shows no better hour."""
THURSDAY = 3


def week_counts(posts_per_week: float | Sequence[float], weeks: int) -> list[int]:
    """Posts in each week: ⌊c⌋ or ⌈c⌉ for a cadence c, adding up to round(weeks·c).

    A sequence gives each week's cadence (a plan's step raises it from its start week): the
    counts then follow the running total, week ``i`` getting ``round(S(i+1)) − round(S(i))``
    where ``S(i)`` is the sum of the first ``i`` cadences.
    """

    def rounded(x: float) -> int:
        return math.floor(x + 0.5 + 1e-9)

    if isinstance(posts_per_week, int | float):
        cadence = [float(posts_per_week)] * weeks
    else:
        cadence = [float(c) for c in posts_per_week][:weeks]
    totals = [0.0]
    for c in cadence:
        totals.append(totals[-1] + c)
    return [rounded(totals[i + 1]) - rounded(totals[i]) for i in range(len(cadence))]


def promotions_allowed(posts: int, share: float) -> int:
    """The most promotions among ``posts`` whose share stays at or under ``share``."""
    if posts <= 0:
        return 0
    k = min(posts, math.floor(share * posts + 1e-9))
    while k > 0 and k / posts > share:
        k -= 1
    return k


def clear_winners(stats: tuple[SlotStat, ...], overall: float | None) -> list[SlotStat]:
    """Slots whose 95 % interval lies above the overall mean, best first (may be none)."""
    if overall is None:
        return []
    winners = [
        s for s in stats if s.posts >= MIN_POSTS_PER_SLOT and s.low is not None and s.low > overall
    ]
    return sorted(winners, key=lambda s: (-s.mean_rate, s.slot))


def _day_counts(posts: int, preferred: list[int]) -> list[int]:
    base, extra = divmod(posts, 7)
    counts = [base] * 7
    picks: list[int] = [THURSDAY] if base == 0 else []
    for day in [*preferred, *DEFAULT_DAYS.get(extra, ()), *range(7)]:
        if day not in picks:
            picks.append(day)
    for day in picks[:extra]:
        counts[day] += 1
    return counts


def _hours(count: int, preferred: list[int]) -> list[int]:
    order = [*preferred, *(h for h in DEFAULT_HOURS if h not in preferred)]
    return sorted(order[:count])


def _mix(evidence: Evidence) -> Iterator[str]:
    """An endless, evenly interleaved sequence of kinds (smooth weighted round robin)."""
    weights = {}
    for kind, base in MIX_WEIGHTS.items():
        lifted = evidence.lift(kind)
        weights[kind] = base * (min(2.0, max(0.5, lifted[0])) if lifted else 1.0)
    total = sum(weights.values())
    current = dict.fromkeys(weights, 0.0)
    while True:
        for kind, weight in weights.items():
            current[kind] += weight
        pick = max(current, key=lambda k: current[k])
        current[pick] -= total
        yield pick


def _promo_counts(counts: list[int], share: float) -> list[int]:
    promos = [min(promotions_allowed(n, share), max(0, n - 1)) for n in counts]
    total = sum(counts)
    while total and sum(promos) / total > share:  # never, by construction; kept as a guard
        promos[promos.index(max(promos))] -= 1
    return promos


def plan_slots(
    evidence: Evidence,
    *,
    start: dt.date,
    weeks: int,
    posts_per_week: float | Sequence[float],
    max_promotional_share: float,
    minutes_per_post: float,
    zone: dt.tzinfo = dt.UTC,
) -> list[Slot]:
    """Dated slots for ``weeks`` weeks from ``start``, each with its kind, reason and idea;
    ``posts_per_week`` is one cadence or each week's. Days and hours are wall-clock time in
    ``zone`` (the workspace's), as the evidence's best hours and weekdays are."""
    overall = evidence.overall_rate
    best_days = clear_winners(evidence.weekdays, overall)
    best_hours = clear_winners(evidence.hours, overall)
    preferred_days = [s.slot for s in best_days]
    preferred_hours = [s.slot for s in best_hours]
    counts = week_counts(posts_per_week, weeks)
    promos = _promo_counts(counts, max_promotional_share)
    mix = _mix(evidence)
    seen: dict[str, int] = {}
    length = dt.timedelta(minutes=round(minutes_per_post))
    slots: list[Slot] = []
    for week, (posts, promo) in enumerate(zip(counts, promos, strict=True)):
        block = start + dt.timedelta(days=7 * week)
        moments: list[dt.datetime] = []
        per_day = _day_counts(posts, preferred_days)
        for offset in range(7):
            day = block + dt.timedelta(days=offset)
            for hour in _hours(per_day[day.weekday()], preferred_hours):
                moments.append(dt.datetime(day.year, day.month, day.day, hour, tzinfo=zone))
        moments.sort()
        kinds: list[str | None] = [None] * len(moments)
        thursday = next((i for i, m in enumerate(moments) if m.weekday() == THURSDAY), None)
        if thursday is not None and posts >= 2:
            kinds[thursday] = "throwback"
        free = [i for i, k in enumerate(kinds) if k is None]
        for j in range(promo):
            kinds[free[math.floor((j + 0.5) * len(free) / promo)]] = "promo"
        for i, moment in enumerate(moments):
            kind = kinds[i] or next(mix)
            seen[kind] = seen.get(kind, 0) + 1
            when = (
                weekday_reason(moment.weekday(), kind, best_days, evidence)
                + " "
                + hour_reason(moment.hour, best_hours, evidence)
            )
            what = kind_reason(
                kind, evidence, promo=promo, posts=posts, ceiling=max_promotional_share
            )
            slots.append(
                Slot(
                    start=moment,
                    end=moment + length,
                    kind=kind,
                    title=f"Post: {KIND_LABELS[kind]}",
                    reason=f"{what}. {WEEKDAYS[moment.weekday()]} {moment:%H:%M}: {when}",
                    idea=idea_for(kind, seen[kind] - 1, evidence),
                    week=week + 1,
                )
            )
    return slots
