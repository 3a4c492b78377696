"""Build the self-contained HTML report: metrics and series in, one offline file out."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from rapport import __version__
from rapport.config import Config
from rapport.metrics.run import MetricResult, build_context, run_metrics
from rapport.metrics.spec import Context
from rapport.report import charts, series
from rapport.report.assets import vega_bundle
from rapport.report.text import format_interval, format_value, section_findings
from rapport.tables import Tables
from rapport.workspace import Workspace

__all__ = ["Report", "render_report", "write_report"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Report:
    path: Path
    metrics: list[MetricResult]
    charts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "charts": self.charts,
            "metrics": [m.to_dict() for m in self.metrics],
        }


@dataclass(frozen=True)
class Figure:
    """A chart with the table of numbers beside it (or a note when there is nothing to draw)."""

    id: str
    title: str
    spec: dict[str, Any] | None
    columns: list[str]
    rows: list[list[str]]
    note: str = ""

    @property
    def spec_json(self) -> str:
        # JSON inside <script>: "<", ">" and "&" are escaped so that no text coming from a
        # platform (a post, a bio) can close the element or open a comment.
        text = json.dumps(self.spec, ensure_ascii=False, sort_keys=True)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _frame(backend: Any, expr: Any) -> pd.DataFrame:
    frame = backend.execute(expr)
    return frame if isinstance(frame, pd.DataFrame) else pd.DataFrame(frame)


def _iso_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "week" in frame:
        frame["week"] = pd.to_datetime(frame["week"]).dt.strftime("%Y-%m-%d")
    return frame


def _rows(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]]) -> list[list[str]]:
    out = []
    for record in frame.to_dict("records"):
        out.append([formats.get(str(k), str)(v) for k, v in record.items()])
    return out


def _pct(value: Any) -> str:
    return "" if pd.isna(value) else f"{float(value):.2%}"


def _int(value: Any) -> str:
    return "" if pd.isna(value) else f"{int(value):,}"


def _figures(backend: Any, t: Tables, c: Context, config: Config) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    people = _iso_weeks(_frame(backend, series.people_weekly(t, c)))
    if len(people):
        figures["people"] = Figure(
            "people",
            "People who engaged each week",
            charts.people_chart(people),
            ["Week", "First time", "Came back"],
            _rows(people[["week", "new", "returning"]], {"new": _int, "returning": _int}),
        )
    else:
        figures["people"] = Figure(
            "people",
            "People who engaged each week",
            None,
            [],
            [],
            "No individual interactions in the data, so nobody can be followed from week to week.",
        )
    followers = _iso_weeks(_frame(backend, series.followers_weekly(t, c)))
    if len(followers):
        figures["followers"] = Figure(
            "followers",
            "Followers",
            charts.followers_chart(followers),
            ["Week", "Followers"],
            _rows(followers, {"followers": _int}),
        )
    posts = _iso_weeks(_frame(backend, series.posts_weekly(t, c)))
    if len(posts):
        wide = posts.pivot_table(
            index="week", columns="kind", values="posts", aggfunc="sum", fill_value=0
        ).reset_index()
        kinds = [k for k in charts.KIND_COLOURS if k in wide.columns]
        wide["total"] = wide[kinds].sum(axis=1)
        figures["posts"] = Figure(
            "posts",
            "Original posts per week",
            charts.posts_chart(posts, target_per_week=config.targets.posts_per_week),
            ["Week", "Total", *[k.replace("_", " ") for k in kinds]],
            _rows(wide[["week", "total", *kinds]], {k: _int for k in [*kinds, "total"]}),
        )
    else:
        figures["posts"] = Figure(
            "posts",
            "Original posts per week",
            None,
            [],
            [],
            "No original posts by your own accounts in the data.",
        )
    weekly, denominator = series.engagement_weekly(t, c)
    sources = {"post_stats.likes", "interactions.engagement"} & set(c.settings.get("facts", ()))
    engagement = _iso_weeks(_frame(backend, weekly)) if sources else pd.DataFrame()
    if len(engagement):
        figures["engagement"] = Figure(
            "engagement",
            "Engagement per post over time",
            charts.engagement_chart(engagement, denominator=denominator),
            ["Week", "Posts", "Median engagement rate", "Engagements"],
            _rows(
                engagement[["week", "posts", "median_rate", "engagements"]],
                {"posts": _int, "median_rate": _pct, "engagements": _int},
            ),
            note=f"Denominator: {denominator}.",
        )
    else:
        figures["engagement"] = Figure(
            "engagement",
            "Engagement per post over time",
            None,
            [],
            [],
            "Not computable: needs engagement counts per post and a denominator (reach, "
            "impressions or follower counts).",
        )
    return figures


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rapport", "report/templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = format_value
    env.filters["interval"] = format_interval
    return env


def render_report(
    backend: Any,
    *,
    config: Config,
    title: str,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    generated_at: dt.datetime | None = None,
    store_facts: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> tuple[str, list[MetricResult], int]:
    """The report's HTML, the metric results it shows, and how many charts it holds."""
    if progress:
        progress("metrics")
    context = build_context(backend, since=since, until=until, settings={"config": config})
    results = run_metrics(backend, context=context)
    by_id = {r.id: r for r in results}
    if progress:
        progress("charts")
    figures = _figures(backend, Tables.from_backend(backend), context, config)
    if progress:
        progress("page")
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    page = (
        _environment()
        .get_template("report.html.jinja2")
        .render(
            title=title,
            config=config,
            generated_at=moment.strftime("%Y-%m-%d %H:%M UTC"),
            since=since.date().isoformat() if since else None,
            until=until.date().isoformat() if until else None,
            version=__version__,
            m=by_id,
            results=results,
            figures=figures,
            findings=section_findings(by_id, config),
            store=store_facts or {},
            vega_bundle=vega_bundle(),
        )
    )
    return page, results, sum(1 for f in figures.values() if f.spec is not None)


def write_report(
    *,
    workspace: Workspace,
    out: Path | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    generated_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    """Write the workspace's report (default: report.html in the workspace)."""
    config = workspace.config()
    target = out or workspace.root / "report.html"
    with workspace.open_store(create=False) as store:
        accounts = store.connection.execute(
            "SELECT handle FROM accounts WHERE role = 'own' ORDER BY handle"
        ).fetchall()
        title = ", ".join(f"@{a[0]}" for a in accounts) or workspace.root.resolve().name
        facts = {
            "rows": store.row_counts(),
            "quarantined": store.quarantine_count(),
            "imports": store.recent_imports(limit=5),
            "demo": store.meta("demo") == "true",
        }
        page, results, count = render_report(
            store.ibis,
            config=config,
            title=title,
            since=since,
            until=until,
            generated_at=generated_at,
            store_facts=facts,
            progress=progress,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.replace(target)
    return Report(target, results, count)
