"""The spike audit (``rapport spikes``, feature F20): did a spike leave anything that lasted?

Spikes are found by :class:`~rapport.models.spike_detector.SpikeDetector` in three signals, each
where the data has it:

- ``reach``: the people each own original post reached (post_stats reach, else impressions),
  post after post: a post far above its neighbours is a spike on the day it was published;
- ``engagement``: likes, reposts, replies and quotes each post drew, the same way;
- ``followers``: new followers per day (follow interactions; else the daily increases of the
  follower count).

Per post, not per day: summing a day's posts mixes a spike with the posting cadence (a quiet
week, a day with three posts); on the synthetic world (seeds 0–9) daily sums of reach found 54
of the 71 injected spikes with 23 false alarms, posts one by one 70 with 2 (docs/virality.md).
Detections on the same or nearby days are one spike. Each spike's *window* is its days plus
the ``tail_days`` after (follows and first engagements keep coming in); every other day is an
*ordinary* day. For each spike, for all spikes together
and for the ordinary days: followers gained, how many still followed at 30 and at 90 days,
the people who first engaged then and are in the core community now, and the conversions
attributed to the posts published then. The verdict compares spikes with ordinary weeks:
the one-hit wonder against the Beatles, in numbers. A number the data can't give is
``not_computable`` with the reason, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd

from rapport.metrics.builtin.community import core_people
from rapport.metrics.builtin.retention import follower_stays
from rapport.metrics.run import wilson_interval
from rapport.models.spike_detector import SpikeDetector
from rapport.query.common import (
    data_end,
    engagement_rows,
    latest_post_stats,
    post_engagement,
    seconds,
    to_python,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "FOLLOW_DETECTOR",
    "POST_DETECTOR",
    "Measured",
    "Measures",
    "Period",
    "Signal",
    "Spike",
    "SpikeAudit",
    "SpikeSignal",
    "audit_spikes",
]

POST_DETECTOR = SpikeDetector(
    window=15, guard=0, min_ratio=3.0, threshold=2.0, min_excess=20.0, min_neighbours=7
)
"""Judges each post against the 15 posts before and after it (measured, docs/virality.md)."""
FOLLOW_DETECTOR = SpikeDetector(
    window=28, guard=1, min_ratio=3.0, threshold=2.0, min_excess=15.0, min_neighbours=7,
    skip_zeros=True,
)  # fmt: skip
"""Judges each day's new followers against the non-zero days of the four weeks around it."""

SIGNALS = ("reach", "engagement", "followers")
_UNITS = {
    "reach": "people reached by one post",
    "engagement": "likes, reposts, replies and quotes one post drew",
    "followers": "new followers in one day",
}
_NO_FOLLOWS = "needs follows with who and when (interactions of kind follow)"
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class _Detection:
    kind: str
    first: int
    last: int
    size: float
    baseline: float
    score: float


@dataclass(frozen=True)
class Measured:
    """One audited number: ``ok`` with its value and what it rests on, or
    ``not_computable`` with the reason (never a 0 it did not earn).

    ``kind`` says which numbers it carries: ``count`` (followers gained, with ``per_day``),
    ``share`` (followers still following: ``kept`` of ``n``, with a Wilson interval),
    ``core`` (new core members among ``newcomers``, with ``share`` and its interval),
    ``conversions`` (with ``posts`` and ``per_post``).
    """

    kind: str
    status: str = "ok"
    value: float | None = None
    reason: str | None = None
    per_day: float | None = None
    kept: int | None = None
    n: int | None = None
    newcomers: int | None = None
    share: float | None = None
    interval: tuple[float, float] | None = None
    posts: int | None = None
    per_post: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        if not self.ok:
            return {"status": self.status, "reason": self.reason}
        interval = list(self.interval) if self.interval else None
        if self.kind == "count":
            return {"status": "ok", "value": self.value, "per_day": self.per_day}
        if self.kind == "share":
            return {"status": "ok", "value": self.value, "kept": self.kept, "n": self.n,
                    "interval": interval}  # fmt: skip
        if self.kind == "core":
            return {"status": "ok", "value": self.value, "newcomers": self.newcomers,
                    "share": self.share, "interval": interval}  # fmt: skip
        return {"status": "ok", "value": self.value, "posts": self.posts,
                "per_post": self.per_post}  # fmt: skip


@dataclass(frozen=True)
class Measures:
    """What a set of days left: followers gained and kept, new core members, conversions."""

    days: int
    posts: int
    followers_gained: Measured
    still_following_30d: Measured
    still_following_90d: Measured
    new_core_members: Measured
    conversions: Measured

    def still_following(self, horizon: int) -> Measured:
        return self.still_following_30d if horizon == 30 else self.still_following_90d

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "posts": self.posts,
            "followers_gained": self.followers_gained.to_dict(),
            "still_following_30d": self.still_following_30d.to_dict(),
            "still_following_90d": self.still_following_90d.to_dict(),
            "new_core_members": self.new_core_members.to_dict(),
            "conversions": self.conversions.to_dict(),
        }


@dataclass(frozen=True)
class SpikeSignal:
    """One detection inside a spike: which signal, when, how far above its baseline."""

    kind: str
    day: str
    size: float
    baseline: float
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "day": self.day, "size": self.size,
                "baseline": self.baseline, "score": self.score}  # fmt: skip


@dataclass(frozen=True)
class Spike:
    """One spike: its days, the signals that saw it, its posts, its window and what it left."""

    day: str
    last_day: str
    kind: str
    """The signals that saw it, joined by ``+`` (``reach+engagement``)."""
    size: float
    baseline: float
    unit: str
    signals: tuple[SpikeSignal, ...]
    post_ids: tuple[str, ...]
    window_from: str
    window_to: str
    window_days: int
    measures: Measures

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "last_day": self.last_day,
            "kind": self.kind,
            "size": self.size,
            "baseline": self.baseline,
            "unit": self.unit,
            "signals": [x.to_dict() for x in self.signals],
            "post_ids": list(self.post_ids),
            "window": {"from": self.window_from, "to": self.window_to, "days": self.window_days},
        } | self.measures.to_dict()


@dataclass(frozen=True)
class Signal:
    """One signal spikes are looked for in, or why it can't be used."""

    name: str
    status: str
    reason: str | None = None
    basis: str | None = None
    unit: str | None = None
    points: str | None = None
    """What the signal's points are: ``posts`` or ``days``."""
    n: int | None = None
    judged: int | None = None
    spikes: int | None = None
    detector: Mapping[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        if not self.ok:
            result: dict[str, Any] = {"status": self.status, "reason": self.reason}
            if self.basis is not None:
                result["basis"] = self.basis
            return result
        return {
            "status": "ok",
            "basis": self.basis,
            "unit": self.unit,
            str(self.points): self.n,
            "judged": self.judged,
            "spikes": self.spikes,
            "detector": dict(self.detector or {}),
        }


@dataclass(frozen=True)
class Period:
    first: str
    last: str
    days: int
    tail_days: int

    def to_dict(self) -> dict[str, Any]:
        return {"from": self.first, "to": self.last, "days": self.days,
                "tail_days": self.tail_days}  # fmt: skip


@dataclass(frozen=True)
class SpikeAudit:
    """Spikes, what they left, and the same measures for ordinary days (``ordinary`` and
    ``in_spikes`` are None when there is nothing to audit)."""

    spikes: tuple[Spike, ...]
    ordinary: Measures | None
    in_spikes: Measures | None
    signals: Mapping[str, Signal]
    verdict: str
    period: Period | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "spikes": [x.to_dict() for x in self.spikes],
            "ordinary": self.ordinary.to_dict() if self.ordinary else {},
            "in_spikes": self.in_spikes.to_dict() if self.in_spikes else {},
            "signals": {k: v.to_dict() for k, v in self.signals.items()},
            "period": self.period.to_dict() if self.period else {},
            "verdict": self.verdict,
        }


# -- queries -------------------------------------------------------------------------------
def _day(moment: ir.TimestampValue, c: Context) -> ir.IntegerValue:
    return (seconds(moment, c) / 86400.0).floor().cast("int64")


def _span(backend: Any, t: Tables, c: Context) -> dict[str, Any]:
    posts, rows = c.posts(t), c.interactions(t)
    start = ibis.least(posts.created_at.min().as_scalar(), rows.occurred_at.min().as_scalar())
    conversions = c.in_period(t.conversions, t.conversions.occurred_at)
    found = backend.execute(
        ibis.struct(
            {
                "first": _day(start, c),
                "last": _day(data_end(t, c), c),
                "follows": rows.count(where=rows.kind == "follow").as_scalar(),
                "counts": t.follower_counts.filter(
                    t.follower_counts.account_id.isin(list(c.account_ids))
                )
                .count()
                .as_scalar(),
                "engaged": engagement_rows(t, c).count().as_scalar(),
                "attributed": conversions.count(where=conversions.post_id.notnull()).as_scalar(),
            }
        )
    )
    return {key: to_python(value) for key, value in found.items()}


def _posts(backend: Any, t: Tables, c: Context) -> tuple[pd.DataFrame, str]:
    table, basis = post_engagement(t, c)
    stats = latest_post_stats(t).select(s_post="post_id", s_reach="reach", s_shown="impressions")
    conversions = c.in_period(t.conversions, t.conversions.occurred_at)
    conversions = conversions.filter(conversions.post_id.notnull())
    per_post = conversions.group_by(c_post="post_id").aggregate(conversions=conversions.count())
    joined = table.left_join(stats, table.post_id == stats.s_post)
    joined = joined.left_join(per_post, joined.post_id == per_post.c_post)
    frame = backend.execute(
        joined.select(
            "post_id",
            "created_at",
            day=_day(joined.created_at, c),
            engagements=joined.engagements.cast("float64"),
            reach=joined.s_reach.cast("float64"),
            impressions=joined.s_shown.cast("float64"),
            conversions=joined.conversions.fill_null(0),
        ).order_by(["created_at", "post_id"])
    )
    return frame, basis


def _per_day(backend: Any, table: ir.Table, first: int, n: int, **counts: Any) -> dict[str, Any]:
    grouped = backend.execute(table.group_by("day").aggregate(**counts))
    out = {}
    for name in counts:
        values = np.zeros(n, dtype=np.int64)
        index = grouped["day"].to_numpy(dtype=np.int64) - first
        keep = (index >= 0) & (index < n)
        values[index[keep]] = grouped[name].to_numpy(dtype=np.int64)[keep]
        out[name] = values
    return out


def _daily(backend: Any, t: Tables, c: Context, span: Mapping[str, Any]) -> dict[str, Any]:
    first, n = int(span["first"]), int(span["last"]) - int(span["first"]) + 1
    daily: dict[str, Any] = {}
    if span["follows"]:
        rows = c.interactions(t)
        follows = rows.filter((rows.kind == "follow") & rows.occurred_at.notnull())
        follows = follows.mutate(day=_day(follows.occurred_at, c))
        daily |= _per_day(backend, follows, first, n, follows=follows.count())
        for days in (30, 90):
            stays = follower_stays(t, c, days=days)
            stays = stays.mutate(day=_day(stays.followed_at, c))
            daily |= _per_day(
                backend, stays, first, n,
                **{f"judged_{days}": stays.count(), f"kept_{days}": stays.count(where=~stays.left)},
            )  # fmt: skip
        daily["follow_basis"] = "follow interactions, counted per day"
    elif span["counts"]:
        daily["follows"] = _gains_from_counts(backend, t, c, first, n)
        daily["follow_basis"] = (
            "daily increases of your follower count (follower_counts): net of unfollows"
        )
    if span["engaged"]:
        rows = engagement_rows(t, c)
        people = rows.group_by("person_id").aggregate(first_at=rows.occurred_at.min())
        core = core_people(t, c).select(core_person="person_id")
        joined = people.left_join(core, people.person_id == core.core_person)
        joined = joined.mutate(day=_day(joined.first_at, c))
        daily |= _per_day(
            backend, joined, first, n,
            newcomers=joined.count(), new_core=joined.count(where=joined.core_person.notnull()),
        )  # fmt: skip
    return daily


def _gains_from_counts(backend: Any, t: Tables, c: Context, first: int, n: int) -> IntArray:
    counts = t.follower_counts.filter(t.follower_counts.account_id.isin(list(c.account_ids)))
    counts = c.in_period(counts, counts.observed_at)
    counts = counts.mutate(day=_day(counts.observed_at, c))
    last = counts.group_by(["account_id", "day"]).aggregate(
        followers=counts.followers.argmax(counts.observed_at)
    )
    frame = backend.execute(last.order_by(["account_id", "day"]))
    gains = np.zeros(n, dtype=np.int64)
    for _, rows in frame.groupby("account_id"):
        change = np.diff(rows["followers"].to_numpy(dtype=np.int64))
        index = rows["day"].to_numpy(dtype=np.int64)[1:] - first
        keep = (index >= 0) & (index < n) & (change > 0)
        np.add.at(gains, index[keep], change[keep])
    return gains


# -- detection -----------------------------------------------------------------------------
def _post_signal(
    posts: pd.DataFrame, column: str, detector: SpikeDetector, basis: str
) -> tuple[Signal, list[_Detection]]:
    kind = "reach" if column in ("reach", "impressions") else "engagement"
    fitted = detector.fit(posts[column].to_numpy(dtype=np.float64))
    info = _signal_info(kind, fitted, basis, _UNITS[kind], "posts")
    days = posts["day"].to_numpy(dtype=np.int64)
    found = [
        _Detection(kind, int(days[s.peak]), int(days[s.peak]), s.size, s.baseline, s.score)
        for s in fitted.spikes_
    ]
    return info, found


def _signal_info(name: str, fitted: SpikeDetector, basis: str, unit: str, points: str) -> Signal:
    if fitted.reason_ is not None:
        return Signal(name, "not_computable", reason=fitted.reason_, basis=basis)
    return Signal(
        name,
        "ok",
        basis=basis,
        unit=unit,
        points=points,
        n=fitted.n_,
        judged=int(fitted.judged_.sum()),
        spikes=len(fitted.spikes_),
        detector=fitted.get_params(),
    )


def _no_signal(name: str, reason: str) -> Signal:
    return Signal(name, "not_computable", reason=reason)


def _signals(
    posts: pd.DataFrame,
    engagement_basis: str,
    daily: Mapping[str, Any],
    first: int,
    post_detector: SpikeDetector,
    follow_detector: SpikeDetector,
) -> tuple[dict[str, Signal], list[_Detection]]:
    info: dict[str, Signal] = {}
    found: list[_Detection] = []
    no_posts = "needs original posts by your own accounts"
    if posts.empty:
        info["reach"] = _no_signal("reach", no_posts)
        info["engagement"] = _no_signal("engagement", no_posts)
    else:
        column = "reach" if posts["reach"].notna().any() else "impressions"
        if posts[column].notna().any():
            basis = f"post_stats {column}, the latest observation of each post"
            info["reach"], more = _post_signal(posts, column, post_detector, basis)
            found += more
        else:
            info["reach"] = _no_signal(
                "reach", "needs reach or impressions of your posts (post_stats)"
            )
        info["engagement"], more = _post_signal(
            posts, "engagements", post_detector, engagement_basis
        )
        found += more
    if "follows" in daily:
        fitted = follow_detector.fit(daily["follows"].astype(np.float64))
        info["followers"] = _signal_info(
            "followers", fitted, daily["follow_basis"], _UNITS["followers"], "days"
        )
        found += [
            _Detection("followers", first + s.start, first + s.end, s.size, s.baseline, s.score)
            for s in fitted.spikes_
        ]
    else:
        info["followers"] = _no_signal(
            "followers", "needs follows (interactions of kind follow) or follower counts over time"
        )
    return info, found


def _merge(found: list[_Detection], gap: int) -> list[list[_Detection]]:
    """Detections whose days are no more than ``gap`` apart, grouped into spikes."""
    groups: list[list[_Detection]] = []
    last = -(10**9)
    for detection in sorted(found, key=lambda d: (d.first, d.last)):
        if groups and detection.first <= last + gap:
            groups[-1].append(detection)
            last = max(last, detection.last)
        else:
            groups.append([detection])
            last = detection.last
    return groups


# -- measures ------------------------------------------------------------------------------
def _not(kind: str, reason: str) -> Measured:
    return Measured(kind, "not_computable", reason=reason)


def _share(kept: int, n: int) -> Measured:
    return Measured("share", value=kept / n, kept=kept, n=n, interval=wilson_interval(kept, n))


def _measures(
    days: npt.NDArray[np.bool_],
    posts: npt.NDArray[np.bool_],
    frame: pd.DataFrame,
    daily: Mapping[str, Any],
    span: Mapping[str, Any],
) -> Measures:
    """Followers gained and kept, new core members and conversions over the chosen days."""
    n_days, n_posts = int(days.sum()), int(posts.sum())
    gained = int(daily["follows"][days].sum()) if "follows" in daily else None
    if gained is None:
        followers = _not(
            "count", "needs follows (interactions of kind follow) or follower counts over time"
        )
    else:
        followers = Measured("count", value=gained, per_day=gained / n_days if n_days else None)
    kept_after: dict[int, Measured] = {}
    for horizon in (30, 90):
        if f"judged_{horizon}" not in daily:
            kept_after[horizon] = _not(
                "share", _NO_FOLLOWS + "; follower counts give only net changes"
            )
            continue
        judged = int(daily[f"judged_{horizon}"][days].sum())
        kept = int(daily[f"kept_{horizon}"][days].sum())
        if judged:
            kept_after[horizon] = _share(kept, judged)
        elif gained:
            kept_after[horizon] = _not(
                "share", f"its follows are less than {horizon} days before the data's end"
            )
        else:
            kept_after[horizon] = _not("share", "no follows to follow up")
    if "newcomers" in daily:
        newcomers = int(daily["newcomers"][days].sum())
        core = int(daily["new_core"][days].sum())
        new_core = Measured(
            "core",
            value=core,
            newcomers=newcomers,
            share=core / newcomers if newcomers else None,
            interval=wilson_interval(core, newcomers),
        )
    else:
        new_core = _not(
            "core",
            "needs people's likes, reposts, replies or mentions with who and when (interactions)",
        )
    if not span["attributed"]:
        conversions = _not(
            "conversions",
            "needs conversions attributed to posts (conversions.post_id, from UTM tags or "
            "landing URLs)",
        )
    elif not n_posts:
        conversions = _not("conversions", "no post of yours was published in it")
    else:
        total = int(frame["conversions"].to_numpy(dtype=np.int64)[posts].sum())
        conversions = Measured("conversions", value=total, posts=n_posts, per_post=total / n_posts)
    return Measures(
        n_days, n_posts, followers, kept_after[30], kept_after[90], new_core, conversions
    )


def _iso(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def _spike(
    group: list[_Detection],
    first: int,
    last: int,
    window: tuple[int, int],
    ids: list[str],
    measures: Measures,
) -> Spike:
    kinds = [k for k in SIGNALS if any(d.kind == k for d in group)]
    lead = max((d for d in group if d.kind == kinds[0]), key=lambda d: d.score)
    return Spike(
        day=_iso(first),
        last_day=_iso(last),
        kind="+".join(kinds),
        size=lead.size,
        baseline=lead.baseline,
        unit=_UNITS[lead.kind],
        signals=tuple(
            SpikeSignal(d.kind, _iso(d.first), d.size, d.baseline, d.score) for d in group
        ),
        post_ids=tuple(ids),
        window_from=_iso(window[0]),
        window_to=_iso(window[1]),
        window_days=window[1] - window[0] + 1,
        measures=measures,
    )


def _pct(measure: Measured) -> str:
    return f"{measure.value:.0%} of {measure.n:,}"


def _verdict(
    spikes: int, pooled: Measures, ordinary: Measures, signals: Mapping[str, Signal]
) -> str:
    gained_o = ordinary.followers_gained
    if all(not s.ok for s in signals.values()):
        reasons = "; ".join(f"{k}: {s.reason}" for k, s in signals.items())
        return f"Can't tell spikes from ordinary days ({reasons})."
    if not spikes:
        text = f"No spike in {ordinary.days:,} days: everything came from ordinary weeks"
        kept = ordinary.still_following_90d
        if gained_o.ok and kept.ok:
            text += (
                f" ({gained_o.value:,} new followers, {kept.value:.0%} still following "
                "90 days later)"
            )
        return text + "."
    parts = [f"{spikes} spike{'s' if spikes > 1 else ''}"]
    gained_s = pooled.followers_gained
    if gained_s.ok and gained_o.ok and gained_o.per_day is not None:
        parts.append(
            f" brought {gained_s.value:,} followers in {pooled.days} days "
            f"({gained_s.per_day:.1f} a day against {gained_o.per_day:.1f} on ordinary days)"
        )
    kept_s, kept_o = pooled.still_following_90d, ordinary.still_following_90d
    judgement = "Too early or too little data to say whether spike followers stayed."
    if kept_s.ok and kept_o.ok and kept_s.interval and kept_o.interval:
        parts.append(
            f"; {_pct(kept_s)} still followed 90 days later, against {_pct(kept_o)} ordinary "
            "followers"
        )
        (low_s, high_s), (low_o, high_o) = kept_s.interval, kept_o.interval
        if high_s < low_o:
            judgement = "A one-hit wonder: the followers the spikes brought did not stay."
        elif low_s > high_o:
            judgement = "The Beatles: the spikes' followers stayed better than ordinary ones."
        else:
            judgement = "Spike followers stayed about as well as ordinary ones."
    core_s, core_o = pooled.new_core_members, ordinary.new_core_members
    if core_s.ok and core_o.ok and core_o.share is not None:
        share = core_s.share
        parts.append(
            f"; {core_s.value:,} new core members"
            + (
                f" ({share:.1%} of {core_s.newcomers:,} newcomers, against "
                f"{core_o.share:.1%} of {core_o.newcomers:,})"
                if share is not None
                else ""
            )
        )
    conv_s, conv_o = pooled.conversions, ordinary.conversions
    if conv_s.ok and conv_o.ok:
        parts.append(
            f"; {conv_s.value:,} conversions from their posts ({conv_s.per_post:.2f} a post "
            f"against {conv_o.per_post:.2f})"
        )
    return "".join(parts) + ". " + judgement


def audit_spikes(
    session: Session,
    *,
    post_detector: SpikeDetector = POST_DETECTOR,
    follow_detector: SpikeDetector = FOLLOW_DETECTOR,
    tail_days: int = 2,
) -> SpikeAudit:
    """Find the own accounts' spikes and what each left, against ordinary days."""
    backend, tables, context = session.backend, session.tables, session.context
    span = _span(backend, tables, context)
    if span["first"] is None or span["last"] is None:
        reason = "needs posts or interactions of your own accounts in the period"
        return SpikeAudit(
            spikes=(),
            ordinary=None,
            in_spikes=None,
            signals={k: _no_signal(k, reason) for k in SIGNALS},
            verdict="Nothing to audit: " + reason + ".",
        )
    first, last = int(span["first"]), int(span["last"])
    n = last - first + 1
    frame, basis = _posts(backend, tables, context)
    daily = _daily(backend, tables, context, span)
    signals, found = _signals(frame, basis, daily, first, post_detector, follow_detector)
    post_day = frame["day"].to_numpy(dtype=np.int64)
    in_window = np.zeros(n, dtype=bool)
    spike_posts = np.zeros(len(frame), dtype=bool)
    rows = []
    for group in _merge(found, tail_days):
        lo, hi = min(d.first for d in group), max(d.last for d in group)
        end = min(hi + tail_days, last)
        window = np.zeros(n, dtype=bool)
        window[lo - first : end - first + 1] = True
        own = (post_day >= lo) & (post_day <= hi)
        in_window |= window
        spike_posts |= own
        measures = _measures(window, own, frame, daily, span)
        rows.append(_spike(group, lo, hi, (lo, end), frame["post_id"][own].tolist(), measures))
    ordinary = _measures(~in_window, ~spike_posts, frame, daily, span)
    pooled = _measures(in_window, spike_posts, frame, daily, span)
    return SpikeAudit(
        spikes=tuple(rows),
        ordinary=ordinary,
        in_spikes=pooled,
        signals=signals,
        verdict=_verdict(len(rows), pooled, ordinary, signals),
        period=Period(_iso(first), _iso(last), n, tail_days),
    )
