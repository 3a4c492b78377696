"""What the store says about when and what to post, for the content plan."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from rapport.metrics.builtin.content import kind_performance
from rapport.metrics.builtin.engagement import engagement_denominator, has_engagement_data
from rapport.metrics.builtin.reciprocity import question_posts
from rapport.metrics.builtin.timing import performance_by
from rapport.metrics.run import run_metrics
from rapport.query.common import data_end, post_engagement, to_python
from rapport.query.context import Context
from rapport.query.tables import Tables
from rapport.strategy.calendar.slots import Evidence, Example, KindStat, SlotStat
from rapport.strategy.calendar.words import MIX_WEIGHTS
from rapport.strategy.care_list.text import excerpt

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["read_evidence"]

_EXAMPLE_KINDS = (*MIX_WEIGHTS, "throwback", "promo")


def _number(value: Any) -> float | None:
    value = to_python(value)
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _when(value: Any) -> dt.datetime | None:
    if value is None or value != value:  # NaT
        return None
    moment = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    if not isinstance(moment, dt.datetime):
        return None
    return moment.astimezone(dt.UTC)


def _own_excerpt(text: str | None) -> str | None:
    """A short excerpt of one of your own posts, leading hashtags left out."""
    words = (text or "").split()
    while words and words[0].startswith("#"):
        words.pop(0)
    return excerpt(" ".join(words), limit=50)


def _rows(backend: Any, expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = backend.to_pyarrow(expr).to_pylist()
    return rows


def _slot_stats(backend: Any, t: Tables, c: Context, slot: str) -> tuple[SlotStat, ...]:
    return tuple(
        SlotStat(
            slot=int(r["slot"]),
            posts=int(r["posts"]),
            mean_rate=float(r["mean_rate"]),
            low=_number(r["low"]),
            high=_number(r["high"]),
        )
        for r in _rows(backend, performance_by(t, c, slot=slot))
        if r["mean_rate"] is not None
    )


def _examples(backend: Any, t: Tables, c: Context, column: str) -> dict[str, Example]:
    """The best post of each kind so far (by engagement rate, above 0); for questions, by
    answers (at least one)."""
    table, _ = post_engagement(t, c)
    texts = t.posts.select(x_id="post_id", text="text")
    rated = table.join(texts, table.post_id == texts.x_id).select(
        "kind", "text", rate=table.engagements / table[column].cast("float64").nullif(0)
    )
    rated = rated.filter(  # a post nobody engaged with is nobody's "best"
        rated.kind.isin(list(_EXAMPLE_KINDS)) & (rated.rate > 0) & rated.text.notnull()
    )
    ranked = rated.mutate(
        _rank=ibis.row_number().over(
            ibis.window(group_by=rated.kind, order_by=[ibis.desc(rated.rate), rated.text])
        )
    )
    found: dict[str, Example] = {}
    for row in _rows(backend, ranked.filter(ranked._rank == 0)):
        text = _own_excerpt(row["text"])
        if text:
            found[str(row["kind"])] = Example(text=text, rate=float(row["rate"]))
    questions = question_posts(t, c)
    questions = questions.filter(questions.text.notnull() & (questions.answers > 0))
    best = _rows(backend, questions.order_by([ibis.desc("answers"), "post_id"]).limit(1))
    if best:
        text = _own_excerpt(best[0]["text"])
        if text:
            found["question"] = Example(text=text, answers=int(best[0]["answers"]))
    return found


def read_evidence(session: Session) -> Evidence:
    """Timing and content-kind performance, examples and the current cadence, as plain data."""
    backend, context = session.backend, session.context
    if not context.account_ids:
        return Evidence(missing="the store holds no posts of your own accounts yet")
    t = session.tables
    end = _when(backend.execute(data_end(t, context)))
    cadence = run_metrics(session, ids=["posts_per_week"])[0]
    current = _number(cadence.value) if cadence.ok else None
    if not has_engagement_data(context):
        return Evidence(
            missing="your data has no engagement counts with a reach, impressions or "
            "follower count to compare posts by",
            data_end=end,
            current_posts_per_week=current,
        )
    column, words = engagement_denominator(context)
    table, _ = post_engagement(t, context)
    overall = _number(
        backend.execute((table.engagements / table[column].cast("float64").nullif(0)).mean())
    )
    kinds = tuple(
        KindStat(
            kind=str(r["kind"]),
            posts=int(r["posts"]),
            mean_rate=float(r["mean_rate"]),
            low=_number(r["low"]),
            high=_number(r["high"]),
        )
        for r in _rows(backend, kind_performance(t, context))
        if r["mean_rate"] is not None
    )
    return Evidence(
        hours=_slot_stats(backend, t, context, "hour"),
        weekdays=_slot_stats(backend, t, context, "weekday"),
        kinds=kinds,
        overall_rate=overall,
        denominator=words,
        examples=_examples(backend, t, context, column),
        missing=None if overall is not None else "no post has an engagement rate yet",
        data_end=end,
        current_posts_per_week=current,
    )
