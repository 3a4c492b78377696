"""Bad input gets one clear line, exit code 2, and leaves the store exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from rapport.canonical import FORMAT_NAME, read_canonical, write_canonical
from rapport.errors import SchemaMismatch, UnreadableFile, WrongFormat
from tests.conftest import build_tables, invoke, snapshot_file

GOOD_ROWS = {
    "accounts": [{"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}],
    "posts": [
        {
            "post_id": "x:1",
            "account_id": "x:shop",
            "created_at": "2026-01-05T09:00:00Z",
            "text": "hello",
        }
    ],
}


@pytest.fixture
def workspace(tmp_path: Path, cli: CliRunner) -> Path:
    """A workspace that already holds data, so 'unchanged' means something."""
    source = tmp_path / "good"
    write_canonical(build_tables(GOOD_ROWS), source)
    ws = tmp_path / "ws"
    result = invoke(cli, "import", source, "--workspace", ws)
    assert result.exit_code == 0, result.output
    return ws


def _canonical_dir(tmp_path: Path, name: str = "bad") -> Path:
    folder = tmp_path / name
    write_canonical(build_tables(GOOD_ROWS), folder)
    return folder


def _assert_refused(cli: CliRunner, ws: Path, *args: str | Path, expect: str) -> str:
    before = snapshot_file(ws / "rapport.duckdb")
    result = invoke(cli, *args, "--workspace", ws)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expect in lines[0], lines[0]
    assert "Traceback" not in result.output + result.stderr
    assert snapshot_file(ws / "rapport.duckdb") == before
    return lines[0]


def test_truncated_parquet(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    folder = _canonical_dir(tmp_path)
    data = (folder / "posts.parquet").read_bytes()
    (folder / "posts.parquet").write_bytes(data[: len(data) // 2])
    line = _assert_refused(
        cli, workspace, "import", folder, "--as", "canonical", expect="posts.parquet"
    )
    assert "Parquet" in line


def test_column_of_the_wrong_type(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    folder = _canonical_dir(tmp_path)
    table = pq.read_table(folder / "accounts.parquet")
    index = table.schema.get_field_index("followers")
    table = table.set_column(index, "followers", pa.array(["many"], pa.string()))
    pq.write_table(table, folder / "accounts.parquet")
    line = _assert_refused(
        cli, workspace, "import", folder, "--as", "canonical", expect="accounts.parquet"
    )
    assert "'followers'" in line and "int64" in line and "string" in line


def test_timestamps_without_a_time_zone(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    folder = _canonical_dir(tmp_path)
    table = pq.read_table(folder / "posts.parquet")
    index = table.schema.get_field_index("created_at")
    naive = table.column("created_at").cast(pa.timestamp("us"))
    pq.write_table(table.set_column(index, "created_at", naive), folder / "posts.parquet")
    line = _assert_refused(cli, workspace, "import", folder, expect="'created_at'")
    assert "time zone" in line


def test_a_missing_required_column(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    folder = _canonical_dir(tmp_path)
    table = pq.read_table(folder / "posts.parquet").drop_columns(["created_at"])
    pq.write_table(table, folder / "posts.parquet")
    _assert_refused(cli, workspace, "import", folder, expect="no such column")


def test_unknown_config_key(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    config = workspace / "rapport.toml"
    config.write_text(config.read_text() + "\n[goal2]\nobjective = 'sales'\n")
    folder = _canonical_dir(tmp_path)
    line = _assert_refused(cli, workspace, "import", folder, expect="rapport.toml: goal2")
    assert "unknown key" in line


def test_misspelled_config_key_gets_a_suggestion(cli: CliRunner, workspace: Path) -> None:
    config = workspace / "rapport.toml"
    config.write_text(config.read_text().replace("posts_per_week", "post_per_week"))
    line = _assert_refused(cli, workspace, "status", expect="targets.post_per_week")
    assert "did you mean 'posts_per_week'" in line


def test_wrong_config_value(cli: CliRunner, workspace: Path) -> None:
    config = workspace / "rapport.toml"
    config.write_text(config.read_text().replace('# objective = "signups"', 'objective = "fame"'))
    line = _assert_refused(cli, workspace, "report", expect="goal.objective = 'fame'")
    assert "'signups'" in line


def test_input_path_that_does_not_exist(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    _assert_refused(cli, workspace, "import", tmp_path / "nope", expect="does not exist")


def test_a_new_workspace_is_not_created_by_a_failed_import(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "never"
    result = invoke(cli, "import", tmp_path / "nope", "--workspace", ws)
    assert result.exit_code == 2
    assert not ws.exists()


def test_folder_without_manifest(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    folder = _canonical_dir(tmp_path)
    (folder / "manifest.json").unlink()
    _assert_refused(
        cli, workspace, "import", folder, "--as", "canonical", expect="no manifest.json"
    )
    # its Parquet files make the canonical format the clear best guess: it says what's missing
    _assert_refused(cli, workspace, "import", folder, expect="no manifest.json")


def test_manifest_of_another_version(tmp_path: Path) -> None:
    folder = _canonical_dir(tmp_path)
    (folder / "manifest.json").write_text(json.dumps({"format": "rapport-canonical/9"}))
    with pytest.raises(WrongFormat, match="rapport-canonical/9"):
        read_canonical(folder)


def test_jsonl_that_is_not_json(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"format": FORMAT_NAME}))
    (folder / "posts.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00binary")
    with pytest.raises(UnreadableFile) as caught:
        read_canonical(folder)
    assert caught.value.path.name == "posts.jsonl"


def test_two_files_for_one_table(tmp_path: Path) -> None:
    folder = _canonical_dir(tmp_path)
    write_canonical(build_tables(GOOD_ROWS), tmp_path / "other", format="jsonl")
    (folder / "posts.jsonl").write_bytes((tmp_path / "other" / "posts.jsonl").read_bytes())
    with pytest.raises(WrongFormat, match=r"posts\.parquet, posts\.jsonl"):
        read_canonical(folder)


def test_schema_mismatch_carries_its_context(tmp_path: Path) -> None:
    folder = _canonical_dir(tmp_path)
    bad = pa.table(
        {
            "account_id": ["x:a"],
            "platform": ["x"],
            "handle": ["a"],
            "role": ["own"],
            "followers": [1.5],
        }
    )
    pq.write_table(bad, folder / "accounts.parquet")
    with pytest.raises(SchemaMismatch) as caught:
        read_canonical(folder)
    error = caught.value
    assert (error.path.name, error.table, error.field) == (
        "accounts.parquet",
        "accounts",
        "followers",
    )
    assert "double" in error.found


def test_bad_records_are_quarantined_and_the_rest_imported(
    tmp_path: Path, cli: CliRunner, workspace: Path
) -> None:
    folder = tmp_path / "mixed"
    write_canonical(build_tables(GOOD_ROWS), folder, format="jsonl")
    lines = (folder / "posts.jsonl").read_text().splitlines()
    good = json.loads(lines[0])
    records = [
        {**good, "post_id": "x:2"},
        {**good, "post_id": "x:3", "created_at": "yesterday"},
        {**good, "post_id": "x:4", "content_kind": "meme"},
        {**good, "post_id": 5},
        {**good, "post_id": "x:6", "account_id": "x:ghost"},
    ]
    text = "\n".join(json.dumps(r) for r in records) + '\n{"post_id": "x:7", "acc'
    (folder / "posts.jsonl").write_text(text)
    result = invoke(cli, "import", folder, "--workspace", workspace, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["tables"]["posts"]["added"] == 1
    assert summary["tables"]["posts"]["rejected"] == 5
    reasons = {(r["source"], r["field"]): r["reason"] for r in summary["rejected_by_reason"]}
    assert "ISO-8601" in reasons[("posts.jsonl", "created_at")]
    assert "expected one of" in reasons[("posts.jsonl", "content_kind")]
    assert "expected text" in reasons[("posts.jsonl", "post_id")]
    assert "not a known account" in reasons[("posts.jsonl", "account_id")]
    assert "not valid JSON" in reasons[("posts.jsonl", None)]
    located = [r for r in summary["first_rejections"] if "line 2" in r]
    assert located and "created_at" in located[0]
    status = json.loads(invoke(cli, "status", "--workspace", workspace, "--json").stdout)
    assert status["store"]["quarantined"] == 5
