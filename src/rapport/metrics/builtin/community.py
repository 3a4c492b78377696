"""Community: the people who come back, and the core of them (principle 4)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from rapport.metrics.needs import ENGAGEMENT_INTERACTIONS
from rapport.metrics.spec import Measure, metric
from rapport.query.common import (
    DEPTH_WEIGHTS,
    config,
    data_end,
    engaged_people_weeks,
    engagement_rows,
    seconds,
    week_number,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

_WHY = (
    "Take care of the first 50 to 100 people who care: the ones who come back are "
    "the start of everything that grows."
)
LOVE_HALF_LIFE_DAYS = 30.0
LEVELS = (("advocate", 8.0), ("regular", 3.0), ("occasional", 1.0), ("dormant", 0.0))
"""Love-score levels, highest first: a level needs at least its score."""


def weeks_per_person(t: Tables, c: Context) -> ir.Table:
    """Per person: in how many distinct calendar weeks they engaged."""

    def build() -> ir.Table:
        weeks = engaged_people_weeks(t, c)
        return weeks.group_by("person_id").aggregate(weeks=weeks.week.count())

    return c.memo("weeks_per_person", build)


def _returning_and_engaged(t: Tables, c: Context) -> tuple[ir.IntegerScalar, ir.IntegerScalar]:
    """People who engaged in two or more distinct weeks, and everyone who engaged."""

    per_person = weeks_per_person(t, c)
    return per_person.count(where=per_person.weeks >= 2), per_person.count()


def core_people(t: Tables, c: Context) -> ir.Table:
    """People who engaged in at least ``min_active_weeks`` distinct weeks of the last
    ``window_days`` (rapport.toml [community]), the window ending at the data's end."""
    return c.memo("core_people", lambda: _core_people(t, c))


def _core_people(t: Tables, c: Context) -> ir.Table:
    settings = config(c).community
    rows = engagement_rows(t, c)
    start = data_end(t, c) - ibis.interval(days=settings.window_days)
    recent = rows.filter(rows.occurred_at > start)
    weeks = recent.group_by("person_id").aggregate(
        active_weeks=week_number(recent.occurred_at, c).nunique()
    )
    return weeks.filter(weeks.active_weeks >= settings.min_active_weeks)


def love_scores(t: Tables, c: Context) -> ir.Table:
    """Per person: frequency, recency, depth, the love score and its level.

    Each engagement adds its depth weight (a reply 3, a like 1; see DEPTH_WEIGHTS), halved for
    every LOVE_HALF_LIFE_DAYS of age at the data's end: frequent, recent, deep engagement
    scores high. Levels: advocate ≥ 8, regular ≥ 3, occasional ≥ 1, else dormant.
    """
    return c.memo("love_scores", lambda: _love_scores(t, c))


def _love_scores(t: Tables, c: Context) -> ir.Table:
    rows = engagement_rows(t, c)
    end = data_end(t, c)
    weight = ibis.cases(*((rows.kind == k, w) for k, w in DEPTH_WEIGHTS.items()), else_=1.0)
    age_days = (seconds(end, c) - seconds(rows.occurred_at, c)) / 86400.0
    scored = rows.mutate(
        _points=weight * (-age_days * 0.6931471805599453 / LOVE_HALF_LIFE_DAYS).exp()
    )
    people = scored.group_by("person_id").aggregate(
        engagements=scored.count(),
        replies=scored.count(where=scored.kind.isin(["reply", "mention", "quote"])),
        first_engaged_at=scored.occurred_at.min(),
        last_engaged_at=scored.occurred_at.max(),
        love_score=scored._points.sum(),
    )
    weeks = weeks_per_person(t, c).select(w_person="person_id", active_weeks="weeks")
    people = people.join(weeks, people.person_id == weeks.w_person).drop("w_person")
    level = ibis.cases(
        *((people.love_score >= floor, name) for name, floor in LEVELS[:-1]), else_=LEVELS[-1][0]
    )
    days_since = (seconds(end, c) - seconds(people.last_engaged_at, c)) / 86400.0
    return people.mutate(level=level, days_since_last=days_since)


@metric(
    id="engaged_people",
    area="community",
    title="People who engaged",
    unit="people",
    denominator="distinct people with a like, repost, quote, reply, mention, save or share",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="Distinct people who engaged with your accounts at least once.",
    why=_WHY,
)
def engaged_people(t: Tables, c: Context) -> Measure:
    weeks = engaged_people_weeks(t, c)
    n = weeks.person_id.nunique()
    return Measure(value=n, n=n)


@metric(
    id="returning_people",
    area="community",
    title="People who came back",
    unit="people",
    denominator="distinct people who engaged in at least two different calendar weeks",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="People who engaged in two or more distinct weeks of the period.",
    why=_WHY,
)
def returning_people(t: Tables, c: Context) -> Measure:
    returning, total = _returning_and_engaged(t, c)
    return Measure(value=returning, n=total, extra={"share": returning / total.nullif(0)})


@metric(
    id="returning_share",
    area="community",
    title="Share of people who came back",
    unit="fraction",
    denominator="people who engaged at least once",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="People who engaged in two or more distinct weeks, divided by everyone who "
    "engaged.",
    why=_WHY,
)
def returning_share(t: Tables, c: Context) -> Measure:
    returning, total = _returning_and_engaged(t, c)
    return Measure(value=returning / total.nullif(0), n=total, successes=returning)


@metric(
    id="core_community",
    area="community",
    title="Core community",
    unit="people",
    denominator="people who engaged in the window (rapport.toml [community] window_days)",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="People who engaged in at least min_active_weeks distinct weeks of the last "
    "window_days days (2 weeks of 90 days by default), the window ending at the data's end.",
    why=_WHY,
)
def core_community(t: Tables, c: Context) -> Measure:
    settings = config(c).community
    rows = engagement_rows(t, c)
    start = data_end(t, c) - ibis.interval(days=settings.window_days)
    in_window = rows.filter(rows.occurred_at > start).person_id.nunique()
    core = core_people(t, c).count()
    return Measure(
        value=core,
        n=in_window,
        extra={
            "window_days": settings.window_days,
            "min_active_weeks": settings.min_active_weeks,
            "share_of_window": core.as_scalar() / in_window.as_scalar().nullif(0),
        },
    )


@metric(
    id="advocates",
    area="community",
    title="Advocates",
    unit="people",
    denominator="people who ever engaged",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="People whose love score (frequency, recency and depth of their engagement) "
    "reaches the advocate level; the rest are regulars, occasional or dormant.",
    why=_WHY,
)
def advocates(t: Tables, c: Context) -> Measure:
    people = love_scores(t, c)
    return Measure(
        value=people.count(where=people.level == "advocate"),
        n=people.count(),
        extra={level: people.count(where=people.level == level) for level, _ in LEVELS[1:]},
    )
