"""Text-derived values, computed once per distinct text and stored beside the data.

After an import, posts and replies whose text is new (or changed) get their content kind,
sentiment and question flag from :mod:`rapport.text`; bios and replies get their relevance to
the workspace's target audience, recomputed only when the audience description changes.
Metrics read these tables; nothing text-derived is recomputed per query.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

import duckdb
import pyarrow as pa

from rapport.store._sql import scalar

__all__ = [
    "AUDIENCE_SUBJECTS",
    "current_relevance",
    "enrich_texts",
    "refresh_relevance",
    "text_hash",
]

AUDIENCE_SUBJECTS = ("bio", "reply")
_TEXT_KINDS = ("reply", "mention", "quote", "dm")
CHUNK = 5_000
"""Post and reply texts scored per step: keeps the classifier's sparse matrices small (a
text holds some 200 character n-grams; 1M tweets at once needed over 10 GB)."""
RELEVANCE_CHUNK = 100_000
"""Bios and replies scored for relevance per step (the TF-IDF backend fits its vocabulary
on the texts of one step, so this also fixes which texts are read together)."""


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _pending(
    con: duckdb.DuckDBPyConnection, query: str, *, chunk: int
) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """Keys, texts and text hashes of ``query``'s rows (a key and a text each), ``chunk``
    rows at a time.

    The rows wait in a temporary table of the store (which DuckDB may spill to disk), so a
    million new posts cost no more Python memory than one chunk. Texts come cut to one
    character more than anything is scored on, so a post of any length costs no more memory
    here than one of 100,000 characters; the hash is of the whole text, computed by the store.
    """
    from rapport.text.features import MAX_SCORED_CHARACTERS

    con.execute(
        "CREATE OR REPLACE TEMP TABLE _pending_texts AS SELECT row_number() OVER () AS n, "
        f"q.k, left(q.t, {MAX_SCORED_CHARACTERS + 1}) AS t, substr(sha256(q.t), 1, 32) AS h "
        f"FROM ({query}) AS q(k, t)"
    )
    try:
        total = int(scalar(con, "SELECT count(*) FROM _pending_texts"))
        for start in range(0, total, chunk):
            rows = con.sql(
                "SELECT k, t, h FROM _pending_texts WHERE n > $1 AND n <= $2 ORDER BY n",
                params=[start, start + chunk],
            ).to_arrow_table()
            yield (
                rows.column(0).to_pylist(),
                rows.column(1).to_pylist(),
                rows.column(2).to_pylist(),
            )
    finally:
        con.execute("DROP TABLE IF EXISTS _pending_texts")


def _replace_rows(con: duckdb.DuckDBPyConnection, table: str, key: str, rows: pa.Table) -> None:
    con.register("_features_in", rows)
    try:
        con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM _features_in)")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _features_in")
    finally:
        con.unregister("_features_in")


def _with_hashes(table: pa.Table, key: str, keys: list[str], hashes: list[str]) -> pa.Table:
    """``table`` (one row per key, in any order) with the hash of each key's text."""
    by_key = dict(zip(keys, hashes, strict=True))
    hashes = [by_key[k] for k in table.column(key).to_pylist()]
    return table.append_column("text_hash", pa.array(hashes, pa.string()))


def _truncated(features: pa.Table) -> int:
    from rapport.text.features import TRUNCATED_TEXTS_KEY

    metadata = features.schema.metadata or {}
    return int(metadata.get(TRUNCATED_TEXTS_KEY, b"0"))


def enrich_texts(
    con: duckdb.DuckDBPyConnection,
    *,
    progress: Callable[[str], None] | None = None,
    notices: list[str] | None = None,
) -> dict[str, int]:
    """Compute content kinds of new post texts and sentiment of new reply texts.

    Texts too long to score whole are scored on their beginning; ``notices`` gets one line
    saying how many (the stored texts stay whole).
    """
    from rapport.text.features import MAX_SCORED_CHARACTERS, MAX_SENTIMENT_CHARACTERS

    done = {"posts": 0, "replies": 0, "posts_truncated": 0, "replies_truncated": 0}
    post_query = """
        SELECT p.post_id, p.text FROM posts p LEFT JOIN post_text f ON f.post_id = p.post_id
        WHERE p.text IS NOT NULL AND length(trim(p.text)) > 0
          AND (f.post_id IS NULL OR f.text_hash <> substr(sha256(p.text), 1, 32))
    """
    for keys, chunk, hashes in _pending(con, post_query, chunk=CHUNK):
        from rapport.text import post_features

        if progress and not done["posts"]:
            progress("classifying posts")
        features = post_features(keys, chunk)
        done["posts_truncated"] += _truncated(features)
        _replace_rows(con, "post_text", "post_id", _with_hashes(features, "post_id", keys, hashes))
        done["posts"] += len(keys)
        if progress:
            progress(f"classifying posts ({done['posts']:,})")
    kinds = ", ".join(f"'{k}'" for k in _TEXT_KINDS)
    reply_query = f"""
        SELECT i.interaction_id, i.text FROM interactions i
        LEFT JOIN interaction_text f ON f.interaction_id = i.interaction_id
        WHERE i.kind IN ({kinds}) AND i.text IS NOT NULL AND length(trim(i.text)) > 0
          AND (f.interaction_id IS NULL OR f.text_hash <> substr(sha256(i.text), 1, 32))
    """
    for keys, chunk, hashes in _pending(con, reply_query, chunk=CHUNK):
        from rapport.text import reply_features

        if progress and not done["replies"]:
            progress("reading replies")
        features = reply_features(keys, chunk)
        done["replies_truncated"] += _truncated(features)
        _replace_rows(
            con,
            "interaction_text",
            "interaction_id",
            _with_hashes(features, "interaction_id", keys, hashes),
        )
        done["replies"] += len(keys)
    if notices is not None and done["posts_truncated"]:
        notices.append(
            f"posts: {done['posts_truncated']:,} text(s) longer than "
            f"{MAX_SCORED_CHARACTERS:,} characters classified on their first "
            f"{MAX_SCORED_CHARACTERS:,} (stored whole)"
        )
    if notices is not None and done["replies_truncated"]:
        notices.append(
            f"replies: {done['replies_truncated']:,} text(s) longer than "
            f"{MAX_SENTIMENT_CHARACTERS:,} characters read for sentiment on their first "
            f"{MAX_SENTIMENT_CHARACTERS:,} (stored whole)"
        )
    return done


def _scored(
    con: duckdb.DuckDBPyConnection, *, audience: str, audience_key: str
) -> Iterator[pa.Table]:
    """Relevance rows, in chunks, for the bios and replies that have none for ``audience``
    (or whose text changed since they were scored)."""
    sources = {
        "bio": "SELECT person_id, bio FROM people WHERE bio IS NOT NULL AND length(trim(bio)) > 0",
        "reply": f"""SELECT interaction_id, text FROM interactions
                     WHERE kind IN ({", ".join(f"'{k}'" for k in _TEXT_KINDS)})
                       AND text IS NOT NULL AND length(trim(text)) > 0""",
    }
    from rapport.text import relevance_features

    for subject, query in sources.items():
        query = f"""
            SELECT s.* FROM ({query}) s
            WHERE NOT EXISTS (
                SELECT 1 FROM relevance r WHERE r.subject = '{subject}'
                AND r.key = s.{"person_id" if subject == "bio" else "interaction_id"}
                AND r.text_hash = substr(sha256(s.{"bio" if subject == "bio" else "text"}), 1, 32)
                AND r.audience_hash = '{audience_key}'
            )
        """
        for keys, texts, hashes in _pending(con, query, chunk=RELEVANCE_CHUNK):
            features = _with_hashes(
                relevance_features(keys, texts, audience=audience), "key", keys, hashes
            )
            yield pa.table(
                {
                    "subject": pa.array([subject] * features.num_rows, pa.string()),
                    "key": features.column("key"),
                    "text_hash": features.column("text_hash"),
                    "audience_hash": pa.array([audience_key] * features.num_rows, pa.string()),
                    "relevance": features.column("relevance"),
                    "relevant": features.column("relevant"),
                }
            )


def refresh_relevance(con: duckdb.DuckDBPyConnection, *, audience: str) -> int:
    """Score bios and replies against the target audience; only what is missing or stale.

    Writes the ``relevance`` table (call it inside a writer's transaction).
    """
    if not audience.strip():
        return 0
    audience_key = text_hash(audience.strip())
    con.execute("DELETE FROM relevance WHERE audience_hash <> ?", [audience_key])
    scored = 0
    for rows in _scored(con, audience=audience, audience_key=audience_key):
        con.register("_relevance_in", rows)
        try:
            con.execute(
                "DELETE FROM relevance WHERE subject = (SELECT any_value(subject) FROM "
                "_relevance_in) AND key IN (SELECT key FROM _relevance_in)"
            )
            con.execute("INSERT INTO relevance BY NAME SELECT * FROM _relevance_in")
        finally:
            con.unregister("_relevance_in")
        scored += rows.num_rows
    return scored


def current_relevance(con: duckdb.DuckDBPyConnection, *, audience: str) -> str | None:
    """For a reader: the name of a temporary table holding the relevance scores for
    ``audience`` when the stored ones are not (all) for it, or None when they are.

    Writes nothing to the store: the missing scores are computed into a temporary table that
    lives as long as the connection (the next import stores them for good).
    """
    if not audience.strip():
        return None
    audience_key = text_hash(audience.strip())
    parts = list(_scored(con, audience=audience, audience_key=audience_key))
    stale = int(
        scalar(con, "SELECT count(*) FROM relevance WHERE audience_hash <> ?", [audience_key]) or 0
    )
    if not parts and not stale:
        return None
    fresh = pa.concat_tables(parts) if parts else None
    name = "relevance_for_audience"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM relevance WHERE audience_hash = ?",
        [audience_key],
    )
    if fresh is not None and fresh.num_rows:
        con.register("_relevance_in", fresh)
        try:
            con.execute(
                f"DELETE FROM {name} WHERE EXISTS (SELECT 1 FROM _relevance_in r "
                f"WHERE r.subject = {name}.subject AND r.key = {name}.key)"
            )
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _relevance_in")
        finally:
            con.unregister("_relevance_in")
    return name
