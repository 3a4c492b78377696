"""The effort model: for each compared metric, what the account can do and what it costs.

A *lever* takes the own value, the leader's value and the own account's weekly activity and
returns an :class:`Effort`: the action in words, the extra hours a week it takes (with the
unit costs of ``[costs]`` in rapport.toml), the level the metric settles at with that effort,
and how many weeks until the window's value passes the leader's. A metric without a lever
(engagement rate, follower growth) is not something the account controls with a known cost;
the planner skips it with the reason in :data:`NO_LEVER`.

Weeks to number one: values are measured over a rolling window of ``W`` weeks, so a new
weekly level ``new`` replaces the old one a week at a time; after ``k`` weeks the value is
about ``own + (new - own) * k / W``, which passes the leader after
``k = W * (leader - own) / (new - own)`` weeks (the leader assumed to hold its value).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapport.config import EffortCosts

__all__ = ["LEVERS", "MARGIN", "NO_LEVER", "Effort", "LeverInput", "target_value"]

MARGIN = 0.05
"""To become number one is to pass the leader by 5 % of its value, not to tie it."""


@dataclass(frozen=True)
class LeverInput:
    own: float
    leader: float
    leader_handle: str
    direction: str
    activity: Mapping[str, float | None]
    """The own account's weekly activity over the window (see ``AccountSummary.activity``)."""
    own_details: Mapping[str, Any]
    leader_details: Mapping[str, Any]
    costs: EffortCosts
    window_weeks: float
    ceiling: float = 1.0
    """The workspace's promotion ceiling (``targets.max_promotional_share``)."""
    promotions_convert: str | None = None
    """Why promotions must stay (they are the best-converting kind), or None."""


@dataclass(frozen=True)
class Effort:
    action: str
    hours_per_week: float
    weeks_to_first: float
    target: float
    reaches: str = "number one"
    """What :attr:`weeks_to_first` leads to: ``number one``, ``your target`` …"""


def target_value(leader: float, direction: str, *, cap: float | None = None) -> float:
    """The value that passes the leader by :data:`MARGIN` of its size.

    ``cap`` bounds a share (at most 100 %): a leader at the cap can only be tied, and a tie
    is a shared first place.
    """
    step = MARGIN * abs(leader)
    if direction == "lower":
        return max(0.0, leader - step)
    value = leader + step
    return value if cap is None else min(value, max(cap, leader))


def _mixing_weeks(p: LeverInput, new: float) -> float:
    """Weeks until a rolling-window value moving from ``own`` to ``new`` passes the leader."""
    if new == p.own:
        return p.window_weeks
    return max(0.0, p.window_weeks * (p.leader - p.own) / (new - p.own))


def _posts(p: LeverInput) -> Effort | str:
    target = target_value(p.leader, "higher")
    extra = target - p.own
    return Effort(
        f"Post {extra:.1f} more original posts a week ({p.own:.1f} → {target:.1f}; "
        f"{p.leader_handle} posts {p.leader:.1f})",
        extra * p.costs.minutes_per_post / 60.0,
        _mixing_weeks(p, target),
        target,
    )


def _weeks_active(p: LeverInput) -> Effort | str:
    empty = 1.0 - p.own
    return Effort(
        "Post in every week, never skip one: plan a post ahead for weeks that look empty "
        f"(now {p.own:.0%} of weeks have a post; {p.leader_handle}: {p.leader:.0%})",
        empty * p.costs.minutes_per_post / 60.0,
        _mixing_weeks(p, 1.0),
        1.0,
    )


def _longest_gap(p: LeverInput) -> Effort | str:
    target = target_value(p.leader, "lower")
    if target <= 0:
        return "the leader never pauses: no gap to beat"
    extra_posts = int(p.own // target)  # posts that would have broken the longest silence
    gap_end = float(p.own_details.get("gap_end_days", p.window_weeks * 7))
    weeks = max(0.0, (gap_end - target) / 7.0)
    return Effort(
        f"Never let {target:.0f} days pass without a post (your longest silence was "
        f"{p.own:.0f} days; {p.leader_handle}'s {p.leader:.0f})",
        extra_posts / p.window_weeks * p.costs.minutes_per_post / 60.0,
        weeks,
        target,
    )


def _reply_rate(p: LeverInput) -> Effort | str:
    received = p.activity.get("replies_received_per_week")
    if not received:
        return "your posts receive no replies to answer (post_stats.replies)"
    target = target_value(p.leader, "higher", cap=1.0)
    extra = (target - p.own) * received
    minutes = extra * p.costs.minutes_per_reply
    return Effort(
        f"Answer {extra:.1f} more replies a week (about {minutes / 7:.0f} minutes a day): from "
        f"{p.own:.0%} to {target:.0%} of the {received:.1f} replies a week your posts receive "
        f"({p.leader_handle}: {p.leader:.0%})",
        minutes / 60.0,
        _mixing_weeks(p, target),
        target,
    )


def _topic_posts(p: LeverInput) -> Effort | str:
    own_rate = p.own_details.get("per_week")
    leader_rate = p.leader_details.get("per_week")
    if own_rate is None or leader_rate is None:
        return "the weekly topic posts behind the shares are not known"
    wanted = target_value(float(leader_rate), "higher")
    extra = wanted - float(own_rate)
    weeks = p.window_weeks * (float(leader_rate) - float(own_rate)) / extra if extra > 0 else 0.0
    return Effort(
        f"Post {extra:.1f} more posts a week on your topics ({float(own_rate):.1f} → "
        f"{wanted:.1f}; {p.leader_handle} posts {float(leader_rate):.1f})",
        extra * p.costs.minutes_per_post / 60.0,
        weeks,
        target_value(p.leader, "higher", cap=1.0),
    )


def _topic_engagement(p: LeverInput) -> Effort | str:
    own_rate = p.own_details.get("per_week")
    leader_rate = p.leader_details.get("per_week")
    topic_posts = p.activity.get("topic_posts_per_week")
    if own_rate is None or leader_rate is None or not topic_posts or float(own_rate) <= 0:
        return "no own topic posts with engagement counts to estimate what one more brings"
    per_post = float(own_rate) / topic_posts
    wanted = target_value(float(leader_rate), "higher")
    extra_posts = (wanted - float(own_rate)) / per_post
    weeks = p.window_weeks * (float(leader_rate) - float(own_rate)) / (wanted - float(own_rate))
    return Effort(
        f"Post {extra_posts:.1f} more posts a week on your topics (each draws about "
        f"{per_post:.1f} engagements; {p.leader_handle} draws {float(leader_rate):.0f} a week "
        f"on them, you {float(own_rate):.0f})",
        extra_posts * p.costs.minutes_per_post / 60.0,
        weeks,
        target_value(p.leader, "higher", cap=1.0),
    )


def _promo_share(p: LeverInput) -> Effort | str:
    """Down to the workspace's ceiling, never below it: promotions are how a business is paid,
    and when they bring the most conversions per post, fewer of them work against the goal."""
    posts, promos = p.activity.get("posts_per_week"), p.activity.get("promo_posts_per_week")
    if not posts or promos is None:
        return "your weekly posts and promotions are not known"
    ceiling = f"your ceiling of {p.ceiling:.0%} (targets.max_promotional_share)"
    if p.own <= p.ceiling + 1e-9:
        why = f"within {ceiling}: {p.own:.0%} of your posts are promotions"
        if p.promotions_convert:
            return f"{why}; {p.promotions_convert}, so the plan keeps them, never fewer"
        return f"{why}; the plan does not push them below the ceiling you set"
    turn = promos - p.ceiling * posts
    passes = p.ceiling < p.leader
    reaches = "number one" if passes else "your ceiling"
    weeks = _mixing_weeks(p, p.ceiling) if passes else p.window_weeks
    beyond = (
        f"{p.leader_handle} ({p.leader:.0%}) stays ahead: the plan does not go below the "
        "ceiling you set"
        if not passes
        else f"{p.leader_handle}: {p.leader:.0%}"
    )
    keep = f"; {p.promotions_convert}: keep the rest" if p.promotions_convert else ""
    return Effort(
        f"Turn {turn:.1f} of your {promos:.1f} promotions a week into other posts (how-tos, "
        f"questions, behind the scenes): promotional share {p.own:.0%} → {p.ceiling:.0%}, "
        f"{ceiling} ({beyond}){keep}; same time, no extra hours",
        0.0,
        weeks,
        p.ceiling,
        reaches,
    )


def _question_share(p: LeverInput) -> Effort | str:
    posts = p.activity.get("posts_per_week")
    questions = p.activity.get("question_posts_per_week")
    target = target_value(p.leader, "higher", cap=1.0)
    if not posts or questions is None:
        return "your weekly posts and questions are not known"
    if target >= 1.0:
        return "the leader only posts questions: only posting nothing but questions ties it"
    extra = (target * posts - questions) / (1.0 - target)
    return Effort(
        f"Ask {extra:.1f} more questions a week in posts that invite answers ({p.own:.0%} → "
        f"{target:.0%} of your posts; {p.leader_handle}: {p.leader:.0%})",
        extra * p.costs.minutes_per_question_post / 60.0,
        _mixing_weeks(p, target),
        target,
    )


LEVERS: Mapping[str, Callable[[LeverInput], Effort | str]] = {
    "posts_per_week": _posts,
    "weeks_active_share": _weeks_active,
    "longest_gap_days": _longest_gap,
    "public_reply_rate": _reply_rate,
    "topic_post_share": _topic_posts,
    "topic_engagement_share": _topic_engagement,
    "promotional_share": _promo_share,
    "question_share": _question_share,
}
"""Metric → lever. A lever returns the effort, or a string saying why none applies."""

NO_LEVER: Mapping[str, str] = {
    "engagement_rate_by_followers": "no lever with a known cost: engagement per post follows "
    "from what you post and who follows you (the content plan and the what-if simulator "
    "work on it), not from hours",
    "follower_growth": "no direct lever: followers grow as a result of the other areas "
    "(consistency, answers, topics), not from hours spent on them",
    "reply_time_hours": "a competitor's reply time can't be known from public data",
}
