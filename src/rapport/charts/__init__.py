"""Charts below every layer that draws: :mod:`rapport.charts.figure` (a figure and the table
beside it) and :mod:`rapport.charts.specs` (Altair charts as Vega-Lite specs). The metric
areas build their figures with them; the report and the web workplace render them."""

from rapport.charts.figure import NOT_RATED, Cell, Figure, Link, empty, rows

__all__ = ["NOT_RATED", "Cell", "Figure", "Link", "empty", "rows"]
