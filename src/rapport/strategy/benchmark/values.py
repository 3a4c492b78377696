"""From raw per-account numbers to benchmark values: one small function per compared metric.

Every function gets one account's raw numbers for one slice of the window (see
:func:`rapport.strategy.benchmark.queries.measure_slice`) and returns a :class:`Measured`: the
value with what it rests on, or ``None`` with the reason. A zero is returned only where it
was observed (an account whose data covers the window and that posted nothing there).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from rapport.strategy.benchmark.model import AreaSpec
from rapport.strategy.benchmark.queries import MATURE_HOURS

__all__ = [
    "AREA_SPECS",
    "COMPUTE",
    "SHARE_METRICS",
    "Measured",
    "Raw",
    "Who",
    "posting_known",
    "shares",
    "weeks",
]

_WEEK = 7 * 86400.0
_MIN_GROWTH_DAYS = 7.0


@dataclass(frozen=True)
class Measured:
    value: float | None
    reason: str | None = None
    n: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Who:
    """What the benchmark knows about an account besides one slice's numbers."""

    role: str
    posts_ever: int


Raw = Mapping[str, Any]

_MATURE = f"observed at least {MATURE_HOURS:g} h after posting"
AREA_SPECS: tuple[AreaSpec, ...] = (
    AreaSpec("engagement", "engagement_rate_by_followers", "Engagement rate per post",
             "fraction", "higher",
             "followers at posting time (the nearest follower count at or before the post, "
             "else the first after); mean over original posts in the window whose latest "
             f"counts were {_MATURE}; engagements = likes + reposts + replies + quotes",
             "engagement"),
    AreaSpec.registered("consistency", "posts_per_week"),
    AreaSpec.registered("consistency", "longest_gap_days"),
    AreaSpec.registered("consistency", "weeks_active_share"),
    AreaSpec("reciprocity", "public_reply_rate", "Public reply rate", "ratio", "higher",
             "replies its original posts in the window received: the platform's reply "
             f"counts (post_stats.replies) of posts {_MATURE}, scaled to all its original "
             "posts; numerator: its own reply posts in the window (replies to its own posts, "
             "i.e. threads, left out)", "reciprocity"),
    AreaSpec("reciprocity", "reply_time_hours", "Time to first reply", "hours", "lower",
             "replies and mentions aimed at the account in the window that it answered with "
             "a reply post (median)", "reciprocity"),
    AreaSpec("growth", "follower_growth", "Follower growth", "fraction per 30 days", "higher",
             "the follower count at the window's start (the last count at or before it, "
             "else the first inside), compounded to 30 days between that count and the "
             "last one in the window", "engagement"),
    AreaSpec("share_of_voice", "topic_post_share", "Share of voice: topic posts", "fraction",
             "higher",
             "topic posts per week of all compared accounts on the platform whose posting "
             "is known (each over its own coverage of the window)", "audience"),
    AreaSpec("share_of_voice", "topic_engagement_share", "Share of voice: topic engagement",
             "fraction", "higher",
             "engagements per week on topic posts of all compared accounts on the platform "
             f"with known counts (mean per topic post {_MATURE}, times topic posts per "
             "week)", "audience"),
    AreaSpec.registered("content_mix", "promotional_share"),
    AreaSpec("content_mix", "question_share", "Question posts", "fraction", "higher",
             "original posts in the window (kind from the source, else rapport's classifier; "
             "posts of unknown kind count in the denominator only)", "reciprocity"),
)  # fmt: skip
SHARE_METRICS = ("topic_post_share", "topic_engagement_share")
"""Metrics whose value depends on every account's numbers (computed together)."""


def weeks(raw: Raw) -> float:
    return max(0.0, (float(raw["hi"]) - float(raw["lo"])) / _WEEK)


def _int(raw: Raw, key: str) -> int:
    value = raw.get(key)
    return 0 if value is None else int(value)  # a missing group means none counted


def posting_known(raw: Raw, who: Who) -> Measured | None:
    """Why posting can't be judged, or None when it can."""
    if who.posts_ever == 0:
        return Measured(None, "no posts of this account anywhere in the data: its posting "
                        "can't be seen (import or pull its posts)")  # fmt: skip
    if weeks(raw) < 1.0:
        return Measured(None, f"its data covers only {weeks(raw) * 7:.1f} days of the window "
                        "(at least 7 needed)")  # fmt: skip
    return None


def _engagement_rate(raw: Raw, who: Who) -> Measured:
    posts = _int(raw, "posts")
    if posts == 0:
        return Measured(None, "no original posts in the window to measure")
    if _int(raw, "counted") == 0:
        return Measured(None, f"no engagement counts (post_stats) {_MATURE} for its "
                        f"{posts} original posts in the window")  # fmt: skip
    if _int(raw, "rate_n") == 0 or raw.get("rate_mean") is None:
        return Measured(None, "no follower count to divide by (follower_counts)")
    return Measured(float(raw["rate_mean"]), n=_int(raw, "rate_n"))


def _public_reply_rate(raw: Raw, who: Who) -> Measured:
    posts = _int(raw, "posts")
    if posts == 0:
        return Measured(None, "no original posts in the window, so no replies to answer")
    known = _int(raw, "replies_known")
    if known == 0:
        return Measured(None, f"no reply counts (post_stats.replies) {_MATURE} for its posts")
    received = _int(raw, "replies_received") / known * posts
    if received == 0:
        return Measured(None, f"its {known} posts with counts received no replies: nothing "
                        "to answer")  # fmt: skip
    answered = _int(raw, "reply_posts")
    return Measured(
        answered / received,
        n=_int(raw, "replies_received"),
        details={"reply_posts": answered, "replies_received_estimated": received},
    )


def _reply_time(raw: Raw, who: Who) -> Measured:
    if who.role != "own":
        return Measured(None, "public data gives how many replies a competitor's posts "
                        "received (post_stats), not when each arrived, so the time to its "
                        "answers can't be measured")  # fmt: skip
    asked = _int(raw, "asked")
    if asked == 0:
        return Measured(None, "no replies or mentions aimed at this account in the window "
                        "with a time (interactions)")  # fmt: skip
    answered = _int(raw, "answered")
    if answered == 0 or raw.get("reply_hours") is None:
        return Measured(None, f"none of the {asked} replies and mentions in the window was "
                        "answered by a reply post linked to it")  # fmt: skip
    return Measured(float(raw["reply_hours"]), n=answered, details={"asked": asked})


def _growth(raw: Raw, who: Who) -> Measured:
    start_n, start_at = raw.get("followers_before"), raw.get("followers_before_at")
    if start_n is None:
        start_n, start_at = raw.get("followers_first"), raw.get("followers_first_at")
    end_n, end_at = raw.get("followers_last"), raw.get("followers_last_at")
    if start_n is None or end_n is None or start_at is None or end_at is None:
        return Measured(None, "no follower counts for this account in the window "
                        "(follower_counts)")  # fmt: skip
    days = (float(end_at) - float(start_at)) / 86400.0
    if days < _MIN_GROWTH_DAYS:
        return Measured(None, f"needs two follower counts at least {_MIN_GROWTH_DAYS:g} days "
                        f"apart; the counts found span {days:.1f} days")  # fmt: skip
    if int(start_n) == 0:
        return Measured(None, "it started the window with 0 followers: a growth rate "
                        "has nothing to divide by")  # fmt: skip
    rate = (int(end_n) / int(start_n)) ** (30.0 / days) - 1.0
    used = _int(raw, "follower_observations") + (raw.get("followers_before") is not None)
    return Measured(rate, n=used,
                    details={"followers_start": int(start_n), "followers_end": int(end_n),
                             "days": days})  # fmt: skip


def _kind_share(kind: str) -> Callable[[Raw, Who], Measured]:
    column = {"promo": "promos", "question": "questions"}[kind]

    def share(raw: Raw, who: Who) -> Measured:
        posts = _int(raw, "posts")
        if posts == 0:
            return Measured(None, "no original posts in the window")
        kinds: Mapping[str, int] = raw.get("kinds", {})
        if set(kinds) <= {"unknown"}:
            return Measured(None, f"the content kind of its {posts} posts is unknown (no "
                            "kind from the source and no text to classify)")  # fmt: skip
        return Measured(_int(raw, column) / posts, n=posts)

    return share


COMPUTE: Mapping[str, Callable[[Raw, Who], Measured]] = {
    "engagement_rate_by_followers": _engagement_rate,
    "public_reply_rate": _public_reply_rate,
    "reply_time_hours": _reply_time,
    "follower_growth": _growth,
    "question_share": _kind_share("question"),
}
"""Per-account metrics; the share-of-voice metrics are in :func:`shares`."""


def shares(
    metric: str, raws: Mapping[str, Raw], who: Mapping[str, Who], *, has_topics: bool
) -> dict[str, Measured]:
    """Share of voice of each account among the accounts whose volume is known."""
    if not has_topics:
        reason = ("no topic terms: the own posts in the window have no repeated hashtags and "
                  "rapport.toml has no [goal] target_audience")  # fmt: skip
        return {a: Measured(None, reason) for a in raws}
    volume: dict[str, Measured] = {}
    for account, raw in raws.items():
        unknown = posting_known(raw, who[account])
        if unknown:
            volume[account] = unknown
            continue
        topic_posts = _int(raw, "topic_posts")
        if metric == "topic_post_share":
            volume[account] = Measured(topic_posts / weeks(raw), n=topic_posts)
        elif topic_posts == 0:
            volume[account] = Measured(0.0, n=0)
        elif _int(raw, "topic_counted") == 0:
            volume[account] = Measured(None, f"no engagement counts {_MATURE} for its "
                                       f"{topic_posts} topic posts")  # fmt: skip
        else:
            per_post = _int(raw, "topic_engagements") / _int(raw, "topic_counted")
            volume[account] = Measured(per_post * topic_posts / weeks(raw),
                                       n=_int(raw, "topic_counted"))  # fmt: skip
    total = sum(m.value for m in volume.values() if m.value is not None)
    if total <= 0:
        reason = "no compared account posted on these topics in the window"
        if metric == "topic_engagement_share":
            reason = "topic posts in the window drew no engagement from anyone"
        return {a: m if m.value is None else Measured(None, reason) for a, m in volume.items()}
    return {
        a: m if m.value is None
        else Measured(m.value / total, n=m.n, details={"per_week": m.value, "all_per_week": total})
        for a, m in volume.items()
    }  # fmt: skip
