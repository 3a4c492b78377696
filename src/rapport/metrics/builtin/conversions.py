"""Conversions: what social media turned into business (principle 8)."""

from __future__ import annotations

from rapport.metrics.needs import CONVERSIONS
from rapport.metrics.spec import Context, Measure, metric
from rapport.tables import Tables

_WHY = (
    "Conversions, not hits: attention that never becomes a signup or a sale does not "
    "grow the business."
)


@metric(
    id="conversions",
    area="conversions",
    title="Conversions",
    unit="count",
    denominator="conversions imported for the period (all sources)",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Signups, purchases, leads and other outcomes in the period.",
    why=_WHY,
)
def conversions(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    n = rows.count()
    return Measure(value=n, n=n)


@metric(
    id="conversions_from_social",
    area="conversions",
    title="Conversions attributed to posts",
    unit="fraction",
    denominator="all conversions in the period",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Share of conversions tied to one of your posts (post_id, from UTM tags or "
    "landing URLs).",
    why=_WHY,
)
def conversions_from_social(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    attributed = rows.count(where=rows.post_id.notnull())
    total = rows.count()
    return Measure(
        value=attributed / total.nullif(0),
        n=total,
        successes=attributed,
        extra={"attributed": attributed},
    )


@metric(
    id="conversion_value",
    area="conversions",
    title="Conversion value",
    unit="currency",
    denominator="conversions with a value, in one currency",
    direction="higher",
    needs=(CONVERSIONS,),
    description="Total value of conversions that carry one; not computed when currencies are "
    "mixed.",
    why=_WHY,
)
def conversion_value(t: Tables, c: Context) -> Measure:
    rows = c.in_period(t.conversions, t.conversions.occurred_at)
    valued = rows.filter(rows.value.notnull())
    currencies = valued.currency.nunique()
    total = valued.value.sum()
    return Measure(
        value=(currencies <= 1).ifelse(total, None),  # mixed currencies: no single sum
        n=valued.count(),
        extra={"currency": valued.currency.max(), "currencies": currencies},
    )
