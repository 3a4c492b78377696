"""The caches of a metrics run (:mod:`rapport.engines.plans`, :mod:`rapport.query.cache`):
a run from the recorded SQL gives what Ibis gives, and nothing stale is ever read: a write to
the store retakes the survey and the coverage, and other code or another schema compiles its
own SQL."""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import pytest

import rapport
from rapport.analyses.coverage import coverage
from rapport.engines import plans as plans_module
from rapport.metrics import run as run_module
from rapport.query.cache import CACHE_FOLDER, CACHE_VAR, JsonCache
from rapport.store import Store
from rapport.store.migrations import MIGRATIONS
from tests.conftest import batch_of
from tests.test_metrics_foundation import HAND_BUILT


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace holding the hand-built test data, with the caches on."""
    folder = tmp_path / "ws"
    folder.mkdir()
    with Store(folder / "rapport.duckdb") as store:
        store.apply(batch_of(HAND_BUILT))
    monkeypatch.setenv(CACHE_VAR, "1")
    return folder


def _metrics(ws: Path, *, ids: list[str] | None = None) -> list[dict[str, Any]]:
    with rapport.open(ws) as session:
        return [r.to_dict() for r in session.metrics(ids=ids)]


def _same(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """The same results; floats to the last digits a parallel sum may change."""
    assert [r["id"] for r in got] == [r["id"] for r in expected]
    for a, b in zip(got, expected, strict=True):
        assert list(a) == list(b), a["id"]
        for key, value in b.items():
            pairs = (
                zip(a[key], value, strict=True) if isinstance(value, list) else [(a[key], value)]
            )
            for x, y in pairs:
                if isinstance(y, float):
                    assert x == pytest.approx(y, rel=1e-9), (a["id"], key)
                else:
                    assert x == y, (a["id"], key)


def _no_ibis(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any run that builds a metric's Ibis expressions."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the metrics were built with Ibis, not read from the plan")

    monkeypatch.setattr(run_module, "_run_one", refuse)


def _plan_files(ws: Path) -> list[Path]:
    return sorted((ws / CACHE_FOLDER).glob("metrics-*.json"))


def test_a_run_from_the_plan_gives_what_ibis_gives(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VAR, "0")
    uncached = _metrics(ws)
    assert not (ws / CACHE_FOLDER).exists()  # off: nothing kept
    monkeypatch.setenv(CACHE_VAR, "1")
    recorded = _metrics(ws)
    assert len(_plan_files(ws)) == 1
    with monkeypatch.context() as patch:
        _no_ibis(patch)
        replayed = _metrics(ws)
    assert sum(r["status"] == "ok" for r in replayed) > 20
    _same(recorded, uncached)
    _same(replayed, uncached)
    with rapport.open(ws) as session:  # a replay leaves no table behind
        names = session.store.connection.execute("SELECT table_name FROM duckdb_tables()")
        assert not [n for (n,) in names.fetchall() if n.startswith("ibis_cached_")]


def _poison(ws: Path) -> None:
    """Change the recorded plan so that a run read from it shows it (an extra number)."""
    (path,) = _plan_files(ws)
    entry = json.loads(path.read_text())
    for run in entry["runs"].values():
        for item in run["metrics"]:
            if "values" in item:
                item["values"]["extra:from_the_plan"] = 1
    path.write_text(json.dumps(entry))


def test_other_code_or_another_schema_never_reads_a_plan(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["reply_rate", "engagement_rate"]
    _metrics(ws, ids=ids)
    _poison(ws)
    assert "from_the_plan" in _metrics(ws, ids=ids)[0]  # the same code reads it
    monkeypatch.setattr(plans_module, "code_fingerprint", lambda: "another rapport")
    assert "from_the_plan" not in _metrics(ws, ids=ids)[0]
    monkeypatch.undo()
    monkeypatch.setenv(CACHE_VAR, "1")
    later = dataclasses.replace(MIGRATIONS[-1], name=MIGRATIONS[-1].name + "_next")
    monkeypatch.setattr(plans_module, "MIGRATIONS", [*MIGRATIONS, later])
    assert "from_the_plan" not in _metrics(ws, ids=ids)[0]


def test_a_plan_that_no_longer_runs_gives_way_to_ibis(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ["reply_rate", "engagement_rate", "posts_per_week"]
    expected = _metrics(ws, ids=ids)
    (path,) = _plan_files(ws)
    entry = json.loads(path.read_text())
    for run in entry["runs"].values():
        run["steps"][-1]["sql"] = "SELECT * FROM a_table_that_is_not_there"
    path.write_text(json.dumps(entry))
    _same(_metrics(ws, ids=ids), expected)
    assert json.loads(path.read_text()) == {}  # forgotten: the next run records anew
    _same(_metrics(ws, ids=ids), expected)
    with monkeypatch.context() as patch:
        _no_ibis(patch)
        _same(_metrics(ws, ids=ids), expected)


def test_a_write_retakes_the_survey_the_coverage_and_the_needs(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with rapport.open(ws) as session:
        assert "follower_counts" in session.facts
        held = coverage(session)
    assert json.loads((ws / CACHE_FOLDER / "survey.json").read_text())["generation"]
    before = _metrics(ws)
    with Store(ws / "rapport.duckdb") as store:
        store.connection.execute("DELETE FROM follower_counts")
        store.connection.execute("UPDATE accounts SET followers = NULL")
    with rapport.open(ws) as session:
        assert "follower_counts" not in session.facts
        holds = coverage(session)
    assert held.has("follower_history") and not holds.has("follower_history")
    after = _metrics(ws)
    monkeypatch.setenv(CACHE_VAR, "0")
    _same(after, _metrics(ws))
    with rapport.open(ws) as session:
        assert coverage(session) == holds
    assert after != before
    assert len(_plan_files(ws)) == 2  # the facts changed: another question, another plan


def test_the_cache_keeps_the_latest_entries_and_can_be_turned_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CACHE_VAR, "1")
    store = tmp_path / "rapport.duckdb"
    assert not JsonCache(store).enabled  # no store file: nothing to keep beside
    store.write_bytes(b"")
    cache = JsonCache(store)
    for i in range(5):
        cache.put(f"metrics-{i}", {"i": i})
        os.utime(store.parent / CACHE_FOLDER / f"metrics-{i}.json", ns=(i, i))  # in order
    cache.prune("metrics-", keep=2)
    assert [cache.get(f"metrics-{i}") for i in range(5)] == [None, None, None, {"i": 3}, {"i": 4}]
    monkeypatch.setenv(CACHE_VAR, "0")
    assert not JsonCache(store).enabled and JsonCache(store).get("metrics-4") is None
