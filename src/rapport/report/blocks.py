"""The report's parts beyond the metric areas (strategy, virality reality), built block by block.

Each block is computed by one function; a block whose data can't support it carries the reason
instead of its content (``not computable``, or what to run first), so one block never breaks
the report. Only :class:`~rapport.errors.RapportError` becomes such a reason: any other
exception is a bug and surfaces.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapport.charts.figure import Figure
from rapport.errors import RapportError

__all__ = [
    "Block",
    "Part",
    "count",
    "guarded",
    "number",
    "pct",
    "unavailable",
]


@dataclass(frozen=True)
class Block:
    """One block of a part: lines of text, figures (charts and tables) and notes, or, when
    ``reason`` is set, why it can't be shown (everything else is then empty)."""

    id: str
    title: str
    lines: Sequence[str] = ()
    figures: Sequence[Figure] = ()
    notes: Sequence[str] = ()
    reason: str | None = None
    methods: Sequence[str] = ()
    """How the numbers were made (model and method names): shown in the report's
    "How these numbers are made" appendix, not in the block."""

    @property
    def status(self) -> str:
        return "ok" if self.reason is None else "not_computable"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "reason": self.reason}


@dataclass(frozen=True)
class Part:
    """A section of the report made of blocks, after the metric areas."""

    id: str
    title: str
    principle: str
    blocks: Sequence[Block]
    lines: Sequence[str] = field(default=())

    @property
    def charts(self) -> int:
        return sum(1 for b in self.blocks for f in b.figures if f.spec is not None)


def unavailable(block_id: str, title: str, reason: str) -> Block:
    return Block(block_id, title, reason=reason)


def guarded(block_id: str, title: str, build: Callable[[], Block]) -> Block:
    """``build()``, or the block saying why not when rapport refuses (a RapportError)."""
    try:
        return build()
    except RapportError as error:
        return unavailable(block_id, title, f"not computable: {error}")


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def pct(value: Any, digits: int = 0) -> str:
    """0.1234 → '12%'; below 1 % with more digits; '' when unknown."""
    if not _finite(value):
        return ""
    if value != 0 and abs(value) < 0.01:
        return f"{value:.2%}"
    return f"{value:.{digits}%}"


def count(value: Any) -> str:
    return f"{round(value):,}" if _finite(value) else ""


def number(value: Any, digits: int = 1) -> str:
    return f"{value:,.{digits}f}" if _finite(value) else ""
