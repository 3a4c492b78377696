"""The command line: help everywhere, JSON on stdout, one line for errors, tracebacks on --debug."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.cli import app
from tests.conftest import build_tables, invoke
from tests.test_metrics_foundation import HAND_BUILT


def _leaf_commands(group: object, prefix: str = "") -> dict[str, object]:
    found: dict[str, object] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            found.update(_leaf_commands(command, f"{prefix}{name} "))
        else:
            found[f"{prefix}{name}"] = command
    return found


COMMANDS = _leaf_commands(typer.main.get_command(app))
FOLDER_COMMANDS = {"serve", "user add"}
"""Commands over a folder of workspaces (the web workplace): --root instead of --workspace,
no --json; their bad input is tested in tests/test_web_cli.py."""


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_the_common_options(name: str, cli: CliRunner) -> None:
    command: Any = COMMANDS[name]
    assert command.help and len(command.help) > 30, f"{name} lacks help"
    options = {opt for param in command.params for opt in getattr(param, "opts", [])}
    common = (
        {"--root", "--debug"} if name in FOLDER_COMMANDS else {"--workspace", "--json", "--debug"}
    )
    assert common <= options, name
    for param in command.params:
        assert getattr(param, "help", None) or param.param_type_name == "argument", (
            f"{name}: {param.name} lacks help"
        )
    result = invoke(cli, *name.split(), "--help")
    assert result.exit_code == 0
    assert ("--root" if name in FOLDER_COMMANDS else "--workspace") in result.stdout


@pytest.fixture
def workspace(tmp_path: Path, cli: CliRunner) -> Path:
    source = tmp_path / "source"
    write_canonical(build_tables(HAND_BUILT), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    return ws


def test_import_prints_a_summary(tmp_path: Path, cli: CliRunner) -> None:
    source = tmp_path / "source"
    write_canonical(build_tables(HAND_BUILT), source)
    result = invoke(cli, "import", source, "--workspace", tmp_path / "ws")
    assert result.exit_code == 0
    assert "(canonical)" in result.stdout
    assert "24 added, 0 updated, 0 unchanged, 0 rejected" in result.stdout
    again = invoke(cli, "import", source, "--workspace", tmp_path / "ws", "--json")
    data = json.loads(again.stdout)
    assert (data["added"], data["updated"], data["unchanged"]) == (0, 0, 24)
    assert data["files"] and all(len(f["sha256"]) == 64 for f in data["files"])


def test_metrics_json_contract(cli: CliRunner, workspace: Path) -> None:
    result = invoke(cli, "metrics", "--workspace", workspace, "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    keys = {"id", "area", "title", "value", "unit", "denominator", "interval", "n", "status"}
    assert all(keys <= set(r) for r in rows)
    by_id = {r["id"]: r for r in rows}
    assert by_id["reply_rate"]["value"] == 0.5 and by_id["reply_rate"]["status"] == "ok"
    assert isinstance(by_id["likes"]["value"], int)  # numbers, never text (DuckDB sums)
    assert by_id["reach"]["status"] == "not_computable" and by_id["reach"]["value"] is None
    assert "reason" in by_id["reach"]


def test_metrics_period_options(cli: CliRunner, workspace: Path) -> None:
    result = invoke(
        cli,
        "metrics",
        "--since",
        "2024-01-08",
        "--until",
        "2024-01-15",
        "--workspace",
        workspace,
        "--json",
    )
    by_id = {r["id"]: r for r in json.loads(result.stdout)}
    assert by_id["posts"]["value"] == 1
    bad = invoke(cli, "metrics", "--since", "last week", "--workspace", workspace)
    assert bad.exit_code == 2 and "--since 'last week'" in bad.stderr


def test_status(cli: CliRunner, workspace: Path) -> None:
    text = invoke(cli, "status", "--workspace", workspace).stdout
    assert "posts 9" in text and "own: @me (x:me)" in text and "quarantined records: 0" in text
    data = json.loads(invoke(cli, "status", "--workspace", workspace, "--json").stdout)
    assert data["store"]["rows"]["interactions"] == 9
    assert data["store"]["imports"][0]["added"] == 24


def test_export_formats(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    default = invoke(cli, "export", tmp_path / "p", "--workspace", workspace)
    assert default.exit_code == 0
    assert (tmp_path / "p" / "posts.parquet").exists()
    jsonl = invoke(cli, "export", tmp_path / "j", "--format", "jsonl", "--workspace", workspace)
    assert jsonl.exit_code == 0 and (tmp_path / "j" / "posts.jsonl").exists()
    bad = invoke(cli, "export", tmp_path / "x", "--format", "csv", "--workspace", workspace)
    assert bad.exit_code == 2 and "--format 'csv'" in bad.stderr
    (tmp_path / "occupied").mkdir()
    (tmp_path / "occupied" / "thesis.docx").write_text("mine")
    refused = invoke(cli, "export", tmp_path / "occupied", "--workspace", workspace)
    assert refused.exit_code == 2 and "not empty" in refused.stderr
    assert (tmp_path / "occupied" / "thesis.docx").read_text() == "mine"


def test_unknown_format_is_a_usage_error(tmp_path: Path, cli: CliRunner, workspace: Path) -> None:
    result = invoke(cli, "import", workspace, "--as", "myspace", "--workspace", workspace)
    assert result.exit_code == 2
    assert "format 'myspace': unknown; known formats: bluesky_car, canonical," in result.stderr
    assert "(--as FORMAT)" in result.stderr
    assert "x_archive" in result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "rapport",
        "import",
        str(tmp_path / "nope"),
        "--workspace",
        str(tmp_path / "ws"),
    ]
    quiet = subprocess.run(command, capture_output=True, text=True, check=False)
    assert quiet.returncode == 2
    assert "Traceback" not in quiet.stderr
    assert quiet.stderr.strip().startswith("error:")
    loud = subprocess.run([*command, "--debug"], capture_output=True, text=True, check=False)
    assert loud.returncode != 0
    assert "Traceback" in loud.stderr and "InputNotFound" in loud.stderr


def test_usage_errors_exit_2(cli: CliRunner) -> None:
    result = invoke(cli, "import")
    assert result.exit_code == 2
    result = invoke(cli, "no-such-command")
    assert result.exit_code == 2


def test_version(cli: CliRunner) -> None:
    from rapport import __version__

    assert invoke(cli, "--version").stdout.strip() == f"rapport {__version__}"


def test_metric_tables(cli: CliRunner, workspace: Path) -> None:
    listing = invoke(cli, "metrics", "--table", "list", "--workspace", workspace)
    assert "people" in listing.stdout and "cohorts" in listing.stdout
    as_csv = invoke(cli, "metrics", "--table", "people", "--workspace", workspace)
    assert as_csv.exit_code == 0, as_csv.output
    header, *lines = as_csv.stdout.strip().splitlines()
    assert header.startswith("person_id,handle,display_name,love_score,level")
    assert len(lines) == 4  # p1, p2, p3 and p4 engaged
    as_json = invoke(
        cli, "metrics", "--table", "posts", "--format", "json", "--workspace", workspace
    )
    posts = json.loads(as_json.stdout)
    assert {p["post_id"] for p in posts} == {"x:1", "x:2", "x:3", "x:4"}  # originals only
    unknown = invoke(cli, "metrics", "--table", "nope", "--workspace", workspace)
    assert unknown.exit_code == 2 and "unknown table" in unknown.stderr


BAD_INPUT: dict[str, list[str]] = {
    "init": [],  # the existing rapport.toml is broken
    "demo": ["--people", "5"],  # below the minimum: Click refuses it before rapport runs
    "simulate": ["--people", "5", "--out", "never-written"],  # below the minimum
    "import": ["nowhere.zip"],
    "export": ["out", "--format", "xml"],
    "report": [],
    "metrics": [],
    "status": [],
    "forget": ["someone", "--yes"],
    "utm": ["not a web address", "--platform", "x"],
    "connect": [],
    "connect mastodon": ["--instance", "https://social.example", "--token-stdin"],
    "connect bluesky": ["--handle", "shop.example", "--app-password-stdin"],
    "pull mastodon": ["--instance", "https://social.example", "--token", "t"],
    "pull bluesky": ["--handle", "shop.example", "--app-password", "p"],
    "pull competitors": [],
    "connect instagram": ["--token-stdin"],
    "connect facebook": ["--page", "1", "--token-stdin"],
    "connect youtube": ["--channel", "UCx", "--api-key-stdin"],
    "pull instagram": ["--token", "t"],
    "pull facebook": ["--token", "t"],
    "pull youtube": ["--channel", "UCx", "--api-key", "k"],
    "forecast cascade": ["no-such-cascade.txt"],
    "forecast post": ["x:1"],
    "backtest": ["no-such-folder"],
    "seeds": [],
    "odds": [],
    "spikes": [],
    "benchmark": [],
    "plan": [],
    "care": [],
    "care done": ["abc"],
    "care show": ["abc"],
    "care reply": ["abc", "--text", "Hi", "--yes"],
    "calendar": [],
    "whatif": [],
    "publish": ["--due"],
    "publish draft": ["--platform", "bluesky", "--at", "2030-01-01T10:00", "--text", "Hi"],
    "publish schedule": ["1"],
    "publish list": [],
    "publish edit": ["1", "--text", "Hi"],
    "publish cancel": ["1"],
    "publish release": ["1"],
}
"""For each command, input it must refuse; with a broken rapport.toml in the workspace,
every command that reads the workspace refuses it before anything else."""


def test_every_command_is_listed_for_bad_input() -> None:
    assert (
        set(COMMANDS) - FOLDER_COMMANDS
        <= set(BAD_INPUT)
        <= {*COMMANDS, "care", "connect", "publish"}
    )


@pytest.mark.parametrize("name", sorted(BAD_INPUT))
def test_json_errors_are_an_object_on_stdout(name: str, cli: CliRunner, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "rapport.toml").write_text('[goal]\nobjective = "fame"\n', encoding="utf-8")
    args = [*name.split(), *BAD_INPUT[name], "--workspace", str(workspace), "--json"]
    result = invoke(cli, *args)
    assert result.exit_code == 2, (name, result.stdout, result.stderr)
    error = json.loads(result.stdout)
    assert set(error) == {"error", "exit_code"} and error["exit_code"] == 2
    assert set(error["error"]) == {"message", "file", "field", "fix"}
    assert error["error"]["message"]
    assert result.stderr.strip(), "the one-line message stays on stderr"
    if error["error"]["field"] == "goal.objective":  # the broken rapport.toml
        assert error["error"]["file"] == str(workspace / "rapport.toml")
        assert "fame" in error["error"]["message"] and error["error"]["fix"]


def test_without_json_stdout_stays_empty_on_errors(cli: CliRunner, tmp_path: Path) -> None:
    result = invoke(cli, "plan", "--workspace", tmp_path / "nowhere")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: ") and "no such workspace folder" in result.stderr
