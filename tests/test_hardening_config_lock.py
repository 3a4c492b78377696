"""Issue 11, items 9 and 10: a rapport.toml that validates never crashes a command later,
and concurrent commands on one workspace either wait or are refused at once, clearly.

Every hostile input is built here, in tmp_path; every command is a real one (in-process for
the config, in processes of their own for the store's lock).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.config import Config, settings
from tests.conftest import build_tables, invoke
from tests.importer_support import import_into
from tests.test_metrics_foundation import HAND_BUILT

RAPPORT = [sys.executable, "-m", "rapport"]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A workspace holding the hand-built data (a real store)."""
    source = tmp_path / "hand"
    write_canonical(build_tables(HAND_BUILT), source)
    root = tmp_path / "ws"
    import_into(root, source)
    return root


def _refused(cli: CliRunner, workspace: Path, *args: str) -> str:
    """The command ends with exit code 2, one line on stderr naming rapport.toml, no
    traceback, and the store byte-identical; the line."""
    store = workspace / "rapport.duckdb"
    before = store.read_bytes()
    result = invoke(cli, *args, "--workspace", workspace)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, result.output
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert str(workspace / "rapport.toml") in lines[0]
    assert store.read_bytes() == before
    return lines[0]


# -- item 9: rapport.toml ---------------------------------------------------------------------
HOSTILE = {
    "arrays 2000 deep": (
        "[targets]\nposts_per_week = " + "[" * 2000 + "]" * 2000 + "\n",
        ["line 2", "targets.posts_per_week", "nested 2000 deep", "posts_per_week = 3"],
    ),
    "arrays 500 deep": (
        "[goal]\ntarget_audience = " + "[" * 500 + '"x"' + "]" * 500 + "\n",
        ["line 2", "goal.target_audience", "nested 500 deep"],
    ),
    "inline tables 500 deep": (
        '[[accounts.own]]\nplatform = "x"\nhandle = ' + "{a = " * 500 + "1" + "}" * 500 + "\n",
        ["line 3", "handle", "nested 500 deep"],
    ),
    "window_days of 10^11": (
        "[community]\nwindow_days = 100000000000\n",
        ["community.window_days = 100000000000", "a whole number from 7 to 3650"],
    ),
    "max_gap_days = 1e26": (
        "[targets]\nmax_gap_days = 1e26\n",
        ["targets.max_gap_days = 1e+26", "a whole number from 1 to 365"],
    ),
    "weekly_hours = inf": (
        "[targets]\nweekly_hours = inf\n",
        ["targets.weekly_hours = inf", "a number from 0.25 to 168"],
    ),
    "reply_rate = nan": (
        "[targets]\nreply_rate = nan\n",
        ["targets.reply_rate = nan", "a number from 0 to 1"],
    ),
    "minutes_per_post = -inf": (
        "[costs]\nminutes_per_post = -inf\n",
        ["costs.minutes_per_post = -inf", "a number from 0.1 to 1440"],
    ),
    "an integer beyond int64": (
        f"[care]\nquiet_after_days = {2**70}\n",
        [f"care.quiet_after_days = {2**70}", "a whole number from 7 to 3650"],
    ),
    "a tiny positive float": (
        "[targets]\nposts_per_week = 5e-324\n",
        ["targets.posts_per_week = 5e-324", "a number from 0.1 to 100"],
    ),
    "an array for a number": (
        "[targets]\nposts_per_week = [3]\n",
        ["targets.posts_per_week = [3]", "a number from 0.1 to 100"],
    ),
}


@pytest.mark.parametrize("command", ["status", "metrics", "plan"])
@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_setting_is_refused_in_one_line(
    cli: CliRunner, workspace: Path, case: str, command: str
) -> None:
    text, expected = HOSTILE[case]
    (workspace / "rapport.toml").write_text(text, encoding="utf-8")
    line = _refused(cli, workspace, command)
    for part in expected:
        assert part in line, (part, line)
    assert len(line) < 300, line  # the value is cut, never printed 2000 brackets long


def test_a_rapport_toml_that_is_a_folder(cli: CliRunner, workspace: Path) -> None:
    config = workspace / "rapport.toml"
    config.unlink()
    config.mkdir()
    for command in ("status", "metrics", "plan"):
        line = _refused(cli, workspace, command)
        assert "it is a folder, not a file" in line and "move it away" in line
    result = invoke(cli, "init", "--force", "--workspace", workspace)
    assert result.exit_code == 2, result.output
    assert "is a folder, not a file" in result.stderr and "Traceback" not in result.stderr
    assert config.is_dir()  # left as it was


def test_an_oversized_rapport_toml_is_refused_before_it_is_read(
    cli: CliRunner, workspace: Path
) -> None:
    line = "# " + "x" * 98 + "\n"
    (workspace / "rapport.toml").write_text(line * 20_000, encoding="utf-8")  # 2 MB
    assert "larger than 1,000,000 bytes" in _refused(cli, workspace, "status")


def test_every_number_has_a_documented_range() -> None:
    numbers = [s for s in settings() if s.kind in ("number", "whole number")]
    assert len(numbers) == 17  # targets 7, community 2, costs 6, care 2
    for setting in numbers:
        assert setting.minimum is not None and setting.maximum is not None, setting.key
        assert setting.maximum <= 2**31, setting.key  # far inside int64 and dates
    docs = (Path(__file__).parents[1] / "docs" / "config.md").read_text(encoding="utf-8")
    for setting in settings():
        assert f"| `{setting.key}` |" in docs, setting.key
        assert setting.range in docs, setting.key


def _config_text(pick: str) -> str:
    """rapport.toml with every number at its minimum or its maximum."""
    sections: dict[str, list[str]] = {}
    for setting in settings():
        if setting.minimum is None or setting.maximum is None:
            continue
        section, name = setting.key.split(".")
        value = setting.minimum if pick == "minimum" else setting.maximum
        shown = str(int(value)) if setting.kind == "whole number" else repr(float(value))
        sections.setdefault(section, []).append(f"{name} = {shown}")
    return "".join(f"[{s}]\n" + "\n".join(lines) + "\n" for s, lines in sections.items())


@pytest.mark.parametrize("pick", ["minimum", "maximum"])
def test_every_command_runs_at_the_ends_of_every_range(
    cli: CliRunner, workspace: Path, pick: str
) -> None:
    (workspace / "rapport.toml").write_text(_config_text(pick), encoding="utf-8")
    for command in (
        ["status"], ["metrics"], ["benchmark"], ["plan"], ["care"], ["calendar"],
        ["report", "--out", str(workspace / "r.html")],
    ):  # fmt: skip
        result = invoke(cli, *command, "--workspace", workspace)
        assert result.exit_code == 0, (command, result.output)


def test_inf_and_nan_are_refused_by_every_float_setting() -> None:
    for setting in settings():
        if setting.kind != "number":
            continue
        section, name = setting.key.split(".")
        for bad in (math.inf, -math.inf, math.nan):
            with pytest.raises(ValueError, match="finite"):
                Config.model_validate({section: {name: bad}})


# -- item 10: one writer at a time; readers wait ----------------------------------------------
def _env(wait: float) -> dict[str, str]:
    env = {**os.environ, "RAPPORT_WAIT_SECONDS": str(wait)}
    env.pop("RAPPORT_WORKSPACE", None)
    return env


def _start(*args: str | Path, wait: float = 120) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*RAPPORT, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(wait),
    )


def _run(*args: str | Path, wait: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RAPPORT, *map(str, args)], capture_output=True, text=True, env=_env(wait), timeout=600
    )


def _canonical(folder: Path, *, interactions: int, prefix: str) -> Path:
    """A canonical JSONL folder with this many replies (an import that writes for a while)."""
    folder.mkdir()
    stamp = "2026-10-01T12:00:00Z"
    (folder / "manifest.json").write_text(
        json.dumps({"format": "rapport-canonical/1", "generated_at": stamp, "source": "test"})
    )
    account = f"x:{prefix}-me"
    lines = {
        "accounts": [{"account_id": account, "platform": "x", "handle": prefix, "role": "own"}],
        "posts": [
            {"post_id": f"x:{prefix}-p{i}", "account_id": account, "created_at": stamp}
            for i in range(50)
        ],
        "people": [
            {"person_id": f"x:{prefix}-u{i}", "platform": "x", "bio": "home baker"}
            for i in range(max(1, interactions // 10))
        ],
    }
    with (folder / "interactions.jsonl").open("w", encoding="utf-8") as file:
        for i in range(interactions):
            row = {
                "interaction_id": f"x:{prefix}-i{i}", "platform": "x", "kind": "reply",
                "account_id": account, "post_id": f"x:{prefix}-p{i % 50}",
                "person_id": f"x:{prefix}-u{i % max(1, interactions // 10)}",
                "occurred_at": stamp, "text": f"lovely bread, loaf {i}",
            }  # fmt: skip
            file.write(json.dumps(row) + "\n")
    for table, rows in lines.items():
        text = "".join(json.dumps(row) + "\n" for row in rows)
        (folder / f"{table}.jsonl").write_text(text, encoding="utf-8")
    return folder


BIG = 150_000
"""Replies in the large import: it writes for seconds (about 10 s on 2 busy cores), far
longer than a second process takes to start."""


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _canonical(tmp_path_factory.mktemp("big") / "big", interactions=BIG, prefix="big")


@pytest.fixture
def importing(workspace: Path, big: Path) -> Iterator[subprocess.Popen[str]]:
    """A real `rapport import` of a large canonical folder, returned once it writes (its
    marker is beside the store)."""
    process = _start("import", big, "--json", "--workspace", workspace)
    marker = workspace / "rapport.duckdb.writer"
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.05)
    yield process
    process.kill()
    process.wait()


def test_a_reader_waits_for_a_real_import_then_reads_its_data(
    workspace: Path, importing: subprocess.Popen[str]
) -> None:
    status = _run("status", "--json", "--workspace", workspace)
    assert status.returncode == 0, status.stderr
    assert "an import (process" in status.stderr and "waiting" in status.stderr
    _out, err = importing.communicate(timeout=60)
    assert importing.returncode == 0, err
    # It read only once the import had committed: every row the import wrote is counted.
    # (The import process may still be exiting when the reader is done: it releases the
    # store before it prints its summary, so its exit is not the thing to wait for.)
    rows = json.loads(status.stdout)["store"]["rows"]
    assert rows["interactions"] >= BIG


def test_a_second_import_is_refused_at_once_while_an_import_writes(
    workspace: Path, tmp_path: Path, importing: subprocess.Popen[str]
) -> None:
    small = _canonical(tmp_path / "small", interactions=5, prefix="second")
    second = _run("import", small, "--workspace", workspace)
    assert importing.poll() is None  # refused while the first still writes: no waiting
    assert second.returncode == 2, second.stderr
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, second.stderr
    assert "the store is in use: an import (process" in lines[0]
    assert str(workspace / "rapport.duckdb") in lines[0] and "waiting" not in second.stderr
    _out, err = importing.communicate(timeout=600)
    assert importing.returncode == 0, err
    status = _run("status", "--json", "--workspace", workspace)
    accounts = {a["account_id"] for a in json.loads(status.stdout)["store"]["accounts"]}
    assert "x:big-me" in accounts and "x:second-me" not in accounts


_HOLD_WRITER = textwrap.dedent(
    """
    import sys, time
    from rapport.workspace import Workspace
    session = Workspace(sys.argv[1]).session(read_only=False, purpose="an import")
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    session.close()
    """
)


@pytest.fixture
def writer(workspace: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding a real write session on the workspace for 60 s."""
    process = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITER, str(workspace), "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "open", process.communicate()
    yield process
    process.kill()
    process.wait()


@pytest.mark.parametrize(
    "command", [["import", "small"], ["forget", "x:p1", "--yes"], ["care", "done", "x:i1"]]
)
def test_every_writer_is_refused_at_once_and_the_store_is_unchanged(
    workspace: Path, tmp_path: Path, writer: subprocess.Popen[str], command: list[str]
) -> None:
    small = _canonical(tmp_path / "small", interactions=5, prefix="second")
    args = [str(small) if part == "small" else part for part in command]
    store = workspace / "rapport.duckdb"
    before = store.read_bytes()
    clock = time.monotonic()
    result = _run(*args, "--workspace", workspace, wait=120)
    assert time.monotonic() - clock < 60  # not the 120 s wait
    assert writer.poll() is None
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "the store is in use" in lines[0], result.stderr
    assert store.read_bytes() == before


# -- crash consistency: kill -9 during a real import ------------------------------------------
def _rows(workspace: Path) -> dict[str, int]:
    status = _run("status", "--json", "--workspace", workspace)
    assert status.returncode == 0, status.stderr
    rows: dict[str, int] = json.loads(status.stdout)["store"]["rows"]
    return rows


@pytest.mark.parametrize("after", [0.0, 1.5, 4.0])
def test_a_killed_import_leaves_the_store_before_or_after_never_between(
    workspace: Path, big: Path, after: float
) -> None:
    """kill -9 at some moment after the import starts writing: the store opens, holds either
    everything it held before or everything the import brings, and takes the next import."""
    before = _rows(workspace)
    process = _start("import", big, "--json", "--workspace", workspace)
    marker = workspace / "rapport.duckdb.writer"
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None:
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)
    time.sleep(after)
    process.kill()  # SIGKILL: no cleanup of any kind runs
    process.wait()
    now = _rows(workspace)
    assert now["interactions"] in (before["interactions"], before["interactions"] + BIG), now
    assert now["posts"] in (before["posts"], before["posts"] + 50), now
    done = (now["interactions"] == before["interactions"] + BIG, now["posts"] > before["posts"])
    assert done[0] == done[1], now  # all tables of the import, or none
    again = _run("import", big, "--json", "--workspace", workspace)
    assert again.returncode == 0, again.stderr  # the killed writer's lock holds nothing up
    assert _rows(workspace)["interactions"] == before["interactions"] + BIG
