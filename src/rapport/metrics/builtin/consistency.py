"""Consistency: cadence, gaps, regularity (principle 6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import Figure, empty, integer, rows
from rapport.metrics.needs import OWN_ORIGINAL_POSTS
from rapport.metrics.spec import Measure, area, metric
from rapport.query.common import (
    config,
    data_end,
    seconds,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="consistency",
    title="Posting consistency",
    principle=("A few posts a week, every week: accounts rarely die loudly, they go quiet."),
    weights={"signups": 0.6, "sales": 0.6, "leads": 0.6, "community": 0.7, "awareness": 0.85},
    position=60,
    figures=lambda s: report_figures(s),
)


_WHY = (
    "A few posts a day becomes a few a week, then the account is quietly inactive; "
    "consistency is what builds trust over time."
)


def _span_days(t: Tables, c: Context) -> ir.FloatingScalar:
    """Days from the first own original post to the end of the data (at least 7)."""
    posts = c.original_posts(t)
    first = seconds(posts.created_at.min().as_scalar(), c)
    days = (seconds(data_end(t, c), c) - first) / 86400.0
    return ibis.greatest(days, 7.0)


@metric(
    id="posts",
    area="consistency",
    title="Original posts",
    unit="count",
    denominator="original posts by your own accounts in the period (no replies, no reposts)",
    direction="neutral",
    needs=(OWN_ORIGINAL_POSTS,),
    description="How many original posts your own accounts published.",
    why=_WHY,
)
def posts(t: Tables, c: Context) -> Measure:
    n = c.original_posts(t).count()
    return Measure(value=n, n=n)


@metric(
    id="posts_per_week",
    area="consistency",
    title="Posts per week",
    unit="posts per week",
    denominator="weeks from the first original post to the end of the data",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Original posts divided by the number of weeks they span.",
    why=_WHY,
)
def posts_per_week(t: Tables, c: Context) -> Measure:
    n = c.original_posts(t).count()
    weeks = _span_days(t, c) / 7.0
    return Measure(value=n.as_scalar() / weeks, n=n, extra={"weeks": weeks})


@metric(
    id="longest_gap_days",
    area="consistency",
    title="Longest gap between posts",
    unit="days",
    denominator="consecutive pairs of original posts",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="The longest stretch without an original post, between two posts.",
    why=_WHY,
)
def longest_gap_days(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    stamps = seconds(posts.created_at, c)
    gaps = posts.select(
        gap=(stamps - stamps.lag().over(ibis.window(order_by=posts.created_at))) / 86400.0
    )
    return Measure(value=gaps.gap.max(), n=gaps.gap.count())


@metric(
    id="days_since_last_post",
    area="consistency",
    title="Days since the last post",
    unit="days",
    denominator="time from the latest original post to the end of the data",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="How long the account has been silent at the end of the data; compared "
    "with targets.max_gap_days for the inactivity alert.",
    why=_WHY,
)
def days_since_last_post(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    last = seconds(posts.created_at.max().as_scalar(), c)
    days = (seconds(data_end(t, c), c) - last) / 86400.0
    limit = config(c).targets.max_gap_days
    return Measure(
        value=days, n=posts.count(), extra={"alert": days > limit, "alert_after_days": limit}
    )


@metric(
    id="weeks_active_share",
    area="consistency",
    title="Weeks with a post",
    unit="fraction",
    denominator="calendar weeks from the first original post to the end of the data",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Share of weeks in which at least one original post went out.",
    why=_WHY,
)
def weeks_active_share(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    active = posts.created_at.truncate("W").nunique()
    first_week = posts.created_at.min().as_scalar().truncate("W").epoch_seconds()
    last_week = data_end(t, c).truncate("W").epoch_seconds()
    weeks = ((last_week - first_week) / (7 * 86400)).round().cast("int64") + 1
    return Measure(value=active.as_scalar() / weeks, n=weeks, successes=active)


@metric(
    id="posting_regularity",
    area="consistency",
    title="Posting regularity",
    unit="ratio",
    denominator="gaps between consecutive original posts",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Coefficient of variation of the gaps between posts (standard deviation over "
    "mean): 0 is a clockwork cadence, above 1 means bursts and long silences.",
    why=_WHY,
)
def posting_regularity(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    stamps = seconds(posts.created_at, c)
    gaps = posts.select(
        gap=(stamps - stamps.lag().over(ibis.window(order_by=posts.created_at))) / 86400.0
    ).filter(lambda g: g.gap.notnull())
    return Measure(
        value=gaps.gap.std() / gaps.gap.mean().nullif(0),
        n=gaps.count(),
        extra={"mean_gap_days": gaps.gap.mean()},
    )


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


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    posts = s.frame(posts_weekly(s.tables, s.context))
    if posts.empty:
        return [
            empty(
                "posts",
                "Original posts per week",
                "No original posts by your own accounts in the data.",
            )
        ]
    wide = posts.pivot_table(
        index="week", columns="kind", values="posts", aggfunc="sum", fill_value=0
    ).reset_index()
    kinds = [k for k in specs.KIND_COLOURS if k in wide.columns]
    wide["total"] = wide[kinds].sum(axis=1)
    return [
        Figure(
            "posts",
            "Original posts per week",
            specs.posts_chart(posts, target_per_week=s.config.targets.posts_per_week),
            ["Week", "Total", *[k.replace("_", " ") for k in kinds]],
            rows(wide[["week", "total", *kinds]], {k: integer for k in [*kinds, "total"]}),
        )
    ]
