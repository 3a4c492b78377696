"""Weekly series behind the report's charts, as Ibis expressions (they run on any backend)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from rapport.metrics.builtin.engagement import engagement_denominator
from rapport.query.common import engaged_people_weeks, post_engagement, week_start
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = ["engagement_weekly", "followers_weekly", "people_weekly", "posts_weekly"]


def posts_weekly(t: Tables, c: Context) -> ir.Table:
    """Original posts per calendar week and content kind (``unknown`` where not classified)."""
    posts = c.original_posts(t)
    return (
        posts.select(
            week=posts.created_at.truncate("W").date(),
            kind=posts.content_kind.fill_null("unknown"),
        )
        .group_by(["week", "kind"])
        .aggregate(posts=ibis._.count())
        .order_by(["week", "kind"])
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


def engagement_weekly(t: Tables, c: Context) -> tuple[ir.Table, str]:
    """Per week of publication: posts, median engagement rate, and the denominator's name."""
    table, basis = post_engagement(t, c)
    column, words = engagement_denominator(c)
    rate = table.engagements / table[column].cast("float64").nullif(0)
    rated = table.select(
        week=table.created_at.truncate("W").date(), rate=rate, engagements=table.engagements
    )
    rated = rated.filter(rated.rate.notnull())
    weekly = (
        rated.group_by("week")
        .aggregate(
            posts=rated.count(),
            median_rate=rated.rate.median(),
            engagements=rated.engagements.sum(),
        )
        .order_by("week")
    )
    return weekly, f"{words} (engagements from {basis})"


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


def replies_weekly(t: Tables, c: Context) -> ir.Table:
    """Replies and mentions received per week, and how many of them were answered."""
    from rapport.metrics.builtin.reciprocity import answered_replies

    table = answered_replies(t, c)
    return (
        table.group_by(week=table.occurred_at.truncate("W").date())
        .aggregate(received=table.count(), answered=table.count(where=table.answered))
        .order_by("week")
    )


def sentiment_weekly(t: Tables, c: Context) -> ir.Table:
    """Replies per week by sentiment label."""
    from rapport.metrics.builtin.sentiment import scored_replies

    rows = scored_replies(t, c)
    return (
        rows.group_by([rows.occurred_at.truncate("W").date().name("week"), "sentiment_label"])
        .aggregate(replies=rows.count())
        .order_by(["week", "sentiment_label"])
    )


def audience_weekly(t: Tables, c: Context) -> ir.Table:
    """Per week: engagements by people whose bio fits the target audience, and by others."""
    from rapport.metrics.builtin.audience import engagement_by_relevance

    rows = engagement_by_relevance(t, c)
    return (
        rows.group_by(week=rows.occurred_at.truncate("W").date())
        .aggregate(relevant=rows.count(where=rows.relevant), other=rows.count(where=~rows.relevant))
        .order_by("week")
    )
