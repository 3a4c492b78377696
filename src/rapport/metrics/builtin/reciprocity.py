"""Reciprocity: answering people (principle 5). Reference definitions from issue 4."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import Figure, empty, integer, rows
from rapport.metrics.needs import REPLIES_TO_ACCOUNT, has_rows
from rapport.metrics.spec import Measure, area, metric
from rapport.metrics.tables import table
from rapport.query.common import (
    classified_posts,
    data_end,
    engagement_rows,
    mean_interval,
    ratio_interval,
    seconds,
)
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="reciprocity",
    title="Answering people",
    principle=("Social media is about being social: ask, and answer."),
    weights={"signups": 0.8, "sales": 0.75, "leads": 0.85, "community": 0.95, "awareness": 0.5},
    position=40,
    figures=lambda s: report_figures(s),
)


_WHY = "Social means social: answering people is how an audience becomes relationships."


def answered_replies(t: Tables, c: Context) -> ir.Table:
    """Replies and mentions aimed at own accounts, with the time of the first own answer.

    A reply is answered when an own post has ``in_reply_to_id`` equal to its
    ``interaction_id``; ``hours_to_answer`` is null for unanswered ones.
    """
    return c.memo("answered_replies", lambda: _answered_replies(t, c))


def _answered_replies(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    asked = rows.filter(rows.kind.isin(["reply", "mention"]))
    own = t.posts.filter(t.posts.account_id.isin(list(c.account_ids)))
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
        "first_answer_at",
        answered=joined.first_answer_at.notnull(),
        hours_to_answer=(seconds(joined.first_answer_at, c) - seconds(joined.occurred_at, c))
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
        interval_note="a median with no interval; the 90th percentile shows the spread",
    )


def replies_with_questions(t: Tables, c: Context) -> ir.Table:
    """:func:`answered_replies` plus ``is_question``: the feature stored at import, else (on a
    backend without stored features) a closing '?'. A reply without text asks nothing."""
    table = answered_replies(t, c)
    if t.interaction_text is not None:
        features = t.interaction_text.select(f_id="interaction_id", f_question="is_question")
        joined = table.left_join(features, table.interaction_id == features.f_id)
        return joined.mutate(is_question=joined.f_question.fill_null(False)).drop(
            "f_id", "f_question"
        )
    texts = t.interactions.select(x_id="interaction_id", x_text="text")
    joined = table.left_join(texts, table.interaction_id == texts.x_id)
    # a regular expression, not strip(): Ibis's strip() on Spark trims the letters v and f
    closing = joined.x_text.re_search(r"\?\s*$").fill_null(False)
    return joined.mutate(is_question=closing).drop("x_id", "x_text")


@metric(
    id="unanswered_people",
    area="reciprocity",
    title="People left unanswered",
    unit="people",
    denominator="distinct people who replied to or mentioned your accounts",
    direction="lower",
    needs=(REPLIES_TO_ACCOUNT,),
    description="People with at least one reply or mention you never answered.",
    why=_WHY,
)
def unanswered_people(t: Tables, c: Context) -> Measure:
    table = answered_replies(t, c).filter(lambda r: r.person_id.notnull())
    waiting = table.filter(~table.answered).person_id.nunique()
    return Measure(value=waiting, n=table.person_id.nunique())


@metric(
    id="question_answer_rate",
    area="reciprocity",
    title="Questions answered",
    unit="fraction",
    denominator="questions people asked your accounts (replies or mentions that ask)",
    direction="higher",
    needs=(REPLIES_TO_ACCOUNT,),
    description="Share of people's questions to your accounts that you answered; the number "
    "still unanswered is shown beside it.",
    why=_WHY,
)
def question_answer_rate(t: Tables, c: Context) -> Measure:
    questions = replies_with_questions(t, c).filter(lambda r: r.is_question)
    answered = questions.count(where=questions.answered)
    total = questions.count()
    return Measure(
        value=answered / total.nullif(0),
        n=total,
        successes=answered,
        extra={"unanswered_questions": questions.count(where=~questions.answered)},
    )


def question_posts(t: Tables, c: Context) -> ir.Table:
    """Own question posts with the replies they received (the question-and-answer loop)."""
    posts = classified_posts(t, c)
    asked = posts.filter(posts.kind == "question").select("post_id", "created_at", "text")
    rows = c.interactions(t)
    answers = rows.filter(rows.kind.isin(["reply", "quote"]) & rows.post_id.notnull())
    counted = answers.group_by(a_post="post_id").aggregate(
        answers=answers.count(), answerers=answers.person_id.nunique()
    )
    joined = asked.left_join(counted, asked.post_id == counted.a_post)
    return joined.select(
        "post_id",
        "created_at",
        "text",
        answers=joined.answers.fill_null(0),
        answerers=joined.answerers.fill_null(0),
    )


_QUESTION_POSTS = has_rows(
    "question posts by your own accounts (content kind 'question')",
    lambda t, c: classified_posts(t, c).filter(lambda p: p.kind == "question"),
)


@metric(
    id="answers_per_question",
    area="reciprocity",
    title="Answers per question you ask",
    unit="per post",
    denominator="your own question posts",
    direction="higher",
    needs=(_QUESTION_POSTS, REPLIES_TO_ACCOUNT),  # without replies, 0 answers would be a fake
    description="Mean replies and quotes each of your question posts received, with a 95 % "
    "interval on the log scale (it can't go below 0), and the share of your questions that "
    "got at least one answer.",
    why="Ask and answer: questions invite your people into a conversation.",
)
def answers_per_question(t: Tables, c: Context) -> Measure:
    table = question_posts(t, c)
    mean = mean_interval(table.answers.cast("float64"), domain=(0.0, None), of="question posts")
    answered = table.count(where=table.answers > 0)
    return Measure(
        value=mean.value,
        n=mean.n,
        interval=mean.interval,
        interval_note=mean.note,
        extra={"answered_share": answered.as_scalar() / mean.n.nullif(0)},
    )


RETURN_WINDOW_DAYS = 60


def first_reply_outcomes(t: Tables, c: Context) -> ir.Table:
    """Each person's first reply or mention to the account, whether it was answered, and
    whether they engaged again within RETURN_WINDOW_DAYS (only replies old enough to tell)."""
    return c.memo("first_reply_outcomes", lambda: _first_reply_outcomes(t, c))


def _first_reply_outcomes(t: Tables, c: Context) -> ir.Table:
    table = answered_replies(t, c).filter(lambda r: r.person_id.notnull() & r.occurred_at.notnull())
    ranked = table.mutate(
        _rank=ibis.row_number().over(
            ibis.window(
                group_by=table.person_id, order_by=[table.occurred_at, table.interaction_id]
            )
        )
    )
    first = ranked.filter(ranked._rank == 0).drop("_rank")
    first = first.filter(
        first.occurred_at <= data_end(t, c) - ibis.interval(days=RETURN_WINDOW_DAYS)
    )
    later = engagement_rows(t, c).select(l_person="person_id", l_at="occurred_at")
    joined = first.left_join(
        later,
        (first.person_id == later.l_person)
        & (later.l_at > first.occurred_at)
        & (later.l_at <= first.occurred_at + ibis.interval(days=RETURN_WINDOW_DAYS)),
    )
    return joined.group_by(["person_id", "answered", "hours_to_answer"]).aggregate(
        came_back=joined.l_at.count() > 0
    )


_OUTCOMES = has_rows(
    f"first replies to your accounts at least {RETURN_WINDOW_DAYS} days before the data's end",
    first_reply_outcomes,
)


@metric(
    id="answered_return_ratio",
    area="reciprocity",
    title="Answered people come back (vs unanswered)",
    unit="ratio",
    denominator=f"return rate within {RETURN_WINDOW_DAYS} days of people whose first reply "
    "was not answered",
    direction="higher",
    needs=(_OUTCOMES,),
    description=f"How many times as often people came back within {RETURN_WINDOW_DAYS} days "
    "when their first reply was answered, compared with when it was not, with a 95 % interval "
    "(delta method on the log of the ratio of two proportions, so never below 0).",
    why=_WHY,
)
def answered_return_ratio(t: Tables, c: Context) -> Measure:
    outcomes = first_reply_outcomes(t, c)
    back = outcomes.came_back.cast("float64")
    answered, ignored = outcomes.filter(outcomes.answered), outcomes.filter(~outcomes.answered)
    a_back = answered.came_back.cast("float64")
    i_back = ignored.came_back.cast("float64")
    ratio = ratio_interval(
        a_back.mean().as_scalar(),
        (a_back.mean() * (1 - a_back.mean())).as_scalar(),
        answered.count().as_scalar(),
        i_back.mean().as_scalar(),
        (i_back.mean() * (1 - i_back.mean())).as_scalar(),
        ignored.count().as_scalar(),
        of=("people answered", "people not answered"),
    )
    return Measure(
        value=ratio.value,
        n=outcomes.count(),
        interval=ratio.interval,
        interval_note=ratio.note,
        extra={
            "answered_return_rate": a_back.mean(),
            "answered_people": answered.count(),
            "unanswered_return_rate": i_back.mean(),
            "unanswered_people": ignored.count(),
            "overall_return_rate": back.mean(),
        },
    )


def replies_weekly(t: Tables, c: Context) -> ir.Table:
    """Replies and mentions received per week, and how many of them were answered."""
    table = answered_replies(t, c)
    return (
        table.group_by(week=table.occurred_at.truncate("W").date())
        .aggregate(received=table.count(), answered=table.count(where=table.answered))
        .order_by("week")
    )


@table(
    "unanswered",
    "Replies and questions waiting for an answer",
    "Replies and mentions aimed at your accounts that you never answered, oldest first.",
)
def unanswered_table(t: Tables, c: Context) -> ir.Table:
    table = replies_with_questions(t, c)
    waiting = table.filter(~table.answered)
    texts = t.interactions.select(x_id="interaction_id", text="text")
    joined = waiting.left_join(texts, waiting.interaction_id == texts.x_id)
    return joined.select(
        "interaction_id", "person_id", "occurred_at", "kind", "is_question", "text"
    ).order_by(["occurred_at", "interaction_id"])


@table(
    "questions",
    "Your questions and the answers they got",
    "The question-and-answer loop: each question you posted and how many people answered.",
)
def questions_table(t: Tables, c: Context) -> ir.Table:
    return question_posts(t, c).order_by([ibis.desc("created_at"), "post_id"])


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    weekly = s.frame(replies_weekly(s.tables, s.context))
    if weekly.empty:
        return [
            empty(
                "replies",
                "Replies answered",
                "No replies or mentions aimed at your accounts in the data.",
            )
        ]
    weekly["unanswered"] = weekly["received"] - weekly["answered"]
    figures = [
        Figure(
            "replies",
            "Replies and mentions each week: answered and not",
            specs.stacked_weekly(
                weekly,
                columns={"answered": "answered", "unanswered": "not answered"},
                colours=["#2f7d5b", "#e4a35a"],
                title="Replies and mentions received each week",
                y_title="Replies",
            ),
            ["Week", "Received", "Answered"],
            rows(
                weekly[["week", "received", "answered"]], {"received": integer, "answered": integer}
            ),
        )
    ]
    waiting = s.frame(unanswered_table(s.tables, s.context).limit(25))
    if not waiting.empty:
        handles = s.frame(s.tables.people.select("person_id", "handle"))
        waiting = waiting.merge(handles, on="person_id", how="left")
        waiting["who"] = waiting["handle"].fillna(waiting["person_id"])
        figures.append(
            Figure(
                "waiting",
                "Still waiting for an answer (oldest 25)",
                None,
                ["When", "Who", "Question", "What they wrote"],
                rows(
                    waiting[["occurred_at", "who", "is_question", "text"]],
                    {"is_question": lambda v: "?" if v else ""},
                ),
                note="The full list: rapport metrics --table unanswered.",
                order="oldest first",
            )
        )
    return figures
