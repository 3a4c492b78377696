"""Sentiment of what people write to the account (social-media-aware VADER)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import Figure, empty, integer, rows
from rapport.metrics.needs import has_rows
from rapport.metrics.spec import Measure, area, metric
from rapport.query.common import mean_interval
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="sentiment",
    title="How people feel",
    principle=("The texture of the relationship."),
    weights={"signups": 0.5, "sales": 0.5, "leads": 0.5, "community": 0.8, "awareness": 0.4},
    position=100,
    figures=lambda s: report_figures(s),
)


_WHY = "How people feel when they talk to you is the texture of the relationship."


def scored_replies(t: Tables, c: Context) -> ir.Table:
    """Replies, mentions and quotes aimed at own accounts, with their stored sentiment."""
    return c.memo("scored_replies", lambda: _scored_replies(t, c))


def _scored_replies(t: Tables, c: Context) -> ir.Table:
    rows = c.interactions(t)
    rows = rows.filter(rows.kind.isin(["reply", "mention", "quote"])).select(
        "interaction_id", "person_id", "occurred_at", "kind"
    )  # only what the metrics read: this table is materialised once per run
    if t.interaction_text is None:  # this backend holds no stored scores: nothing to read
        return rows.filter(ibis.literal(False)).mutate(
            sentiment=ibis.null("float64"), sentiment_label=ibis.null("string")
        )
    features = t.interaction_text.select(
        f_id="interaction_id", sentiment="sentiment", sentiment_label="sentiment_label"
    )
    joined = rows.join(features, rows.interaction_id == features.f_id)
    return joined.filter(joined.sentiment.notnull())


_SCORED = has_rows(
    "replies, mentions or quotes with text aimed at your own accounts (scored at import)",
    scored_replies,
)


@metric(
    id="reply_sentiment",
    area="sentiment",
    title="Mood of replies",
    unit="sentiment",
    denominator="replies, mentions and quotes with text",
    direction="higher",
    needs=(_SCORED,),
    description="Mean VADER compound score (−1 very negative to +1 very positive, with "
    "rapport's fixes for emoji and slang) of what people wrote to you, with a 95 % interval "
    "on the logit scale of −1 to +1 (it stays within them).",
    why=_WHY,
)
def reply_sentiment(t: Tables, c: Context) -> Measure:
    rows = scored_replies(t, c)
    mean = mean_interval(rows.sentiment, domain=(-1.0, 1.0), of="replies")
    return Measure(value=mean.value, n=mean.n, interval=mean.interval, interval_note=mean.note)


def _label_share(label: str, direction: str) -> None:
    @metric(
        id=f"{label}_reply_share",
        area="sentiment",
        title=f"{label.title()} replies",
        unit="fraction",
        denominator="replies, mentions and quotes with text",
        direction=direction,  # type: ignore[arg-type]
        needs=(_SCORED,),
        description=f"Share of what people wrote to you that reads as {label} (compound "
        f"{'≥ 0.05' if label == 'positive' else '≤ −0.05'}).",
        why=_WHY,
    )
    def share(t: Tables, c: Context) -> Measure:
        rows = scored_replies(t, c)
        hits = rows.count(where=rows.sentiment_label == label)
        return Measure(value=hits / rows.count().nullif(0), n=rows.count(), successes=hits)


_label_share("positive", "higher")
_label_share("negative", "lower")


def sentiment_weekly(t: Tables, c: Context) -> ir.Table:
    """Replies per week by sentiment label."""
    rows = scored_replies(t, c)
    return (
        rows.group_by([rows.occurred_at.truncate("W").date().name("week"), "sentiment_label"])
        .aggregate(replies=rows.count())
        .order_by(["week", "sentiment_label"])
    )


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    if s.tables.interaction_text is None:
        return [empty("mood", "How people feel", "Needs replies with text.")]
    frame = s.frame(sentiment_weekly(s.tables, s.context))
    if frame.empty:
        return [empty("mood", "How people feel", "Needs replies with text.")]
    wide = frame.pivot_table(
        index="week", columns="sentiment_label", values="replies", aggfunc="sum", fill_value=0
    ).reset_index()
    labels = [k for k in ("positive", "neutral", "negative") if k in wide.columns]
    return [
        Figure(
            "mood",
            "How people feel when they write to you",
            specs.stacked_weekly(
                wide,
                columns={k: k for k in labels},
                colours=[
                    {"positive": "#2f7d5b", "neutral": "#c9c9c9", "negative": "#c0504d"}[k]
                    for k in labels
                ],
                title="Replies each week, by sentiment",
                y_title="Replies",
            ),
            ["Week", *labels],
            rows(wide[["week", *labels]], {k: integer for k in labels}),
        )
    ]
