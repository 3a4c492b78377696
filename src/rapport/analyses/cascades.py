"""Cascades of own posts from the store: their reposts and quotes, as Ibis expressions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir
import numpy as np

from rapport.errors import UsageError
from rapport.models.cascades import Cascade
from rapport.query.common import data_end, seconds
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["RESHARE_KINDS", "cascades_from_store", "reshare_events", "reshared_posts"]

RESHARE_KINDS = ("repost", "quote")


def _poster_followers(t: Tables, posts: ir.Table) -> ir.Table:
    """Each post's author's follower count at posting time: the latest observation at or
    before the post, else the first after it, else the account's latest known count."""
    fc = t.follower_counts
    joined = posts.select("post_id", "account_id", "created_at").join(
        fc, posts.account_id == fc.account_id
    )
    before = joined.observed_at <= joined.created_at
    history = joined.group_by("post_id").aggregate(
        _before=joined.followers.argmax(joined.observed_at, where=before),
        _after=joined.followers.argmin(joined.observed_at, where=~before),
    )
    history = history.select("post_id", _history=history._before.coalesce(history._after))
    accounts = t.accounts.select("account_id", _latest="followers")
    base = posts.select("post_id", "account_id").left_join(
        accounts, posts.account_id == accounts.account_id
    )
    base = base.left_join(history, base.post_id == history.post_id)
    return base.select("post_id", poster_followers=base._history.coalesce(base._latest))


def reshared_posts(t: Tables, c: Context, post_ids: Sequence[str] | None) -> ir.Table:
    """Own original posts (all of ``post_ids``, else those with a reshare): post_id,
    posted (epoch seconds), poster_followers, horizon (seconds of data after the post)."""
    posts = c.original_posts(t)
    if post_ids is not None:
        posts = posts.filter(posts.post_id.isin(list(post_ids)))
    else:
        events = _reshare_rows(t, c)
        posts = posts.filter(posts.post_id.isin(events.post_id))
    followers = _poster_followers(t, posts)
    joined = posts.left_join(followers, posts.post_id == followers.post_id)
    posted = seconds(joined.created_at, c)
    end = seconds(data_end(t, c), c)
    return joined.select(
        "post_id",
        posted=posted,
        poster_followers=joined.poster_followers.cast("float64"),
        horizon=end - posted,
    )


def _reshare_rows(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    return rows.filter(
        rows.kind.isin(list(RESHARE_KINDS)) & rows.post_id.notnull() & rows.occurred_at.notnull()
    )


def reshare_events(t: Tables, c: Context, posts: ir.Table) -> ir.Table:
    """Reposts and quotes of ``posts``: post_id, lag (seconds after the post), followers."""
    rows = _reshare_rows(t, c)
    joined = rows.join(posts.select("post_id", "posted"), rows.post_id == posts.post_id)
    lag = seconds(joined.occurred_at, c) - joined.posted
    return joined.select(
        "post_id",
        lag=ibis.greatest(lag, ibis.literal(0.0)),
        followers=joined.actor_followers.cast("float64"),
    ).order_by(["post_id", "lag"])


def cascades_from_store(
    session: Session,
    *,
    post_ids: Sequence[str] | None = None,
) -> list[Cascade]:
    """The reposts and quotes of own original posts, one cascade per post, oldest post first.

    Without ``post_ids``: every own post with at least one reshare. With them: exactly those
    posts, in the order given (an id that is not an own original post is a UsageError).
    A reshare logged before its post (clock skew) counts at time 0; a resharer whose follower
    count is unknown gets the median of the known counts of that cascade.
    """
    backend, tables, context = session.backend, session.tables, session.context
    posts = reshared_posts(tables, context, post_ids)
    post_rows = backend.execute(posts.order_by(["posted", "post_id"]))
    event_rows = backend.execute(reshare_events(tables, context, posts))
    ids = [str(v) for v in post_rows["post_id"].tolist()]
    if post_ids is not None:
        found = set(ids)
        missing = [pid for pid in post_ids if pid not in found]
        if missing:
            raise UsageError(
                f"not an own original post in this workspace: {', '.join(missing)}; "
                "see your posts' ids in the metric table 'posts'"
            )
    grouped: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    if len(event_rows):
        keys = event_rows["post_id"].astype(str).to_numpy()
        lags = event_rows["lag"].to_numpy(dtype=np.float64)
        counts = event_rows["followers"].to_numpy(dtype=np.float64, na_value=np.nan)
        bounds = np.flatnonzero(keys[1:] != keys[:-1]) + 1
        for start, stop in zip(
            np.r_[0, bounds].tolist(), np.r_[bounds, len(keys)].tolist(), strict=True
        ):
            grouped[str(keys[start])] = (lags[start:stop], counts[start:stop])
    cascades = []
    for row in post_rows.itertuples(index=False):
        lags, counts = grouped.get(str(row.post_id), (np.zeros(0), np.zeros(0)))
        known = counts[np.isfinite(counts)]
        filled: np.ndarray | None = None
        if known.size:
            filled = np.where(np.isfinite(counts), counts, float(np.median(known)))
        elif counts.size == 0:
            filled = counts
        poster = float(row.poster_followers)
        cascades.append(
            Cascade.from_events(
                str(row.post_id),
                lags,
                filled,
                poster_followers=poster if np.isfinite(poster) else None,
                horizon=max(float(row.horizon), float(lags.max()) if lags.size else 0.0),
                posted_at=float(row.posted),
                source="store",
            )
        )
    if post_ids is not None:
        by_id = {c.id: c for c in cascades}
        cascades = [by_id[pid] for pid in post_ids]
    return cascades
