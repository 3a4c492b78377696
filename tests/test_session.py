"""Sessions: one piece of work, built once, released once; readers and writers in real
processes wait for each other instead of failing (DuckDB lets no other process open a file
while one writes it), and a snapshot blocks nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import rapport
from rapport.canonical import write_canonical
from rapport.errors import UsageError, WorkspaceBusy
from rapport.session import METRIC_COLUMNS
from rapport.workspace import Workspace
from tests.conftest import build_tables, invoke_json
from tests.test_metrics_foundation import HAND_BUILT

RAPPORT = [sys.executable, "-m", "rapport"]


def run(*args: str | os.PathLike[str], wait: float = 60) -> subprocess.CompletedProcess[str]:
    """``rapport ARGS`` in a process of its own."""
    env = {**os.environ, "RAPPORT_WAIT_SECONDS": str(wait)}
    env.pop("RAPPORT_WORKSPACE", None)
    return subprocess.run(
        [*RAPPORT, *map(str, args)], capture_output=True, text=True, env=env, timeout=300
    )


def start(*args: str | os.PathLike[str], wait: float = 60) -> subprocess.Popen[str]:
    env = {**os.environ, "RAPPORT_WAIT_SECONDS": str(wait)}
    env.pop("RAPPORT_WORKSPACE", None)
    return subprocess.Popen(
        [*RAPPORT, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from rapport.workspace import Workspace
    ws = Workspace(sys.argv[1])
    mode = sys.argv[2]
    session = ws.session(read_only=(mode == "read"), snapshot=(mode == "snapshot"),
                         purpose="an import")
    print("open", flush=True)
    time.sleep(float(sys.argv[3]))
    session.close()
    print("closed", flush=True)
    """
)


@pytest.fixture
def hold(tmp_path: Path) -> Iterator[object]:
    """``hold(workspace, mode, seconds)``: another process keeps a session open (``read``,
    ``write`` or ``snapshot``) for that long; returns once it is open."""
    started: list[subprocess.Popen[str]] = []

    def holder(workspace: Path, mode: str, seconds: float) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(workspace), mode, str(seconds)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "open", process.stderr
        started.append(process)
        return process

    yield holder
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def ws(demo_workspace: Path, tmp_path: Path) -> Path:
    """A private copy of the shared demo workspace."""
    copy = tmp_path / "ws"
    shutil.copytree(demo_workspace, copy)
    return copy


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A canonical folder to import (the hand-built test data)."""
    folder = tmp_path / "small"
    write_canonical(build_tables(HAND_BUILT), folder)
    return folder


def test_a_session_builds_once_and_closes_once(ws: Path) -> None:
    session = rapport.open(ws)
    assert session.read_only and not session.snapshot
    assert session.context is session.context and session.tables is session.tables
    assert len(session.context.account_ids) == 1
    assert "post_stats" in session.facts
    session.close()
    session.close()  # idempotent
    assert session.closed
    with pytest.raises(UsageError, match="closed"):
        _ = session.tables
    with rapport.open(str(ws)) as again:  # a str works too
        assert again.execute(again.tables.posts.count()) > 0
    assert again.closed


def test_metrics_frame_has_the_columns_of_metrics_json(ws: Path) -> None:
    with rapport.open(ws) as session:
        frame = session.metrics_frame()
    data = invoke_json("metrics", "--workspace", ws)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(METRIC_COLUMNS)
    assert list(frame["id"]) == [m["id"] for m in data]
    by_id = {m["id"]: m for m in data}
    for row in frame.to_dict("records"):
        expected = by_id[row["id"]]
        for column in METRIC_COLUMNS:
            if isinstance(expected[column], float | list):  # sums in parallel: last digits
                assert row[column] == pytest.approx(expected[column], rel=1e-9)
            else:
                assert row[column] == expected[column], (row["id"], column)


def test_a_reading_session_writes_nothing(ws: Path) -> None:
    store = ws / "rapport.duckdb"
    before = store.read_bytes()
    with rapport.open(ws) as session:
        session.metrics()
    assert store.read_bytes() == before
    assert not store.with_name("rapport.duckdb.writer").exists()


def test_while_a_notebook_session_is_open_commands_still_read(ws: Path) -> None:
    with rapport.open(ws) as session:
        session.metrics()
        status = run("status", "--json", "--workspace", ws)
        report = run("report", "--out", ws / "r.html", "--workspace", ws)
        metrics = run("metrics", "--json", "--workspace", ws)
        # and the session still works after they ran
        assert session.execute(session.tables.posts.count()) > 0
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["store"]["rows"]["posts"] > 0
    assert report.returncode == 0, report.stderr
    assert (ws / "r.html").stat().st_size > 10_000
    assert metrics.returncode == 0, metrics.stderr
    assert len(json.loads(metrics.stdout)) == _metric_count()


def _metric_count() -> int:
    import rapport.metrics.builtin  # noqa: F401
    from rapport.metrics import metrics

    return len(metrics())


def test_two_readers_at_once(ws: Path, hold: object) -> None:
    holder = hold(ws, "read", 5)  # type: ignore[operator]
    clock = time.monotonic()
    result = run("status", "--json", "--workspace", ws)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - clock < 4.5  # it did not wait for the other reader
    assert "waiting" not in result.stderr
    holder.wait()


def test_a_reader_waits_for_an_import_then_reads(ws: Path, hold: object) -> None:
    hold(ws, "write", 2.5)  # type: ignore[operator]
    result = run("metrics", "--json", "--workspace", ws)
    assert result.returncode == 0, result.stderr
    assert "an import (process" in result.stderr and "waiting" in result.stderr
    assert len(json.loads(result.stdout)) == _metric_count()


def test_an_import_waits_for_an_open_reader_then_writes(ws: Path, small: Path) -> None:
    session = rapport.open(ws)
    importing = start("import", small, "--json", "--workspace", ws)
    assert importing.stderr is not None
    said = importing.stderr.readline()  # blocks until the import says it waits
    assert importing.poll() is None  # still waiting: the reader holds the file
    session.close()
    out, err = importing.communicate(timeout=120)
    err = said + err
    assert importing.returncode == 0, err
    assert "open in another process" in err and "waiting" in err
    assert json.loads(out)["added"] > 0


def test_a_snapshot_blocks_no_import(ws: Path, small: Path) -> None:
    with rapport.open(ws, snapshot=True) as session:
        posts = session.execute(session.tables.posts.count())
        result = run("import", small, "--json", "--workspace", ws, wait=5)
        assert result.returncode == 0, result.stderr
        assert "waiting" not in result.stderr
        # the snapshot still sees the data as it was when opened
        assert session.execute(session.tables.posts.count()) == posts
    with rapport.open(ws) as after:
        assert after.execute(after.tables.posts.count()) > posts
    assert not session.store.path.exists()  # the private copy is gone


def test_a_reader_gives_up_clearly_after_the_wait(ws: Path, hold: object) -> None:
    hold(ws, "write", 10)  # type: ignore[operator]
    result = run("plan", "--json", "--workspace", ws, wait=1)
    assert result.returncode == 2
    error = json.loads(result.stdout)
    assert error["exit_code"] == 2
    assert (
        "an import" in error["error"]["message"] and "still after 1 s" in error["error"]["message"]
    )
    assert error["error"]["file"] == str(ws / "rapport.duckdb")
    assert "RAPPORT_WAIT_SECONDS" in (error["error"]["fix"] or "")
    assert result.stderr.count("error:") == 1


def test_a_writer_gives_up_clearly_while_a_reader_holds_the_store(
    ws: Path, small: Path, hold: object
) -> None:
    hold(ws, "read", 10)  # type: ignore[operator]
    before = (ws / "rapport.duckdb").read_bytes()
    result = run("import", small, "--workspace", ws, wait=1)
    assert result.returncode == 2
    assert "open in another process" in result.stderr
    assert "session.close()" in result.stderr and "snapshot=True" in result.stderr
    assert (ws / "rapport.duckdb").read_bytes() == before


def test_in_process_the_wait_gives_way_to_the_library_error(ws: Path) -> None:
    with rapport.open(ws), pytest.raises(WorkspaceBusy, match="another session of this process"):
        Workspace(ws).session(read_only=False, wait=0.3)
