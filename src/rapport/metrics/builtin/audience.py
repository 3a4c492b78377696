"""Audience: is the engagement coming from the right people? (principle 3)"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import Figure, empty, integer, rows
from rapport.metrics.spec import Measure, Need, area, metric
from rapport.query.common import (
    config,
    engagement_rows,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="audience",
    title="The right audience",
    principle=("The right audience beats a big audience."),
    weights={"signups": 0.9, "sales": 0.9, "leads": 0.95, "community": 0.7, "awareness": 0.8},
    position=80,
    figures=lambda s: report_figures(s),
)


_WHY = (
    "The right audience beats a big audience: attention from people who will never buy "
    "does not grow the business."
)


def _scored_people(t: Tables, c: Context) -> ir.Table | None:
    if t.relevance is None:
        return None
    scores = t.relevance.filter(t.relevance.subject == "bio")
    return scores.select("relevance", "relevant", r_person="key")


def _has_scores(t: Tables, c: Context) -> ir.BooleanScalar:
    people = _scored_people(t, c)
    if people is None or not config(c).goal.target_audience:
        return ibis.literal(False)
    rows = engagement_rows(t, c)
    return rows.join(people, rows.person_id == people.r_person).count() > 0


_SCORED = Need(
    "a target audience in rapport.toml ([goal] target_audience) and bios of the people who "
    "engaged (people.bio), scored at import",
    _has_scores,
)


def engagement_by_relevance(t: Tables, c: Context) -> ir.Table:
    """Engaging interactions joined with the engager's bio relevance."""
    people = _scored_people(t, c)
    rows = engagement_rows(t, c)
    if people is None:
        raise ValueError("relevance scores are not available on this backend")
    return rows.join(people, rows.person_id == people.r_person)


@metric(
    id="relevant_engager_share",
    area="audience",
    title="Engaged people who fit your audience",
    unit="fraction",
    denominator="people who engaged and have a bio",
    direction="higher",
    needs=(_SCORED,),
    description="Share of the people who engaged whose bio matches the target audience "
    "described in rapport.toml (TF-IDF similarity above the relevance threshold).",
    why=_WHY,
)
def relevant_engager_share(t: Tables, c: Context) -> Measure:
    rows = engagement_by_relevance(t, c)
    people = rows.group_by("person_id").aggregate(relevant=rows.relevant.max())
    relevant = people.count(where=people.relevant)
    return Measure(value=relevant / people.count().nullif(0), n=people.count(), successes=relevant)


@metric(
    id="relevant_engagement_share",
    area="audience",
    title="Engagement from your target audience",
    unit="fraction",
    denominator="engagements by people who have a bio",
    direction="higher",
    needs=(_SCORED,),
    description="Share of likes, reposts, replies and other engagement that comes from people "
    "whose bio matches the target audience.",
    why=_WHY,
)
def relevant_engagement_share(t: Tables, c: Context) -> Measure:
    rows = engagement_by_relevance(t, c)
    relevant = rows.count(where=rows.relevant)
    return Measure(
        value=relevant / rows.count().nullif(0),
        n=rows.count(),
        successes=relevant,
        extra={"mean_relevance": rows.relevance.mean()},
    )


def audience_weekly(t: Tables, c: Context) -> ir.Table:
    """Per week: engagements by people whose bio fits the target audience, and by others."""
    rows = engagement_by_relevance(t, c)
    return (
        rows.group_by(week=rows.occurred_at.truncate("W").date())
        .aggregate(relevant=rows.count(where=rows.relevant), other=rows.count(where=~rows.relevant))
        .order_by("week")
    )


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    if s.tables.relevance is None or not s.config.goal.target_audience:
        return [
            empty(
                "audience",
                "Engagement from your target audience",
                "Set [goal] target_audience in rapport.toml to measure this.",
            )
        ]
    weekly = s.frame(audience_weekly(s.tables, s.context))
    if weekly.empty:
        return [
            empty(
                "audience",
                "Engagement from your target audience",
                "Nobody who engaged has a bio to compare with your target audience.",
            )
        ]
    return [
        Figure(
            "audience",
            "Engagement from your target audience",
            specs.stacked_weekly(
                weekly,
                columns={"relevant": "fits your audience", "other": "other people"},
                colours=["#2f7d5b", "#c9c9c9"],
                title="Engagements each week, by whether the person fits your target audience",
                y_title="Engagements",
            ),
            ["Week", "Fits your audience", "Other people"],
            rows(weekly[["week", "relevant", "other"]], {"relevant": integer, "other": integer}),
            note=f"Target audience: {s.config.goal.target_audience}",
        )
    ]
