"""Altair charts for the report, returned as Vega-Lite specs (plain dicts).

Altair is imported by the functions that draw a chart, not with the module: computing metrics
(whose areas name these functions) never loads it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "KIND_COLOURS",
    "engagement_chart",
    "followers_chart",
    "forecast_chart",
    "people_chart",
    "posts_chart",
    "spread_curve",
    "whatif_chart",
]

KIND_COLOURS = {
    "educational": "#4c78a8",
    "question": "#72b7b2",
    "behind_the_scenes": "#54a24b",
    "news": "#b279a2",
    "throwback": "#9d755d",
    "promo": "#e45756",
    "other": "#bab0ac",
    "unknown": "#d3d3d3",
}
_WIDTH = 560
_HEIGHT = 220


def _spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec.pop("$schema", None)  # a URL the page never needs; the embed mode is set explicitly
    return spec


def _week_axis(title: str = "Week") -> alt.X:
    import altair as alt

    return alt.X(
        "week:T",
        title=title,
        scale=alt.Scale(type="utc"),
        axis=alt.Axis(format="%d %b %Y", labelAngle=0, tickCount=8, labelFlush=True),
    )


def people_chart(frame: pd.DataFrame) -> dict[str, Any]:
    """Stacked weekly bars: people engaging for the first time vs people coming back."""
    import altair as alt

    long = frame.melt(
        id_vars=["week"], value_vars=["returning", "new"], var_name="who", value_name="people"
    )
    long["who"] = long["who"].map({"new": "first time", "returning": "came back"})
    chart = (
        alt.Chart(long, width=_WIDTH, height=_HEIGHT, title="People who engaged each week")
        .mark_bar()
        .encode(
            x=_week_axis(),
            y=alt.Y("people:Q", title="People", stack=True),
            color=alt.Color(
                "who:N",
                title=None,
                scale=alt.Scale(domain=["came back", "first time"], range=["#2f7d5b", "#a8c8b8"]),
            ),
            order=alt.Order("who:O", sort="ascending"),
            tooltip=[
                alt.Tooltip("week:T", format="%d %b %Y", formatType="utc"),
                "who:N",
                "people:Q",
            ],
        )
    )
    return _spec(chart)


def followers_chart(frame: pd.DataFrame) -> dict[str, Any]:
    import altair as alt

    chart = (
        alt.Chart(frame, width=_WIDTH, height=_HEIGHT, title="Followers (last count each week)")
        .mark_line(point=True, color="#888888")
        .encode(
            x=_week_axis(),
            y=alt.Y("followers:Q", title="Followers", scale=alt.Scale(zero=False)),
            tooltip=[alt.Tooltip("week:T", format="%d %b %Y", formatType="utc"), "followers:Q"],
        )
    )
    return _spec(chart)


def posts_chart(frame: pd.DataFrame, *, target_per_week: float) -> dict[str, Any]:
    """Weekly original posts by content kind, with the cadence target as a rule."""
    import altair as alt

    kinds = [k for k in KIND_COLOURS if k in set(frame["kind"])]
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=_week_axis(),
            y=alt.Y("sum(posts):Q", title="Original posts"),
            color=alt.Color(
                "kind:N",
                title="Kind",
                scale=alt.Scale(domain=kinds, range=[KIND_COLOURS[k] for k in kinds]),
            ),
            tooltip=[
                alt.Tooltip("week:T", format="%d %b %Y", formatType="utc"),
                "kind:N",
                "posts:Q",
            ],
        )
    )
    target = (
        alt.Chart(pd.DataFrame({"target": [target_per_week]}))
        .mark_rule(strokeDash=[6, 4], color="#333333")
        .encode(y="target:Q")
    )
    chart = alt.layer(
        bars,
        target,
        width=_WIDTH,
        height=_HEIGHT,
        title=f"Original posts per week (dashed: target {target_per_week:g})",
    )
    return _spec(chart)


def engagement_chart(frame: pd.DataFrame, *, denominator: str) -> dict[str, Any]:
    """Weekly median engagement rate, its denominator named on the axis."""
    import altair as alt

    chart = (
        alt.Chart(
            frame,
            width=_WIDTH,
            height=_HEIGHT,
            title=f"Median engagement per post, as a share of {denominator.split(' (')[0]}",
        )
        .mark_line(point=True, color="#4c78a8")
        .encode(
            x=_week_axis("Week the posts went out"),
            y=alt.Y(
                "median_rate:Q",
                title=f"Engagements / {denominator.split(' (')[0]}",
                axis=alt.Axis(format="%"),
            ),
            tooltip=[
                alt.Tooltip("week:T", format="%d %b %Y", formatType="utc"),
                alt.Tooltip("median_rate:Q", format=".2%"),
                "posts:Q",
            ],
        )
    )
    return _spec(chart)


def stacked_weekly(
    frame: pd.DataFrame, *, columns: dict[str, str], colours: list[str], title: str, y_title: str
) -> dict[str, Any]:
    """Weekly stacked bars of several counts (``columns`` maps column → legend label)."""
    import altair as alt

    long = frame.melt(
        id_vars=["week"], value_vars=list(columns), var_name="series", value_name="count"
    )
    long["series"] = long["series"].map(columns)
    labels = list(columns.values())
    chart = (
        alt.Chart(long, width=_WIDTH, height=_HEIGHT, title=title)
        .mark_bar()
        .encode(
            x=_week_axis(),
            y=alt.Y("count:Q", title=y_title, stack=True),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=labels, range=colours)),
            order=alt.Order("series:O"),
            tooltip=[
                alt.Tooltip("week:T", format="%d %b %Y", formatType="utc"),
                "series:N",
                "count:Q",
            ],
        )
    )
    return _spec(chart)


def interval_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    title: str,
    y_title: str,
    sort: list[str] | None = None,
    percent: bool = True,
) -> dict[str, Any]:
    """Bars of a mean with its 95 % interval as an error bar (columns mean, low, high, n)."""
    import altair as alt

    axis = alt.Axis(format="%") if percent else alt.Axis()
    order = sort or list(frame.sort_values("mean", ascending=False)[category])
    base = alt.Chart(frame).encode(
        x=alt.X(f"{category}:N", title=None, sort=order, axis=alt.Axis(labelAngle=0)),
    )
    bars = base.mark_bar(color="#4c78a8").encode(
        y=alt.Y("mean:Q", title=y_title, axis=axis),
        tooltip=[
            f"{category}:N",
            alt.Tooltip("mean:Q", format=".2%" if percent else ".2f"),
            alt.Tooltip("low:Q", format=".2%" if percent else ".2f"),
            alt.Tooltip("high:Q", format=".2%" if percent else ".2f"),
            "n:Q",
        ],
    )
    errors = base.mark_rule(color="#222222").encode(y="low:Q", y2="high:Q")
    # no row with an interval (each says why in the table): bars only, as an error layer
    # with no bounds at all gives Vega an infinite extent
    layers = [bars, errors] if frame[["low", "high"]].notna().all(axis=1).any() else [bars]
    return _spec(alt.layer(*layers, width=_WIDTH, height=_HEIGHT, title=title))


def cohort_heatmap(frame: pd.DataFrame) -> dict[str, Any]:
    """Monthly cohorts × months later, coloured by the share who engaged again."""
    import altair as alt

    chart = (
        alt.Chart(
            frame,
            width=_WIDTH,
            height=_HEIGHT,
            title="First-time engagers who engaged again, by month of first engagement",
        )
        .mark_rect()
        .encode(
            x=alt.X("months_later:O", title="Months after the first engagement"),
            y=alt.Y("cohort:O", title="First engaged in"),
            color=alt.Color(
                "share:Q",
                title="Share",
                scale=alt.Scale(scheme="greens"),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                "cohort:O",
                "months_later:O",
                alt.Tooltip("share:Q", format=".0%"),
                "people:Q",
                "cohort_size:Q",
            ],
        )
    )
    return _spec(chart)


def value_vanity_scatter(frame: pd.DataFrame) -> dict[str, Any]:
    """Each post: likes (vanity) against conversions (value)."""
    import altair as alt

    chart = (
        alt.Chart(
            frame,
            width=_WIDTH,
            height=_HEIGHT,
            title="Each post: likes (vanity) against conversions (value)",
        )
        .mark_circle(opacity=0.6, size=50)
        .encode(
            x=alt.X("likes:Q", title="Likes"),
            y=alt.Y("conversions:Q", title="Conversions attributed"),
            color=alt.Color(
                "kind:N",
                title="Kind",
                scale=alt.Scale(domain=list(KIND_COLOURS), range=list(KIND_COLOURS.values())),
            ),
            tooltip=["day:N", "kind:N", "likes:Q", "conversions:Q", "value:Q"],
        )
    )
    return _spec(chart)


def forecast_chart(frame: pd.DataFrame) -> dict[str, Any]:
    """Per recent post: reshares so far, the forecast final count and its interval.

    ``frame``: label, observed, predicted (NaN when declined), low, high (NaN: no upper end).
    """
    import altair as alt

    order = list(frame["label"])
    y = alt.Y("label:N", title=None, sort=order)
    x_scale = alt.Scale(type="symlog")
    bounded = frame.dropna(subset=["low", "high"])
    spans = (
        alt.Chart(bounded)
        .mark_rule(color="#4c78a8", strokeWidth=2)
        .encode(y=y, x=alt.X("low:Q", scale=x_scale), x2="high:Q")
    )
    long = frame.melt(
        id_vars=["label"], value_vars=["observed", "predicted"], var_name="what", value_name="n"
    ).dropna(subset=["n"])
    long["what"] = long["what"].map({"observed": "reshares so far", "predicted": "forecast final"})
    points = (
        alt.Chart(long)
        .mark_point(filled=True, size=70)
        .encode(
            y=y,
            x=alt.X("n:Q", title="Reshares (symmetric log scale)", scale=x_scale),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=["reshares so far", "forecast final"], range=["#8a8f93", "#4c78a8"]
                ),
            ),
            shape=alt.Shape(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=["reshares so far", "forecast final"], range=["square", "circle"]
                ),
            ),
            tooltip=["label:N", "what:N", alt.Tooltip("n:Q", format=",.0f")],
        )
    )
    chart = alt.layer(
        spans,
        points,
        width=_WIDTH + 100,
        height=max(_HEIGHT // 2, 26 * len(order)),
        title="Recent posts: reshares so far and the forecast final count (line: interval)",
    )
    return _spec(chart)


def spread_curve(frame: pd.DataFrame, baselines: pd.DataFrame) -> dict[str, Any]:
    """Diminishing returns: estimated spread of the first k people chosen (``frame``: k,
    spread), with simpler choices of the same number of people as points (``baselines``:
    k, spread, rule)."""
    import altair as alt

    line = (
        alt.Chart(frame)
        .mark_line(point=True, color="#2f7d5b")
        .encode(
            x=alt.X("k:Q", title="People cared for first (k)", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("spread:Q", title="Estimated people reached"),
            tooltip=["k:Q", alt.Tooltip("spread:Q", format=",.0f")],
        )
    )
    rules = list(baselines["rule"])
    others = (
        alt.Chart(baselines)
        .mark_point(filled=True, size=110, shape="diamond")
        .encode(
            x="k:Q",
            y="spread:Q",
            color=alt.Color(
                "rule:N",
                title="Chosen instead",
                scale=alt.Scale(
                    domain=rules, range=["#e4a35a", "#8a8f93", "#b279a2"][: len(rules)]
                ),
            ),
            tooltip=["rule:N", "k:Q", alt.Tooltip("spread:Q", format=",.0f")],
        )
    )
    title = "Estimated reach of the first k people chosen"
    return _spec(alt.layer(line, others, width=_WIDTH - 190, height=_HEIGHT, title=title))


def whatif_chart(frame: pd.DataFrame, *, outcomes: list[str]) -> dict[str, Any]:
    """Strategies side by side: median (point) and 10th–90th percentile (line) per outcome.

    ``frame``: strategy, outcome, median, p10, p90 (one row per strategy and outcome).
    """
    import altair as alt

    strategies = list(dict.fromkeys(frame["strategy"]))
    y = alt.Y("strategy:N", title=None, sort=strategies)
    bands = (
        alt.Chart()
        .mark_rule(color="#4c78a8", strokeWidth=3, opacity=0.5)
        .encode(
            y=y,
            x=alt.X("p10:Q", title=None, scale=alt.Scale(zero=False), axis=alt.Axis(tickCount=5)),
            x2="p90:Q",
        )
    )
    medians = (
        alt.Chart()
        .mark_point(filled=True, size=70, color="#1f4e79")
        .encode(
            y=y,
            x=alt.X("median:Q", title=None, scale=alt.Scale(zero=False)),
            tooltip=[
                "strategy:N",
                "outcome:N",
                alt.Tooltip("median:Q", format=",.1f"),
                alt.Tooltip("p10:Q", format=",.1f"),
                alt.Tooltip("p90:Q", format=",.1f"),
            ],
        )
    )
    chart = (
        alt.layer(bands, medians, data=frame, width=360, height=22 * len(strategies))
        .facet(facet=alt.Facet("outcome:N", title=None, sort=outcomes), columns=2)
        .resolve_scale(x="independent")
        .properties(title="What if: median and 10th–90th percentile over the simulated runs")
    )
    return _spec(chart)
