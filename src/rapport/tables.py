"""The canonical tables as Ibis table expressions: what every metric receives.

A metric function never opens a connection; it takes a :class:`Tables` and returns an Ibis
expression, so the same definition runs on DuckDB (the store), on PySpark, and compiles on
unbound tables for golden SQL files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir

from rapport.canonical.schema import TABLE_ORDER, arrow_schema

__all__ = ["Tables"]


@dataclass(frozen=True)
class Tables:
    accounts: ir.Table
    people: ir.Table
    posts: ir.Table
    interactions: ir.Table
    post_stats: ir.Table
    follower_counts: ir.Table
    conversions: ir.Table

    @classmethod
    def from_backend(cls, backend: Any) -> Tables:
        """The tables of a connected Ibis backend that holds the canonical tables."""
        return cls(**{name: backend.table(name) for name in TABLE_ORDER})

    @classmethod
    def unbound(cls) -> Tables:
        """Tables bound to no backend, for compiling expressions to SQL."""
        return cls(
            **{
                name: ibis.table(ibis.Schema.from_pyarrow(arrow_schema(name)), name=name)
                for name in TABLE_ORDER
            }
        )
