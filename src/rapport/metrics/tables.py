"""Metric tables: the rows behind the numbers (per post, per person, cohorts, slots).

Each table is a registered function returning an Ibis table expression, like a metric;
``rapport metrics --table ID --format csv|json`` writes one, and the report shows them beside
its charts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from rapport.metrics.builtin.community import core_people, love_scores
from rapport.metrics.builtin.content import engagement_timing, kind_performance
from rapport.metrics.builtin.conversions import attributed_by_post
from rapport.metrics.builtin.reciprocity import question_posts, replies_with_questions
from rapport.metrics.builtin.retention import cohorts
from rapport.metrics.builtin.timing import WEEKDAYS, performance_by
from rapport.query.common import post_engagement
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = ["MetricTable", "get_table", "metric_tables"]


@dataclass(frozen=True)
class MetricTable:
    id: str
    title: str
    description: str
    build: Callable[[Tables, Context], ir.Table]


_TABLES: dict[str, MetricTable] = {}


def _table(
    id: str, title: str, description: str
) -> Callable[[Callable[[Tables, Context], ir.Table]], Callable[[Tables, Context], ir.Table]]:
    def register(
        build: Callable[[Tables, Context], ir.Table],
    ) -> Callable[[Tables, Context], ir.Table]:
        _TABLES[id] = MetricTable(id, title, description, build)
        return build

    return register


def metric_tables() -> list[MetricTable]:
    return list(_TABLES.values())


def get_table(id: str) -> MetricTable:
    from rapport.errors import UsageError

    if id not in _TABLES:
        raise UsageError(f"{id!r}: unknown table; known tables: {', '.join(_TABLES)}")
    return _TABLES[id]


@_table(
    "posts",
    "Posts: value beside vanity",
    "Each original post with its likes, reach, engagement and the conversions and value "
    "attributed to it.",
)
def _posts(t: Tables, c: Context) -> ir.Table:
    table = attributed_by_post(t, c)
    return table.select(
        "post_id",
        "created_at",
        "kind",
        "likes",
        "reposts",
        "replies",
        "quotes",
        "reach",
        "impressions",
        "engagements",
        "followers_at_post",
        "conversions",
        "value",
        "currency",
    ).order_by(ibis.desc("created_at"))


@_table(
    "people",
    "People: love score and level",
    "Everyone who engaged: how often, how recently and how deeply (the love score), their "
    "level, whether they are in the core community, and their handle.",
)
def _people(t: Tables, c: Context) -> ir.Table:
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
    ).order_by(ibis.desc("love_score"))


@_table(
    "cohorts",
    "Monthly cohorts of first-time engagers",
    "People engaging for the first time each month, and how many engaged again k months later.",
)
def _cohorts(t: Tables, c: Context) -> ir.Table:
    return cohorts(t, c)


@_table(
    "unanswered",
    "Replies and questions waiting for an answer",
    "Replies and mentions aimed at your accounts that you never answered, oldest first.",
)
def _unanswered(t: Tables, c: Context) -> ir.Table:
    table = replies_with_questions(t, c)
    waiting = table.filter(~table.answered)
    texts = t.interactions.select(x_id="interaction_id", text="text")
    joined = waiting.left_join(texts, waiting.interaction_id == texts.x_id)
    return joined.select(
        "interaction_id", "person_id", "occurred_at", "kind", "is_question", "text"
    ).order_by("occurred_at")


@_table(
    "questions",
    "Your questions and the answers they got",
    "The question-and-answer loop: each question you posted and how many people answered.",
)
def _questions(t: Tables, c: Context) -> ir.Table:
    return question_posts(t, c).order_by(ibis.desc("created_at"))


@_table(
    "content_kinds",
    "Performance by kind of post",
    "Mean engagement rate per content kind with 95 % intervals; kinds with few posts are flagged.",
)
def _kinds(t: Tables, c: Context) -> ir.Table:
    return kind_performance(t, c)


@_table(
    "half_life",
    "How long posts keep working",
    "Per post: hours to half and to 90 % of its engagement, and its evergreen share.",
)
def _half_life(t: Tables, c: Context) -> ir.Table:
    return engagement_timing(t, c).order_by(ibis.desc("evergreen"))


@_table(
    "timing_hours",
    "Engagement by hour of posting (UTC)",
    "Mean engagement rate of posts by the hour they went out, with 95 % intervals.",
)
def _hours(t: Tables, c: Context) -> ir.Table:
    table = performance_by(t, c, slot="hour")
    return table.rename(hour="slot")


@_table(
    "timing_weekdays",
    "Engagement by weekday of posting (UTC)",
    "Mean engagement rate of posts by weekday, with 95 % intervals.",
)
def _weekdays(t: Tables, c: Context) -> ir.Table:
    table = performance_by(t, c, slot="weekday")
    names = ibis.cases(*((table.slot == i, name) for i, name in enumerate(WEEKDAYS)))
    return table.mutate(weekday=names).relocate("weekday")


@_table(
    "engagement",
    "Engagement per post",
    "Each original post with its engagement counts and denominators.",
)
def _engagement(t: Tables, c: Context) -> ir.Table:
    table, _ = post_engagement(t, c)
    return table.order_by(ibis.desc("created_at"))
