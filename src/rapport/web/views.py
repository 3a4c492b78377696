"""What each page shows, made by the library: the web computes nothing of its own.

Every value here comes from the same functions as the CLI and the report (the metrics of
``rapport metrics``, the care list of ``rapport care``, the report's "This week" and
coverage), so a number on a page equals the number ``rapport metrics --json`` prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rapport.analyses.coverage import COLUMNS, Coverage, DataKind, coverage, short_reason
from rapport.metrics.findings import Finding, findings
from rapport.metrics.run import MetricResult, run_metrics
from rapport.report.formatting import format_interval, format_value
from rapport.report.sections import SectionLink, section_index
from rapport.report.strategy import strategy
from rapport.report.this_week import ThisWeek, this_week
from rapport.session import Session
from rapport.strategy.care_list import CareList, care_list
from rapport.strategy.plan import latest_plans

__all__ = [
    "RELATIONSHIP",
    "VANITY",
    "Card",
    "Overview",
    "Summary",
    "care_page",
    "overview",
    "summary",
]

VANITY = ("reach", "likes", "followers")
"""The numbers that flatter (shown greyed, as in the report)."""
RELATIONSHIP = ("returning_people", "reply_rate", "conversions")
"""The numbers that matter, beside them."""
TOP_FINDINGS = 8
PLAN_STALE_DAYS = 30
"""A plan older than this is worth making again (the data has moved on)."""


@dataclass(frozen=True)
class Card:
    """One metric as a card: its value, interval and denominator, or why it can't be told."""

    id: str
    title: str
    value: str | None
    detail: str

    @classmethod
    def of(cls, result: MetricResult | None, metric_id: str) -> Card:
        if result is None:
            return cls(metric_id, metric_id, None, "not a metric of this version")
        if not result.ok:
            return cls(result.id, result.title, None, short_reason(result) or "")
        interval = format_interval(result)
        detail = (f"{interval}. " if interval else "") + f"Denominator: {result.denominator}"
        return cls(result.id, result.title, format_value(result), detail)


@dataclass(frozen=True)
class Overview:
    """A workspace's first page."""

    objective: str | None
    week: ThisWeek
    vanity: tuple[Card, ...]
    relationship: tuple[Card, ...]
    coverage: Coverage
    kinds: tuple[DataKind, ...]
    findings: tuple[Finding, ...]
    computable: int
    total: int
    results: tuple[MetricResult, ...]
    sections: tuple[SectionLink, ...] = ()
    """The report's sections after its overview, each a page of its own."""


def overview(session: Session) -> Overview:
    results = run_metrics(session)
    by_id = {r.id: r for r in results}
    shown = strategy(session)
    return Overview(
        objective=session.config.goal.objective,
        week=this_week(shown),
        vanity=tuple(Card.of(by_id.get(m), m) for m in VANITY),
        relationship=tuple(Card.of(by_id.get(m), m) for m in RELATIONSHIP),
        coverage=coverage(session),
        kinds=COLUMNS,
        findings=tuple(findings(results, session.config)[:TOP_FINDINGS]),
        computable=sum(1 for r in results if r.ok),
        total=len(results),
        results=tuple(results),
        sections=tuple(section_index(session.config)),
    )


def care_page(session: Session) -> CareList:
    return care_list(session)


@dataclass(frozen=True)
class Summary:
    """A workspace's card on the home page."""

    name: str
    objective: str | None
    handles: tuple[str, ...]
    data_end: dt.datetime | None
    last_import: str | None
    care_due: int
    care_minutes: float
    alerts: tuple[str, ...]
    plan: str | None = None
    """The latest stored plan in a few words ("Plan 3 of 2026-12-01: 2 steps")."""


def _days(since: dt.datetime, now: dt.datetime) -> int:
    return (now - since.astimezone(dt.UTC)).days


def _silences(session: Session, end: dt.datetime | None) -> list[str]:
    """Data getting old, or the account silent for nearly as long as the target allows."""
    limit = session.config.targets.max_gap_days
    now = dt.datetime.now(dt.UTC)
    if end is None:
        return []
    silent = _days(end, now)
    if silent > limit:  # what the account did since the data ends, rapport can't know
        return [f"No new data for {silent:,} days: import or pull fresh data"]
    alerts = []
    if silent >= limit - 2:
        alerts.append(f"Data getting old: {silent:,} days since the latest data (target: at "
                      f"most {limit:,} without a post)")  # fmt: skip
    posts, c = session.tables.posts, session.context
    last = session.execute(
        posts.filter(posts.account_id.isin(list(c.account_ids)) & posts.in_reply_to_id.isnull()
                     & posts.repost_of.isnull()).created_at.max()
    )  # fmt: skip
    if last is not None and last == last:  # NaT when there is no own post
        moment = last.to_pydatetime() if hasattr(last, "to_pydatetime") else last
        quiet = _days(moment, now)
        if quiet >= limit - 2:
            due = moment.astimezone(dt.UTC) + dt.timedelta(days=limit)
            alerts.append(
                f"No post for {quiet:,} days (target: at most {limit:,}): post by {due:%Y-%m-%d}"
                if quiet <= limit
                else f"No post for {quiet:,} days, past the target of at most {limit:,}"
            )
    return alerts


def _promotions(session: Session) -> list[str]:
    """The share of promotions past the ceiling the workspace sets (with its interval)."""
    ceiling = session.config.targets.max_promotional_share
    found = session.metrics(ids=["promotional_share"])
    share = found[0] if found else None
    if share is None or not share.ok or share.value is None or share.value <= ceiling:
        return []
    surely = share.interval is not None and share.interval[0] > ceiling
    return [
        f"Promotions {'over' if surely else 'perhaps over'} the ceiling: {format_value(share)} "
        f"of {share.denominator} ({format_interval(share)}), against at most {ceiling:.0%}"
    ]


def summary(session: Session, name: str) -> Summary:
    """The home page's card: objective, last import, care items due, alerts."""
    config = session.config
    care = care_list(session)
    recent = session.store.recent_imports(limit=1)
    last_import = recent[0].finished_at if recent else None
    end = care.data_end
    alerts = _silences(session, end) + _promotions(session)
    handles = tuple(a.handle for a in config.accounts.own)
    stored = latest_plans(session.store, n=1)
    plan = None
    if stored:
        latest = stored[0]
        steps = len(latest.plan.get("steps") or [])
        plan = (f"Plan {latest.plan_id:,} of {latest.created_at:%Y-%m-%d}: "
                f"{steps:,} step{'s' if steps != 1 else ''}")  # fmt: skip
        age = (dt.datetime.now(dt.UTC) - latest.created_at.astimezone(dt.UTC)).days
        if age > PLAN_STALE_DAYS:
            alerts.append(f"The plan is {age:,} days old: make a new one on the Plan page")
    else:
        alerts.append("No plan yet: make one on the Plan page")
    return Summary(
        name=name,
        objective=config.goal.objective,
        handles=handles,
        data_end=end,
        last_import=last_import,
        care_due=len(care.items),
        care_minutes=care.minutes,
        alerts=tuple(alerts),
        plan=plan,
    )
