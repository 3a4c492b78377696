"""Reusable data requirements for metric specs."""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.types as ir

from rapport.metrics.spec import Need
from rapport.query.common import ENGAGING_KINDS
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = [
    "CONVERSIONS",
    "ENGAGEMENT_INTERACTIONS",
    "ENGAGING_KINDS",
    "FOLLOWER_HISTORY",
    "OWN_ACCOUNT",
    "OWN_ORIGINAL_POSTS",
    "OWN_POSTS",
    "OWN_REPLIES_LINKED",
    "REPLIES_TO_ACCOUNT",
    "has_rows",
]


def has_rows(label: str, build: Callable[[Tables, Context], ir.Table]) -> Need:
    """A need met when ``build`` yields at least one row."""

    def check(t: Tables, c: Context) -> ir.BooleanScalar:
        return build(t, c).count() > 0

    return Need(label, check)


def _engaging(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    return rows.filter(
        rows.kind.isin(list(ENGAGING_KINDS)) & rows.person_id.notnull() & rows.occurred_at.notnull()
    )


def _replies(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    return rows.filter(rows.kind.isin(["reply", "mention"]))


def _own_answers(t: Tables, c: Context) -> ir.Table:
    posts = c.posts(t)
    return posts.filter(posts.in_reply_to_id.notnull())


def _follower_history(t: Tables, c: Context) -> ir.BooleanScalar:
    own = list(c.account_ids)
    history = t.follower_counts.filter(t.follower_counts.account_id.isin(own)).count().as_scalar()
    latest = (
        t.accounts.filter(t.accounts.account_id.isin(own) & t.accounts.followers.notnull())
        .count()
        .as_scalar()
    )
    return (history + latest) > 0


OWN_ACCOUNT = Need(
    "an own account (an accounts row with role 'own')",
    lambda t, c: t.accounts.filter(t.accounts.account_id.isin(list(c.account_ids))).count() > 0,
)
OWN_POSTS = has_rows("posts by your own accounts", lambda t, c: c.posts(t))
OWN_ORIGINAL_POSTS = has_rows(
    "original posts by your own accounts (not replies or reposts)",
    lambda t, c: c.original_posts(t),
)
REPLIES_TO_ACCOUNT = has_rows(
    "replies or mentions aimed at your own accounts (interactions of kind reply or mention)",
    _replies,
)
OWN_REPLIES_LINKED = has_rows(
    "your own replies linked to what they answer (posts.in_reply_to_id)", _own_answers
)
ENGAGEMENT_INTERACTIONS = has_rows(
    "people's likes, reposts, replies or mentions with who and when (interactions)", _engaging
)
FOLLOWER_HISTORY = Need(
    "follower counts of your own accounts (follower_counts or accounts.followers)",
    _follower_history,
)
CONVERSIONS = has_rows(
    "conversions (signups, sales or leads) imported from your shop or analytics",
    lambda t, c: c.in_period(t.conversions, t.conversions.occurred_at),
)
