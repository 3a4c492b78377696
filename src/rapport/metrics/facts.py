"""What the data holds, surveyed once before metrics run.

Some metrics can be computed from more than one source (a platform's aggregate counts or the
individual interactions; reach, impressions or followers as a denominator). The runner
surveys the data first; metric functions then choose their source in Python, so every
result can say which one it used and no two sources are ever mixed silently.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ibis.expr.types as ir

from rapport.metrics.spec import Context
from rapport.tables import Tables

__all__ = ["FACTS", "survey"]


def _own_stats(t: Tables, c: Context) -> ir.Table:
    posts = c.own_posts(t)
    return t.post_stats.filter(t.post_stats.post_id.isin(posts.post_id))


def _own_engagement_rows(t: Tables, c: Context) -> ir.Table:
    rows = c.own_interactions(t)
    return rows.filter(
        rows.kind.isin(["like", "repost", "quote", "reply"]) & rows.post_id.notnull()
    )


FACTS: Mapping[str, Callable[[Tables, Context], ir.BooleanScalar]] = {
    "post_stats": lambda t, c: _own_stats(t, c).count() > 0,
    "post_stats.likes": lambda t, c: _own_stats(t, c).likes.count() > 0,
    "post_stats.reach": lambda t, c: _own_stats(t, c).reach.count() > 0,
    "post_stats.impressions": lambda t, c: _own_stats(t, c).impressions.count() > 0,
    "interactions.engagement": lambda t, c: _own_engagement_rows(t, c).count() > 0,
    "follower_counts": lambda t, c: (
        t.follower_counts.filter(t.follower_counts.account_id.isin(list(c.own_account_ids))).count()
        > 0
    ),
}
"""Named facts; ``Context.settings['facts']`` holds the names of those that are true."""


def survey(backend_execute: Callable[[ir.Scalar], object], t: Tables, c: Context) -> frozenset[str]:
    """The names of the facts that hold, evaluated with ``backend_execute``."""
    return frozenset(name for name, check in FACTS.items() if bool(backend_execute(check(t, c))))
