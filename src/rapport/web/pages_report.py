"""The report's sections as pages: each metric area and each part of ``rapport report`` with
its charts and its tables, at ``/w/{workspace}/sections/{section}``.

A page shows the report's own section objects (:mod:`rapport.report.sections`), drawn by the
report's own template macros: the same numbers, intervals, denominators, charts and tables
as the downloaded report, and nothing computed here. Charts are SVG drawn on the server and
placed inline (the Content-Security-Policy allows no script, and none is needed).

Through :meth:`~rapport.web.served.Served.cached`, the metric areas are computed together
(one run of the metrics, as the report runs them) once per change of the data, and each part
on its own, once per change and per day (the strategy's care list and plan start from
today); while a writer runs, a page is answered from what the server had.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from rapport.errors import RapportError
from rapport.report.sections import (
    PARTS,
    AreaSection,
    Section,
    SectionLink,
    area_sections,
    part,
    render_section,
    section_index,
)
from rapport.session import Session
from rapport.web.guard import access, member, served_of
from rapport.web.render import render

__all__ = ["SectionPage", "register", "section_page"]

_INDEX = "sections:index"
_PART_IDS = frozenset(p.id for p in PARTS)


@dataclass(frozen=True)
class SectionPage:
    """One section of the report as its page shows it: the section, its body as the report
    draws it, and every section (to move between them)."""

    section: Section
    body: Markup
    index: tuple[SectionLink, ...]
    arriving: bool
    """True when the page predates the data's last change (new data is arriving)."""


def _kind(section_id: str) -> str:
    """The cache entry a section is kept in: the areas together, each part on its own and
    per day (the strategy's care list and plan start from today)."""
    if section_id not in _PART_IDS:
        return "sections:areas"
    return f"section:{section_id}:{dt.datetime.now(dt.UTC).date().isoformat()}"


def _index(s: Session) -> tuple[SectionLink, ...]:
    return tuple(section_index(s.config))


def _areas(s: Session) -> tuple[AreaSection, ...]:
    return tuple(area_sections(s))


def section_page(request: Request, workspace: str, section_id: str) -> SectionPage:
    """The page of ``section_id`` in ``workspace`` (404 when the report has no such
    section); a RapportError when the workspace's data can't make it."""
    served = served_of(request)
    index = served.cached(workspace, _INDEX, _index)
    if section_id not in {link.id for link in index}:
        raise HTTPException(404, "the report has no such section")
    kind = _kind(section_id)
    if section_id in _PART_IDS:
        shown: Section = served.cached(workspace, kind, lambda s: part(s, section_id))
    else:
        found = [a for a in served.cached(workspace, kind, _areas) if a.id == section_id]
        if not found:
            raise HTTPException(404, "the report has no such section")
        shown = found[0]
    return SectionPage(shown, render_section(shown), index, served.stale(workspace, kind))


def register(app: FastAPI) -> None:
    """Add the section pages to ``app``."""

    @app.get(
        "/w/{workspace}/sections/{section}",
        response_class=HTMLResponse,
        openapi_extra=access("read"),
    )
    def report_section(request: Request, workspace: str, section: str) -> Response:
        who = member(request, workspace)
        try:
            page = section_page(request, workspace, section)
        except RapportError as error:
            return render(request, "empty.html.jinja2", member=who, message=str(error))
        return render(request, "report_section.html.jinja2", member=who, page=page)
