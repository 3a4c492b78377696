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


_WEEK = 7 * 86400.0
_MEASURED = "measured from the posts' times, not an estimate: no interval"
_WHY = (
    "A few posts a day becomes a few a week, then the account is quietly inactive; "
    "consistency is what builds trust over time."
)


def _start(t: Tables, c: Context) -> ir.FloatingScalar:
    """Where the posting record starts (seconds): the period's start when one is given (the
    account was there to post from then on), else the first own original post."""
    if c.since is not None:
        return ibis.literal(c.since.timestamp(), "float64")
    return seconds(c.original_posts(t).created_at.min().as_scalar(), c)


def _span_days(t: Tables, c: Context) -> ir.FloatingScalar:
    """Days from the start of the record to the end of the data (at least 7)."""
    days = (seconds(data_end(t, c), c) - _start(t, c)) / 86400.0
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
    denominator="weeks from the start of the period (or, without one, the first original "
    "post) to the end of the data",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Original posts divided by the number of weeks they span.",
    why=_WHY,
)
def posts_per_week(t: Tables, c: Context) -> Measure:
    n = c.original_posts(t).count()
    weeks = _span_days(t, c) / 7.0
    return Measure(
        value=n.as_scalar() / weeks,
        n=n,
        extra={"weeks": weeks},
        interval_note="a count per week, not an estimate: no interval",
    )


@metric(
    id="longest_gap_days",
    area="consistency",
    title="Longest gap between posts",
    unit="days",
    denominator="the time from the start of the period (or the first original post) to the "
    "end of the data, the current silence included",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="The longest stretch without an original post: between two posts, before the "
    "first one when a period is given, or from the last one to the end of the data.",
    why=_WHY,
)
def longest_gap_days(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    stamps = seconds(posts.created_at, c)
    gaps = posts.select(
        at=stamps, gap=stamps - stamps.lag().over(ibis.window(order_by=posts.created_at))
    )
    gaps = gaps.mutate(longest=gaps.gap.max().over())
    inner = gaps.gap.max()
    inner_end = gaps.at.max(where=gaps.gap == gaps.longest)  # the latest of equals
    first, last = gaps.at.min(), gaps.at.max()
    end = seconds(data_end(t, c), c)
    start = _start(t, c)
    leading, trailing = first - start, end - last
    longest = ibis.greatest(inner.fill_null(0.0), leading, trailing)
    # ties go to the latest gap, as a silence that is still going on matters most
    gap_end = ibis.cases((trailing >= longest, end), (inner >= longest, inner_end), else_=first)
    return Measure(
        value=longest / 86400.0,
        n=posts.count(),
        extra={"gap_end_days": (gap_end - start) / 86400.0},
        interval_note=_MEASURED,
    )


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
        value=days,
        n=posts.count(),
        extra={"alert": days > limit, "alert_after_days": limit},
        interval_note=_MEASURED,
    )


@metric(
    id="weeks_active_share",
    area="consistency",
    title="Weeks with a post",
    unit="fraction",
    denominator="complete 7-day weeks counted back from the end of the data, as far as the "
    "start of the period (or the first original post)",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Share of weeks in which at least one original post went out. The weeks are "
    "the 7-day blocks that end at the end of the data, so none is cut short and a silence of "
    "more than a week always shows; a record shorter than a week has no share to tell.",
    why=_WHY,
)
def weeks_active_share(t: Tables, c: Context) -> Measure:
    posts = c.original_posts(t)
    end = seconds(data_end(t, c), c)
    complete = ((end - _start(t, c)) / _WEEK).floor()
    block = ((end - seconds(posts.created_at, c)) / _WEEK).floor()  # 0: the last 7 days
    active = block.nunique(where=block < complete)
    weeks = complete.cast("int64")
    return Measure(value=active.as_scalar() / weeks.nullif(0), n=weeks, successes=active)


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
        interval_note="describes the gaps there were, not an estimate: no interval",
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
