"""The workspace's own publishing rules, checked before a post is accepted.

Three rules, from rapport.toml's ``[targets]`` (and the stored plan's cadence, as the
calendar uses it):

* **promotion ceiling** (``max_promotional_share``): a promotion may not make the week's
  promotions more than that share of its posts. The week's size is the larger of the posts
  it holds (published and planned, this one included) and its cadence, so that the first
  post of a week planned for four is one of four, not one of one;
* **cadence** (``posts_per_week``, or the stored plan's cadence for that week): a week may not
  hold more posts than its cadence (rounded up);
* **gap** (``min_gap_hours``): no two posts closer than that, on any of the workspace's
  accounts.

Weeks run Monday to Sunday in the workspace's time zone. Posts counted: the own original
posts of the store (not replies, not reposts) and the planned posts not yet in the store.
:func:`check` names the numbers in each :class:`RuleBreak`; the caller refuses the post
unless a person overrides the rules with a reason.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from rapport.store.scheduled import ACTIVE

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "Known",
    "RuleBreak",
    "RuleName",
    "Rules",
    "check",
    "known_posts",
    "rules_of",
    "week_start",
]

RuleName = Literal["promotion_ceiling", "cadence", "gap"]


@dataclass(frozen=True)
class RuleBreak:
    """A rule the post would break, and why, in numbers."""

    rule: RuleName
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "reason": self.reason}


@dataclass(frozen=True)
class Known:
    """A post the rules count: published (in the store) or planned."""

    at: dt.datetime
    promotion: bool
    label: str
    """How a message names it: ``published post``, ``planned post 4``."""


@dataclass(frozen=True)
class Rules:
    """The numbers the rules use."""

    max_promotional_share: float
    min_gap: dt.timedelta
    zone: str = "UTC"
    default_cadence: float = 3.0
    cadence_by_week: tuple[tuple[dt.date, float], ...] = ()
    """The plan's cadence for some weeks (their Mondays); others use ``default_cadence``."""

    def cadence(self, monday: dt.date) -> float:
        return dict(self.cadence_by_week).get(monday, self.default_cadence)


def week_start(moment: dt.datetime, zone: str) -> dt.date:
    """The Monday of the week ``moment`` falls in, in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone)).date()
    return local - dt.timedelta(days=local.weekday())


def _clock(moment: dt.datetime, other: dt.datetime, zone: str) -> tuple[str, str]:
    tz = ZoneInfo(zone)
    first, second = moment.astimezone(tz), other.astimezone(tz)
    if first.date() == second.date():
        return f"{first:%H:%M}", f"{second:%H:%M}"
    return f"{first:%Y-%m-%d %H:%M}", f"{second:%Y-%m-%d %H:%M}"


def _hours(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h" if hours >= 1 else f"{delta.total_seconds() / 60:g} min"


def check(
    *, at: dt.datetime, promotion: bool, others: Sequence[Known], rules: Rules
) -> tuple[RuleBreak, ...]:
    """The rules a post at ``at`` (a promotion or not) would break, given the ``others``
    (published and planned, without this post)."""
    breaks: list[RuleBreak] = []
    monday = week_start(at, rules.zone)
    week = [k for k in others if week_start(k.at, rules.zone) == monday]
    cadence = rules.cadence(monday)
    allowed = max(1, math.ceil(cadence - 1e-9))
    if promotion:
        promotions = sum(1 for k in week if k.promotion) + 1
        size = max(len(week) + 1, allowed)
        if promotions / size > rules.max_promotional_share + 1e-9:
            breaks.append(
                RuleBreak(
                    "promotion_ceiling",
                    f"this would make {promotions} of {size} posts in the week of {monday} "
                    f"promotions ({100 * promotions / size:.0f} %), over your ceiling of "
                    f"{100 * rules.max_promotional_share:g} % (targets.max_promotional_share)",
                )
            )
    if len(week) + 1 > allowed:
        breaks.append(
            RuleBreak(
                "cadence",
                f"already {len(week)} post{'' if len(week) == 1 else 's'} published or planned "
                f"in the week of {monday}; your cadence is {cadence:g} a week",
            )
        )
    if rules.min_gap > dt.timedelta(0):
        close = [k for k in others if abs(k.at - at) < rules.min_gap]
        if close:
            nearest = min(close, key=lambda k: abs(k.at - at))
            mine, theirs = _clock(at, nearest.at, rules.zone)
            breaks.append(
                RuleBreak(
                    "gap",
                    f"posts at {theirs} ({nearest.label}) and {mine}: closer than your gap of "
                    f"{_hours(rules.min_gap)} (targets.min_gap_hours)",
                )
            )
    return tuple(breaks)


def known_posts(session: Session, *, exclude: int | None = None) -> list[Known]:
    """The own original posts of the store and the planned posts not in it yet (without the
    planned post ``exclude``)."""
    con = session.store.connection
    rows = con.execute(
        "SELECT p.created_at, coalesce(p.content_kind, t.content_kind) = 'promo' "
        "FROM posts p JOIN accounts a ON a.account_id = p.account_id "
        "LEFT JOIN post_text t ON t.post_id = p.post_id "
        "WHERE a.role = 'own' AND p.in_reply_to_id IS NULL AND p.repost_of IS NULL"
    ).fetchall()
    known = [
        Known(_aware(at), bool(promo), f"published {_aware(at):%Y-%m-%d %H:%M} UTC")
        for at, promo in rows
    ]
    states = [*ACTIVE, "published"]
    planned = con.execute(
        "SELECT s.id, s.scheduled_at, s.promotion FROM scheduled_posts s "
        f"WHERE s.state IN ({', '.join('?' for _ in states)}) AND s.id <> ? "
        "AND (s.post_id IS NULL OR s.post_id NOT IN (SELECT post_id FROM posts))",
        [*states, -1 if exclude is None else exclude],
    ).fetchall()
    known += [
        Known(_aware(at), bool(promo), f"planned post {ident}") for ident, at, promo in planned
    ]
    return known


def _aware(value: Any) -> dt.datetime:
    moment: dt.datetime = value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def rules_of(session: Session, *, around: dt.datetime) -> Rules:
    """The workspace's rules, with the stored plan's cadence for the weeks near ``around``
    (the calendar's cadence: :func:`~rapport.strategy.calendar.planned_cadence`)."""
    from rapport.strategy.calendar import planned_cadence
    from rapport.strategy.plan.stored import latest_plans

    config = session.config
    zone = session.zone.name
    start = week_start(around, zone) - dt.timedelta(weeks=1)
    stored = latest_plans(session.store, n=1)
    cadence = planned_cadence(stored[0] if stored else None, config, start=start, weeks=3)
    weeks = tuple(
        (start + dt.timedelta(weeks=i), value) for i, value in enumerate(cadence.per_week)
    )
    return Rules(
        max_promotional_share=cadence.max_promotional_share,
        min_gap=dt.timedelta(hours=config.targets.min_gap_hours),
        zone=zone,
        default_cadence=config.targets.posts_per_week,
        cadence_by_week=weeks,
    )
