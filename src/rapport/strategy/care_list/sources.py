"""What the care list is made of, read from the store through the metrics' building blocks.

Windows end at the data's last timestamp (as every metric's do), so an archive imported
months later still gives the list as it stood when the data ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from rapport.config import Config
from rapport.metrics.builtin.community import core_people, love_scores
from rapport.metrics.builtin.reciprocity import replies_with_questions
from rapport.query.common import ENGAGING_KINDS, data_end, engagement_rows
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["ANSWER_WINDOW_DAYS", "WELCOME_WINDOW_DAYS", "Sources", "read_sources"]

ANSWER_WINDOW_DAYS = 30
"""Unanswered replies younger than this are listed; older ones are counted, not listed."""
WELCOME_WINDOW_DAYS = 14
"""A person first seen this recently who engaged at least twice is welcomed."""
WELCOME_MIN_ENGAGEMENTS = 2


@dataclass(frozen=True)
class Sources:
    """The candidates for each action, as plain rows, and the moment the data ends."""

    data_end: dt.datetime
    waiting: list[dict[str, Any]]
    older_unanswered: int
    newcomers: list[dict[str, Any]]
    advocates: list[dict[str, Any]]
    quiet_core: list[dict[str, Any]]


def read_sources(session: Session) -> Sources | None:
    """The care list's raw material, or None when the store holds no own activity."""
    backend, tables, context = session.backend, session.tables, session.context
    if not context.account_ids:
        return None
    end = backend.execute(data_end(tables, context))
    if end is None or _is_missing(end):
        return None
    end = end.to_pydatetime() if hasattr(end, "to_pydatetime") else end
    end = end.astimezone(dt.UTC)
    return _read(backend, tables, context, session.config, end)


def _is_missing(value: Any) -> bool:
    try:
        return bool(value != value)  # NaT and NaN are not equal to themselves
    except (TypeError, ValueError):
        return False


def _rows(backend: Any, expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = backend.to_pyarrow(expr).to_pylist()
    return rows


def _not_own(column: ir.StringValue, c: Context) -> ir.BooleanValue:
    return column.isnull() | ~column.isin(list(c.account_ids))


def _with_people(table: ir.Table, t: Tables) -> ir.Table:
    people = t.people.select(
        p_id="person_id", handle="handle", person_url="url", first_seen_at="first_seen_at"
    )
    return table.left_join(people, table.person_id == people.p_id).drop("p_id")


def _read(backend: Any, t: Tables, c: Context, config: Config, end: dt.datetime) -> Sources:
    at = ibis.literal(end)
    answer_from = at - ibis.interval(days=ANSWER_WINDOW_DAYS)

    replies = replies_with_questions(t, c)
    waiting = replies.filter(
        ~replies.answered & replies.occurred_at.notnull() & _not_own(replies.person_id, c)
    )
    older = backend.execute(waiting.count(where=waiting.occurred_at <= answer_from))
    recent = waiting.filter(waiting.occurred_at > answer_from).select(
        "interaction_id", "person_id", "occurred_at", "kind", "is_question"
    )
    texts = t.interactions.select(x_id="interaction_id", text="text", post_id="post_id")
    recent = recent.left_join(texts, recent.interaction_id == texts.x_id).drop("x_id")
    posts = t.posts.select(q_id="post_id", post_url="url")
    recent = recent.left_join(posts, recent.post_id == posts.q_id).drop("q_id")
    waiting_rows = _rows(backend, _with_people(recent, t))

    welcome_from = at - ibis.interval(days=WELCOME_WINDOW_DAYS)
    rows = engagement_rows(t, c)
    rows = rows.filter(_not_own(rows.person_id, c))
    in_window = rows.occurred_at > welcome_from
    per_person = rows.group_by("person_id").aggregate(
        first_engaged_at=rows.occurred_at.min(),
        engagements=rows.count(where=in_window),
        **{
            f"n_{kind}": rows.count(where=in_window & (rows.kind == kind))
            for kind in ENGAGING_KINDS
        },
    )
    new = _with_people(per_person, t)
    new = new.filter(
        (new.first_engaged_at > welcome_from)
        & (new.engagements >= WELCOME_MIN_ENGAGEMENTS)
        & (new.first_seen_at.isnull() | (new.first_seen_at > welcome_from))
    )
    newcomers = _rows(backend, new)

    quiet = config.care.quiet_after_days
    scores = love_scores(t, c)
    scores = scores.filter(_not_own(scores.person_id, c))
    loyal = scores.filter((scores.level == "advocate") & (scores.days_since_last < quiet))
    advocates = _rows(backend, _with_people(loyal, t))

    core = core_people(t, c).select(core_id="person_id", core_weeks="active_weeks")
    drifting = scores.join(core, scores.person_id == core.core_id).drop("core_id")
    drifting = drifting.filter(drifting.days_since_last >= quiet)
    quiet_core = _rows(backend, _with_people(drifting, t))

    return Sources(
        data_end=end,
        waiting=waiting_rows,
        older_unanswered=int(older or 0),
        newcomers=newcomers,
        advocates=advocates,
        quiet_core=quiet_core,
    )
