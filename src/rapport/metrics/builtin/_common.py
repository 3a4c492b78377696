"""Per-post and per-person building blocks shared by several metrics."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from rapport.metrics.needs import ENGAGING_KINDS
from rapport.metrics.spec import Context
from rapport.tables import Tables

__all__ = ["engaged_people_weeks", "facts", "latest_post_stats", "post_engagement"]


def facts(c: Context) -> frozenset[str]:
    found = c.settings.get("facts", frozenset())
    return frozenset(found)


def latest_post_stats(t: Tables) -> ir.Table:
    """The latest observation of each post's counters."""
    stats = t.post_stats
    ranked = stats.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=stats.post_id, order_by=ibis.desc(stats.observed_at))
        )
    )
    return ranked.filter(ranked._rank == 0).drop("_rank")


def _followers_at_post(t: Tables, posts: ir.Table) -> ir.Table:
    """Each post's author's follower count at posting time.

    The nearest observation at or before the post; where there is none (an archive that
    only knows today's count), the first observation after it.
    """
    fc = t.follower_counts
    joined = posts.select("post_id", "account_id", "created_at").join(
        fc, posts.account_id == fc.account_id
    )
    before = joined.observed_at <= joined.created_at
    per_post = joined.group_by("post_id").aggregate(
        _before=joined.followers.argmax(joined.observed_at, where=before),
        _after=joined.followers.argmin(joined.observed_at, where=~before),
    )
    return per_post.select("post_id", followers_at_post=per_post._before.coalesce(per_post._after))


def post_engagement(t: Tables, c: Context) -> tuple[ir.Table, str]:
    """Own original posts with their engagement counts, and the source they came from.

    Columns: post_id, account_id, created_at, content_kind, likes, reposts, replies, quotes,
    engagements, reach, impressions, followers_at_post. Engagements are likes + reposts +
    replies + quotes, from the platform's latest counts (post_stats) when the data has them,
    else counted from the individual interactions; never a mix of both.
    """
    posts = c.own_original_posts(t).select("post_id", "account_id", "created_at", "content_kind")
    known = facts(c)
    if "post_stats.likes" in known:
        stats = latest_post_stats(t)
        joined = posts.left_join(stats, posts.post_id == stats.post_id).drop("post_id_right")
        parts = [
            joined.likes,
            joined.reposts.fill_null(0),
            joined.replies.fill_null(0),
            joined.quotes.fill_null(0),
        ]
        table = joined.select(
            "post_id",
            "account_id",
            "created_at",
            "content_kind",
            "likes",
            "reposts",
            "replies",
            "quotes",
            "reach",
            "impressions",
            engagements=parts[0] + parts[1] + parts[2] + parts[3],
        )
        basis = "the platforms' latest counts per post (post_stats)"
    else:
        rows = c.own_interactions(t)
        rows = rows.filter(rows.post_id.notnull())
        counted = rows.group_by("post_id").aggregate(
            likes=rows.count(where=rows.kind == "like"),
            reposts=rows.count(where=rows.kind == "repost"),
            replies=rows.count(where=rows.kind == "reply"),
            quotes=rows.count(where=rows.kind == "quote"),
        )
        joined = posts.left_join(counted, posts.post_id == counted.post_id).drop("post_id_right")
        likes = joined.likes.fill_null(0)
        reposts = joined.reposts.fill_null(0)
        replies = joined.replies.fill_null(0)
        quotes = joined.quotes.fill_null(0)
        table = joined.select(
            "post_id",
            "account_id",
            "created_at",
            "content_kind",
            likes=likes,
            reposts=reposts,
            replies=replies,
            quotes=quotes,
            reach=ibis.null("int64"),
            impressions=ibis.null("int64"),
            engagements=likes + reposts + replies + quotes,
        )
        basis = "people's likes, reposts, replies and quotes counted one by one (interactions)"
    followers = _followers_at_post(t, posts)
    table = table.left_join(followers, table.post_id == followers.post_id).drop("post_id_right")
    return table, basis


def engaged_people_weeks(t: Tables, c: Context) -> ir.Table:
    """Distinct (person, week) pairs in which a person engaged with an own account."""
    rows = c.own_interactions(t)
    rows = rows.filter(
        rows.kind.isin(list(ENGAGING_KINDS)) & rows.person_id.notnull() & rows.occurred_at.notnull()
    )
    return rows.select("person_id", week=rows.occurred_at.truncate("W")).distinct()
