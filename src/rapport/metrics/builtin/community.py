"""Community: the people who come back (principle 4)."""

from __future__ import annotations

import ibis.expr.types as ir

from rapport.metrics.builtin._common import engaged_people_weeks
from rapport.metrics.needs import ENGAGEMENT_INTERACTIONS
from rapport.metrics.spec import Context, Measure, metric
from rapport.tables import Tables

_WHY = (
    "Take care of the first 50 to 100 people who care: the ones who come back are "
    "the start of everything that grows."
)


def _returning_and_engaged(t: Tables, c: Context) -> tuple[ir.IntegerScalar, ir.IntegerScalar]:
    """People who engaged in two or more distinct weeks, and everyone who engaged."""
    weeks = engaged_people_weeks(t, c)
    per_person = weeks.group_by("person_id").aggregate(weeks=weeks.week.count())
    return per_person.count(where=per_person.weeks >= 2), per_person.count()


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
