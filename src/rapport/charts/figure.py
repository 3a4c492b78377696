"""What a chart is in rapport: a figure (a Vega-Lite spec with the table of numbers beside
it), the cells of that table, and the formats its numbers are written in."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias
from urllib.parse import urlsplit

import pandas as pd

__all__ = [
    "NOT_RATED",
    "Cell",
    "Figure",
    "Link",
    "decimal",
    "empty",
    "integer",
    "percent",
    "rows",
    "text",
]


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
    order: str = ""
    """How the table's rows are sorted, for its caption ("most conversions first"); a
    weekly series beside a chart is "newest first" without saying."""

    @property
    def shown_rows(self) -> list[list[Cell]]:
        """The rows in the order the table shows them (a weekly series newest first)."""
        return list(reversed(self.rows)) if self.reversed else list(self.rows)

    @property
    def reversed(self) -> bool:
        return self.spec is not None and self.newest_first and not self.order

    @property
    def sorted_by(self) -> str:
        """The caption's words for the rows' order ("" when the figure doesn't say)."""
        return "newest first" if self.reversed else self.order

    @property
    def spec_json(self) -> str:
        # JSON inside <script>: "<", ">" and "&" are escaped so that no text coming from a
        # platform (a post, a bio) can close the element or open a comment.
        text = json.dumps(self.spec, ensure_ascii=False, sort_keys=True)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


NOT_RATED = (
    "Not computable: needs engagement counts per post and a denominator (reach, "
    "impressions or follower counts)."
)
"""The note of a figure about engagement rates when the data has none."""


def empty(figure_id: str, title: str, note: str) -> Figure:
    """A figure with nothing to draw, and the note that says why."""
    return Figure(figure_id, title, None, [], [], note)


def rows(frame: pd.DataFrame, formats: Mapping[str, Callable[[Any], str]]) -> list[list[Cell]]:
    """A frame's rows as table cells, each column written by its format (text by default)."""
    return [[formats.get(str(k), text)(v) for k, v in record.items()]
            for record in frame.to_dict("records")]  # fmt: skip


def text(value: Any) -> str:
    if value is None or (not isinstance(value, str | list) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def percent(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.2%}"


def integer(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{int(value):,}"


def decimal(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.2f}"
