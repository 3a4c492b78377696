"""Community: the people who come back, and the core of them (principle 4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import Figure, decimal, empty, integer, rows
from rapport.metrics.needs import ENGAGEMENT_INTERACTIONS
from rapport.metrics.spec import Measure, area, metric
from rapport.metrics.tables import table
from rapport.query.common import (
    DEPTH_WEIGHTS,
    config,
    data_end,
    engaged_people_weeks,
    engagement_rows,
    seconds,
    week_number,
    week_start,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="community",
    title="Your core community",
    principle=("Start with one person: take care of the first 50 to 100 people who care."),
    weights={"signups": 0.75, "sales": 0.7, "leads": 0.7, "community": 1.0, "awareness": 0.6},
    position=20,
    figures=lambda s: report_figures(s),
)


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


def people_weekly(t: Tables, c: Context) -> ir.Table:
    """People who engaged each week, split into first-timers and people coming back."""
    weeks = engaged_people_weeks(t, c)
    first = weeks.group_by("person_id").aggregate(first_week=weeks.week.min())
    joined = weeks.join(first, "person_id")
    return (
        joined.group_by(week=week_start(joined.week))
        .aggregate(
            new=joined.count(where=joined.week == joined.first_week),
            returning=joined.count(where=joined.week > joined.first_week),
        )
        .order_by("week")
    )


def followers_weekly(t: Tables, c: Context) -> ir.Table:
    """The last known follower count of own accounts in each week (summed over accounts)."""
    fc = t.follower_counts.filter(t.follower_counts.account_id.isin(list(c.account_ids)))
    fc = c.in_period(fc, fc.observed_at)
    per_account = fc.group_by(
        ["account_id", fc.observed_at.truncate("W").date().name("week")]
    ).aggregate(followers=fc.followers.argmax(fc.observed_at))
    return (
        per_account.group_by("week")
        .aggregate(followers=per_account.followers.sum())
        .order_by("week")
    )


@table(
    "people",
    "People: love score and level",
    "Everyone who engaged: how often, how recently and how deeply (the love score), their "
    "level, whether they are in the core community, and their handle.",
)
def people_table(t: Tables, c: Context) -> ir.Table:
    scores = love_scores(t, c)
    core = core_people(t, c).select(core_id="person_id", core_weeks="active_weeks")
    people = t.people.select(p_id="person_id", handle="handle", display_name="display_name")
    joined = scores.left_join(core, scores.person_id == core.core_id).left_join(
        people, scores.person_id == people.p_id
    )
    return joined.select(
        "person_id",
        "handle",
        "display_name",
        "love_score",
        "level",
        "engagements",
        "replies",
        "active_weeks",
        "first_engaged_at",
        "last_engaged_at",
        "days_since_last",
        core=joined.core_id.notnull(),
    ).order_by([ibis.desc("love_score"), "person_id"])


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    figures = []
    people = s.frame(people_weekly(s.tables, s.context))
    if people.empty:
        figures.append(
            empty(
                "people",
                "People who engaged each week",
                "No individual interactions in the data, so nobody can be "
                "followed from week to week.",
            )
        )
        return figures
    figures.append(
        Figure(
            "people",
            "People who engaged each week",
            specs.people_chart(people),
            ["Week", "First time", "Came back"],
            rows(people[["week", "new", "returning"]], {"new": integer, "returning": integer}),
        )
    )
    top = s.frame(people_table(s.tables, s.context).limit(25))
    if not top.empty:
        top["who"] = top["handle"].fillna(top["person_id"])
        figures.append(
            Figure(
                "love",
                "The people who care most (top 25 by love score)",
                None,
                [
                    "Who",
                    "Level",
                    "Love score",
                    "Engagements",
                    "Replies",
                    "Weeks active",
                    "Core",
                    "Last engaged",
                ],
                rows(
                    top[
                        [
                            "who",
                            "level",
                            "love_score",
                            "engagements",
                            "replies",
                            "active_weeks",
                            "core",
                            "last_engaged_at",
                        ]
                    ],
                    {
                        "love_score": decimal,
                        "engagements": integer,
                        "replies": integer,
                        "active_weeks": integer,
                        "core": lambda v: "yes" if v else "",
                    },
                ),
                note="Love score: every engagement counts by its depth (a reply 3, a like 1), "
                "halved for each 30 days of age. The full list: rapport metrics --table people.",
                order="highest love score first",
            )
        )
    followers = s.frame(followers_weekly(s.tables, s.context))
    if not followers.empty:
        figures.append(
            Figure(
                "followers",
                "Followers (a vanity number, for context)",
                specs.followers_chart(followers),
                ["Week", "Followers"],
                rows(followers, {"followers": integer}),
            )
        )
    return figures
