"""The competitor benchmark: the own account against its closest competitors, area by area.

An *area* is a platform × metric (``bluesky:posts_per_week``); metrics come in families:
engagement, consistency, reciprocity, growth, share of voice and content mix (see
:data:`~rapport.strategy.benchmark.values.AREA_SPECS` and ``docs/strategy.md``). For each area
every account gets its value, or ``not_computable`` with the reason (never a 0 it did not
earn), its rank, and the area names the leader and the own account's gap to it.

All accounts are measured over one window (by default the last 90 days of the data); each
account's value covers the part of the window its data covers. Competitor data is what
public APIs and CSVs give: posts, aggregate counts (post_stats) and follower counts, no
individual interactions.

>>> bench = competitor_benchmark(store.ibis, store.tables(), context)  # doctest: +SKIP
>>> bench.to_dict()["areas"][0]["leader"]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapport.errors import UsageError
from rapport.query.common import config
from rapport.query.context import Context
from rapport.query.tables import Tables
from rapport.strategy.benchmark.model import (
    AccountSummary,
    Area,
    AreaSpec,
    Value,
    Window,
    rank_area,
)
from rapport.strategy.benchmark.queries import evidence, measure_slices
from rapport.strategy.benchmark.registered import REGISTERED, registered_values
from rapport.strategy.benchmark.result import Benchmark
from rapport.strategy.benchmark.topics import Topics, topic_terms
from rapport.strategy.benchmark.values import (
    AREA_SPECS,
    COMPUTE,
    SHARE_METRICS,
    Measured,
    Who,
    shares,
    weeks,
)

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "AREA_SPECS",
    "AccountSummary",
    "Area",
    "AreaSpec",
    "Benchmark",
    "Compared",
    "Value",
    "Window",
    "account_summary",
    "compared_accounts",
    "competitor_benchmark",
    "format_gap",
    "format_value",
    "moment",
]

Raw = Mapping[str, Any]
_SLICES = ("full", "earlier", "later")
_WEEK = 7 * 86400.0


@dataclass(frozen=True)
class Compared:
    """One account the benchmark looks at."""

    account_id: str
    handle: str
    platform: str
    role: str


def moment(seconds: float) -> dt.datetime:
    """Seconds since 1970 as a UTC datetime."""
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


_at = moment


def compared_accounts(backend: Any, t: Tables) -> tuple[list[Compared], list[str]]:
    """The accounts to compare (own, and competitors on the own accounts' platforms), and
    notices naming the competitors left out. Raises a UsageError with no own account."""
    rows = t.accounts.filter(t.accounts.role.isin(["own", "competitor"]))
    frame = backend.execute(rows.select("account_id", "handle", "platform", "role"))
    everyone = sorted(
        (Compared(*(str(row[k]) for k in ("account_id", "handle", "platform", "role")))
         for row in frame.to_dict("records")),
        key=lambda a: (a.platform, a.role != "own", a.handle),
    )  # fmt: skip
    platforms = {a.platform for a in everyone if a.role == "own"}
    if not platforms:
        raise UsageError(
            "no own account in the store: import your own account's data first "
            "(rapport import), then run the benchmark"
        )
    accounts = [a for a in everyone if a.platform in platforms]
    notices = [
        f"{a.handle} ({a.platform}) is not compared: no own account on {a.platform}"
        for a in everyone
        if a.platform not in platforms
    ]
    return accounts, notices


def _compared(backend: Any, t: Tables) -> tuple[list[Compared], list[str]]:
    accounts, notices = compared_accounts(backend, t)
    if not any(a.role == "competitor" for a in accounts):
        platforms = sorted({a.platform for a in accounts})
        raise UsageError(
            f"no competitor on the platforms of your own accounts ({', '.join(platforms)}): "
            "name them in rapport.toml ([[accounts.competitors]]) and run `rapport pull "
            "competitors`, or import their posts and counts from CSV through a mapping"
        )
    return accounts, notices


def _window(
    c: Context, first: float, last: float, window_days: int | None
) -> tuple[float, float, str]:
    end = c.until.timestamp() if c.until is not None else last
    ending = (
        "ending at the given end"
        if c.until is not None
        else "ending at the latest post, count or interaction of the compared accounts"
    )
    if c.since is not None:
        return c.since.timestamp(), end, f"from the given start, {ending}"
    if window_days is None:
        return first, end, f"all the data, {ending}"
    return end - window_days * 86400.0, end, f"the last {window_days} days of the data, {ending}"


def _slice(name: str, lo: float, hi: float, mid: float) -> tuple[float, float] | None:
    """One slice of an account's span [lo, hi] as [start, end) bounds, or None if empty."""
    after_hi = hi + 0.001  # the span's last moment belongs to it
    if name == "full":
        return lo, after_hi
    if name == "earlier":
        if lo >= mid:
            return None
        return (lo, mid) if hi > mid else (lo, after_hi)
    return (max(lo, mid), after_hi) if hi >= mid else None


def _measure_all(
    raws: Mapping[str, Raw], who: Mapping[str, Who], platform_of: Mapping[str, str], topics: Topics
) -> dict[str, dict[str, Measured]]:
    """metric → account → measured, for one slice."""
    result: dict[str, dict[str, Measured]] = {
        metric: {a: compute(raw, who[a]) for a, raw in raws.items()}
        for metric, compute in COMPUTE.items()
    }
    for metric in SHARE_METRICS:
        result[metric] = {}
        for platform in sorted(set(platform_of.values())):
            group = {a: r for a, r in raws.items() if platform_of[a] == platform}
            result[metric].update(shares(metric, group, who, has_topics=topics.pattern is not None))
    return result


def account_summary(
    account: Compared, raw: Raw | None, span: tuple[float, float] | None
) -> AccountSummary:
    """One account's coverage and weekly activity from its raw numbers over ``span``."""
    a = account
    if raw is None or span is None:
        return AccountSummary(a.account_id, a.handle, a.platform, a.role, None, None)
    w = weeks(raw)
    posts = int(raw.get("posts") or 0)
    known = int(raw.get("replies_known") or 0)

    def per_week(count: float | None) -> float | None:
        return None if count is None or w < 1.0 else count / w

    received = None if known == 0 else int(raw.get("replies_received") or 0) / known * posts
    activity = {
        "posts_per_week": per_week(posts),
        "question_posts_per_week": per_week(int(raw.get("questions") or 0)),
        "promo_posts_per_week": per_week(int(raw.get("promos") or 0)),
        "reply_posts_per_week": per_week(int(raw.get("reply_posts") or 0)),
        "replies_received_per_week": per_week(received),
        "topic_posts_per_week": per_week(int(raw.get("topic_posts") or 0)),
    }
    kinds: Mapping[str, int] = raw.get("kinds", {})
    mix = {k: n / posts for k, n in sorted(kinds.items())} if posts else {}
    return AccountSummary(
        a.account_id, a.handle, a.platform, a.role, _at(span[0]), _at(span[1]), activity, mix
    )


def _value(account: Compared, m: Measured | None, trend: float | None) -> Value:
    a = account
    if m is None:
        reason = (
            "no data for this account in the window (no posts, counts, follower counts or "
            "interactions)"
        )
        return Value(a.account_id, a.handle, a.role, None, "not_computable", reason)
    if m.value is None:
        return Value(a.account_id, a.handle, a.role, None, "not_computable", m.reason, n=m.n)
    return Value(
        a.account_id, a.handle, a.role, m.value, "ok",
        n=m.n, trend_per_week=trend, details=dict(m.details),
    )  # fmt: skip


def _trend(early: Measured | None, late: Measured | None, half_weeks: float) -> float | None:
    """Change per week: the later half of the window against the earlier half."""
    if early is None or late is None or early.value is None or late.value is None:
        return None
    return (late.value - early.value) / half_weeks if half_weeks > 0 else None


def competitor_benchmark(session: Session, *, window_days: int | None = 90) -> Benchmark:
    """Compare the own account(s) with each competitor on the same platform, area by area.

    ``window_days`` sets the observation window (the last N days of the data; None: all of
    it); ``context.since``/``until`` override it. Raises :class:`~rapport.errors.UsageError`
    when there is no own account, no competitor on an own account's platform, or no data.
    """
    backend, tables, context = session.backend, session.tables, session.context
    accounts, notices = _compared(backend, tables)
    ids = [a.account_id for a in accounts]
    frame = backend.execute(evidence(tables, context, ids))
    seen = {str(r["account_id"]): r for r in frame.to_dict("records")}
    if not seen:
        raise UsageError(
            "no posts, counts or follower counts for the compared accounts: import or pull "
            "their data first"
        )
    first = min(float(r["first"]) for r in seen.values())
    last = max(float(r["last"]) for r in seen.values())
    start, end, rule = _window(context, first, last, window_days)
    spans: dict[str, tuple[float, float]] = {}
    for a in accounts:
        row = seen.get(a.account_id)
        lo, hi = (max(start, float(row["first"])), min(end, float(row["last"]))) if row else (0, 0)
        if hi > lo:
            spans[a.account_id] = (lo, hi)
        else:
            notices.append(f"{a.handle} ({a.platform}): no data inside the window")
    posts_ever = {a: int(row["posts_ever"] or 0) for a, row in seen.items()}
    who = {a.account_id: Who(a.role, posts_ever.get(a.account_id, 0)) for a in accounts}
    own_ids = [a.account_id for a in accounts if a.role == "own"]
    audience = config(context).goal.target_audience
    topics = topic_terms(
        backend, tables, context, own_ids, lo=start, hi=end + 0.001, audience=audience
    )
    platform_of = {a.account_id: a.platform for a in accounts}
    mid = start + (end - start) / 2
    bounds = [
        (name, a, *cut)
        for name in _SLICES
        for a, (lo, hi) in spans.items()
        if (cut := _slice(name, lo, hi, mid))
    ]
    raws = measure_slices(backend, tables, context, bounds, pattern=topics.pattern)
    measured = {
        name: _measure_all(raws.get(name, {}), who, platform_of, topics) for name in _SLICES
    }
    registered = registered_values(session, raws, who, bounds)
    for name in _SLICES:
        measured[name].update(registered.get(name, {m: {} for m in REGISTERED}))
    raws_full = raws.get("full", {})
    half_weeks = (end - start) / 2 / _WEEK
    areas = [
        rank_area(
            platform,
            spec,
            [
                _value(
                    a,
                    measured["full"][spec.metric].get(a.account_id),
                    _trend(
                        measured["earlier"][spec.metric].get(a.account_id),
                        measured["later"][spec.metric].get(a.account_id),
                        half_weeks,
                    ),
                )
                for a in accounts
                if a.platform == platform
            ],
        )
        for platform in sorted({a.platform for a in accounts})
        for spec in AREA_SPECS
    ]
    summaries = tuple(
        account_summary(a, raws_full.get(a.account_id), spans.get(a.account_id)) for a in accounts
    )
    window = Window(start=_at(start), end=_at(end), rule=rule)
    return Benchmark(window, summaries, tuple(areas), topics.terms, tuple(notices))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)


def format_value(unit: str, value: Any) -> str:
    """A benchmark value in its unit, as the report and the CLI show it ('' when unknown)."""
    if not _finite(value):
        return ""
    if unit.startswith("fraction"):
        digits = 2 if value != 0 and abs(value) < 0.01 else 1
        share = f"{value:.{digits}%}"
        if unit == "fraction per 30 days":
            return f"{'+' if value > 0 else ''}{share} per 30 days"
        if unit == "fraction":
            return share
    if unit == "posts per week":
        return f"{value:,.1f} a week"
    if unit == "days":
        return f"{value:,.1f} days"
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "people":
        return f"{value:,.0f} people"
    return f"{value:,.2f}"


def format_gap(unit: str, gap: Any) -> str:
    """How far the own account is behind the leader, in the area's unit."""
    if gap is None:
        return ""
    if gap == 0:
        return "none: you lead"
    if unit.startswith("fraction"):
        return f"{gap * 100:,.1f} points"
    return format_value(unit, gap)
