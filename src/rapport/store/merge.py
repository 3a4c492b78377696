"""Upserts on natural keys, written as DuckDB SQL over a registered Arrow table.

Rules (the canonical format's, plus two decisions recorded in the README's design notes):

* Entity tables (accounts, people, posts, interactions, conversions): a new key is inserted;
  for a known key, a new *known* value replaces the stored one and an unknown (null) value
  never erases a known one; ``first_seen_at`` keeps the earliest time. A row that changes
  nothing is counted as unchanged and not touched.
* History tables (post_stats, follower_counts): a new ``observed_at`` is a new row; an
  observation identical to the one just before it is not added again; re-sending a known
  observation fills in what it lacked.
* Rows of one batch with the same key: the last one wins (split archives repeat records).
* Rows the source can't identify with certainty (a *family*, ``Batch.families``) never
  change a stored row unless the match is certain: see :func:`withhold_uncertain`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from rapport.canonical.schema import TableSpec
from rapport.store._sql import count, scalar

__all__ = [
    "MergeCounts",
    "dedupe_incoming",
    "drop_repeated_observations",
    "merge_incoming",
    "withhold_uncertain",
]


@dataclass(frozen=True)
class MergeCounts:
    added: int
    updated: int
    unchanged: int


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dedupe_incoming(con: duckdb.DuckDBPyConnection, spec: TableSpec, view: str) -> int:
    """Keep the last row per key of ``view`` in the temp table ``<view>_dedup``; return rows
    dropped. Without repeated keys ``view`` itself becomes ``<view>_dedup``."""
    keys = ", ".join(_q(k) for k in spec.key)
    before = _count(con, view)
    distinct = int(scalar(con, f"SELECT count(*) FROM (SELECT DISTINCT {keys} FROM {view})"))
    if distinct == before:  # nothing to merge: rename, rather than copy every text once more
        con.execute(f"ALTER TABLE {view} DROP COLUMN _row")
        con.execute(f"ALTER TABLE {view} RENAME TO {view}_dedup")
        return 0
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {view}_dedup AS
        SELECT * EXCLUDE (_row, _rank) FROM (
            SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY _row DESC) AS _rank
            FROM {view}
        ) WHERE _rank = 1
    """)
    return before - _count(con, f"{view}_dedup")


def drop_repeated_observations(con: duckdb.DuckDBPyConnection, spec: TableSpec, view: str) -> int:
    """Remove new observations identical to the one before them; return how many."""
    series, moment = spec.key
    values = [c for c in spec.value_columns]
    cols = ", ".join(_q(c) for c in (series, moment, *values))
    key_match = f"s.{_q(series)} = t.{_q(series)} AND s.{_q(moment)} = t.{_q(moment)}"
    changed = " OR ".join(f"{_q(c)} IS DISTINCT FROM lag({_q(c)}) OVER w" for c in values)
    before = _count(con, view)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE {view}_kept AS
        WITH existing_keys AS (
            SELECT s.* FROM {view} s
            WHERE EXISTS (SELECT 1 FROM {_q(spec.name)} t WHERE {key_match})
        ),
        fresh AS (
            SELECT s.* FROM {view} s
            WHERE NOT EXISTS (SELECT 1 FROM {_q(spec.name)} t WHERE {key_match})
        ),
        combined AS (
            SELECT {cols}, NULL::VARCHAR AS _locator, false AS _new FROM {_q(spec.name)}
            WHERE {_q(series)} IN (SELECT {_q(series)} FROM fresh)
            UNION ALL
            SELECT {cols}, _locator, true AS _new FROM fresh
        ),
        judged AS (
            SELECT *, (row_number() OVER w = 1 OR {changed}) AS _differs FROM combined
            WINDOW w AS (PARTITION BY {_q(series)} ORDER BY {_q(moment)})
        )
        SELECT {cols}, _locator FROM judged WHERE _new AND _differs
        UNION ALL
        SELECT {cols}, _locator FROM existing_keys
    """)
    return before - _count(con, f"{view}_kept")


def withhold_uncertain(
    con: duckdb.DuckDBPyConnection, spec: TableSpec, view: str, families: Mapping[str, str]
) -> int:
    """Drop the family rows of ``view`` the store can't match with certainty; return how many.

    ``families`` maps a row's locator to its family, an id stem: the family's members are the
    rows whose first key column is the stem or the stem, ``-`` and a number. A family row is
    matched with certainty when it is its family's only member in the batch and the store
    holds no other member; a family the store holds nothing of is added whole. Any other
    family row is withheld, so that no stored row takes another one's values.
    """
    if not families:
        return 0
    column = _q(spec.key[0])
    frame = pa.table(
        {
            "_locator": pa.array(list(families), pa.string()),
            "_family": pa.array(list(families.values()), pa.string()),
        }
    )
    con.register("_families_arrow", frame)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _family_rows AS
            SELECT v._locator, f._family, v.{column} AS _id
            FROM {view} v JOIN _families_arrow f USING (_locator)
        """)
    finally:
        con.unregister("_families_arrow")
    lengths = [
        int(n)
        for (n,) in con.execute("SELECT DISTINCT length(_family) FROM _family_rows").fetchall()
    ]
    members = " UNION ALL ".join(
        f"""SELECT f._family, t.{column} AS _id
            FROM (SELECT DISTINCT _family FROM _family_rows WHERE length(_family) = {n}) f
            JOIN {_q(spec.name)} t ON left(t.{column}, {n}) = f._family
            WHERE length(t.{column}) = {n} OR regexp_full_match(t.{column}[{n + 1}:], '-[0-9]+')"""
        for n in lengths
    )
    before = _count(con, view)
    if members:
        con.execute(f"""
            DELETE FROM {view} WHERE _locator IN (
                WITH stored AS ({members}),
                held AS (
                    SELECT _family, count(DISTINCT _id) AS kinds, any_value(_id) AS one
                    FROM stored GROUP BY _family
                ),
                sent AS (
                    SELECT _family, count(DISTINCT _id) AS kinds FROM _family_rows
                    GROUP BY _family
                )
                SELECT r._locator FROM _family_rows r
                JOIN held h USING (_family) JOIN sent b USING (_family)
                WHERE NOT (b.kinds = 1 AND h.kinds = 1 AND h.one = r._id)
            )
        """)
    con.execute("DROP TABLE IF EXISTS _family_rows")
    return before - _count(con, view)


def merge_incoming(con: duckdb.DuckDBPyConnection, spec: TableSpec, view: str) -> MergeCounts:
    """Upsert the rows of ``view`` into the spec's table; return what happened."""
    table = _q(spec.name)
    on = " AND ".join(f"t.{_q(k)} = s.{_q(k)}" for k in spec.key)
    differs: list[str] = []
    sets: list[str] = []
    for column in spec.columns:
        if column.name in spec.key:
            continue
        c = _q(column.name)
        if column.merge == "earliest":
            differs.append(f"(s.{c} IS NOT NULL AND (t.{c} IS NULL OR s.{c} < t.{c}))")
            sets.append(f"{c} = least(s.{c}, t.{c})")
        else:
            differs.append(f"(s.{c} IS NOT NULL AND s.{c} IS DISTINCT FROM t.{c})")
            sets.append(f"{c} = coalesce(s.{c}, t.{c})")
    names = ", ".join(_q(c) for c in spec.column_names)
    values = ", ".join(f"s.{_q(c)}" for c in spec.column_names)
    total = _count(con, view)
    if differs:
        changed = " OR ".join(differs)
        query = f"SELECT count(*) FROM {view} s JOIN {table} t ON {on} WHERE {changed}"
        updated = int(scalar(con, query))
    else:
        updated = 0
    before = _count(con, table)
    # UPDATE then INSERT rather than MERGE: the same result, and MERGE holds about five
    # copies of every incoming text (a 64 MiB post cost 320 MB, UPDATE + INSERT 130 MB).
    if updated:
        con.execute(f"""
            UPDATE {table} AS t SET {", ".join(sets)}
            FROM (SELECT {names} FROM {view}) AS s
            WHERE {on} AND ({" OR ".join(differs)})
        """)
    con.execute(f"""
        INSERT INTO {table} ({names})
        SELECT {values} FROM {view} AS s
        WHERE NOT EXISTS (SELECT 1 FROM {table} AS t WHERE {on})
    """)
    added = _count(con, table) - before
    return MergeCounts(added=added, updated=updated, unchanged=total - added - updated)


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return count(con, relation)
