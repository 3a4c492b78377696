"""Content: which kinds of posts work, how long posts keep working (principles 1 and 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import NOT_RATED, Figure, empty, integer, percent
from rapport.metrics.builtin.engagement import (
    RATE_DOMAIN,
    engagement_denominator,
    has_engagement_data,
    interval_text,
)
from rapport.metrics.needs import OWN_ORIGINAL_POSTS, has_rows
from rapport.metrics.spec import Measure, Need, area, metric
from rapport.metrics.tables import table
from rapport.query.common import (
    best_row,
    data_end,
    mean_estimate,
    mean_interval,
    post_engagement,
    seconds,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="content",
    title="What content works",
    principle=("Find what your audience responds to; useful resources keep working."),
    weights={"signups": 0.6, "sales": 0.6, "leads": 0.65, "community": 0.6, "awareness": 0.9},
    position=70,
    figures=lambda s: report_figures(s),
)


SMALL_SAMPLE = 10
"""Fewer posts than this in a group: the report warns that its numbers are fragile."""
MIN_TIMED_ENGAGEMENTS = 5
EVERGREEN_AFTER_DAYS = 7


def kind_performance(t: Tables, c: Context) -> ir.Table:
    """Per content kind: posts, mean engagement rate with its 95 % interval (on the log
    scale: never below 0; null, with ``interval_note`` saying why, where there is none),
    median."""
    return c.memo("kind_performance", lambda: _kind_performance(t, c))


def _kind_performance(t: Tables, c: Context) -> ir.Table:
    table, _ = post_engagement(t, c)
    column, _ = engagement_denominator(c)
    rated = table.mutate(
        kind=table.kind.fill_null("unknown"),
        rate=table.engagements / table[column].cast("float64").nullif(0),
    ).filter(lambda r: r.rate.notnull())
    grouped = rated.group_by("kind").aggregate(
        posts=rated.count(),
        mean_rate=rated.rate.mean(),
        median_rate=rated.rate.median(),
        std=rated.rate.std(),
    )
    mean = mean_estimate(
        grouped.mean_rate, grouped.std, grouped.posts, domain=RATE_DOMAIN, of="posts"
    )
    return grouped.select(
        "kind",
        "posts",
        "mean_rate",
        "median_rate",
        low=mean.low,
        high=mean.high,
        small_sample=grouped.posts < SMALL_SAMPLE,
        interval_note=mean.note,
    ).order_by([ibis.desc("mean_rate"), "kind"])


_RATED = Need(
    "engagement counts and a denominator per post",
    lambda t, c: ibis.literal(has_engagement_data(c)),
)


@metric(
    id="top_content_kind",
    area="content",
    title="Best-performing kind of post (lift)",
    unit="ratio",
    denominator="mean engagement rate of all original posts",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS, _RATED),
    description="The content kind with the highest mean engagement rate (among kinds with at "
    "least 5 posts; of equal ones, the first in alphabetical order), as a multiple of the "
    "overall mean; the kind, its sample size and a "
    "small-sample warning are shown beside it, and the interval comes from the kind's own "
    "(on the log scale, so never below 0).",
    why="Find what your audience responds to, and do more of it.",
)
def top_content_kind(t: Tables, c: Context) -> Measure:
    kinds = kind_performance(t, c)
    best = best_row(kinds.filter(kinds.posts >= 5), by="mean_rate", key="kind")
    table, _ = post_engagement(t, c)
    column, _ = engagement_denominator(c)
    overall = (table.engagements / table[column].cast("float64").nullif(0)).mean().as_scalar()
    lift = best.mean_rate.max().as_scalar() / overall.nullif(0)
    return Measure(
        value=lift,
        n=best.posts.max(),
        interval=(
            best.low.max().as_scalar() / overall.nullif(0),
            best.high.max().as_scalar() / overall.nullif(0),
        ),
        interval_note=best.interval_note.max(),
        extra={
            "kind": best.kind.max(),
            "small_sample": best.small_sample.max(),
            "kinds_compared": kinds.count(where=kinds.posts >= 5),
        },
    )


def engagement_timing(t: Tables, c: Context) -> ir.Table:
    """Per own original post with enough timed engagements: hours to 50 % and 90 % of its
    engagement, and the share that came more than EVERGREEN_AFTER_DAYS after posting."""
    return c.memo("engagement_timing", lambda: _engagement_timing(t, c))


def _engagement_timing(t: Tables, c: Context) -> ir.Table:
    posts = c.original_posts(t).select("post_id", "created_at")
    rows = c.interactions(t)
    rows = rows.filter(
        rows.kind.isin(["like", "repost", "reply", "quote"])
        & rows.occurred_at.notnull()
        & rows.post_id.notnull()
    )
    joined = rows.join(posts, rows.post_id == posts.post_id)
    hours = (seconds(joined.occurred_at, c) - seconds(joined.created_at, c)) / 3600.0
    # Delays are counted in buckets (an hour each in the first week, then a day each), and
    # the time to 50 % (90 %) of a post's engagement is the end of the bucket where the
    # running count crosses it: exact to the hour early on, to the day later, and one
    # aggregation instead of a sort per post (which costs 5x more at 10M interactions).
    week = EVERGREEN_AFTER_DAYS * 24
    bucket = ibis.cases((hours < week, hours.floor()), else_=week + ((hours - week) / 24).floor())
    counted = (
        joined.select("post_id", bucket=bucket.cast("int64"))
        .group_by(["post_id", "bucket"])
        .aggregate(n=ibis._.count())
    )
    running = counted.mutate(
        cum=counted.n.sum().over(
            ibis.window(group_by=counted.post_id, order_by=counted.bucket, rows=(None, 0))
        ),
        total=counted.n.sum().over(ibis.window(group_by=counted.post_id)),
    )
    edge = ibis.cases(
        (running.bucket < week, running.bucket + 1), else_=week + (running.bucket - week + 1) * 24
    ).cast("float64")
    per_post = running.group_by("post_id").aggregate(
        engagements=running.total.max(),
        hours_to_half=edge.min(where=running.cum >= running.total * 0.5),
        hours_to_90=edge.min(where=running.cum >= running.total * 0.9),
        late=(running.bucket >= week).ifelse(running.n, 0).sum(),  # a count: none is 0
    )
    return per_post.filter(per_post.engagements >= MIN_TIMED_ENGAGEMENTS).mutate(
        evergreen=lambda p: p.late / p.engagements.cast("float64")
    )


_TIMED = has_rows(
    f"posts with at least {MIN_TIMED_ENGAGEMENTS} engagements that carry a time (interactions)",
    engagement_timing,
)


@metric(
    id="content_half_life",
    area="content",
    title="Content half-life",
    unit="hours",
    denominator=f"original posts with at least {MIN_TIMED_ENGAGEMENTS} timed engagements",
    direction="higher",
    needs=(_TIMED,),
    description="Median over posts of the time from posting to half of a post's engagement "
    "(to the hour in the first week, to the day after), with the median time to 90 % beside "
    "it: short means trending content, long means evergreen.",
    why="Useful, high-quality resources keep working; hot takes are soon forgotten.",
)
def content_half_life(t: Tables, c: Context) -> Measure:
    timing = engagement_timing(t, c)
    return Measure(
        value=timing.hours_to_half.median(),
        n=timing.count(),
        extra={"hours_to_90_percent": timing.hours_to_90.median()},
        interval_note="a median with no interval; the median time to 90 % shows the spread",
    )


@metric(
    id="evergreen_score",
    area="content",
    title="Evergreen score",
    unit="fraction",
    denominator=f"original posts with at least {MIN_TIMED_ENGAGEMENTS} timed engagements, "
    f"posted at least {2 * EVERGREEN_AFTER_DAYS} days before the data's end",
    direction="higher",
    needs=(_TIMED,),
    description=f"Mean share of a post's engagement that arrives more than "
    f"{EVERGREEN_AFTER_DAYS} days after it was posted, with a 95 % interval on the logit "
    "scale (it stays within 0 to 1).",
    why="A resource people come back to is worth more than a post forgotten by tomorrow.",
)
def evergreen_score(t: Tables, c: Context) -> Measure:
    timing = engagement_timing(t, c)
    posts = c.original_posts(t).select(p_id="post_id", p_at="created_at")
    old = timing.join(posts, timing.post_id == posts.p_id).filter(
        lambda r: r.p_at <= data_end(t, c) - ibis.interval(days=2 * EVERGREEN_AFTER_DAYS)
    )
    mean = mean_interval(old.evergreen, domain=(0.0, 1.0), of="posts")
    return Measure(value=mean.value, n=mean.n, interval=mean.interval, interval_note=mean.note)


@table(
    "content_kinds",
    "Performance by kind of post",
    "Mean engagement rate per content kind with 95 % intervals (log scale, never below 0; "
    "interval_note says why a kind has none); kinds with few posts are flagged.",
)
def content_kinds_table(t: Tables, c: Context) -> ir.Table:
    return kind_performance(t, c)


@table(
    "half_life",
    "How long posts keep working",
    "Per post: hours to half and to 90 % of its engagement, and its evergreen share.",
)
def half_life_table(t: Tables, c: Context) -> ir.Table:
    return engagement_timing(t, c).order_by([ibis.desc("evergreen"), "post_id"])


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    if not has_engagement_data(s.context):
        return [empty("kinds", "Performance by kind of post", NOT_RATED)]
    kinds = s.frame(kind_performance(s.tables, s.context))
    if kinds.empty:
        return [empty("kinds", "Performance by kind of post", NOT_RATED)]
    kinds = kinds.rename(columns={"mean_rate": "mean", "posts": "n"})
    kinds["kind"] = kinds["kind"].str.replace("_", " ")
    return [
        Figure(
            "kinds",
            "Performance by kind of post",
            specs.interval_bars(
                kinds,
                category="kind",
                title="Mean engagement rate by kind, with 95 % intervals",
                y_title="Mean engagement rate",
            ),
            ["Kind", "Posts", "Mean rate", "95 % interval", "Few posts?"],
            [
                [
                    k,
                    integer(n),
                    percent(m),
                    interval_text(lo, hi, note, percent),
                    "few posts" if small else "",
                ]
                for k, n, m, lo, hi, small, note in kinds[
                    ["kind", "n", "mean", "low", "high", "small_sample", "interval_note"]
                ].itertuples(index=False)
            ],
            note="Kinds come from the source where it says, else from rapport's classifier.",
            order="highest mean engagement rate first",
            newest_first=False,
        )
    ]
