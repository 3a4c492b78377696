"""The canonical tables as Ibis table expressions: what every metric receives.

A metric function never opens a connection; it takes a :class:`Tables` and returns an Ibis
expression, so the same definition runs on DuckDB (the store), on PySpark, and compiles on
unbound tables for golden SQL files. Besides the seven canonical tables, a store holds the
text-derived features computed at import (``post_text``, ``interaction_text``, ``relevance``);
where a backend lacks them they are None and the metrics that need them say so.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from rapport.canonical.schema import TABLE_ORDER, arrow_schema

__all__ = ["FEATURE_SCHEMAS", "Tables"]

FEATURE_SCHEMAS: dict[str, pa.Schema] = {
    "post_text": pa.schema([
        ("post_id", pa.string()), ("text_hash", pa.string()), ("content_kind", pa.string()),
        ("content_kind_source", pa.string()), ("content_kind_confidence", pa.float64()),
    ]),
    "interaction_text": pa.schema([
        ("interaction_id", pa.string()), ("text_hash", pa.string()), ("sentiment", pa.float64()),
        ("sentiment_label", pa.string()), ("is_question", pa.bool_()),
    ]),
    "relevance": pa.schema([
        ("subject", pa.string()), ("key", pa.string()), ("text_hash", pa.string()),
        ("audience_hash", pa.string()), ("relevance", pa.float64()), ("relevant", pa.bool_()),
    ]),
}  # fmt: skip


@dataclass(frozen=True)
class Tables:
    accounts: ir.Table
    people: ir.Table
    posts: ir.Table
    interactions: ir.Table
    post_stats: ir.Table
    follower_counts: ir.Table
    conversions: ir.Table
    post_text: ir.Table | None = None
    interaction_text: ir.Table | None = None
    relevance: ir.Table | None = None

    def names(self) -> dict[str, str | None]:
        """Each table's name in its backend (None for a feature table it lacks): what a
        query compiled from these tables reads."""
        return {
            field.name: None if (table := getattr(self, field.name)) is None else table.get_name()
            for field in fields(self)
        }

    @classmethod
    def from_backend(cls, backend: Any) -> Tables:
        """The tables of a connected Ibis backend (feature tables where it has them)."""
        features = {}
        for name in FEATURE_SCHEMAS:
            try:
                features[name] = backend.table(name)
            except Exception:  # any backend's "no such table"
                continue
        return cls(**{name: backend.table(name) for name in TABLE_ORDER}, **features)

    @classmethod
    def unbound(cls) -> Tables:
        """Tables bound to no backend, for compiling expressions to SQL."""
        schemas = {name: arrow_schema(name) for name in TABLE_ORDER} | FEATURE_SCHEMAS
        return cls(
            **{
                name: ibis.table(ibis.Schema.from_pyarrow(schema), name=name)
                for name, schema in schemas.items()
            }
        )
