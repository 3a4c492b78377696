"""Retention: do people come back month after month, do new followers stay (principle 10)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import Figure, empty, integer, percent, rows
from rapport.metrics.needs import ENGAGEMENT_INTERACTIONS, has_rows
from rapport.metrics.spec import Measure, area, metric
from rapport.metrics.tables import table
from rapport.query.common import (
    data_end,
    engagement_rows,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="retention",
    title="Retention",
    principle=("Trust shows up as people coming back month after month."),
    weights={"signups": 0.7, "sales": 0.7, "leads": 0.7, "community": 0.9, "awareness": 0.6},
    position=30,
    figures=lambda s: report_figures(s),
)


_WHY = (
    "Trust and loyalty show up as retention over months: people who come back, followers who stay."
)


def _month_index(moment: ir.TimestampValue) -> ir.IntegerValue:
    return moment.year() * 12 + moment.month() - 1


def engager_months(t: Tables, c: Context) -> ir.Table:
    """Distinct (person, month index) pairs of engagement, with each person's first month."""
    return c.memo("engager_months", lambda: _engager_months(t, c))


def _engager_months(t: Tables, c: Context) -> ir.Table:
    rows = engagement_rows(t, c)
    months = rows.select("person_id", month=_month_index(rows.occurred_at)).distinct()
    first = months.group_by("person_id").aggregate(cohort=months.month.min())
    return months.join(first, "person_id")


def cohorts(t: Tables, c: Context) -> ir.Table:
    """Monthly cohorts of first-time engagers: people engaging again k months later."""
    months = engager_months(t, c)
    months = months.mutate(offset=months.month - months.cohort)
    counted = months.group_by(["cohort", "offset"]).aggregate(people=months.person_id.nunique())
    sizes = counted.filter(counted.offset == 0).select("cohort", cohort_size="people")
    joined = counted.join(sizes, "cohort")
    year = (joined.cohort / 12).floor().cast("int64")
    month = (joined.cohort % 12 + 1).cast("int64")
    return joined.select(
        cohort_month=ibis.date(year, month, 1),
        months_later=joined.offset,
        people=joined.people,
        cohort_size=joined.cohort_size,
        share=joined.people / joined.cohort_size.cast("float64"),
    ).order_by(["cohort_month", "months_later"])


def _observed(t: Tables, c: Context) -> tuple[ir.Table, ir.IntegerScalar]:
    months = engager_months(t, c)
    last = _month_index(data_end(t, c))
    per_person = months.group_by(["person_id", "cohort"]).aggregate(
        later=(months.month > months.cohort).any(),
        next_month=(months.month == months.cohort + 1).any(),
    )
    return per_person, last


@metric(
    id="engager_return_rate",
    area="retention",
    title="First-time engagers who came back",
    unit="fraction",
    denominator="people whose first engagement was before the data's last month",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="Share of people who engaged for the first time in a month and engaged again "
    "in any later month (people first seen in the last month are left out: they had no time).",
    why=_WHY,
)
def engager_return_rate(t: Tables, c: Context) -> Measure:
    people, last = _observed(t, c)
    eligible = people.filter(people.cohort < last)
    back = eligible.count(where=eligible.later)
    return Measure(value=back / eligible.count().nullif(0), n=eligible.count(), successes=back)


@metric(
    id="engager_next_month_retention",
    area="retention",
    title="First-time engagers back the next month",
    unit="fraction",
    denominator="people whose first engagement was before the data's last month",
    direction="higher",
    needs=(ENGAGEMENT_INTERACTIONS,),
    description="Share of first-time engagers who engaged again in the very next calendar month.",
    why=_WHY,
)
def engager_next_month_retention(t: Tables, c: Context) -> Measure:
    people, last = _observed(t, c)
    eligible = people.filter(people.cohort < last)
    back = eligible.count(where=eligible.next_month)
    return Measure(value=back / eligible.count().nullif(0), n=eligible.count(), successes=back)


_FOLLOWS = has_rows(
    "follows with a time (interactions of kind follow)",
    lambda t, c: c.interactions(t).filter(
        (c.interactions(t).kind == "follow")
        & c.interactions(t).occurred_at.notnull()
        & c.interactions(t).person_id.notnull()
    ),
)


def follower_stays(t: Tables, c: Context, *, days: int) -> ir.Table:
    """New follows old enough to judge, and whether the person still followed ``days`` later."""
    rows = c.interactions(t)
    follows = rows.filter(
        (rows.kind == "follow") & rows.occurred_at.notnull() & rows.person_id.notnull()
    )
    follows = follows.filter(
        follows.occurred_at <= data_end(t, c) - ibis.interval(days=days)
    ).select("person_id", "account_id", followed_at="occurred_at")
    interactions = t.interactions
    unfollows = interactions.filter(
        (interactions.kind == "unfollow") & interactions.occurred_at.notnull()
    ).select(u_person="person_id", u_account="account_id", u_at="occurred_at")
    joined = follows.left_join(
        unfollows,
        (follows.person_id == unfollows.u_person)
        & (follows.account_id == unfollows.u_account)
        & (unfollows.u_at >= follows.followed_at)
        & (unfollows.u_at < follows.followed_at + ibis.interval(days=days)),
    )
    return joined.group_by(["person_id", "account_id", "followed_at"]).aggregate(
        left=joined.u_at.count() > 0
    )


def _follower_retention(days: int) -> None:
    @metric(
        id=f"follower_retention_{days}d",
        area="retention",
        title=f"New followers still following after {days} days",
        unit="fraction",
        denominator=f"follows at least {days} days before the data's end",
        direction="higher",
        needs=(_FOLLOWS,),
        description=f"Share of new follows not undone within {days} days.",
        why=_WHY,
    )
    def retention(t: Tables, c: Context) -> Measure:
        stays = follower_stays(t, c, days=days)
        kept = stays.count(where=~stays.left)
        return Measure(value=kept / stays.count().nullif(0), n=stays.count(), successes=kept)


_follower_retention(30)
_follower_retention(90)


@table(
    "cohorts",
    "Monthly cohorts of first-time engagers",
    "People engaging for the first time each month, and how many engaged again k months later.",
)
def cohorts_table(t: Tables, c: Context) -> ir.Table:
    return cohorts(t, c)


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    frame = s.frame(cohorts(s.tables, s.context))
    if frame.empty:
        return [empty("cohorts", "Monthly cohorts", "Needs people's engagement with times.")]
    frame["cohort"] = pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m")
    later = frame[frame["months_later"] > 0]
    if later.empty:
        return [
            empty(
                "cohorts",
                "Monthly cohorts of first-time engagers",
                "Nobody has engaged in a later month yet: the data covers too short a "
                "time to see people come back month after month.",
            )
        ]
    return [
        Figure(
            "cohorts",
            "Monthly cohorts of first-time engagers",
            specs.cohort_heatmap(later),
            ["First engaged in", "Months later", "People", "Of", "Share"],
            rows(
                later[["cohort", "months_later", "people", "cohort_size", "share"]],
                {"people": integer, "cohort_size": integer, "share": percent},
            ),
        )
    ]
