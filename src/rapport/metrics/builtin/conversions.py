"""Conversions: what social media turned into business (principle 8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import Figure, decimal, empty, integer, rows
from rapport.metrics.needs import CONVERSIONS, OWN_ORIGINAL_POSTS
from rapport.metrics.spec import Measure, area, metric
from rapport.metrics.tables import table
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


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    posts = s.frame(posts_table(s.tables, s.context))
    if posts.empty or int(posts["conversions"].sum()) == 0:
        return [
            empty(
                "value",
                "Value beside vanity, per post",
                "No conversions attributed to posts: import conversions (GA4, Shopify "
                "or CSV) and tag links with rapport utm.",
            )
        ]
    posts["day"] = pd.to_datetime(posts["created_at"]).dt.strftime("%Y-%m-%d")
    posts["kind"] = posts["kind"].fillna("unknown")
    top = posts.sort_values(["conversions", "likes"], ascending=False).head(15)
    return [
        Figure(
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
    ]
