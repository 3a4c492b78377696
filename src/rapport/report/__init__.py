"""The self-contained offline HTML report."""

from rapport.report.build import Report, render_report, write_report

__all__ = ["Report", "render_report", "write_report"]
