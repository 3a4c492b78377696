"""Conversions: what social media turned into business (principle 8)."""

from __future__ import annotations

from math import nan
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import Figure, decimal, empty, integer, percent, rows
from rapport.metrics.builtin.engagement import interval_text
from rapport.metrics.needs import CONVERSIONS, OWN_ORIGINAL_POSTS
from rapport.metrics.run import wilson_interval
from rapport.metrics.spec import Measure, area, metric
from rapport.metrics.tables import table
from rapport.platforms.referrers import SOCIAL_PLATFORMS, conversion_platform_expr
from rapport.query.common import mean_interval, post_engagement
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="conversions",
    title="From attention to customers",
    principle=("Conversions, not hits: put value next to vanity for every post."),
    weights={"signups": 1.0, "sales": 1.0, "leads": 1.0, "community": 0.4, "awareness": 0.3},
    position=90,
    figures=lambda s: report_figures(s),
)


_WHY = (
    "Conversions, not hits: attention that never becomes a signup or a sale does not "
    "grow the business."
)


@metric(
    id="conversions",
    area="conversions",
    title="Conversions",
    unit="count",
    denominator="conversions imported for the period (all sources)",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Signups, purchases, leads and other outcomes in the period.",
    why=_WHY,
)
def conversions(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    n = rows.count()
    return Measure(value=n, n=n)


@metric(
    id="conversions_from_social",
    area="conversions",
    title="Conversions attributed to posts",
    unit="fraction",
    denominator="all conversions in the period",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Share of conversions tied to one of your posts (post_id, from UTM tags or "
    "landing URLs).",
    why=_WHY,
)
def conversions_from_social(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    attributed = rows.count(where=rows.post_id.notnull())
    total = rows.count()
    return Measure(
        value=attributed / total.nullif(0),
        n=total,
        successes=attributed,
        extra={"attributed": attributed},
    )


@metric(
    id="conversions_by_platform",
    area="conversions",
    title="Conversions from social platforms",
    unit="fraction",
    denominator="all conversions in the period",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Share of conversions that came from a social platform, with the count from "
    "each (from_instagram, from_x …): the platform of the post a conversion is tied to, else "
    "the one its utm_source / utm_medium name (instagram, l.instagram.com, t.co, a social "
    "medium …; see docs/sources/ga4.md).",
    why=_WHY,
)
def conversions_by_platform(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    rows = rows.mutate(platform=conversion_platform_expr(rows))
    social = rows.count(where=rows.platform.notnull())
    total = rows.count()
    return Measure(
        value=social / total.nullif(0),
        n=total,
        successes=social,
        extra={
            "from_social": social,
            **{f"from_{p}": rows.count(where=rows.platform == p) for p in SOCIAL_PLATFORMS},
        },
    )


@metric(
    id="conversion_value",
    area="conversions",
    title="Conversion value",
    unit="currency",
    denominator="conversions with a value, in one currency",
    direction="higher",
    needs=(CONVERSIONS,),
    domain=(None, None),  # the canonical format allows negative values (refunds)
    description="Total value of conversions that carry one; not computed when currencies are "
    "mixed.",
    why=_WHY,
)
def conversion_value(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    valued = rows.filter(rows.value.notnull())
    currencies = valued.currency.nunique()
    total = valued.value.sum()
    return Measure(
        value=(currencies <= 1).ifelse(total, None),  # mixed currencies: no single sum
        n=valued.count(),
        extra={"currency": valued.currency.max(), "currencies": currencies},
    )


def attributed_by_post(t: Tables, c: Context) -> ir.Table:
    """Own original posts with the conversions attributed to them and their value."""
    table, _ = post_engagement(t, c)
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    rows = rows.filter(rows.post_id.notnull())
    per_post = rows.group_by(c_post="post_id").aggregate(
        conversions=rows.count(), value=rows.value.sum(), currency=rows.currency.max()
    )
    joined = table.left_join(per_post, table.post_id == per_post.c_post)
    return joined.mutate(conversions=joined.conversions.fill_null(0)).drop("c_post")


@metric(
    id="conversions_per_post",
    area="conversions",
    title="Conversions per post",
    unit="per post",
    denominator="original posts by your own accounts",
    direction="higher",
    needs=(CONVERSIONS, OWN_ORIGINAL_POSTS),
    description="Conversions attributed to posts, per original post, with a 95 % interval on "
    "the log scale (it can't go below 0).",
    why=_WHY,
)
def conversions_per_post(t: Tables, c: Context) -> Measure:
    table = attributed_by_post(t, c)
    mean = mean_interval(table.conversions.cast("float64"), domain=(0.0, None), of="posts")
    return Measure(
        value=mean.value,
        n=mean.n,
        interval=mean.interval,
        interval_note=mean.note,
        extra={"posts_with_a_conversion": table.count(where=table.conversions > 0)},
    )


@metric(
    id="conversions_per_1000_engagements",
    area="conversions",
    title="Conversions per 1,000 engagements",
    unit="per 1,000 engagements",
    denominator="engagements (likes, reposts, replies, quotes) on your original posts",
    direction="higher",
    needs=(CONVERSIONS, OWN_ORIGINAL_POSTS),
    description="Conversions attributed to posts for every 1,000 engagements those posts drew: "
    "how well attention turns into business.",
    why=_WHY,
)
def conversions_per_1000_engagements(t: Tables, c: Context) -> Measure:
    table = attributed_by_post(t, c)
    engagements = table.engagements.sum()
    return Measure(
        value=table.conversions.sum() * 1000.0 / engagements.nullif(0),
        n=engagements,
        extra={"conversions": table.conversions.sum()},
        interval_note="a ratio of two totals, not an estimate: no interval",
    )


@table(
    "posts",
    "Posts: value beside vanity",
    "Each original post with its likes, reach, engagement and the conversions and value "
    "attributed to it.",
)
def posts_table(t: Tables, c: Context) -> ir.Table:
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
    ).order_by([ibis.desc("created_at"), "post_id"])


NOT_SOCIAL = "not from social"
"""The platform column's label for conversions that came from no social platform."""


@table(
    "conversions_by_platform",
    "Conversions by platform",
    "Conversions in the period by the social platform they came from (the post's platform, "
    "else the one their UTM tags name), with their share of all conversions in the period "
    "and how many are tied to a post; the rest are 'not from social'.",
)
def platforms_table(t: Tables, c: Context) -> ir.Table:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    rows = rows.mutate(platform=conversion_platform_expr(rows).fill_null(NOT_SOCIAL))
    grouped = rows.group_by("platform").aggregate(
        conversions=rows.count(), tied_to_a_post=rows.count(where=rows.post_id.notnull())
    )
    total = grouped.conversions.sum().over(ibis.window())
    return grouped.mutate(
        share=grouped.conversions.cast("float64") / total.cast("float64"), all_conversions=total
    ).order_by([ibis.desc("conversions"), "platform"])


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    return [_value_figure(s), _platform_figure(s)]


def _platform_figure(s: Session) -> Figure:
    title = "Conversions by platform"
    frame = s.frame(platforms_table(s.tables, s.context))
    if frame.empty or not (frame["platform"] != NOT_SOCIAL).any():
        return empty(
            "platforms",
            title,
            "No conversion in the period came from a social platform: import conversions "
            "with their source (GA4 by session source / medium, Shopify with its landing or "
            "referring site) and tag links with rapport utm.",
        )
    total = int(frame["conversions"].sum())
    bounds = [wilson_interval(int(k), total) or (nan, nan) for k in frame["conversions"]]
    frame = frame.assign(
        mean=frame["share"],
        low=[low for low, _ in bounds],
        high=[high for _, high in bounds],
        n=total,
    )
    social = frame[frame["platform"] != NOT_SOCIAL]
    return Figure(
        "platforms",
        title,
        specs.interval_bars(
            social[["platform", "mean", "low", "high", "n"]],
            category="platform",
            title="Share of all conversions in the period, with 95 % intervals",
            y_title="Conversions from the platform / all conversions",
        ),
        ["Platform", "Conversions", "Share of all", "95 % interval", "Tied to a post"],
        [
            [
                str(p),
                integer(k),
                percent(share),
                interval_text(low, high, None, percent),
                integer(tied),
            ]
            for p, k, share, low, high, tied in frame[
                ["platform", "conversions", "share", "low", "high", "tied_to_a_post"]
            ].itertuples(index=False)
        ],
        note=f"Out of all {total:,} conversions in the period: a conversion tied to a post "
        "counts for the post's platform, else for the platform its utm_source / utm_medium "
        "name; the rest are not from social.",
        order="most conversions first",
        newest_first=False,
    )


def _value_figure(s: Session) -> Figure:
    posts = s.frame(posts_table(s.tables, s.context))
    if posts.empty or int(posts["conversions"].sum()) == 0:
        return empty(
            "value",
            "Value beside vanity, per post",
            "No conversions attributed to posts: import conversions (GA4, Shopify "
            "or CSV) and tag links with rapport utm.",
        )
    posts["day"] = pd.to_datetime(posts["created_at"]).dt.strftime("%Y-%m-%d")
    posts["kind"] = posts["kind"].fillna("unknown")
    top = posts.sort_values(["conversions", "likes"], ascending=False).head(15)
    return Figure(
        "value",
        "Value beside vanity, per post",
        specs.value_vanity_scatter(posts[["day", "kind", "likes", "conversions", "value"]]),
        ["Posted", "Kind", "Likes", "Reach", "Conversions", "Value"],
        rows(
            top[["day", "kind", "likes", "reach", "conversions", "value"]],
            {"likes": integer, "reach": integer, "conversions": integer, "value": decimal},
        ),
        note="The table lists the 15 posts that brought the most conversions.",
        order="most conversions first",
        newest_first=False,
    )
