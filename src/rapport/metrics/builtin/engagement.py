"""Engagement and the vanity numbers, each with its denominator named (principles 2, 3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from rapport.charts import specs
from rapport.charts.figure import NOT_RATED, Figure, empty, integer, percent, rows
from rapport.metrics.needs import FOLLOWER_HISTORY, OWN_ORIGINAL_POSTS
from rapport.metrics.spec import Domain, Measure, Need, area, metric
from rapport.metrics.tables import table
from rapport.query.common import (
    facts,
    mean_interval,
    post_engagement,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="engagement",
    title="Engagement",
    principle=(
        "Engagement per person who saw a post says whether content resonates, whatever the "
        "audience size."
    ),
    weights={"signups": 0.5, "sales": 0.5, "leads": 0.5, "community": 0.5, "awareness": 1.0},
    position=10,
    figures=lambda s: report_figures(s),
)


RATE_DOMAIN: Domain = (0.0, None)
"""What an engagement rate can be: 0 and up. It is not a share: people who do not follow
the account engage too, and one person can like and reply, so it can pass 1."""


def interval_text(low: Any, high: Any, note: Any, cell: Callable[[Any], str]) -> str:
    """A figure's interval cell: 'low to high', or the note saying why there is none."""
    if low is None or high is None or pd.isna(low) or pd.isna(high):
        return "" if note is None or pd.isna(note) else str(note)
    return f"{cell(low)} to {cell(high)}"


_VANITY_WHY = (
    "Shown for context only: big numbers feel good, but they are not a business "
    "outcome. Read them beside the relationship numbers."
)


def latest_followers(t: Tables, c: Context) -> ir.IntegerScalar:
    """Sum over own accounts of the latest known follower count."""
    fc = t.follower_counts.filter(t.follower_counts.account_id.isin(list(c.account_ids)))
    fc = c.in_period(fc, fc.observed_at)
    per_account = fc.group_by("account_id").aggregate(followers=fc.followers.argmax(fc.observed_at))
    accounts = t.accounts.filter(t.accounts.account_id.isin(list(c.account_ids)))
    joined = accounts.left_join(per_account, accounts.account_id == per_account.account_id)
    return joined.followers_right.coalesce(joined.followers).sum()


@metric(
    id="followers",
    area="engagement",
    title="Followers",
    unit="people",
    denominator="your own accounts' latest follower counts, summed",
    direction="neutral",
    needs=(FOLLOWER_HISTORY,),
    vanity=True,
    description="How many people follow your accounts (the latest count we know).",
    why=_VANITY_WHY,
)
def followers(t: Tables, c: Context) -> Measure:
    return Measure(value=latest_followers(t, c))


_STATS_LIKES = Need(
    "like counts of your own posts (post_stats.likes or like interactions)",
    lambda t, c: ibis.literal(bool({"post_stats.likes", "interactions.engagement"} & facts(c))),
)


@metric(
    id="likes",
    area="engagement",
    title="Likes",
    unit="count",
    denominator="original posts by your own accounts in the period",
    direction="neutral",
    needs=(OWN_ORIGINAL_POSTS, _STATS_LIKES),
    vanity=True,
    description="Likes your original posts received in total.",
    why=_VANITY_WHY,
)
def likes(t: Tables, c: Context) -> Measure:
    table, basis = post_engagement(t, c)
    return Measure(value=table.likes.sum(), n=table.likes.count(), basis=basis)


_REACH = Need(
    "reach or impressions of your posts (post_stats.reach or post_stats.impressions)",
    lambda t, c: ibis.literal(bool({"post_stats.reach", "post_stats.impressions"} & facts(c))),
)


@metric(
    id="reach",
    area="engagement",
    title="Reach",
    unit="count",
    denominator="original posts with a reach (or else impressions) count; a person reached "
    "by two posts counts twice",
    direction="neutral",
    needs=(OWN_ORIGINAL_POSTS, _REACH),
    vanity=True,
    description="People reached by your original posts, summed over posts; impressions when "
    "the platform reports no reach.",
    why=_VANITY_WHY,
)
def reach(t: Tables, c: Context) -> Measure:
    table, _ = post_engagement(t, c)
    if "post_stats.reach" in facts(c):
        return Measure(
            value=table.reach.sum(),
            n=table.reach.count(),
            basis="reach (distinct people) per post, summed",
        )
    return Measure(
        value=table.impressions.sum(),
        n=table.impressions.count(),
        basis="impressions per post, summed (no reach in the data)",
    )


def engagement_denominator(c: Context) -> tuple[str, str]:
    """The column engagement rates divide by, and its name in words (never mixed)."""
    known = facts(c)
    if "post_stats.reach" in known:
        return "reach", "people reached by the post"
    if "post_stats.impressions" in known:
        return "impressions", "impressions of the post"
    return "followers_at_post", "followers at posting time"


def has_engagement_data(c: Context) -> bool:
    """Whether engagement per post and a denominator for it are both known."""
    return bool({"post_stats.likes", "interactions.engagement"} & facts(c)) and bool(
        {"post_stats.reach", "post_stats.impressions", "follower_counts"} & facts(c)
    )


_ENGAGEMENT = Need(
    "engagement counts per post (post_stats or interactions) and a denominator (reach, "
    "impressions or follower counts)",
    lambda t, c: ibis.literal(has_engagement_data(c)),
)


@metric(
    id="engagement_rate",
    area="engagement",
    title="Engagement rate per post",
    unit="fraction",
    denominator="chosen per data set: reach, else impressions, else followers at posting "
    "time (the result names which)",
    direction="higher",
    needs=(OWN_ORIGINAL_POSTS, _ENGAGEMENT),
    domain=RATE_DOMAIN,
    description="Median over original posts of (likes + reposts + replies + quotes) divided "
    "by the post's denominator; the interval is the 25th to 75th percentile across posts.",
    why="Engagement per person who saw the post says whether content resonates, whatever "
    "the audience size.",
)
def engagement_rate(t: Tables, c: Context) -> Measure:
    table, basis = post_engagement(t, c)
    column, words = engagement_denominator(c)
    rate = table.engagements / table[column].cast("float64").nullif(0)
    rates = table.select(rate=rate).filter(lambda r: r.rate.notnull())
    return Measure(
        value=rates.rate.median(),
        n=rates.count(),
        interval=(rates.rate.quantile(0.25), rates.rate.quantile(0.75)),
        basis=f"engagements from {basis}, divided by {words}",
    )


def _per_post(column: str, title: str, what: str) -> None:
    @metric(
        id=f"{column}_per_post",
        area="engagement",
        title=f"{title} per post",
        unit="per post",
        denominator="original posts by your own accounts with a known count",
        direction="higher",
        needs=(OWN_ORIGINAL_POSTS, _STATS_LIKES),
        description=f"Mean number of {what} an original post received, with a 95 % interval "
        "on the log scale (it can't go below 0).",
        why="How much each post draws, whatever the audience size.",
    )
    def per_post(t: Tables, c: Context) -> Measure:
        table, basis = post_engagement(t, c)
        mean = mean_interval(table[column].cast("float64"), domain=(0.0, None), of="posts")
        return Measure(
            value=mean.value,
            n=mean.n,
            interval=mean.interval,
            interval_note=mean.note,
            basis=basis,
            extra={"median": table[column].median()},
        )


_per_post("likes", "Likes", "likes")
_per_post("reposts", "Reposts", "reposts (retweets, boosts)")
_per_post("replies", "Replies", "replies")


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


@table(
    "engagement",
    "Engagement per post",
    "Each original post with its engagement counts and denominators.",
)
def engagement_table(t: Tables, c: Context) -> ir.Table:
    table, _ = post_engagement(t, c)
    return table.order_by([ibis.desc("created_at"), "post_id"])


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    if not has_engagement_data(s.context):
        return [empty("engagement", "Engagement per post over time", NOT_RATED)]
    weekly, denominator = engagement_weekly(s.tables, s.context)
    frame = s.frame(weekly)
    if frame.empty:
        return [empty("engagement", "Engagement per post over time", NOT_RATED)]
    return [
        Figure(
            "engagement",
            "Engagement per post over time",
            specs.engagement_chart(frame, denominator=denominator),
            ["Week", "Posts", "Median engagement rate", "Engagements"],
            rows(
                frame[["week", "posts", "median_rate", "engagements"]],
                {"posts": integer, "median_rate": percent, "engagements": integer},
            ),
            note=f"Denominator: {denominator}.",
        )
    ]
