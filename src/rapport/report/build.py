"""Build the self-contained HTML report: metrics, findings and charts in, one offline file out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rapport._version import __version__
from rapport.analyses.coverage import COLUMNS, coverage, explain, gaps, short_reason
from rapport.errors import UsageError
from rapport.metrics.findings import Finding, findings
from rapport.metrics.run import MetricResult, run_metrics
from rapport.report.blocks import Block, Part
from rapport.report.sections import TOP_FINDINGS, area_sections, environment, section_order
from rapport.report.strategy import strategy
from rapport.report.this_week import this_week
from rapport.report.virality import virality_part

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["Rendered", "Report", "render_report", "section_order", "write_report"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Report:
    """A written report: where it is, its metrics, findings and charts, and its blocks."""

    path: Path
    metrics: list[MetricResult]
    findings: list[Finding]
    charts: int
    blocks: list[Block] = field(default_factory=list)
    """The blocks of the strategy and virality sections, each shown or with its reason."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "report": str(self.path),
            "charts": self.charts,
            "findings": [f.to_dict() for f in self.findings],
            "metrics": [m.to_dict() for m in self.metrics],
            "blocks": [b.to_dict() for b in self.blocks],
        }


@dataclass(frozen=True)
class Rendered:
    """The report's HTML and what it holds."""

    page: str
    metrics: list[MetricResult]
    findings: list[Finding]
    charts: int
    parts: list[Part]


def _store_facts(session: Session) -> dict[str, Any]:
    store = session.store
    return {
        "rows": store.row_counts(),
        "quarantined": store.quarantine_count(),
        "imports": store.recent_imports(limit=5),
        "demo": store.meta("demo") == "true",
    }


def _title(session: Session) -> str:
    handles = [f"@{a.handle}" for a in sorted(session.store.own_accounts(), key=lambda a: a.handle)]
    if handles:
        return ", ".join(handles)
    return session.workspace.root.resolve().name if session.workspace else "rapport"


def render_report(
    session: Session,
    *,
    title: str | None = None,
    generated_at: dt.datetime | None = None,
    store_facts: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
) -> Rendered:
    """The report's HTML with its metric results, findings, chart count and parts.

    ``title`` defaults to the own accounts' handles; ``store_facts`` (rows per table,
    quarantined records, recent imports) to what the session's store holds.
    """
    if progress:
        progress("metrics")
    config = session.config
    since, until = session.since, session.until
    moment = (generated_at or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    today = generated_at.astimezone(dt.UTC) if generated_at is not None else None
    results = run_metrics(session)
    if progress:
        progress("charts")
    sections = area_sections(session, results=results)
    shown = strategy(session, today=today)
    parts = [shown.part, virality_part(session)]
    ranked = findings(results, config)
    week = this_week(shown)
    covered = coverage(session)
    missing = gaps(results, covered)
    explanations = {r.id: explain(r, covered) for r in results if not r.ok}
    short_reasons = {r.id: short_reason(r) for r in results if not r.ok}
    methods = [(b.title, list(b.methods)) for part in parts for b in part.blocks if b.methods]
    count = sum(s.charts for s in sections) + sum(part.charts for part in parts)
    if progress:
        progress("page")
    page = (
        environment()
        .get_template("report.html.jinja2")
        .render(
            title=title if title is not None else _title(session),
            config=config,
            generated_at=session.zone.local(moment).strftime("%Y-%m-%d %H:%M %Z"),
            zone=session.zone.describe(),
            since=since.date().isoformat() if since else None,
            until=until.date().isoformat() if until else None,
            version=__version__,
            m={r.id: r for r in results},
            results=results,
            sections=sections,
            findings=ranked[:TOP_FINDINGS],
            parts=parts,
            store=dict(store_facts) if store_facts is not None else _store_facts(session),
            week=week,
            coverage=covered,
            coverage_kinds=COLUMNS,
            gaps=missing,
            explanations=explanations,
            short_reasons=short_reasons,
            methods=methods,
            charts=count,
        )
    )
    return Rendered(page, results, ranked, count, parts)


def write_report(
    session: Session,
    *,
    out: Path | None = None,
    generated_at: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Report:
    """Write the session's report (default: report.html in the workspace) and say what it
    holds."""
    if out is None:
        if session.workspace is None:
            raise UsageError("give the report's path: this session has no workspace folder")
        out = session.workspace.root / "report.html"
    rendered = render_report(session, generated_at=generated_at, progress=progress)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(rendered.page, encoding="utf-8")
    temporary.replace(out)
    blocks = [block for part in rendered.parts for block in part.blocks]
    return Report(out, rendered.metrics, rendered.findings, rendered.charts, blocks)
