"""Promotion: the share of promotional posts and its measured cost (principle 7)."""

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
from rapport.query.common import (
    classified_posts,
    data_end,
    mean_estimate,
    post_engagement,
    ratio_interval,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="promotion",
    title="Promotions and their cost",
    principle=("Don't clog your followers' feeds with promotions."),
    weights={"signups": 0.7, "sales": 0.8, "leads": 0.6, "community": 0.6, "awareness": 0.6},
    position=50,
    figures=lambda s: report_figures(s),
)


_WHY = "Don't clog your followers' feeds with promotions: it is a sure way to lose them."
UNFOLLOW_WINDOW_HOURS = 48


@metric(
    id="promotional_share",
    area="promotion",
    title="Promotional share of posts",
    unit="fraction",
    denominator="original posts (not replies, not reposts)",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS,),
    description="Posts whose content kind is 'promo' divided by all original posts. The kind "
    "comes from the source where it says, else from rapport's classifier; posts of unknown kind "
    "count in the denominator only.",
    why=_WHY,
)
def promotional_share(t: Tables, c: Context) -> Measure:
    posts = classified_posts(t, c)
    promos = posts.count(where=posts.kind == "promo")
    total = posts.count()
    known = posts.count(where=posts.kind.notnull())
    share = promos / total.nullif(0)
    return Measure(  # no post of a known kind: no share to tell (never a 0 it did not earn)
        value=ibis.ifelse(known > 0, share, ibis.null("float64")),
        n=total,
        successes=promos,
        extra={"posts_with_unknown_kind": total - known},
    )


_BOTH_KINDS = has_rows(
    "both promotional and other original posts",
    lambda t, c: (
        classified_posts(t, c)
        .filter(lambda p: p.kind.notnull())
        .aggregate(kinds=lambda p: (p.kind == "promo").nunique())
        .filter(lambda a: a.kinds == 2)
    ),
)


def _rates(t: Tables, c: Context) -> ir.Table:
    table, _ = post_engagement(t, c)
    column, _words = engagement_denominator(c)
    rate = table.engagements / table[column].cast("float64").nullif(0)
    return table.select(promo=table.kind == "promo", rate=rate).filter(
        lambda r: r.rate.notnull() & r.promo.notnull()
    )


@metric(
    id="promo_engagement_ratio",
    area="promotion",
    title="Engagement of promotions vs other posts",
    unit="ratio",
    denominator="mean engagement rate of other original posts",
    direction="higher",
    needs=(
        OWN_ORIGINAL_POSTS,
        _BOTH_KINDS,
        Need(
            "engagement counts and a denominator per post",
            lambda t, c: ibis.literal(has_engagement_data(c)),
        ),
    ),
    description="Mean engagement rate of promotional posts divided by that of other posts "
    "(below 1: promotions engage less), with a 95 % interval (delta method on the log "
    "ratio, so never below 0).",
    why=_WHY,
)
def promo_engagement_ratio(t: Tables, c: Context) -> Measure:
    rates = _rates(t, c)
    promo, other = rates.filter(rates.promo), rates.filter(~rates.promo)
    ratio = ratio_interval(
        promo.rate.mean().as_scalar(),
        promo.rate.var().as_scalar(),
        promo.count().as_scalar(),
        other.rate.mean().as_scalar(),
        other.rate.var().as_scalar(),
        other.count().as_scalar(),
        of=("promotional posts", "other posts"),
    )
    return Measure(
        value=ratio.value,
        n=rates.count(),
        interval=ratio.interval,
        interval_note=ratio.note,
        extra={
            "promo_posts": promo.count(),
            "other_posts": other.count(),
            "promo_mean_rate": promo.rate.mean(),
            "other_mean_rate": other.rate.mean(),
        },
    )


_UNFOLLOWS = has_rows(
    "unfollows with a time (interactions of kind unfollow)",
    lambda t, c: c.interactions(t).filter(
        (c.interactions(t).kind == "unfollow") & c.interactions(t).occurred_at.notnull()
    ),
)


def unfollows_after_posts(t: Tables, c: Context) -> ir.Table:
    """Per original post (at least the window before the data's end): the unfollows of its
    account in the hours after it and before the next original post, and whether it was a
    promotion.

    Each unfollow is counted once, for the most recent post before it: a single pass over a
    timeline of posts and unfollows, instead of pairing every post with every unfollow.
    """
    return c.memo("unfollows_after_posts", lambda: _unfollows_after_posts(t, c))


def _unfollows_after_posts(t: Tables, c: Context) -> ir.Table:
    posts = classified_posts(t, c).filter(lambda p: p.kind.notnull())
    rows = c.interactions(t)
    unfollows = rows.filter((rows.kind == "unfollow") & rows.occurred_at.notnull())
    timeline = posts.select(
        account_id=posts.account_id.cast("string"),
        at=posts.created_at.cast("timestamp('UTC')"),
        unfollow=ibis.literal(0),
    ).union(
        unfollows.select(
            account_id=unfollows.account_id.cast("string"),
            at=unfollows.occurred_at.cast("timestamp('UTC')"),
            unfollow=ibis.literal(1),
        )
    )
    # the time of the latest post at or before each row (posts sort before unfollows)
    window = ibis.window(
        group_by=timeline.account_id, order_by=[timeline.at, timeline.unfollow], rows=(None, 0)
    )
    marked = timeline.mutate(last_at=timeline.at.max(where=timeline.unfollow == 0).over(window))
    within = marked.filter(
        (marked.unfollow == 1)
        & marked.last_at.notnull()
        & (marked.at < marked.last_at + ibis.interval(hours=UNFOLLOW_WINDOW_HOURS))
    )
    counted = within.group_by(u_account="account_id", u_at="last_at").aggregate(
        unfollows=within.count()
    )
    end = data_end(t, c)
    eligible = posts.filter(posts.created_at <= end - ibis.interval(hours=UNFOLLOW_WINDOW_HOURS))
    joined = eligible.left_join(
        counted, (eligible.account_id == counted.u_account) & (eligible.created_at == counted.u_at)
    )
    return joined.select(
        "post_id", "kind", unfollows=joined.unfollows.fill_null(0), promo=joined.kind == "promo"
    )


@metric(
    id="unfollows_after_promo_ratio",
    area="promotion",
    title="Unfollows after promotions vs after other posts",
    unit="ratio",
    denominator=f"unfollows in the {UNFOLLOW_WINDOW_HOURS} h after each other original post",
    direction="lower",
    needs=(OWN_ORIGINAL_POSTS, _BOTH_KINDS, _UNFOLLOWS),
    description=f"Mean unfollows in the {UNFOLLOW_WINDOW_HOURS} hours after a promotional post "
    "divided by the mean after other posts (above 1: promotions cost followers), with a 95 % "
    "interval (delta method on the log ratio, so never below 0).",
    why=_WHY,
)
def unfollows_after_promo_ratio(t: Tables, c: Context) -> Measure:
    per_post = unfollows_after_posts(t, c)
    promo, other = per_post.filter(per_post.promo), per_post.filter(~per_post.promo)
    counts = [promo.unfollows.cast("float64"), other.unfollows.cast("float64")]
    ratio = ratio_interval(
        counts[0].mean().as_scalar(),
        counts[0].var().as_scalar(),
        promo.count().as_scalar(),
        counts[1].mean().as_scalar(),
        counts[1].var().as_scalar(),
        other.count().as_scalar(),
        of=("promotional posts", "other posts"),
    )
    return Measure(
        value=ratio.value,
        n=per_post.count(),
        interval=ratio.interval,
        interval_note=ratio.note,
        extra={
            "promo_mean_unfollows": counts[0].mean(),
            "other_mean_unfollows": counts[1].mean(),
            "promo_posts": promo.count(),
            "other_posts": other.count(),
        },
    )


# -- the report's figures --------------------------------------------
def promo_comparison(t: Tables, c: Context) -> ir.Table:
    """Promotions against other posts (kind known, rate known): posts, mean engagement rate
    and its 95 % interval, by the same method as the content kinds (log scale, never below
    0; null, with ``interval_note`` saying why, where there is none)."""
    table, _ = post_engagement(t, c)
    column, _words = engagement_denominator(c)
    rated = table.select(
        group=ibis.cases(
            (table.kind == "promo", "promotions"),
            (table.kind.notnull(), "other posts"),
            else_=ibis.null("string"),
        ),
        rate=table.engagements / table[column].cast("float64").nullif(0),
    ).filter(lambda r: r.rate.notnull() & r.group.notnull())
    grouped = rated.group_by("group").aggregate(
        n=rated.count(), mean_rate=rated.rate.mean(), std=rated.rate.std()
    )
    mean = mean_estimate(grouped.mean_rate, grouped.std, grouped.n, domain=RATE_DOMAIN, of="posts")
    return grouped.select(
        "group", "n", "mean_rate", low=mean.low, high=mean.high, interval_note=mean.note
    ).order_by("group")


def report_figures(s: Session) -> list[Figure]:
    if not has_engagement_data(s.context):
        return [empty("promo", "Promotions against other posts", NOT_RATED)]
    _column, words = engagement_denominator(s.context)
    grouped = s.frame(promo_comparison(s.tables, s.context))
    if grouped.empty:
        return [empty("promo", "Promotions against other posts", NOT_RATED)]
    grouped = grouped.rename(columns={"mean_rate": "mean"})
    return [
        Figure(
            "promo",
            "Promotions against other posts",
            specs.interval_bars(
                grouped,
                category="group",
                title="Mean engagement rate, with 95 % intervals",
                y_title=f"Engagements / {words}",
            ),
            ["Posts", "Mean rate", "95 % interval", "n"],
            [
                [g, percent(m), interval_text(lo, hi, note, percent), integer(n)]
                for g, m, lo, hi, note, n in grouped[
                    ["group", "mean", "low", "high", "interval_note", "n"]
                ].itertuples(index=False)
            ],
            order="other posts first",
            newest_first=False,
        )
    ]
