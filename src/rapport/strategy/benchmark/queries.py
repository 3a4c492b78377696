"""Per-account measurements behind the competitor benchmark, as Ibis expressions.

The metric helpers in :mod:`rapport.query.common` look at the own accounts only;
a benchmark needs the same numbers for every account, own and competitor, each over its own
coverage of the window. Every function here takes a *bounds* table (one row per slice of the
window and account: ``slice``, ``account_id``, ``lo``, ``hi`` in seconds since 1970, ``hi``
exclusive) and returns an Ibis expression grouped by slice and account, so the whole window
and its two halves are measured in one query each; no connection is opened.
:func:`measure_slices` executes them on a backend and returns plain Python numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from rapport.query.common import latest_post_stats, seconds, to_python
from rapport.query.context import Context
from rapport.query.tables import Tables

__all__ = ["MATURE_HOURS", "bounds_table", "evidence", "measure_slices"]

MATURE_HOURS = 48.0
"""A post's counts are used once they were observed at least this long after posting:
younger posts are still collecting likes and replies."""
_WEEK = 7 * 86400.0
_KEYS = ["slice", "account_id"]


def bounds_table(rows: Sequence[tuple[str, str, float, float]]) -> ir.Table:
    """The bounds table for (slice, account_id, lo, hi) rows."""
    return ibis.memtable(
        {
            "slice": [r[0] for r in rows],
            "account_id": [r[1] for r in rows],
            "lo": [float(r[2]) for r in rows],
            "hi": [float(r[3]) for r in rows],
        },
        schema=ibis.schema(
            {"slice": "string", "account_id": "string", "lo": "float64", "hi": "float64"}
        ),
    )


def evidence(t: Tables, c: Context, account_ids: Sequence[str]) -> ir.Table:
    """Per account, the first and last moment any data speaks of it (seconds), and its posts.

    Its posts, the observations of its posts' counts, its follower counts and the
    interactions aimed at it: the span its data covers, whatever the source.
    """
    ids = list(account_ids)
    posts = t.posts.filter(t.posts.account_id.isin(ids))
    stats = t.post_stats.join(posts.select("post_id", "account_id"), "post_id")
    follows = t.follower_counts.filter(t.follower_counts.account_id.isin(ids))
    rows = t.interactions.filter(
        t.interactions.account_id.isin(ids) & t.interactions.occurred_at.notnull()
    )
    parts = [
        (posts, posts.created_at, 1),
        (stats, stats.observed_at, 0),
        (follows, follows.observed_at, 0),
        (rows, rows.occurred_at, 0),
    ]
    moments = ibis.union(
        *(
            table.select(
                account_id=table.account_id.cast("string"),
                at=seconds(moment, c),
                post=ibis.literal(is_post, "int64"),
            )
            for table, moment, is_post in parts
        ),
        distinct=False,
    )
    return moments.group_by("account_id").aggregate(
        first=moments.at.min(), last=moments.at.max(), posts_ever=moments.post.sum()
    )


def _posts_in(t: Tables, c: Context, bounds: ir.Table) -> ir.Table:
    joined = t.posts.join(bounds, "account_id")
    ts = seconds(joined.created_at, c)
    return joined.mutate(ts=ts).filter((ts >= joined.lo) & (ts < joined.hi))


def _originals(t: Tables, c: Context, bounds: ir.Table, pattern: str | None) -> ir.Table:
    """Original posts in the slice with kind, topic flag and their latest counts."""
    posts = _posts_in(t, c, bounds)
    posts = posts.filter(posts.in_reply_to_id.isnull() & posts.repost_of.isnull())
    if t.post_text is not None:
        predicted = t.post_text.select("post_id", predicted_kind="content_kind")
        posts = posts.left_join(predicted, "post_id").drop("post_id_right")
        kind = posts.content_kind.coalesce(posts.predicted_kind)
    else:
        kind = posts.content_kind
    if pattern is None:
        topic = ibis.literal(False)
    else:
        blob = posts.text.fill_null("").lower() + " " + posts.hashtags.join(" ").fill_null("")
        topic = blob.re_search(pattern)
    posts = posts.select("slice", "post_id", "account_id", "ts", "lo", "hi", kind=kind, topic=topic)
    stats = latest_post_stats(t)
    joined = posts.left_join(stats, "post_id").drop("post_id_right")
    age = seconds(joined.observed_at, c) - joined.ts
    engagements = (
        joined.likes
        + joined.reposts.fill_null(0)
        + joined.replies.fill_null(0)
        + joined.quotes.fill_null(0)
    )
    return joined.select(
        "slice", "post_id", "account_id", "ts", "lo", "hi", "kind", "topic", "replies",
        engagements=engagements,
        mature=(age >= MATURE_HOURS * 3600.0).fill_null(False),
    )  # fmt: skip


def _followers_at_post(t: Tables, c: Context, posts: ir.Table) -> ir.Table:
    """Each post's author's follower count at posting time.

    The nearest observation at or before the post; where there is none (a pull that only
    knows today's count), the first observation after it.
    """
    fc = t.follower_counts
    joined = posts.select("post_id", "account_id", "ts").distinct().join(fc, "account_id")
    before = seconds(joined.observed_at, c) <= joined.ts
    per_post = joined.group_by("post_id").aggregate(
        _before=joined.followers.argmax(joined.observed_at, where=before),
        _after=joined.followers.argmin(joined.observed_at, where=~before),
    )
    return per_post.select("post_id", followers=per_post._before.coalesce(per_post._after))


def _original_summary(t: Tables, c: Context, bounds: ir.Table, pattern: str | None) -> ir.Table:
    posts = _originals(t, c, bounds, pattern)
    followers = _followers_at_post(t, c, posts)
    posts = posts.left_join(followers, "post_id").drop("post_id_right")
    rate = posts.engagements.cast("float64") / posts.followers.cast("float64").nullif(0)
    counted = posts.mature & posts.engagements.notnull()
    gaps = posts.mutate(rate=rate, counted=counted)
    return gaps.group_by(_KEYS).aggregate(
        posts=gaps.count(),
        questions=gaps.count(where=gaps.kind == "question"),
        promos=gaps.count(where=gaps.kind == "promo"),
        rate_mean=gaps.rate.mean(where=gaps.counted & gaps.rate.notnull()),
        rate_n=gaps.rate.count(where=gaps.counted & gaps.rate.notnull()),
        counted=gaps.count(where=gaps.counted),
        replies_received=gaps.replies.sum(where=gaps.counted),
        replies_known=gaps.replies.count(where=gaps.counted),
        topic_posts=gaps.count(where=gaps.topic),
        topic_counted=gaps.count(where=gaps.topic & gaps.counted),
        topic_engagements=gaps.engagements.sum(where=gaps.topic & gaps.counted),
    )


def _kind_counts(t: Tables, c: Context, bounds: ir.Table) -> ir.Table:
    posts = _originals(t, c, bounds, None)
    return posts.group_by([*_KEYS, "kind"]).aggregate(n=posts.count())


def _reply_posts(t: Tables, c: Context, bounds: ir.Table) -> ir.Table:
    """Reply posts per account, leaving out replies to its own posts (threads)."""
    posts = _posts_in(t, c, bounds)
    replies = posts.filter(posts.in_reply_to_id.notnull() & posts.repost_of.isnull())
    targets = t.posts.select(target_id="post_id", target_account="account_id")
    joined = replies.left_join(targets, replies.in_reply_to_id == targets.target_id)
    public = joined.filter(
        joined.target_account.isnull() | (joined.target_account != joined.account_id)
    )
    return public.group_by(_KEYS).aggregate(reply_posts=public.count())


def _follower_summary(t: Tables, c: Context, bounds: ir.Table) -> ir.Table:
    """The follower counts that frame the slice.

    A store keeps a count only when it changed, so the count at the slice's start is the
    last observation at or before it (else the first one inside); the count at the end is
    the last observation before ``hi``.
    """
    joined = t.follower_counts.join(bounds, "account_id")
    at = seconds(joined.observed_at, c)
    rows = joined.mutate(at=at).filter(at < joined.hi)
    before = rows.at <= rows.lo
    inside = ~before
    return rows.group_by(_KEYS).aggregate(
        followers_before=rows.followers.argmax(rows.at, where=before),
        followers_before_at=rows.at.max(where=before),
        followers_first=rows.followers.argmin(rows.at, where=inside),
        followers_first_at=rows.at.min(where=inside),
        followers_last=rows.followers.argmax(rows.at),
        followers_last_at=rows.at.max(),
        follower_observations=rows.count(where=inside),
    )


def _reply_times(t: Tables, c: Context, bounds: ir.Table) -> ir.Table:
    """Replies and mentions aimed at each account, and how long its first answer took."""
    rows = t.interactions.filter(
        t.interactions.kind.isin(["reply", "mention"]) & t.interactions.occurred_at.notnull()
    )
    rows = rows.join(bounds, "account_id")
    at = seconds(rows.occurred_at, c)
    rows = rows.mutate(at=at).filter((at >= rows.lo) & (at < rows.hi))
    answers = t.posts.filter(t.posts.in_reply_to_id.notnull())
    answers = answers.select(
        answer_account="account_id", answered_id="in_reply_to_id", answer_at=answers.created_at
    )
    joined = rows.left_join(
        answers,
        (rows.interaction_id == answers.answered_id) & (rows.account_id == answers.answer_account),
    )
    first = joined.group_by([*_KEYS, "interaction_id", "at"]).aggregate(
        answer_at=seconds(joined.answer_at, c).min()
    )
    delay = (first.answer_at - first.at) / 3600.0
    return first.group_by(_KEYS).aggregate(
        asked=first.count(),
        answered=first.count(where=delay.notnull() & (delay >= 0)),
        reply_hours=delay.median(where=delay.notnull() & (delay >= 0)),
    )


def _records(backend: Any, expr: ir.Table) -> list[dict[str, Any]]:
    frame = backend.execute(expr)
    return [{k: to_python(v) for k, v in row.items()} for row in frame.to_dict("records")]


def measure_slices(
    backend: Any,
    t: Tables,
    c: Context,
    bounds: Sequence[tuple[str, str, float, float]],
    *,
    pattern: str | None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Every raw number the benchmark needs: slice → account → numbers."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    for name, account, lo, hi in bounds:
        result.setdefault(name, {})[account] = {"lo": lo, "hi": hi, "kinds": {}}
    if not bounds:
        return result
    table = bounds_table(bounds)
    for expr in (
        _original_summary(t, c, table, pattern),
        _reply_posts(t, c, table),
        _follower_summary(t, c, table),
        _reply_times(t, c, table),
    ):
        for row in _records(backend, expr):
            result[str(row.pop("slice"))][str(row.pop("account_id"))].update(row)
    for row in _records(backend, _kind_counts(t, c, table)):
        kind = row["kind"] if row["kind"] is not None else "unknown"
        result[str(row["slice"])][str(row["account_id"])]["kinds"][str(kind)] = int(row["n"])
    return result
