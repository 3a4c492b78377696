"""Reciprocity: answering people (principle 5). Reference definitions from issue 4."""

from __future__ import annotations

import ibis.expr.types as ir

from rapport.metrics.needs import REPLIES_TO_ACCOUNT
from rapport.metrics.spec import Context, Measure, metric
from rapport.tables import Tables

_WHY = "Social means social: answering people is how an audience becomes relationships."


def answered_replies(t: Tables, c: Context) -> ir.Table:
    """Replies and mentions aimed at own accounts, with the time of the first own answer.

    A reply is answered when an own post has ``in_reply_to_id`` equal to its
    ``interaction_id``; ``hours_to_answer`` is null for unanswered ones.
    """
    rows = c.own_interactions(t)
    asked = rows.filter(rows.kind.isin(["reply", "mention"]))
    own = t.posts.filter(t.posts.account_id.isin(list(c.own_account_ids)))
    own = own.filter(own.in_reply_to_id.notnull())
    first = own.group_by(answered_id=own.in_reply_to_id).aggregate(
        first_answer_at=own.created_at.min()
    )
    joined = asked.left_join(first, asked.interaction_id == first.answered_id)
    return joined.select(
        "interaction_id",
        "person_id",
        "occurred_at",
        "kind",
        "text",
        "first_answer_at",
        answered=joined.first_answer_at.notnull(),
        hours_to_answer=(
            joined.first_answer_at.epoch_seconds() - joined.occurred_at.epoch_seconds()
        )
        / 3600.0,
    )


@metric(
    id="reply_rate",
    area="reciprocity",
    title="Reply rate",
    unit="fraction",
    denominator="replies and mentions aimed at your own accounts",
    direction="higher",
    needs=(REPLIES_TO_ACCOUNT,),
    description="Replies and mentions you answered divided by all replies and mentions aimed "
    "at your accounts in the period.",
    why=_WHY,
)
def reply_rate(t: Tables, c: Context) -> Measure:
    table = answered_replies(t, c)
    answered = table.count(where=table.answered)
    total = table.count()
    return Measure(value=answered / total.nullif(0), n=total, successes=answered)


@metric(
    id="time_to_first_reply",
    area="reciprocity",
    title="Time to first reply",
    unit="hours",
    denominator="answered replies and mentions (unanswered ones are counted apart)",
    direction="lower",
    needs=(REPLIES_TO_ACCOUNT,),
    description="Median time from a person's reply or mention to your first answer, with the "
    "90th percentile and the number left unanswered.",
    why=_WHY,
)
def time_to_first_reply(t: Tables, c: Context) -> Measure:
    table = answered_replies(t, c)
    hours = table.hours_to_answer
    return Measure(
        value=hours.median(),
        n=hours.count(),
        extra={"p90_hours": hours.quantile(0.9), "unanswered": table.count(where=~table.answered)},
    )
