"""Migrations: named, recorded, run once, and in step with the canonical schema."""

from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb

from rapport.canonical import TABLES
from rapport.store import MIGRATIONS, Store
from rapport.store.migrations import migrate

_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "float64": "DOUBLE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "list<string>": "VARCHAR[]",
}


def test_tables_match_the_canonical_specs(fresh_store: Store) -> None:
    con = fresh_store.connection
    for name, spec in TABLES.items():
        rows = con.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [name],
        ).fetchall()
        expected = [
            (
                c.name,
                _DUCKDB_TYPES[c.type],
                "YES" if not c.required and c.name not in spec.key else "NO",
            )
            for c in spec.columns
        ]
        got = [(n, t, nullable) for n, t, nullable in rows]
        assert [g[:2] for g in got] == [e[:2] for e in expected], name
        for column, (_, _, nullable) in zip(spec.columns, got, strict=True):
            if column.required:
                assert nullable == "NO", f"{name}.{column.name} should be NOT NULL"


def test_migrations_are_recorded_and_run_once(store_path: Path) -> None:
    with Store(store_path) as store:
        names = [
            r[0]
            for r in store.connection.execute(
                "SELECT name FROM _migrations ORDER BY name"
            ).fetchall()
        ]
        assert names == [m.name for m in MIGRATIONS]
        salt = store.meta("salt")
    with Store(store_path) as store:  # reopening applies nothing and keeps the salt
        assert migrate(store.connection) == []
        assert store.meta("salt") == salt


def test_a_failing_migration_rolls_back(tmp_path: Path) -> None:
    from rapport.store.migrations import Migration

    con = duckdb.connect(str(tmp_path / "x.duckdb"))

    def broken(connection: duckdb.DuckDBPyConnection) -> None:
        connection.execute("CREATE TABLE half (a INT)")
        raise RuntimeError("boom")

    MIGRATIONS.append(Migration("9999_broken", broken, "a migration that fails"))
    try:
        with contextlib.suppress(RuntimeError):
            migrate(con)
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
        assert "half" not in tables
        recorded = {r[0] for r in con.execute("SELECT name FROM _migrations").fetchall()}
        assert "9999_broken" not in recorded and "0001_canonical_tables" in recorded
    finally:
        MIGRATIONS.remove(next(m for m in MIGRATIONS if m.name == "9999_broken"))
        con.close()
