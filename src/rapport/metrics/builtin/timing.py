"""Timing: when posts do best, with intervals, not a bare argmax."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from rapport.charts import specs
from rapport.charts.figure import NOT_RATED, Figure, empty, integer, percent
from rapport.metrics.builtin.engagement import (
    RATE_DOMAIN,
    engagement_denominator,
    has_engagement_data,
    interval_text,
)
from rapport.metrics.needs import OWN_ORIGINAL_POSTS
from rapport.metrics.spec import Measure, Need, area, metric
from rapport.metrics.tables import table
from rapport.query.common import best_row, local_time, mean_estimate, post_engagement, zone_of
from rapport.query.context import Context
from rapport.query.tables import Tables

if TYPE_CHECKING:
    from rapport.session import Session

AREA = area(
    id="timing",
    title="When to post",
    principle=("Post when your people are there, but trust only differences the data shows."),
    weights={"signups": 0.4, "sales": 0.4, "leads": 0.4, "community": 0.4, "awareness": 0.7},
    position=110,
    figures=lambda s: report_figures(s),
)


MIN_POSTS_PER_SLOT = 5
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WHY = "Post when your people are there to see it; but only trust a difference the data shows."


def performance_by(t: Tables, c: Context, *, slot: str) -> ir.Table:
    """Mean engagement rate per hour of day or weekday (in the workspace's time zone), with
    95 % intervals (on the log scale: never below 0; null, with ``interval_note`` saying why,
    where there is none)."""
    table, _ = post_engagement(t, c)
    column, _ = engagement_denominator(c)
    moment = local_time(table.created_at, c)
    key = moment.hour() if slot == "hour" else moment.day_of_week.index()
    rated = table.select(
        slot=key, rate=table.engagements / table[column].cast("float64").nullif(0)
    ).filter(lambda r: r.rate.notnull())
    grouped = rated.group_by("slot").aggregate(
        posts=rated.count(), mean_rate=rated.rate.mean(), std=rated.rate.std()
    )
    mean = mean_estimate(
        grouped.mean_rate, grouped.std, grouped.posts, domain=RATE_DOMAIN, of="posts"
    )
    return grouped.select(
        "slot",
        "posts",
        "mean_rate",
        low=mean.low,
        high=mean.high,
        interval_note=mean.note,
    ).order_by("slot")


_RATED = Need(
    "engagement counts and a denominator per post",
    lambda t, c: ibis.literal(has_engagement_data(c)),
)


def _best(slot: str, unit: str, title: str) -> None:
    @metric(
        id=f"best_{slot}",
        area="timing",
        title=title,
        unit=unit,  # type: ignore[arg-type]
        denominator=f"original posts, grouped by {slot} in your time zone; slots with at least "
        f"{MIN_POSTS_PER_SLOT} posts",
        direction="neutral",
        needs=(OWN_ORIGINAL_POSTS, _RATED),
        description=f"The {slot} whose posts drew the highest mean engagement rate (hours 0–23, "
        "weekdays 0 = Monday, in the workspace's time zone; of equal ones, the earliest), "
        "with that slot's mean rate and "
        "its 95 % interval, the overall mean, and whether the interval clears it (if not, the "
        "data does not show a best time).",
        why=_WHY,
    )
    def best(t: Tables, c: Context) -> Measure:
        slots = performance_by(t, c, slot=slot)
        eligible = slots.filter(slots.posts >= MIN_POSTS_PER_SLOT)
        top = best_row(eligible, by="mean_rate", key="slot")
        table, _ = post_engagement(t, c)
        column, _ = engagement_denominator(c)
        overall = (table.engagements / table[column].cast("float64").nullif(0)).mean()
        return Measure(
            value=top.slot.max(),
            n=top.posts.max(),
            extra={
                "mean_rate": top.mean_rate.max(),
                "mean_rate_low": top.low.max(),
                "mean_rate_high": top.high.max(),
                "overall_mean_rate": overall,
                "clearly_better": top.low.max().as_scalar() > overall.as_scalar(),
                "slots_compared": eligible.count(),
            },
            interval_note="a time slot, not an estimate: no interval (its mean rate has one)",
        )


_best("hour", "hour of day", "Best hour to post")
_best("weekday", "weekday", "Best weekday to post")


@table(
    "timing_hours",
    "Engagement by hour of posting (in the workspace's time zone)",
    "Mean engagement rate of posts by the hour they went out, with 95 % intervals (log scale, "
    "never below 0; interval_note says why an hour has none).",
)
def timing_hours_table(t: Tables, c: Context) -> ir.Table:
    table = performance_by(t, c, slot="hour")
    return table.rename(hour="slot")


@table(
    "timing_weekdays",
    "Engagement by weekday of posting (in the workspace's time zone)",
    "Mean engagement rate of posts by weekday, with 95 % intervals (log scale, never below 0; "
    "interval_note says why a weekday has none).",
)
def timing_weekdays_table(t: Tables, c: Context) -> ir.Table:
    table = performance_by(t, c, slot="weekday")
    names = ibis.cases(*((table.slot == i, name) for i, name in enumerate(WEEKDAYS)))
    return table.mutate(weekday=names).relocate("weekday")


# -- the report's figures --------------------------------------------
def report_figures(s: Session) -> list[Figure]:
    if not has_engagement_data(s.context):
        return [empty("hours", "When to post", NOT_RATED)]
    figures = []
    zone = zone_of(s.context)
    for slot, title in (("hour", f"By hour of posting ({zone} time)"), ("weekday", "By weekday")):
        frame = s.frame(performance_by(s.tables, s.context, slot=slot))
        if frame.empty:
            continue
        frame = frame.rename(columns={"mean_rate": "mean", "posts": "n"})
        labels = (
            [f"{int(h):02d}" for h in frame["slot"]]
            if slot == "hour"
            else [WEEKDAYS[int(d)][:3] for d in frame["slot"]]
        )
        frame["label"] = labels
        figures.append(
            Figure(
                f"timing-{slot}",
                title,
                specs.interval_bars(
                    frame,
                    category="label",
                    title=f"Mean engagement rate {title.lower()}, with 95 % intervals",
                    y_title="Mean engagement rate",
                    sort=labels,
                ),
                ["When", "Posts", "Mean rate", "95 % interval"],
                [
                    [lab, integer(n), percent(m), interval_text(lo, hi, note, percent)]
                    for lab, n, m, lo, hi, note in frame[
                        ["label", "n", "mean", "low", "high", "interval_note"]
                    ].itertuples(index=False)
                ],
                newest_first=False,
                order="in hour order" if slot == "hour" else "Monday first",
            )
        )
    return figures or [empty("hours", "When to post", NOT_RATED)]
