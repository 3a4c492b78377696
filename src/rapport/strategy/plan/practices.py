"""Without competitors: what it takes to reach each target and practice, from the own past.

For each area of an ``own_past`` benchmark (:class:`~rapport.strategy.benchmark.PastArea`)
that is not at its target, a *practice lever* returns the :class:`~rapport.strategy.plan.
levers.Effort`: the action in words, the extra hours a week at the ``[costs]`` unit prices,
the level it aims at (the target itself, never beyond it) and the weeks until the window's
value gets there. Values are measured over a rolling window of ``W`` weeks, so a new weekly
level that meets the target shows in full after ``W`` weeks; the longest gap is met once the
old silence has left the window.

The levers (metric: target → action, extra hours a week):

* posts_per_week: targets.posts_per_week → post (target − now) more, × minutes_per_post;
* longest_gap_days: targets.max_gap_days → never let the target pass without a post; the
  posts that would have broken the longest silence, once per window, × minutes_per_post;
* reply_rate: targets.reply_rate → answer (target − now) × replies a week more,
  × minutes_per_reply;
* time_to_first_reply: targets.reply_time_hours → answer the same people sooner: 0;
* question_posts_per_week: one a week (a practice) → ask (1 − now) more,
  × minutes_per_question_post;
* promotional_share: targets.max_promotional_share → turn the promotions above the ceiling
  into other posts (never below it): 0;
* core_community: its size in the window before (a practice) → re-engage the members who
  went quiet, lost ÷ W a week × minutes_per_reengage.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapport.analyses.coverage import in_words
from rapport.config import EffortCosts
from rapport.strategy.benchmark.targets import PastArea
from rapport.strategy.plan.levers import NO_LEVER, Effort

__all__ = ["PRACTICE_LEVERS", "PracticeInput", "past_trend", "practice_effort"]

_UNPLANNED = {
    **NO_LEVER,
    "weeks_active_share": "no target of its own: your cadence (targets.posts_per_week) and "
    "the longest gap (targets.max_gap_days) cover it",
}


@dataclass(frozen=True)
class PracticeInput:
    area: PastArea
    now: float
    target: float
    activity: Mapping[str, float | None]
    details: Mapping[str, Any]
    costs: EffortCosts
    window_weeks: float
    promotions_convert: str | None = None


def _posts(p: PracticeInput) -> Effort | str:
    extra = p.target - p.now
    return Effort(
        f"Post {extra:.1f} more original posts a week ({p.now:.1f} → {p.target:g}, your "
        "target): a steady cadence builds trust",
        extra * p.costs.minutes_per_post / 60.0,
        p.window_weeks,
        p.target,
        "your target",
    )


def _gap(p: PracticeInput) -> Effort | str:
    extra_posts = int(p.now // p.target) if p.target > 0 else 0
    gap_end = float(p.details.get("gap_end_days", p.window_weeks * 7))
    return Effort(
        f"Never let {p.target:g} days pass without a post (your longest silence in the window "
        f"was {p.now:.0f} days): plan a post ahead for the weeks that look empty",
        extra_posts / p.window_weeks * p.costs.minutes_per_post / 60.0,
        max(0.0, (gap_end - p.target) / 7.0),
        p.target,
        "your target",
    )


def _reply_rate(p: PracticeInput) -> Effort | str:
    asked = p.area.now.n
    if not asked:
        return "no replies or mentions aimed at you in the window to answer"
    received = asked / p.window_weeks
    extra = (p.target - p.now) * received
    minutes = extra * p.costs.minutes_per_reply
    return Effort(
        f"Answer {extra:.1f} more of the replies and mentions you receive a week (about "
        f"{minutes / 7:.0f} minutes a day): from {p.now:.0%} to {p.target:.0%} of the "
        f"{received:.1f} a week",
        minutes / 60.0,
        p.window_weeks,
        p.target,
        "your target",
    )


def _reply_time(p: PracticeInput) -> Effort | str:
    return Effort(
        f"Answer within {p.target:g} h (the median wait now is {p.now:.1f} h): look at your "
        "replies twice a day; the same answers, sooner",
        0.0,
        p.window_weeks,
        p.target,
        "your target",
    )


def _questions(p: PracticeInput) -> Effort | str:
    extra = p.target - p.now
    return Effort(
        f"Ask {extra:.1f} more questions a week in your posts ({p.now:.1f} → {p.target:g}), "
        "then answer everyone who replies",
        extra * p.costs.minutes_per_question_post / 60.0,
        p.window_weeks,
        p.target,
        "your target",
    )


def _promotions(p: PracticeInput) -> Effort | str:
    posts, promos = p.activity.get("posts_per_week"), p.activity.get("promo_posts_per_week")
    if not posts or promos is None:
        return "your weekly posts and promotions are not known"
    turn = promos - p.target * posts
    keep = f"; {p.promotions_convert}: keep the rest" if p.promotions_convert else ""
    return Effort(
        f"Turn {turn:.1f} of your {promos:.1f} promotions a week into other posts (how-tos, "
        f"questions, behind the scenes): promotional share {p.now:.0%} → {p.target:.0%}, your "
        f"ceiling (targets.max_promotional_share){keep}; same time, no extra hours",
        0.0,
        p.window_weeks,
        p.target,
        "your ceiling",
    )


def _core(p: PracticeInput) -> Effort | str:
    lost = p.target - p.now
    per_week = lost / p.window_weeks
    return Effort(
        f"Look after your core community ({p.target:,.0f} → {p.now:,.0f} people): re-engage "
        f"about {per_week:.1f} members a week who went quiet (`rapport care` lists them), "
        "welcome newcomers and thank advocates",
        per_week * p.costs.minutes_per_reengage / 60.0,
        p.window_weeks,
        p.target,
        "your target",
    )


PRACTICE_LEVERS: Mapping[str, Callable[[PracticeInput], Effort | str]] = {
    "posts_per_week": _posts,
    "longest_gap_days": _gap,
    "reply_rate": _reply_rate,
    "time_to_first_reply": _reply_time,
    "question_posts_per_week": _questions,
    "promotional_share": _promotions,
    "core_community": _core,
}
"""Metric → the practice lever toward its target (or why none applies)."""


def practice_effort(
    area: PastArea,
    *,
    activity: Mapping[str, float | None],
    costs: EffortCosts,
    window_weeks: float,
    promotions_convert: str | None = None,
) -> Effort | str:
    """The effort to bring ``area`` to its target, or why it can't be planned."""
    if area.target is None and area.spec.metric in _UNPLANNED:
        return _UNPLANNED[area.spec.metric]
    if not area.now.ok or area.now.value is None:
        words = in_words(area.now.reason)
        return f"not computable now: {words[:1].lower()}{words[1:].rstrip('.')}"
    if area.target is None:
        if not area.then.ok and area.then.reason:
            return f"no target to plan toward: the window before is not known ({area.then.reason})"
        return (
            "no target to plan toward: rapport.toml sets none for it, and none follows from "
            "the window before"
        )
    lever = PRACTICE_LEVERS.get(area.spec.metric)
    if lever is None:
        return "no lever the account controls"
    return lever(
        PracticeInput(
            area=area,
            now=float(area.now.value),
            target=area.target.value,
            activity=activity,
            details=area.now.details,
            costs=costs,
            window_weeks=window_weeks,
            promotions_convert=promotions_convert,
        )
    )


def past_trend(area: PastArea) -> tuple[float | None, str]:
    """Weeks until the value reaches its target at the current trend (the window against the
    one before), and how it was read; None when it is not getting closer."""
    slope = area.now.trend_per_week
    gap = area.gap
    source = "the window against the one before"
    if slope is None or gap is None:
        return None, "trend not known"
    closing = slope if area.spec.direction == "higher" else -slope
    if closing <= 0:
        return None, f"not closing at the current trend ({source})"
    pace = (
        f"{closing * 100:.3g} percentage points"
        if area.spec.unit == "fraction"
        else f"{closing:.3g} {area.spec.unit}"
    )
    return gap / closing, f"closing by {pace} a week ({source})"
