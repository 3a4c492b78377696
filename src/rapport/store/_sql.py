"""Small helpers over the raw DuckDB connection."""

from __future__ import annotations

from typing import Any

import duckdb


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The single value a query returns (None for no row).

    DuckDB 2 keeps a result open until it is fully fetched, and refuses other work on the
    connection meanwhile, so this always fetches everything.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(scalar(con, f"SELECT count(*) FROM {relation}") or 0)
