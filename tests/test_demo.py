"""`rapport demo`: a synthetic business end to end, from simulation to report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.config import load_config
from tests.conftest import invoke
from tests.importer_support import rows

OVERVIEW = ("reach", "likes", "followers", "returning_people", "reply_rate", "conversions")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    ws = tmp_path_factory.mktemp("demo") / "demo"
    result = invoke(
        CliRunner(),
        "demo",
        "--people",
        "3000",
        "--days",
        "120",
        "--seed",
        "3",
        "--workspace",
        ws,
        "--json",
    )
    assert result.exit_code == 0, result.output
    return ws, json.loads(result.stdout)


def test_the_demo_writes_a_report_and_a_goal(demo: tuple[Path, dict[str, object]]) -> None:
    ws, data = demo
    assert (ws / "report.html").stat().st_size > 100_000
    config = load_config(ws / "rapport.toml")
    assert config.goal.objective == "signups"
    assert config.goal.target_audience
    assert len(config.accounts.own) == 1 and 3 <= len(config.accounts.competitors) <= 5
    assert data["import"]["rejected"] == 0  # type: ignore[index]


def test_every_overview_metric_is_computable(demo: tuple[Path, dict[str, object]]) -> None:
    _, data = demo
    by_id = {m["id"]: m for m in data["metrics"]}  # type: ignore[attr-defined]
    for metric in OVERVIEW:
        assert by_id[metric]["status"] == "ok", (metric, by_id[metric].get("reason"))
    assert 0 < by_id["reply_rate"]["value"] < 1
    assert by_id["returning_people"]["value"] < by_id["returning_people"]["n"]


def test_every_metric_is_computable_on_the_demo(demo: tuple[Path, dict[str, object]]) -> None:
    _, data = demo
    failing = [m["id"] for m in data["metrics"] if m["status"] != "ok"]  # type: ignore[attr-defined]
    assert failing == []


def test_the_terminal_summary(tmp_path: Path, cli: CliRunner) -> None:
    result = invoke(cli, "demo", "--people", "500", "--days", "40", "--workspace", tmp_path / "d")
    assert result.exit_code == 0, result.output
    assert "Vanity numbers" in result.stdout and "Relationship numbers" in result.stdout
    assert "report.html" in result.stdout


def test_a_second_demo_replaces_the_first(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "d"
    first = invoke(cli, "demo", "--people", "500", "--days", "40", "--workspace", ws, "--json")
    second = invoke(cli, "demo", "--people", "500", "--days", "40", "--workspace", ws, "--json")
    assert first.exit_code == second.exit_code == 0
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert a["import"]["added"] == b["import"]["added"] > 0


def test_the_demo_never_overwrites_real_data(tmp_path: Path, cli: CliRunner) -> None:
    from rapport.canonical import write_canonical
    from tests.conftest import build_tables, snapshot_file

    source = tmp_path / "mine"
    write_canonical(
        build_tables(
            {"accounts": [{"account_id": "x:me", "platform": "x", "handle": "me", "role": "own"}]}
        ),
        source,
    )
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    before = snapshot_file(ws / "rapport.duckdb")
    result = invoke(cli, "demo", "--people", "500", "--days", "40", "--workspace", ws)
    assert result.exit_code == 2 and "holds your own data" in result.stderr
    assert snapshot_file(ws / "rapport.duckdb") == before


def test_demo_arguments_are_checked(tmp_path: Path, cli: CliRunner) -> None:
    result = invoke(cli, "demo", "--people", "10", "--workspace", tmp_path / "d")
    assert result.exit_code == 2


DATED = (
    ("posts", "created_at"),
    ("interactions", "occurred_at"),
    ("conversions", "occurred_at"),
    ("people", "first_seen_at"),
)
"""What happened in the simulated period, dated; the closing counts come apart."""
OBSERVED = (("follower_counts", "observed_at"), ("post_stats", "observed_at"))


def _latest(ws: Path, table: str, column: str) -> dt.datetime:
    """The latest time in a column; a table with none counts as the distant past."""
    found = [row[column] for row in rows(ws, table) if row[column] is not None]
    return max(found, default=dt.datetime.min.replace(tzinfo=dt.UTC))


def test_the_demo_ends_on_the_day_asked(tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "d"
    args = ("demo", "--people", "500", "--days", "60", "--end", "2026-03-31", "--workspace", ws)
    result = invoke(cli, *args, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["end"] == "2026-03-31"
    end = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    for table, column in DATED:  # the last day simulated is 30 March
        assert _latest(ws, table, column) < end, table
    assert _latest(ws, "posts", "created_at").date() == dt.date(2026, 3, 30)
    assert _latest(ws, "interactions", "occurred_at").date() == dt.date(2026, 3, 30)
    first = min(row["created_at"] for row in rows(ws, "posts"))
    assert first >= dt.datetime(2026, 1, 30, tzinfo=dt.UTC)  # 60 days back from the end
    for table, column in OBSERVED:  # counts observed as the last day closes, never later
        assert _latest(ws, table, column) == end, table
    status = invoke(cli, "status", "--workspace", ws, "--json")
    (record,) = json.loads(status.stdout)["store"]["imports"]
    assert record["origin"] == "rapport demo --people 500 --days 60 --seed 7 --end 2026-03-31"
    again = json.loads(invoke(cli, *args, "--json").stdout)  # the same world on any day
    first_run = json.loads(result.stdout)
    assert again["import"]["tables"] == first_run["import"]["tables"]
    for a, b in zip(again["metrics"], first_run["metrics"], strict=True):
        assert (a["id"], a["status"]) == (b["id"], b["status"])
        if isinstance(b["value"], float):  # sums in another order differ in the last digit
            assert a["value"] == pytest.approx(b["value"], rel=1e-9), a["id"]
        else:
            assert a["value"] == b["value"], a["id"]


def test_the_demo_ends_yesterday_by_default(demo: tuple[Path, dict[str, object]]) -> None:
    ws, data = demo
    today = dt.datetime.now(dt.UTC).date()
    midnight = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC)
    assert data["end"] == today.isoformat()
    for table, column in DATED:  # nothing dated today or later
        assert _latest(ws, table, column) < midnight, table
    for table, column in OBSERVED:
        assert _latest(ws, table, column) <= midnight, table
    # and the data runs up to yesterday, not months ago
    assert _latest(ws, "interactions", "occurred_at") >= midnight - dt.timedelta(days=2)


def test_a_bad_end_date_is_refused(tmp_path: Path, cli: CliRunner) -> None:
    result = invoke(cli, "demo", "--end", "31/03/2026", "--workspace", tmp_path / "d")
    assert result.exit_code == 2
    assert "--end '31/03/2026': expected a date such as 2026-01-31" in result.stderr
