"""The strategy commands end to end on a real demo workspace: benchmark, plan (and its
progress), care (and care done), calendar (ICS, CSV) and whatif; and erasing a person
removes the care items recorded for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.config import load_config
from rapport.store.plans import latest_whatif
from rapport.workspace import Workspace
from tests.conftest import invoke, invoke_json


@pytest.fixture(scope="module")
def ws(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared demo workspace: these tests store plans, care items, runs."""
    root = tmp_path_factory.mktemp("strategy") / "demo"
    shutil.copytree(demo_workspace, root)
    return root


_json = invoke_json


def test_benchmark_ranks_every_compared_account(ws: Path) -> None:
    data = _json("benchmark", "--workspace", ws)
    handles = {a["handle"] for a in data["accounts"]}
    config = load_config(ws / "rapport.toml")
    assert handles == {a.handle for a in [*config.accounts.own, *config.accounts.competitors]}
    assert data["window"]["days"] > 0 and data["window"]["rule"]
    for area in data["areas"]:
        assert area["denominator"]
        ranks = [v["rank"] for v in area["values"] if v["rank"] is not None]
        assert sorted(ranks) == list(range(1, len(ranks) + 1)) or len(set(ranks)) < len(ranks)
        if area["own_rank"] == 1:
            assert not area["gap"]
    text = invoke(CliRunner(), "benchmark", "--workspace", ws).stdout
    assert "Window:" in text and "Posts per week" in text


def test_plan_is_stored_and_progress_follows_it(ws: Path) -> None:
    first = _json("plan", "--workspace", ws)
    second = _json("plan", "--workspace", ws)
    assert second["plan_id"] == first["plan_id"] + 1
    assert first["planned_hours_per_week"] <= first["available_hours_per_week"] + 1e-9
    led = {lead["area"] for lead in first["already_leading"]}
    assert not led & {step["area"] for step in first["steps"]}
    progress = _json("plan", "--progress", "--workspace", ws)
    assert progress["plan_id"] in (first["plan_id"], second["plan_id"])
    text = invoke(CliRunner(), "plan", "--workspace", ws).stdout
    assert "Plan " in text and "hours a week" in text


def test_a_done_care_item_never_returns(ws: Path) -> None:
    before = _json("care", "--workspace", ws)
    assert before["items"] and before["minutes"] <= before["minutes_per_day"]
    item = before["items"][0]
    assert item["action"] in {"answer", "welcome", "thank", "re_engage"}
    assert {"id", "person", "reason", "link"} <= set(item)
    done = _json("care", "done", item["id"], "--workspace", ws)
    assert done["id"] == item["id"]
    after = _json("care", "--workspace", ws)
    assert item["id"] not in {i["id"] for i in after["items"]}
    assert after["already_done"] >= 1
    again = invoke(CliRunner(), "care", "done", item["id"], "--workspace", ws)
    assert again.exit_code == 2 and "already marked done" in again.stderr
    unknown = invoke(CliRunner(), "care", "done", "0000000000", "--workspace", ws)
    assert unknown.exit_code == 2 and "rapport care" in unknown.stderr
    text = invoke(CliRunner(), "care", "--workspace", ws).stdout
    assert "rapport care done ID" in text


def test_forgetting_a_person_removes_their_care_items(ws: Path, tmp_path: Path) -> None:
    items = _json("care", "--workspace", ws)["items"]
    item = next(i for i in items if i["person"])
    _json("care", "done", item["id"], "--workspace", ws)
    erased = _json("forget", item["person"], "--yes", "--workspace", ws)
    assert erased["care_items_deleted"] >= 1
    with Workspace(ws).session() as session:
        left = session.store.connection.execute(
            "SELECT count(*) FROM care_done WHERE person_id = ?", [item["person"]]
        ).fetchone()
    assert left == (0,)


def test_calendar_writes_ics_and_csv_under_the_ceiling(ws: Path, tmp_path: Path) -> None:
    ics, csv = tmp_path / "plan.ics", tmp_path / "out" / "plan.csv"
    data = _json("calendar", "--weeks", "3", "--ics", ics, "--csv", csv, "--workspace", ws)
    assert data["weeks"] == 3 and data["slots"]
    assert data["promotional_share"] <= data["max_promotional_share"] + 1e-9
    raw = ics.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.count(b"BEGIN:VEVENT") == len(
        data["slots"]
    )
    assert len(csv.read_text(encoding="utf-8").splitlines()) == len(data["slots"]) + 1
    assert invoke(CliRunner(), "calendar", "--weeks", "0", "--workspace", ws).exit_code == 2


def test_whatif_compares_strategies_and_is_stored(ws: Path) -> None:
    args = ("whatif", "--months", "1", "--runs", "2", "--strategy", "as_now",
            "--strategy", "relationship_first", "--workspace", ws)  # fmt: skip
    data = _json(*args)
    assert [s["name"] for s in data["strategies"]] == ["as_now", "relationship_first"]
    for strategy in data["strategies"]:
        for outcome in ("followers", "core_community", "conversions", "hours"):
            stats = strategy[outcome]
            assert stats["p10"] <= stats["median"] <= stats["p90"]
    with Workspace(ws).session() as session:
        stored = latest_whatif(session.store)
    assert stored is not None and stored.run_id == data["run_id"]
    assert stored.result["strategies"] == data["strategies"]
    bad = invoke(CliRunner(), "whatif", "--strategy", "go_viral", "--workspace", ws)
    assert bad.exit_code == 2 and "relationship_first" in bad.stderr


def test_without_competitors_benchmark_says_how_to_add_them(tmp_path: Path) -> None:
    root = tmp_path / "w"
    assert invoke(CliRunner(), "init", "--workspace", root).exit_code == 0
    result = invoke(CliRunner(), "benchmark", "--workspace", root)
    assert result.exit_code == 2 and "rapport import PATH" in result.stderr
    for command in ("care", "plan", "calendar", "whatif"):
        answer = invoke(CliRunner(), command, "--workspace", root)
        assert answer.exit_code == 2 and "no data in this workspace yet" in answer.stderr
