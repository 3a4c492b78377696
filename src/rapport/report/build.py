"""Build the self-contained HTML report: metrics, findings and charts in, one offline file out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from rapport import __version__
from rapport.config import Config
from rapport.metrics.findings import OBJECTIVE_WEIGHTS, Finding, findings
from rapport.metrics.run import MetricResult, build_context, run_metrics
from rapport.metrics.spec import AREAS
from rapport.report.assets import vega_bundle
from rapport.report.figures import FIGURES, Figure, Sources
from rapport.report.text import format_interval, format_value
from rapport.tables import Tables
from rapport.workspace import Workspace

__all__ = ["SECTIONS", "Report", "Section", "render_report", "write_report"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Section:
    area: str
    title: str
    principle: str


SECTIONS: dict[str, Section] = {s.area: s for s in (
    Section("engagement", "Engagement",
            "Engagement per person who saw a post says whether content resonates, whatever "
            "the audience size."),
    Section("community", "Your core community",
            "Start with one person: take care of the first 50 to 100 people who care."),
    Section("retention", "Retention", "Trust shows up as people coming back month after month."),
    Section("reciprocity", "Answering people", "Social media is about being social: ask, and "
            "answer."),
    Section("promotion", "Promotions and their cost",
            "Don't clog your followers' feeds with promotions."),
    Section("consistency", "Posting consistency",
            "A few posts a week, every week: accounts rarely die loudly, they go quiet."),
    Section("content", "What content works",
            "Find what your audience responds to; useful resources keep working."),
    Section("audience", "The right audience", "The right audience beats a big audience."),
    Section("conversions", "From attention to customers",
            "Conversions, not hits: put value next to vanity for every post."),
    Section("sentiment", "How people feel", "The texture of the relationship."),
    Section("timing", "When to post",
            "Post when your people are there, but trust only differences the data shows."),
)}  # fmt: skip


@dataclass(frozen=True)
class Report:
    path: Path
    metrics: list[MetricResult]
    findings: list[Finding]
    charts: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "charts": self.charts,
            "findings": [f.to_dict() for f in self.findings],
            "metrics": [m.to_dict() for m in self.metrics],
        }


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


def section_order(config: Config) -> list[str]:
    """Areas ordered by how much they matter for the objective (the goal comes first)."""
    weights = OBJECTIVE_WEIGHTS.get(config.goal.objective, {})
    return sorted(AREAS, key=lambda area: (-weights.get(area, 0.6), AREAS.index(area)))


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
) -> tuple[str, list[MetricResult], list[Finding], int]:
    """The report's HTML, its metric results and findings, and how many charts it holds."""
    if progress:
        progress("metrics")
    context = build_context(backend, since=since, until=until, settings={"config": config})
    sources = Sources(backend, Tables.from_backend(backend), context, config)
    try:
        results = run_metrics(backend, context=context)
        if progress:
            progress("charts")
        figures: dict[str, list[Figure]] = {area: FIGURES[area](sources) for area in AREAS}
    finally:
        context.release()
    ranked = findings(results, config)
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
            m={r.id: r for r in results},
            results=results,
            sections=[SECTIONS[area] for area in section_order(config)],
            area_results={area: [r for r in results if r.area == area] for area in AREAS},
            figures=figures,
            findings=ranked,
            area_findings={area: [f for f in ranked if f.area == area] for area in AREAS},
            store=store_facts or {},
            vega_bundle=vega_bundle(),
        )
    )
    count = sum(1 for group in figures.values() for f in group if f.spec is not None)
    return page, results, ranked, count


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
        store.refresh_relevance(config.goal.target_audience)
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
        page, results, ranked, count = render_report(
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
    return Report(target, results, ranked, count)
