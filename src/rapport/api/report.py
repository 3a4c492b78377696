"""The offline HTML report."""

from __future__ import annotations

from rapport.report.build import Rendered, Report, render_report, write_report

__all__ = ["Rendered", "Report", "render_report", "write_report"]
