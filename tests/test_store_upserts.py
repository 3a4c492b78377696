"""The store's write rules: upserts on natural keys, history rows, one transaction per import."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pyarrow as pa
import pytest

from rapport.canonical import Batch
from rapport.store import Store
from tests.conftest import batch_of, build_tables, snapshot

ACCOUNT = {"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}


def _export(followers: int, likes: int, observed: str, *, bio: str | None = "bakes bread") -> Batch:
    return batch_of(
        {
            "accounts": [{**ACCOUNT, "followers": followers}],
            "people": [
                {
                    "person_id": "x:p1",
                    "platform": "x",
                    "handle": "p1",
                    "bio": bio,
                    "first_seen_at": "2026-02-01T00:00:00Z",
                }
            ],
            "posts": [
                {
                    "post_id": "x:1",
                    "account_id": "x:shop",
                    "created_at": "2026-01-05T09:00:00Z",
                    "text": "Hello 👋",
                    "links": [],
                    "hashtags": ["bread"],
                }
            ],
            "post_stats": [{"post_id": "x:1", "observed_at": observed, "likes": likes}],
            "follower_counts": [
                {"account_id": "x:shop", "observed_at": observed, "followers": followers}
            ],
        }
    )


def _table_rows(store: Store) -> dict[str, list[dict[str, object]]]:
    data = snapshot(store)
    return {k: v for k, v in data.items() if k not in {"imports", "import_files"}}


def test_importing_the_same_data_twice_changes_nothing(fresh_store: Store) -> None:
    first = fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
    assert first.total("added") == 5
    before = _table_rows(fresh_store)
    second = fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
    assert (second.total("added"), second.total("updated"), second.total("unchanged")) == (0, 0, 5)
    assert _table_rows(fresh_store) == before


def test_a_newer_export_updates_values_and_adds_history(fresh_store: Store) -> None:
    fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
    summary = fresh_store.apply(_export(12, 7, "2026-03-01T00:00:00Z"))
    assert summary.tables["accounts"].updated == 1
    assert summary.tables["post_stats"].added == 1
    assert summary.tables["follower_counts"].added == 1
    assert fresh_store.read_table("accounts").column("followers").to_pylist() == [12]
    assert fresh_store.read_table("post_stats").column("likes").to_pylist() == [3, 7]
    assert fresh_store.read_table("follower_counts").column("followers").to_pylist() == [10, 12]


def test_an_observation_identical_to_the_latest_is_not_added(fresh_store: Store) -> None:
    fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
    summary = fresh_store.apply(_export(10, 3, "2026-03-01T00:00:00Z"))
    assert summary.tables["post_stats"].added == 0
    assert summary.tables["post_stats"].unchanged == 1
    assert fresh_store.row_counts()["post_stats"] == 1
    assert fresh_store.row_counts()["follower_counts"] == 1


def test_an_unknown_value_never_erases_a_known_one(fresh_store: Store) -> None:
    fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z", bio="bakes bread"))
    summary = fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z", bio=None))
    assert summary.tables["people"].unchanged == 1
    assert fresh_store.read_table("people").column("bio").to_pylist() == ["bakes bread"]


def test_first_seen_keeps_the_earliest_time(fresh_store: Store) -> None:
    person = {"person_id": "x:p1", "platform": "x"}
    fresh_store.apply(batch_of({"people": [{**person, "first_seen_at": "2026-02-01T00:00:00Z"}]}))
    fresh_store.apply(batch_of({"people": [{**person, "first_seen_at": "2026-03-01T00:00:00Z"}]}))
    fresh_store.apply(batch_of({"people": [{**person, "first_seen_at": "2026-01-01T00:00:00Z"}]}))
    assert fresh_store.read_table("people").column("first_seen_at").to_pylist() == [
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ]


def test_rows_repeated_inside_one_batch_are_stored_once(fresh_store: Store) -> None:
    post = {"post_id": "x:1", "account_id": "x:shop", "created_at": "2026-01-05T09:00:00Z"}
    summary = fresh_store.apply(
        batch_of(
            {
                "accounts": [ACCOUNT],
                "posts": [{**post, "text": "first"}, {**post, "text": "second"}],
            }
        )
    )
    assert summary.tables["posts"].added == 1
    assert fresh_store.read_table("posts").column("text").to_pylist() == ["second"]
    assert any("repeated" in notice for notice in summary.notices)


def test_rows_pointing_at_nothing_are_quarantined_not_lost(fresh_store: Store) -> None:
    summary = fresh_store.apply(
        batch_of(
            {
                "accounts": [ACCOUNT],
                "posts": [
                    {
                        "post_id": "x:1",
                        "account_id": "x:shop",
                        "created_at": "2026-01-05T09:00:00Z",
                    },
                    {
                        "post_id": "x:2",
                        "account_id": "x:ghost",
                        "created_at": "2026-01-06T09:00:00Z",
                    },
                ],
            }
        )
    )
    assert summary.tables["posts"].added == 1
    assert summary.tables["posts"].rejected == 1
    rows = fresh_store.connection.execute(
        "SELECT table_name, locator, field, reason, raw FROM quarantine"
    ).fetchall()
    assert len(rows) == 1
    table, locator, field, reason, raw = rows[0]
    assert (table, locator, field) == ("posts", "line 2", "account_id")
    assert "x:ghost" in reason and "x:ghost" in raw


def test_every_import_is_recorded_with_file_digests(tmp_path: Path, fresh_store: Store) -> None:
    from rapport.canonical import digest_file

    file = tmp_path / "data.bin"
    file.write_bytes(b"rapport")
    batch = _export(10, 3, "2026-02-01T00:00:00Z")
    batch.files.append(digest_file(file))
    summary = fresh_store.apply(batch)
    imports = fresh_store.recent_imports()
    assert imports[0].import_id == summary.import_id
    assert imports[0].added == 5 and imports[0].rejected == 0
    digests = fresh_store.connection.execute(
        "SELECT path, sha256, bytes FROM import_files"
    ).fetchall()
    assert digests == [(str(file), hashlib.sha256(b"rapport").hexdigest(), 7)]


def test_a_failing_import_leaves_the_store_exactly_as_it_was(fresh_store: Store) -> None:
    fresh_store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
    before = snapshot(fresh_store)
    broken = _export(12, 7, "2026-03-01T00:00:00Z")
    # A table whose type can't be inserted makes the write fail half-way through the batch.
    broken.tables["conversions"] = pa.table({"conversion_id": ["web:1"]})
    broken.locators["conversions"] = ["row 1"]
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
        fresh_store.apply(broken)
    assert snapshot(fresh_store) == before


def test_the_store_survives_closing_and_reopening(store_path: Path) -> None:
    with Store(store_path) as store:
        store.apply(_export(10, 3, "2026-02-01T00:00:00Z"))
        before = snapshot(store)
    with Store(store_path) as store:
        assert snapshot(store) == before


def test_keys_stay_unique_after_many_imports(fresh_store: Store) -> None:
    for followers in (10, 11, 10, 12, 12):
        fresh_store.apply(_export(followers, followers, f"2026-0{followers - 9}-01T00:00:00Z"))
    con = fresh_store.connection
    for table, key in (
        ("accounts", "account_id"),
        ("posts", "post_id"),
        ("post_stats", "post_id, observed_at"),
    ):
        dupes = con.execute(
            f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY ALL HAVING count(*) > 1)"
        ).fetchall()[0][0]
        assert dupes == 0, table


def test_build_tables_helper_rejects_bad_rows() -> None:
    with pytest.raises(AssertionError, match="created_at"):
        build_tables({"posts": [{"post_id": "x:1", "account_id": "x:a", "created_at": "nope"}]})
