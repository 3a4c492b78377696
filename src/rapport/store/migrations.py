"""Named schema migrations, applied in order and recorded in ``_migrations``.

A migration is a registered function that receives the raw DuckDB connection and runs inside
a transaction; once recorded it never runs again. The DDL of a migration is written out
literally, never derived from the current :mod:`rapport.canonical.schema`, so that an old
store and a new one end up with the same tables. ``tests/test_store_migrations.py`` checks
that the tables after every migration match the canonical specs, so a schema change without
a migration fails the tests.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

__all__ = ["MIGRATIONS", "Migration", "applied_migrations", "migrate", "pending_migrations"]

Connection = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class Migration:
    name: str
    apply: Callable[[Connection], None]
    description: str


MIGRATIONS: list[Migration] = []


def migration(name: str) -> Callable[[Callable[[Connection], None]], Callable[[Connection], None]]:
    """Register a migration; names sort in the order they must run."""

    def register(function: Callable[[Connection], None]) -> Callable[[Connection], None]:
        if any(m.name == name for m in MIGRATIONS):
            raise ValueError(f"migration {name!r} is registered twice")
        MIGRATIONS.append(Migration(name, function, (function.__doc__ or "").strip()))
        MIGRATIONS.sort(key=lambda m: m.name)
        return function

    return register


@migration("0001_canonical_tables")
def _canonical_tables(con: Connection) -> None:
    """The seven tables of the canonical format, version 1."""
    con.execute("""
        CREATE TABLE accounts (
            account_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, handle VARCHAR NOT NULL,
            display_name VARCHAR, role VARCHAR NOT NULL, followers BIGINT, url VARCHAR,
            created_at TIMESTAMPTZ
        );
        CREATE TABLE people (
            person_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, handle VARCHAR,
            display_name VARCHAR, bio VARCHAR, followers BIGINT, following BIGINT, url VARCHAR,
            first_seen_at TIMESTAMPTZ
        );
        CREATE TABLE posts (
            post_id VARCHAR NOT NULL, account_id VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL,
            text VARCHAR, url VARCHAR, format VARCHAR, in_reply_to_id VARCHAR, repost_of VARCHAR,
            links VARCHAR[], hashtags VARCHAR[], language VARCHAR, content_kind VARCHAR
        );
        CREATE TABLE interactions (
            interaction_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, kind VARCHAR NOT NULL,
            person_id VARCHAR, account_id VARCHAR NOT NULL, post_id VARCHAR,
            occurred_at TIMESTAMPTZ, text VARCHAR, in_reply_to_id VARCHAR, actor_followers BIGINT
        );
        CREATE TABLE post_stats (
            post_id VARCHAR NOT NULL, observed_at TIMESTAMPTZ NOT NULL, impressions BIGINT,
            reach BIGINT, likes BIGINT, reposts BIGINT, replies BIGINT, quotes BIGINT,
            clicks BIGINT, saves BIGINT, video_views BIGINT
        );
        CREATE TABLE follower_counts (
            account_id VARCHAR NOT NULL, observed_at TIMESTAMPTZ NOT NULL, followers BIGINT NOT NULL
        );
        CREATE TABLE conversions (
            conversion_id VARCHAR NOT NULL, occurred_at TIMESTAMPTZ NOT NULL, kind VARCHAR NOT NULL,
            value DOUBLE, currency VARCHAR, person_id VARCHAR, utm_source VARCHAR,
            utm_medium VARCHAR, utm_campaign VARCHAR, utm_content VARCHAR, utm_term VARCHAR,
            landing_url VARCHAR, post_id VARCHAR
        );
    """)


@migration("0002_bookkeeping")
def _bookkeeping(con: Connection) -> None:
    """Import records, the files they read, the quarantine, erasures and workspace metadata."""
    con.execute("""
        CREATE TABLE imports (
            import_id BIGINT NOT NULL, source VARCHAR NOT NULL, origin VARCHAR,
            started_at TIMESTAMPTZ NOT NULL, finished_at TIMESTAMPTZ NOT NULL, seconds DOUBLE,
            rows_added BIGINT, rows_updated BIGINT, rows_unchanged BIGINT, rows_rejected BIGINT,
            details VARCHAR
        );
        CREATE TABLE import_files (
            import_id BIGINT NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, bytes BIGINT
        );
        CREATE TABLE quarantine (
            import_id BIGINT NOT NULL, table_name VARCHAR NOT NULL, source VARCHAR,
            locator VARCHAR, field VARCHAR, reason VARCHAR NOT NULL, raw VARCHAR
        );
        CREATE TABLE erasures (person_key VARCHAR NOT NULL, erased_at TIMESTAMPTZ NOT NULL);
        CREATE TABLE meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL);
    """)
    # The salt keys erasure hashes and pseudonyms: the same person gets the same pseudonym in
    # every export of this workspace, and nobody can recompute it without the store.
    con.execute("INSERT INTO meta VALUES ('salt', ?)", [secrets.token_hex(16)])


def applied_migrations(con: Connection) -> list[str]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR NOT NULL, applied_at TIMESTAMPTZ)"
    )
    rows = con.execute("SELECT name FROM _migrations ORDER BY name").fetchall()
    return [str(row[0]) for row in rows]


def pending_migrations(con: Connection) -> list[str]:
    """The migrations this store lacks, read without writing (works on a read-only file)."""
    known = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = '_migrations'"
    ).fetchall()[0][0]
    done = set()
    if known:
        done = {str(r[0]) for r in con.execute("SELECT name FROM _migrations").fetchall()}
    return [step.name for step in MIGRATIONS if step.name not in done]


def migrate(con: Connection) -> list[str]:
    """Apply the migrations this store lacks, each in its own transaction; return their names."""
    done = set(applied_migrations(con))
    applied = []
    for step in MIGRATIONS:
        if step.name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step.apply(con)
            con.execute("INSERT INTO _migrations VALUES (?, now())", [step.name])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        applied.append(step.name)
    return applied


@migration("0003_sync_state")
def _sync_state(con: Connection) -> None:
    """Where live pulls keep their cursors (newest ids, pagination cursors) between runs."""
    con.execute("""
        CREATE TABLE sync_state (
            key VARCHAR NOT NULL, value VARCHAR NOT NULL, updated_at TIMESTAMPTZ NOT NULL
        )
    """)


@migration("0004_text_features")
def _text_features(con: Connection) -> None:
    """Text-derived values, computed once per distinct text at import and stored."""
    con.execute("""
        CREATE TABLE post_text (
            post_id VARCHAR NOT NULL, text_hash VARCHAR NOT NULL, content_kind VARCHAR,
            content_kind_source VARCHAR, content_kind_confidence DOUBLE
        );
        CREATE TABLE interaction_text (
            interaction_id VARCHAR NOT NULL, text_hash VARCHAR NOT NULL, sentiment DOUBLE,
            sentiment_label VARCHAR, is_question BOOLEAN
        );
        CREATE TABLE relevance (
            subject VARCHAR NOT NULL, key VARCHAR NOT NULL, text_hash VARCHAR NOT NULL,
            audience_hash VARCHAR NOT NULL, relevance DOUBLE, relevant BOOLEAN
        );
    """)


@migration("0005_plans_and_care")
def _plans_and_care(con: Connection) -> None:
    """Stored plans (so progress can be shown) and the care items already handled."""
    con.execute("""
        CREATE TABLE plans (
            plan_id BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, objective VARCHAR,
            weekly_hours DOUBLE, data_end TIMESTAMPTZ, plan VARCHAR NOT NULL
        );
        CREATE TABLE care_done (
            item_id VARCHAR NOT NULL, action VARCHAR NOT NULL, person_id VARCHAR,
            done_at TIMESTAMPTZ NOT NULL
        );
    """)


@migration("0006_whatif_runs")
def _whatif_runs(con: Connection) -> None:
    """What-if results, so the report can show the latest one without re-simulating."""
    con.execute("""
        CREATE TABLE whatif_runs (
            run_id BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL, months INTEGER NOT NULL,
            runs INTEGER NOT NULL, seed BIGINT NOT NULL, result VARCHAR NOT NULL
        );
    """)


@migration("0007_outbox")
def _outbox(con: Connection) -> None:
    """Replies on their way out, each with the key chosen before sending (so a retry never
    posts twice), and who answered a care item and where."""
    con.execute("""
        CREATE TABLE outbox (
            item_id VARCHAR NOT NULL, platform VARCHAR NOT NULL, connection_id VARCHAR,
            key VARCHAR NOT NULL, text VARCHAR NOT NULL, in_reply_to VARCHAR NOT NULL,
            state VARCHAR NOT NULL, remote_id VARCHAR, url VARCHAR, error VARCHAR,
            created_at TIMESTAMPTZ NOT NULL, sent_at TIMESTAMPTZ
        );
        ALTER TABLE care_done ADD COLUMN answered_by VARCHAR;
        ALTER TABLE care_done ADD COLUMN url VARCHAR;
    """)


@migration("0008_scheduled_posts")
def _scheduled_posts(con: Connection) -> None:
    """Posts planned from the calendar, each with the key chosen before it is sent (a TID
    record key on Bluesky, an Idempotency-Key on Mastodon), and the workspace's audit log
    (overrides of the publishing rules, cancels, publishes: who and when)."""
    con.execute("""
        CREATE TABLE scheduled_posts (
            id BIGINT NOT NULL, platform VARCHAR NOT NULL, connection_id VARCHAR,
            slot_start TIMESTAMPTZ, slot_kind VARCHAR, slot_title VARCHAR,
            text VARCHAR NOT NULL, links VARCHAR[], scheduled_at TIMESTAMPTZ NOT NULL,
            key VARCHAR NOT NULL, state VARCHAR NOT NULL, remote_id VARCHAR, url VARCHAR,
            post_id VARCHAR, remote_scheduled_id VARCHAR, error VARCHAR, kind VARCHAR,
            promotion BOOLEAN NOT NULL, created_by VARCHAR, override_rules VARCHAR,
            override_reason VARCHAR, override_by VARCHAR, override_at TIMESTAMPTZ,
            created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL,
            published_at TIMESTAMPTZ
        );
        CREATE TABLE audit (
            occurred_at TIMESTAMPTZ NOT NULL, action VARCHAR NOT NULL, subject VARCHAR,
            actor VARCHAR, detail VARCHAR
        );
    """)
