"""The report's sections after its overview, as objects both front doors show.

A section is a metric area (:class:`AreaSection`: its computable metrics, the findings the
overview does not rank, and its figures) or a part built block by block
(:class:`~rapport.report.blocks.Part`: the strategy, virality reality). The offline report
and the web workplace's section pages build them with the functions here and draw them with
the same template macros (``templates/sections.html.jinja2``), so a section page prints the
report's numbers, intervals, denominators, charts and tables, not a copy of them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import jinja2
from markupsafe import Markup

from rapport.charts.figure import Figure, Link
from rapport.charts.render import svg
from rapport.config import Config
from rapport.errors import UsageError
from rapport.metrics.findings import Finding, findings
from rapport.metrics.run import MetricResult, run_metrics
from rapport.metrics.spec import Area, areas
from rapport.report.blocks import Part
from rapport.report.formatting import format_interval, format_value
from rapport.report.strategy import TITLE as STRATEGY
from rapport.report.strategy import strategy
from rapport.report.virality import TITLE as VIRALITY
from rapport.report.virality import virality_part

if TYPE_CHECKING:
    import datetime as dt

    from rapport.session import Session

__all__ = [
    "PARTS",
    "TOP_FINDINGS",
    "AreaSection",
    "Section",
    "SectionLink",
    "area_sections",
    "environment",
    "part",
    "render_section",
    "section_index",
    "section_order",
]

TOP_FINDINGS = 8
"""The findings the overview ranks; the others are shown in their areas."""


@dataclass(frozen=True)
class AreaSection:
    """A metric area as the report shows it."""

    id: str
    title: str
    principle: str
    results: tuple[MetricResult, ...]
    """The area's metrics that could be computed (the others are in the report's list of
    every metric, with their reasons)."""
    findings: tuple[Finding, ...]
    """The area's findings that the overview does not rank already (a finding is printed
    once)."""
    figures: tuple[Figure, ...]

    @property
    def empty(self) -> bool:
        """Nothing to show: no metric could be computed and no chart drawn."""
        return not self.results and not any(f.spec is not None for f in self.figures)

    @property
    def charts(self) -> int:
        return sum(1 for f in self.figures if f.spec is not None)


Section: TypeAlias = AreaSection | Part
"""One section of the report: a metric area or a part."""


@dataclass(frozen=True)
class SectionLink:
    """A section in the report's table of contents: its id and title."""

    id: str
    title: str


PARTS: tuple[SectionLink, ...] = (
    SectionLink("strategy", STRATEGY),
    SectionLink("virality", VIRALITY),
)
"""The parts after the metric areas, in the report's order."""


def section_order(config: Config) -> list[Area]:
    """Areas ordered by how much they matter for the objective (the goal comes first)."""
    objective = config.goal.objective
    return sorted(areas(), key=lambda a: (-a.weight(objective), a.position))


def section_index(config: Config) -> list[SectionLink]:
    """Every section after the overview, in the report's order: the areas, then the parts."""
    return [SectionLink(a.id, a.title) for a in section_order(config)] + list(PARTS)


def area_sections(
    session: Session, *, results: Sequence[MetricResult] | None = None
) -> list[AreaSection]:
    """The metric areas' sections in the report's order, from ``results`` (default: the
    metrics run on the session, as ``rapport metrics`` runs them)."""
    found = list(results) if results is not None else run_metrics(session)
    rest = findings(found, session.config)[TOP_FINDINGS:]
    return [
        AreaSection(
            a.id,
            a.title,
            a.principle,
            tuple(r for r in found if r.area == a.id and r.ok),
            tuple(f for f in rest if f.area == a.id),
            tuple(a.figures(session) if a.figures else ()),
        )
        for a in section_order(session.config)
    ]


def part(session: Session, part_id: str, *, today: dt.datetime | None = None) -> Part:
    """The part called ``part_id`` (``strategy`` or ``virality``), built as the report builds
    it; ``today`` (default: now) is the strategy's day (its care list and plan)."""
    if part_id == "strategy":
        return strategy(session, today=today).part
    if part_id == "virality":
        return virality_part(session)
    raise UsageError(f"no part {part_id!r} in the report: {', '.join(p.id for p in PARTS)}")


@functools.cache
def environment() -> jinja2.Environment:
    """The report's templates, with their filters (autoescape on every template)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("rapport", "report/templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["value"] = format_value
    env.filters["interval"] = format_interval
    env.filters["svg"] = svg
    env.tests["link"] = lambda cell: isinstance(cell, Link)
    return env


def render_section(section: Section) -> Markup:
    """The section's body (without its heading) as the report prints it: the principle, the
    metric cards, findings, charts (inline SVG) and tables, or the blocks of a part."""
    page = environment().get_template("section.html.jinja2")
    shown = page.render(
        section=section, is_part=isinstance(section, Part), gaps=(), short_reasons={}
    )
    return Markup(shown)  # rendered with autoescape: the text in it is escaped
