"""``rapport simulate``: a large world written as a partitioned canonical dataset, block by
block of people, in memory that does not grow with the number of people."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rapport.canonical.schema import TABLE_ORDER, arrow_schema
from rapport.cli import app
from rapport.simulate.partitioned import block_sizes

PARTITIONED = ("posts", "interactions", "post_stats", "follower_counts", "conversions")

_MEASURE = """
import json, resource, sys, tracemalloc
from pathlib import Path
import pyarrow as pa
from rapport.simulate.params import WorldParams
from rapport.simulate.partitioned import write_partitioned_world
tracemalloc.start()
world = write_partitioned_world(WorldParams(people=int(sys.argv[1]), days=60, seed=3),
                                Path(sys.argv[2]), block_people=10_000,
                                budget_bytes=2**18)
print(json.dumps({"python": tracemalloc.get_traced_memory()[1],
                  "arrow": pa.default_memory_pool().max_memory(),
                  "rows": world.rows}))
"""


def _measure(people: int, out: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(people), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("stream") / "small"
    return out, _measure(20_000, out)


def test_the_layout(small: tuple[Path, dict[str, object]]) -> None:
    out, _ = small
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == "rapport-canonical-partitioned"
    assert meta["version"] == 1 and meta["zone"] == "UTC"
    assert meta["own_account_ids"] and meta["written_at"]
    for name in ("accounts", "people"):
        files = sorted((out / name).iterdir())
        assert files and all(f.name.startswith("part-") for f in files), name
    for name in PARTITIONED:
        files = list((out / name).glob("platform=*/month=*/part-*.parquet"))
        assert files, name
        assert {f.relative_to(out / name).parts[0] for f in files} <= {
            "platform=synthetic", "platform=shop", "platform=web"
        }  # fmt: skip
        months = {f.parent.name for f in files}
        assert all(len(m) == len("month=2026-01") for m in months), months
    assert {p.name for p in out.iterdir()} == {*TABLE_ORDER, "meta.json"}


def test_every_file_is_the_canonical_schema(small: tuple[Path, dict[str, object]]) -> None:
    out, _ = small
    for name in TABLE_ORDER:
        for path in (out / name).rglob("*.parquet"):
            assert pq.read_schema(path).remove_metadata() == arrow_schema(name), path
            column = pq.ParquetFile(path).schema.column
            for i, field in enumerate(arrow_schema(name)):
                if str(field.type).startswith("timestamp"):
                    logical = json.loads(column(i).logical_type.to_json())
                    assert logical["Type"] == "Timestamp", (path, field.name)
                    assert logical["isAdjustedToUTC"] is True, (path, field.name)


def test_duckdb_reads_every_table_and_references_hold(
    small: tuple[Path, dict[str, object]],
) -> None:
    out, measured = small
    con = duckdb.connect()
    for name in TABLE_ORDER:
        glob = out / name / ("**/*.parquet" if name in PARTITIONED else "*.parquet")
        hive = "true" if name in PARTITIONED else "false"
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', hive_partitioning={hive})"
        )
    rows = measured["rows"]
    assert isinstance(rows, dict)
    for name in TABLE_ORDER:
        count = con.execute(f"SELECT count(*) FROM {name}").fetchone()
        assert count is not None and count[0] == rows[name] > 0, name

    def one(sql: str) -> object:
        row = con.execute(sql).fetchone()
        assert row is not None
        return row[0]

    assert one("SELECT count(*) FROM interactions") > 1000
    for table, key in (("interactions", "interaction_id"), ("people", "person_id"),
                       ("posts", "post_id"), ("conversions", "conversion_id"),
                       ("accounts", "account_id")):  # fmt: skip
        assert one(f"SELECT count(*) - count(DISTINCT {key}) FROM {table}") == 0, table
    assert one("SELECT count(*) - count(DISTINCT (post_id, observed_at)) FROM post_stats") == 0
    orphans = {
        "interaction's post": "SELECT count(*) FROM interactions i WHERE i.post_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.post_id = i.post_id)",
        "interaction's person": "SELECT count(*) FROM interactions i WHERE NOT EXISTS "
        "(SELECT 1 FROM people p WHERE p.person_id = i.person_id)",
        "answer's interaction": "SELECT count(*) FROM posts p WHERE p.in_reply_to_id IS NOT "
        "NULL AND p.in_reply_to_id LIKE 'synthetic:i%' AND NOT EXISTS (SELECT 1 FROM "
        "interactions i WHERE i.interaction_id = p.in_reply_to_id)",
        "stat's post": "SELECT count(*) FROM post_stats s WHERE NOT EXISTS "
        "(SELECT 1 FROM posts p WHERE p.post_id = s.post_id)",
        "post's account": "SELECT count(*) FROM posts p WHERE NOT EXISTS "
        "(SELECT 1 FROM accounts a WHERE a.account_id = p.account_id)",
        "conversion's post": "SELECT count(*) FROM conversions c WHERE c.post_id IS NOT NULL "
        "AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.post_id = c.post_id)",
        "partition month": "SELECT count(*) FROM interactions "
        "WHERE strftime(occurred_at AT TIME ZONE 'UTC', '%Y-%m') <> month",
    }
    assert {what: one(sql) for what, sql in orphans.items()} == dict.fromkeys(orphans, 0)
    own_followers = one(
        "SELECT followers FROM accounts WHERE role = 'own'"
    )  # the sum over blocks, as the last own observation says
    last = one(
        "SELECT arg_max(f.followers, f.observed_at) FROM follower_counts f JOIN accounts a "
        "USING (account_id) WHERE a.role = 'own'"
    )
    assert own_followers == last


def test_memory_does_not_grow_with_people(
    small: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """Ten times the people: ten times the rows, about the same peak memory."""
    _, measured = small
    large = _measure(200_000, tmp_path / "large")
    small_rows, large_rows = measured["rows"], large["rows"]
    assert isinstance(small_rows, dict) and isinstance(large_rows, dict)
    assert large_rows["interactions"] > 7 * small_rows["interactions"]
    for kind in ("python", "arrow"):
        small_peak, large_peak = measured[kind], large[kind]
        assert isinstance(small_peak, int) and isinstance(large_peak, int)
        assert large_peak < 1.5 * small_peak + 4 * 2**20, (kind, small_peak, large_peak)


def test_blocks_split_people_evenly() -> None:
    assert block_sizes(250, 100) == [125, 125]
    assert block_sizes(150, 100) == [150]
    assert block_sizes(1_000_000, 100_000) == [100_000] * 10
    assert sum(block_sizes(5_000_001, 100_000)) == 5_000_001


def test_bad_input_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["simulate", "--people", "-5", "--out", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert "people = -5: at least 100 people" in result.stderr
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["simulate", "--people", "200", "--days", "3", "--out",
                                 str(taken), "--json"])  # fmt: skip
    assert result.exit_code == 2
    assert "exists and is not empty" in result.stderr and "--force" in result.stderr
    assert json.loads(result.stdout)["exit_code"] == 2
    result = runner.invoke(app, ["simulate", "--people", "200", "--days", "3", "--out",
                                 str(taken), "--force", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (taken / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert json.loads(result.stdout)["rows"]["accounts"] >= 1
    assert (taken / "meta.json").exists()
