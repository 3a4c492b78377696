"""The Spark engine: the partitioned export, a Session on Spark, `rapport metrics --engine
spark` against the default engine on the demo world, Spark Connect on loopback, and the
message when pyspark or Java is missing.

The export tests need no Spark. The others are marked ``spark`` and share one Spark session
(tests/spark_support.py); they work on one copy of the shared demo workspace, since the Spark
engine writes its dataset into the workspace.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import rapport
from rapport.engines.dataset import PARTITIONED, duckdb_read_sql
from rapport.engines.export import DATASET_FOLDER
from rapport.engines.spark import stop_spark
from rapport.errors import UsageError
from rapport.metrics.spec import metrics
from rapport.store import Store
from tests.conftest import invoke, invoke_json
from tests.spark_support import connect_server, spark_fixture  # noqa: F401  (the `spark` fixture)

KNOWN_DIFFERENCES: dict[str, str] = {}
"""Metric id → why Spark's value differs from DuckDB's on the demo world (none so far)."""
CONNECT_METRICS = [
    "followers", "likes", "reply_rate", "returning_people", "best_hour", "relevant_engager_share",
    "reply_sentiment", "top_content_kind",
]  # fmt: skip
"""The metrics run through Spark Connect (a few: each costs a round of queries)."""


@pytest.fixture(scope="module")
def workspace(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared demo workspace (the Spark engine writes its dataset into it)."""
    root = tmp_path_factory.mktemp("spark-demo") / "demo"
    shutil.copytree(demo_workspace, root)
    return root


@pytest.fixture(scope="module")
def exported(workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("partitioned") / "dataset"
    result = invoke_json("export", target, "--partitioned", "--workspace", workspace)
    assert result["partitioned"] is True
    return target


def _store_rows(workspace: Path) -> dict[str, int]:
    with Store(workspace / "rapport.duckdb", read_only=True) as store:
        rows = store.row_counts()
        for name in ("post_text", "interaction_text", "relevance"):
            rows[name] = int(store.connection.sql(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    return rows


# -- the partitioned export (no Spark needed) -----------------------------------------------------
def test_partitioned_export_layout_and_meta(exported: Path, workspace: Path) -> None:
    meta = json.loads((exported / "meta.json").read_text())
    assert meta["format_version"] == 1
    assert meta["zone"] == "UTC"
    assert meta["own_account_ids"] and all(
        a.startswith("synthetic:") for a in meta["own_account_ids"]
    )
    assert meta["audience_hash"] and meta["written_at"].endswith("Z")
    for name in PARTITIONED:
        files = sorted((exported / name).glob("platform=*/month=*/part-0.parquet"))
        assert files, name
        for file in files:
            month = file.parent.name.removeprefix("month=")
            assert len(month) == 7 and month[4] == "-", file
        assert not list((exported / name).glob("*.parquet")), name
    for name in ("accounts", "people", "post_text", "interaction_text", "relevance"):
        assert [p.name for p in (exported / name).iterdir()] == ["part-0.parquet"], name
    schema = pq.read_schema(next((exported / "posts").rglob("*.parquet")))
    assert str(schema.field("created_at").type) == "timestamp[us, tz=UTC]"
    assert "platform" not in schema.names and "month" not in schema.names


def test_duckdb_reads_the_export_as_the_store_holds_it(exported: Path, workspace: Path) -> None:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rows = {
        name: int(
            con.sql(f"SELECT count(*) FROM ({duckdb_read_sql(exported, name)})").fetchall()[0][0]
        )
        for name in _store_rows(workspace)
    }
    assert rows == _store_rows(workspace)
    assert rows == json.loads((exported / "meta.json").read_text())["rows"]
    # the same instants, and each month folder holds that month's rows
    with Store(workspace / "rapport.duckdb", read_only=True) as store:
        span = store.connection.sql("SELECT min(created_at), max(created_at) FROM posts").fetchall()
    assert (
        con.sql(
            f"SELECT min(created_at), max(created_at) FROM ({duckdb_read_sql(exported, 'posts')})"
        ).fetchall()
        == span
    )
    wrong = con.sql(
        f"SELECT count(*) FROM read_parquet('{exported}/interactions/**/*.parquet', "
        "hive_partitioning=true) WHERE strftime(occurred_at, '%Y-%m') <> month"
    ).fetchall()[0][0]
    assert wrong == 0


def test_pseudonymised_partitioned_export(workspace: Path, tmp_path: Path) -> None:
    target = tmp_path / "anon"
    result = invoke_json(
        "export", target, "--partitioned", "--pseudonymise", "--workspace", workspace
    )
    assert result["pseudonymised"] is True and result["partitioned"] is True
    con = duckdb.connect()
    people = con.sql(f"SELECT handle, bio FROM ({duckdb_read_sql(target, 'people')})").fetchall()
    assert people and all(h.startswith("person-") and bio is None for h, bio in people)
    features, replies = (duckdb_read_sql(target, n) for n in ("interaction_text", "interactions"))
    orphans = con.sql(
        f"SELECT count(*) FROM ({features}) t WHERE "
        f"interaction_id NOT IN (SELECT interaction_id FROM ({replies}))"
    ).fetchall()[0][0]
    assert orphans == 0  # reply features keep pointing at the (pseudonymised) replies
    assert json.loads((target / "meta.json").read_text())["rows"] == _store_rows(workspace)


def test_partitioned_export_wants_parquet(workspace: Path, tmp_path: Path) -> None:
    result = invoke(CliRunner(), "export", tmp_path / "x", "--partitioned", "--format", "jsonl",
                    "--workspace", workspace)  # fmt: skip
    assert result.exit_code == 2 and "--partitioned" in result.stderr


# -- missing pyspark or Java ----------------------------------------------------------------------
def test_missing_pyspark_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from rapport.engines import spark as engine

    monkeypatch.setitem(sys.modules, "pyspark.sql", None)  # `import pyspark.sql` fails
    monkeypatch.setattr(engine, "_sessions", {})
    with pytest.raises(UsageError, match=r"pip install 'rapport\[spark\]'.*openjdk-17"):
        engine.spark_session(master="local[1]")


def test_missing_java_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    from rapport.engines import spark as engine

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    monkeypatch.setattr(engine, "_import_pyspark", lambda: object())
    monkeypatch.setattr(engine, "_sessions", {})
    with pytest.raises(UsageError, match=r"needs Java.*apt install openjdk-17-jre-headless"):
        engine.spark_session(master="local[1]")


def test_cli_refuses_unknown_engine_and_master(workspace: Path) -> None:
    runner = CliRunner()
    result = invoke(runner, "metrics", "--engine", "polars", "--workspace", workspace)
    assert result.exit_code == 2 and "expected duckdb or spark" in result.stderr
    result = invoke(runner, "metrics", "--engine", "spark", "--spark-master", "yarn",
                    "--workspace", workspace)  # fmt: skip
    assert result.exit_code == 2 and "sc://HOST:PORT" in result.stderr


# -- Spark --------------------------------------------------------------------------------------
def _same(a: Any, b: Any) -> bool:
    """Equal, floats within 1e-9 relative (lists and objects element by element)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float | int) and isinstance(b, float | int):
        return a == b or math.isclose(a, b, rel_tol=1e-9)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


def _differences(duck: list[dict[str, Any]], other: list[dict[str, Any]]) -> dict[str, Any]:
    found = {}
    for left, right in zip(duck, other, strict=True):
        assert left["id"] == right["id"]
        keys = (set(left) | set(right)) - {"engine"}
        diff = {
            k: (left.get(k), right.get(k)) for k in keys if not _same(left.get(k), right.get(k))
        }
        if diff:
            found[left["id"]] = diff
    return found


@pytest.mark.spark
def test_spark_reads_the_export(spark: Any, exported: Path) -> None:
    rows = json.loads((exported / "meta.json").read_text())["rows"]
    for name in ("posts", "interactions", "accounts", "relevance"):
        assert spark.read.parquet(str(exported / name)).count() == rows[name], name
    first = spark.read.parquet(str(exported / "posts")).agg({"created_at": "min"}).collect()[0][0]
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    expected = con.sql(
        f"SELECT epoch_us(min(created_at)) FROM ({duckdb_read_sql(exported, 'posts')})"
    ).fetchall()[0][0]
    assert int(first.timestamp() * 1_000_000) == expected  # the same instant (session in UTC)


@pytest.mark.spark
def test_metrics_on_spark_equal_duckdb(spark: Any, workspace: Path) -> None:
    duck = invoke_json("metrics", "--workspace", workspace)
    result = invoke(CliRunner(), "metrics", "--engine", "spark", "--workspace", workspace, "--json")
    assert result.exit_code == 0, result.output
    on_spark = json.loads(result.stdout)
    assert [m["id"] for m in on_spark] == [m["id"] for m in duck]
    assert {m["engine"] for m in duck} == {"duckdb"}
    assert {m["engine"] for m in on_spark} == {"spark"}
    assert (workspace / DATASET_FOLDER / "meta.json").is_file()
    differences = _differences(duck, on_spark)
    assert set(differences) == set(KNOWN_DIFFERENCES), differences
    assert sum(m["status"] == "ok" for m in on_spark) >= 30


@pytest.mark.spark
def test_open_on_spark(spark: Any, workspace: Path, exported: Path) -> None:
    with rapport.open(workspace) as duck:
        expected = {r.id: r.to_dict() for r in duck.metrics(ids=CONNECT_METRICS)}
        zone = duck.zone
    with rapport.open(workspace, engine="spark") as session:
        assert session.engine.name == "spark"
        assert session.context.settings["backend"] == "pyspark"
        assert session.tables.relevance is not None and session.tables.post_text is not None
        assert session.zone.name == zone.name
        assert session.read_only
        with pytest.raises(UsageError, match="no store"):
            _ = session.store
        frame = session.metrics_frame()
        assert len(frame) == len(metrics())
        got = {r.id: r.to_dict() for r in session.metrics(ids=CONNECT_METRICS)}
        written = json.loads((workspace / DATASET_FOLDER / "meta.json").read_text())["written_at"]
    assert _differences(list(expected.values()), list(got.values())) == {}
    with rapport.open(workspace, engine="spark") as again:  # the store did not change: reused
        assert again.execute(again.tables.posts.count()) > 0
    assert (
        json.loads((workspace / DATASET_FOLDER / "meta.json").read_text())["written_at"] == written
    )
    with rapport.open(exported, engine="spark") as from_dataset:  # a dataset folder
        got = {r.id: r.to_dict() for r in from_dataset.metrics(ids=CONNECT_METRICS)}
        assert from_dataset.workspace is None
    assert _differences(list(expected.values()), list(got.values())) == {}


@pytest.mark.spark
def test_spark_connect_on_loopback(spark: Any, workspace: Path, exported: Path) -> None:
    with rapport.open(workspace) as duck:
        expected = [r.to_dict() for r in duck.metrics(ids=CONNECT_METRICS)]
    with connect_server() as address:
        with rapport.open(exported, engine="spark", spark_master=address) as remote:
            assert type(remote.engine.backend._session).__module__.startswith("pyspark.sql.connect")
            got = [r.to_dict() for r in remote.metrics(ids=CONNECT_METRICS)]
        stop_spark(master=address)  # the server goes next: the client first
    assert _differences(expected, got) == {}


def test_partitioned_export_of_an_empty_store(tmp_path: Path) -> None:
    from rapport.engines.export import export_partitioned
    from rapport.session import Session

    with Store(tmp_path / "rapport.duckdb") as store, Session.over(store) as session:
        meta = export_partitioned(session, tmp_path / "out")
    assert set(meta.rows.values()) == {0}
    con = duckdb.connect()
    for name in meta.rows:  # an empty table is one file with its columns, readable as such
        assert con.sql(
            f"SELECT count(*) FROM ({duckdb_read_sql(tmp_path / 'out', name)})"
        ).fetchall() == [(0,)]


def test_forget_removes_the_spark_dataset(demo_workspace: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    shutil.copytree(demo_workspace, root)
    invoke_json("export", root / DATASET_FOLDER, "--partitioned", "--workspace", root)
    with Store(root / "rapport.duckdb", read_only=True) as store:
        person = store.connection.sql("SELECT min(person_id) FROM people").fetchall()[0][0]
    result = invoke_json("forget", person, "--yes", "--workspace", root)
    assert str(root / DATASET_FOLDER) in result["files_removed"]
    assert not (root / DATASET_FOLDER).exists()  # it held the person: written again when needed
