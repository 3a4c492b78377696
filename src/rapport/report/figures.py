"""The charts of each report section, each with the table of numbers behind it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlsplit

import pandas as pd

from rapport.metrics.builtin.content import kind_performance
from rapport.metrics.builtin.engagement import engagement_denominator, has_engagement_data
from rapport.metrics.builtin.retention import cohorts
from rapport.metrics.builtin.timing import WEEKDAYS, performance_by
from rapport.metrics.tables import get_table
from rapport.query.common import post_engagement
from rapport.report import charts, series

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["FIGURES", "Cell", "Figure", "Link"]


@dataclass(frozen=True)
class Link:
    """A table cell that links out: ``href`` is kept only when it is an http(s) URL, so a
    ``javascript:`` or ``data:`` link from a platform is shown as text, never followed."""

    text: str
    href: str | None = None

    @classmethod
    def to(cls, url: str | None, text: str | None = None) -> Link:
        """A link to ``url`` shown as ``text`` (default: the URL); a URL that is not http(s)
        is shown as itself, as text."""
        address = (url or "").strip()
        try:
            scheme = urlsplit(address).scheme.lower()
        except ValueError:  # an unparseable URL (e.g. a broken IPv6 host) is only text
            scheme = ""
        if scheme in ("http", "https"):
            return cls(address if text is None else text, address)
        return cls(address)


Cell: TypeAlias = str | Link


@dataclass(frozen=True)
class Figure:
    """A chart with the table of numbers beside it (or a note when there is nothing to draw)."""

    id: str
    title: str
    spec: dict[str, Any] | None
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""
    newest_first: bool = True
    """Rows are oldest first and shown newest first beside a chart (weekly series)."""
    stacked: bool = False
    """The table goes under the chart, full width (a wide table), not beside it."""

    @property
    def spec_json(self) -> str:
        # JSON inside <script>: "<", ">" and "&" are escaped so that no text coming from a
        # platform (a post, a bio) can close the element or open a comment.
        text = json.dumps(self.spec, ensure_ascii=False, sort_keys=True)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _rows(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]]) -> list[list[Cell]]:
    return [[formats.get(str(k), _text)(v) for k, v in record.items()]
            for record in frame.to_dict("records")]  # fmt: skip


def _text(value: Any) -> str:
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _pct(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.2%}"


def _int(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{int(value):,}"


def _num(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.2f}"


def _empty(fid: str, title: str, note: str) -> Figure:
    return Figure(fid, title, None, [], [], note)


def _rated(s: Session) -> bool:
    return has_engagement_data(s.context)


_NOT_RATED = (
    "Not computable: needs engagement counts per post and a denominator (reach, "
    "impressions or follower counts)."
)


def engagement_figures(s: Session) -> list[Figure]:
    if not _rated(s):
        return [_empty("engagement", "Engagement per post over time", _NOT_RATED)]
    weekly, denominator = series.engagement_weekly(s.tables, s.context)
    frame = s.frame(weekly)
    if frame.empty:
        return [_empty("engagement", "Engagement per post over time", _NOT_RATED)]
    return [
        Figure(
            "engagement",
            "Engagement per post over time",
            charts.engagement_chart(frame, denominator=denominator),
            ["Week", "Posts", "Median engagement rate", "Engagements"],
            _rows(
                frame[["week", "posts", "median_rate", "engagements"]],
                {"posts": _int, "median_rate": _pct, "engagements": _int},
            ),
            note=f"Denominator: {denominator}.",
        )
    ]


def community_figures(s: Session) -> list[Figure]:
    figures = []
    people = s.frame(series.people_weekly(s.tables, s.context))
    if people.empty:
        figures.append(
            _empty(
                "people",
                "People who engaged each week",
                "No individual interactions in the data, so nobody can be "
                "followed from week to week.",
            )
        )
        return figures
    figures.append(
        Figure(
            "people",
            "People who engaged each week",
            charts.people_chart(people),
            ["Week", "First time", "Came back"],
            _rows(people[["week", "new", "returning"]], {"new": _int, "returning": _int}),
        )
    )
    top = s.frame(get_table("people").build(s.tables, s.context).limit(25))
    if not top.empty:
        top["who"] = top["handle"].fillna(top["person_id"])
        figures.append(
            Figure(
                "love",
                "The people who care most (top 25 by love score)",
                None,
                [
                    "Who",
                    "Level",
                    "Love score",
                    "Engagements",
                    "Replies",
                    "Weeks active",
                    "Core",
                    "Last engaged",
                ],
                _rows(
                    top[
                        [
                            "who",
                            "level",
                            "love_score",
                            "engagements",
                            "replies",
                            "active_weeks",
                            "core",
                            "last_engaged_at",
                        ]
                    ],
                    {
                        "love_score": _num,
                        "engagements": _int,
                        "replies": _int,
                        "active_weeks": _int,
                        "core": lambda v: "yes" if v else "",
                    },
                ),
                note="Love score: every engagement counts by its depth (a reply 3, a like 1), "
                "halved for each 30 days of age. The full list: rapport metrics --table people.",
            )
        )
    followers = s.frame(series.followers_weekly(s.tables, s.context))
    if not followers.empty:
        figures.append(
            Figure(
                "followers",
                "Followers (a vanity number, for context)",
                charts.followers_chart(followers),
                ["Week", "Followers"],
                _rows(followers, {"followers": _int}),
            )
        )
    return figures


def retention_figures(s: Session) -> list[Figure]:
    frame = s.frame(cohorts(s.tables, s.context))
    if frame.empty:
        return [_empty("cohorts", "Monthly cohorts", "Needs people's engagement with times.")]
    frame["cohort"] = pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m")
    later = frame[frame["months_later"] > 0]
    if later.empty:
        return [
            _empty(
                "cohorts",
                "Monthly cohorts of first-time engagers",
                "Nobody has engaged in a later month yet: the data covers too short a "
                "time to see people come back month after month.",
            )
        ]
    return [
        Figure(
            "cohorts",
            "Monthly cohorts of first-time engagers",
            charts.cohort_heatmap(later),
            ["First engaged in", "Months later", "People", "Of", "Share"],
            _rows(
                later[["cohort", "months_later", "people", "cohort_size", "share"]],
                {"people": _int, "cohort_size": _int, "share": _pct},
            ),
        )
    ]


def reciprocity_figures(s: Session) -> list[Figure]:
    weekly = s.frame(series.replies_weekly(s.tables, s.context))
    if weekly.empty:
        return [
            _empty(
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
            charts.stacked_weekly(
                weekly,
                columns={"answered": "answered", "unanswered": "not answered"},
                colours=["#2f7d5b", "#e4a35a"],
                title="Replies and mentions received each week",
                y_title="Replies",
            ),
            ["Week", "Received", "Answered"],
            _rows(weekly[["week", "received", "answered"]], {"received": _int, "answered": _int}),
        )
    ]
    waiting = s.frame(get_table("unanswered").build(s.tables, s.context).limit(25))
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
                _rows(
                    waiting[["occurred_at", "who", "is_question", "text"]],
                    {"is_question": lambda v: "?" if v else ""},
                ),
                note="The full list: rapport metrics --table unanswered.",
            )
        )
    return figures


def promotion_figures(s: Session) -> list[Figure]:
    if not _rated(s):
        return [_empty("promo", "Promotions against other posts", _NOT_RATED)]
    kinds = s.frame(kind_performance(s.tables, s.context))
    if kinds.empty:
        return [_empty("promo", "Promotions against other posts", _NOT_RATED)]
    table, _ = post_engagement(s.tables, s.context)
    column, words = engagement_denominator(s.context)
    rates = s.frame(
        table.select(
            kind=table.kind, rate=table.engagements / table[column].cast("float64").nullif(0)
        )
    )
    rates = rates.dropna(subset=["rate", "kind"])
    if rates.empty:
        return [_empty("promo", "Promotions against other posts", _NOT_RATED)]
    rates["group"] = rates["kind"].map(lambda k: "promotions" if k == "promo" else "other posts")
    grouped = rates.groupby("group")["rate"].agg(["mean", "std", "count"]).reset_index()
    half = 1.96 * grouped["std"].fillna(0) / grouped["count"].pow(0.5)
    grouped = grouped.assign(
        low=grouped["mean"] - half, high=grouped["mean"] + half, n=grouped["count"]
    )
    return [
        Figure(
            "promo",
            "Promotions against other posts",
            charts.interval_bars(
                grouped,
                category="group",
                title="Mean engagement rate, with 95 % intervals",
                y_title=f"Engagements / {words}",
            ),
            ["Posts", "Mean rate", "95 % interval", "n"],
            [
                [g, _pct(m), f"{_pct(lo)} to {_pct(hi)}", _int(n)]
                for g, m, lo, hi, n in grouped[["group", "mean", "low", "high", "n"]].itertuples(
                    index=False
                )
            ],
        )
    ]


def consistency_figures(s: Session) -> list[Figure]:
    posts = s.frame(series.posts_weekly(s.tables, s.context))
    if posts.empty:
        return [
            _empty(
                "posts",
                "Original posts per week",
                "No original posts by your own accounts in the data.",
            )
        ]
    wide = posts.pivot_table(
        index="week", columns="kind", values="posts", aggfunc="sum", fill_value=0
    ).reset_index()
    kinds = [k for k in charts.KIND_COLOURS if k in wide.columns]
    wide["total"] = wide[kinds].sum(axis=1)
    return [
        Figure(
            "posts",
            "Original posts per week",
            charts.posts_chart(posts, target_per_week=s.config.targets.posts_per_week),
            ["Week", "Total", *[k.replace("_", " ") for k in kinds]],
            _rows(wide[["week", "total", *kinds]], {k: _int for k in [*kinds, "total"]}),
        )
    ]


def content_figures(s: Session) -> list[Figure]:
    if not _rated(s):
        return [_empty("kinds", "Performance by kind of post", _NOT_RATED)]
    kinds = s.frame(kind_performance(s.tables, s.context))
    if kinds.empty:
        return [_empty("kinds", "Performance by kind of post", _NOT_RATED)]
    kinds = kinds.rename(columns={"mean_rate": "mean", "posts": "n"})
    kinds["kind"] = kinds["kind"].str.replace("_", " ")
    return [
        Figure(
            "kinds",
            "Performance by kind of post",
            charts.interval_bars(
                kinds,
                category="kind",
                title="Mean engagement rate by kind, with 95 % intervals",
                y_title="Mean engagement rate",
            ),
            ["Kind", "Posts", "Mean rate", "95 % interval", "Few posts?"],
            [
                [k, _int(n), _pct(m), f"{_pct(lo)} to {_pct(hi)}", "few posts" if small else ""]
                for k, n, m, lo, hi, small in kinds[
                    ["kind", "n", "mean", "low", "high", "small_sample"]
                ].itertuples(index=False)
            ],
            note="Kinds come from the source where it says, else from rapport's classifier.",
        )
    ]


def audience_figures(s: Session) -> list[Figure]:
    if s.tables.relevance is None or not s.config.goal.target_audience:
        return [
            _empty(
                "audience",
                "Engagement from your target audience",
                "Set [goal] target_audience in rapport.toml to measure this.",
            )
        ]
    weekly = s.frame(series.audience_weekly(s.tables, s.context))
    if weekly.empty:
        return [
            _empty(
                "audience",
                "Engagement from your target audience",
                "Nobody who engaged has a bio to compare with your target audience.",
            )
        ]
    return [
        Figure(
            "audience",
            "Engagement from your target audience",
            charts.stacked_weekly(
                weekly,
                columns={"relevant": "fits your audience", "other": "other people"},
                colours=["#2f7d5b", "#c9c9c9"],
                title="Engagements each week, by whether the person fits your target audience",
                y_title="Engagements",
            ),
            ["Week", "Fits your audience", "Other people"],
            _rows(weekly[["week", "relevant", "other"]], {"relevant": _int, "other": _int}),
            note=f"Target audience: {s.config.goal.target_audience}",
        )
    ]


def conversions_figures(s: Session) -> list[Figure]:
    posts = s.frame(get_table("posts").build(s.tables, s.context))
    if posts.empty or int(posts["conversions"].sum()) == 0:
        return [
            _empty(
                "value",
                "Value beside vanity, per post",
                "No conversions attributed to posts: import conversions (GA4, Shopify "
                "or CSV) and tag links with rapport utm.",
            )
        ]
    posts["day"] = pd.to_datetime(posts["created_at"]).dt.strftime("%Y-%m-%d")
    posts["kind"] = posts["kind"].fillna("unknown")
    top = posts.sort_values(["conversions", "likes"], ascending=False).head(15)
    return [
        Figure(
            "value",
            "Value beside vanity, per post",
            charts.value_vanity_scatter(posts[["day", "kind", "likes", "conversions", "value"]]),
            ["Posted", "Kind", "Likes", "Reach", "Conversions", "Value"],
            _rows(
                top[["day", "kind", "likes", "reach", "conversions", "value"]],
                {"likes": _int, "reach": _int, "conversions": _int, "value": _num},
            ),
            note="The table lists the 15 posts that brought the most conversions.",
        )
    ]


def sentiment_figures(s: Session) -> list[Figure]:
    if s.tables.interaction_text is None:
        return [_empty("mood", "How people feel", "Needs replies with text.")]
    frame = s.frame(series.sentiment_weekly(s.tables, s.context))
    if frame.empty:
        return [_empty("mood", "How people feel", "Needs replies with text.")]
    wide = frame.pivot_table(
        index="week", columns="sentiment_label", values="replies", aggfunc="sum", fill_value=0
    ).reset_index()
    labels = [k for k in ("positive", "neutral", "negative") if k in wide.columns]
    return [
        Figure(
            "mood",
            "How people feel when they write to you",
            charts.stacked_weekly(
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
            _rows(wide[["week", *labels]], {k: _int for k in labels}),
        )
    ]


def timing_figures(s: Session) -> list[Figure]:
    if not _rated(s):
        return [_empty("hours", "When to post", _NOT_RATED)]
    figures = []
    for slot, title in (("hour", "By hour of posting (UTC)"), ("weekday", "By weekday")):
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
                charts.interval_bars(
                    frame,
                    category="label",
                    title=f"Mean engagement rate {title.lower()}, with 95 % intervals",
                    y_title="Mean engagement rate",
                    sort=labels,
                ),
                ["When", "Posts", "Mean rate", "95 % interval"],
                [
                    [lab, _int(n), _pct(m), f"{_pct(lo)} to {_pct(hi)}"]
                    for lab, n, m, lo, hi in frame[
                        ["label", "n", "mean", "low", "high"]
                    ].itertuples(index=False)
                ],
            )
        )
    return figures or [_empty("hours", "When to post", _NOT_RATED)]


FIGURES: dict[str, Callable[[Session], list[Figure]]] = {
    "engagement": engagement_figures,
    "community": community_figures,
    "retention": retention_figures,
    "reciprocity": reciprocity_figures,
    "promotion": promotion_figures,
    "consistency": consistency_figures,
    "content": content_figures,
    "audience": audience_figures,
    "conversions": conversions_figures,
    "sentiment": sentiment_figures,
    "timing": timing_figures,
}
