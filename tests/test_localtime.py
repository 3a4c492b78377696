"""Local time: rapport.toml's ``timezone`` (else the zone an export names, else the
machine's) is the zone best times, the calendar and its files, the care list and the report
are shown in; the store stays in UTC."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

import rapport
from rapport.config import Config, load_config
from rapport.errors import ConfigError
from rapport.localtime import from_platform_name, machine_zone, resolve
from tests.conftest import SHARED, invoke, invoke_json

X_ARCHIVE = SHARED / "samples" / "twitter_archive" / "milahu104_2026-02-10"


def _set_zone(workspace: Path, zone: str) -> None:
    config = workspace / "rapport.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(f'timezone = "{zone}"\n' + text.replace('timezone = "', '# timezone = "'))


@pytest.fixture(scope="module")
def tokyo(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, shown in Asia/Tokyo (UTC+9 all year: every hour moves by exactly 9)."""
    target = tmp_path_factory.mktemp("tokyo") / "demo"
    shutil.copytree(demo_workspace, target)
    _set_zone(target, "Asia/Tokyo")
    return target


def test_the_zone_comes_from_the_config_else_an_export_else_the_machine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert resolve("Europe/Paris", {"timezone:x_archive": "Asia/Tokyo"}).source == "rapport.toml"
    found = resolve(None, {"timezone:x_archive": "Asia/Tokyo"})
    assert (found.name, found.source) == ("Asia/Tokyo", "export")
    monkeypatch.setenv("TZ", "America/Chicago")
    assert machine_zone() == "America/Chicago"
    assert resolve(None, {}).describe().startswith("America/Chicago (this machine's zone")
    monkeypatch.setenv("TZ", "Etc/UTC")
    assert machine_zone() == "UTC"
    assert from_platform_name("Berlin") == "Europe/Berlin"
    assert from_platform_name("Pacific Time (US & Canada)") == "America/Los_Angeles"
    assert from_platform_name("Nowhere Standard Time") is None


def test_a_wrong_zone_is_refused_with_the_key_and_a_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "rapport.toml"
    config.write_text('timezone = "Europe/Pariss"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "timezone" in str(caught.value) and "Europe/Paris" in str(caught.value)
    result = invoke(
        CliRunner(), "init", "--timezone", "Mars/Olympus", "--workspace", tmp_path / "w"
    )
    assert result.exit_code == 2 and "--timezone" in result.output
    assert not (tmp_path / "w" / "rapport.toml").exists()


def test_init_writes_the_zone_and_says_which_one_is_used(tmp_path: Path) -> None:
    runner = CliRunner()
    ws = tmp_path / "ws"
    result = invoke(runner, "init", "--timezone", "Europe/Paris", "--workspace", ws)
    assert result.exit_code == 0 and "Europe/Paris (set in rapport.toml)" in result.output
    assert load_config(ws / "rapport.toml").timezone == "Europe/Paris"
    other = invoke(runner, "init", "--workspace", tmp_path / "other")
    assert "this machine's (UTC)" in other.output
    assert load_config(tmp_path / "other" / "rapport.toml") == Config()


def test_an_x_archive_names_its_zone(tmp_path: Path) -> None:
    if not X_ARCHIVE.is_dir():
        pytest.skip("the shared samples are absent")
    archive = tmp_path / "archive"
    shutil.copytree(X_ARCHIVE, archive)
    (archive / "account-timezone.js").write_text(
        'window.YTD.account_timezone.part0 = [{"accountTimezone": '
        '{"accountId": "1", "timeZone": "Berlin"}}]',
        encoding="utf-8",
    )
    ws = tmp_path / "ws"
    assert invoke(CliRunner(), "import", archive, "--workspace", ws).exit_code == 0
    with rapport.open(ws) as session:
        assert (session.zone.name, session.zone.source) == ("Europe/Berlin", "export")
    status = invoke_json("status", "--workspace", ws)
    assert status["timezone"] == {"name": "Europe/Berlin", "source": "export"}


def test_best_times_are_local(demo_workspace: Path, tokyo: Path) -> None:
    def best(ws: Path) -> dict[str, object]:
        rows = invoke_json("metrics", "--workspace", ws)
        return {m["id"]: m for m in rows}["best_hour"]

    utc, local = best(demo_workspace), best(tokyo)
    assert utc["status"] == local["status"] == "ok"
    assert local["value"] == (int(utc["value"]) + 9) % 24  # type: ignore[call-overload]
    assert local["n"] == utc["n"]
    assert local["mean_rate"] == pytest.approx(
        utc["mean_rate"], rel=1e-12
    )  # summed in another order


def test_the_calendar_and_its_files_are_in_local_time(tokyo: Path, tmp_path: Path) -> None:
    ics, csv = tmp_path / "plan.ics", tmp_path / "plan.csv"
    found = invoke_json("calendar", "--workspace", tokyo, "--ics", ics, "--csv", csv)
    assert found["timezone"] == "Asia/Tokyo"
    zone = ZoneInfo("Asia/Tokyo")
    first = found["slots"][0]
    local = dt.datetime.fromisoformat(first["start_local"])
    assert local.utcoffset() == dt.timedelta(hours=9)
    assert local.astimezone(dt.UTC) == dt.datetime.fromisoformat(first["start"])
    assert first["weekday"] == local.strftime("%A")
    text = ics.read_text(encoding="utf-8")
    assert "X-WR-TIMEZONE:Asia/Tokyo" in text
    assert f"DTSTART:{local.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}" in text
    header, row = csv.read_text(encoding="utf-8").splitlines()[:2]
    assert "start_local" in header and first["start_local"] in row
    shown = invoke(CliRunner(), "calendar", "--workspace", tokyo).output
    assert "when (Asia/Tokyo)" in shown
    assert local.astimezone(zone).strftime("%H:%M") in shown


def test_the_care_list_and_the_report_say_the_zone(tokyo: Path) -> None:
    care = invoke_json("care", "--workspace", tokyo)
    assert care["timezone"] == "Asia/Tokyo"
    for item in care["items"]:
        at = dt.datetime.fromisoformat(item["at"].replace("Z", "+00:00"))
        assert dt.datetime.fromisoformat(item["at_local"]) == at.replace(second=0, microsecond=0)
        assert item["at_local"].endswith("+09:00")
    assert invoke(CliRunner(), "report", "--workspace", tokyo).exit_code == 0
    page = (tokyo / "report.html").read_text(encoding="utf-8")
    assert "Times are in Asia/Tokyo (set in rapport.toml)" in page
    assert "By hour of posting (Asia/Tokyo time)" in page
    assert json.dumps("When (Asia/Tokyo)")[1:-1] in page or not care["items"]
