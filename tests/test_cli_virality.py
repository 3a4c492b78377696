"""The virality-reality commands end to end: forecast, backtest, seeds, odds and spikes.

Research files come from ../shared (the SEISMIC training cascades, the ego_facebook graph);
the workspace is a real demo store (3,000 people over 120 days).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rapport.analyses.cascades import cascades_from_store
from rapport.models.backtest import backtest
from rapport.models.cascades import read_cascades
from rapport.models.forecast import forecast
from rapport.workspace import Workspace
from tests.conftest import invoke, invoke_json

TRAINING = Path("samples/reshare_cascades/seismic_subset/training")
EGO = Path("data/ego_facebook/facebook_edgelist.txt")


@pytest.fixture(scope="module")
def ws(demo_workspace: Path) -> Path:
    return demo_workspace  # read only


_json = invoke_json


def test_forecast_cascade_gives_the_library_forecast(shared: Path) -> None:
    path = shared / TRAINING / "RT1.txt"
    data = _json("forecast", "cascade", path, "--observe", "1h")
    assert {"observed", "predicted_final", "interval", "supercritical", "r", "model"} <= set(data)
    expected = forecast(read_cascades(path)[0], observe=3600.0).to_dict()
    assert data == json.loads(json.dumps(expected))
    assert data["observed"] == read_cascades(path)[0].observed(3600.0)


@pytest.mark.parametrize("model", ["seismic", "hawkes"])
def test_forecast_cascade_durations_are_the_same_time(shared: Path, model: str) -> None:
    path = shared / TRAINING / "RT2.txt"
    seconds = _json("forecast", "cascade", path, "--observe", "600s", "--model", model)
    minutes = _json("forecast", "cascade", path, "--observe", "10m", "--model", model)
    assert seconds == minutes and seconds["model"].startswith(model)


def test_an_interval_with_no_upper_end_prints(tmp_path: Path) -> None:
    path = Path(__file__).parent / "data" / "cascades" / "tiny_seismic.txt"
    data = _json("forecast", "cascade", path, "--observe", "10m", "--model", "hawkes")
    text = invoke(CliRunner(), "forecast", "cascade", path, "--observe", "10m",
                  "--model", "hawkes").stdout  # fmt: skip
    assert data["near_critical"] and data["interval"][1] is None  # no finite upper end
    assert "4 or more" in text and data["id"] in text


def test_bad_forecast_options_exit_2_with_the_fix(shared: Path, tmp_path: Path) -> None:
    path = shared / TRAINING / "RT1.txt"
    result = invoke(CliRunner(), "forecast", "cascade", path, "--observe", "an hour")
    assert result.exit_code == 2 and "600s, 10m, 1h" in result.stderr
    result = invoke(CliRunner(), "forecast", "cascade", path, "--model", "oracle")
    assert result.exit_code == 2 and "auto, seismic, hawkes" in result.stderr
    result = invoke(CliRunner(), "forecast", "cascade", tmp_path / "absent.txt")
    assert result.exit_code == 2 and "absent.txt" in result.stderr
    broken = tmp_path / "broken.txt"
    broken.write_text("12 0.5\n0 100\nsoon 7\n", encoding="utf-8")
    result = invoke(CliRunner(), "forecast", "cascade", broken)
    assert result.exit_code == 2 and "broken.txt" in result.stderr
    assert "Traceback" not in result.stderr


def test_backtest_matches_the_library_and_plain_seismic_is_beaten(shared: Path) -> None:
    folder = shared / TRAINING
    seismic = _json("backtest", folder, "--observe", "1h", "--model", "seismic")
    default = _json("backtest", folder, "--observe", "1h")
    library = backtest(read_cascades(folder), observe=3600.0, model="seismic").to_dict()
    assert seismic["n"] == library["n"] == 50
    assert seismic["median_ape"] == pytest.approx(library["median_ape"], rel=1e-12)
    assert {"n", "median_ape", "p95_ape", "supercritical", "rows"} <= set(default)
    assert default["median_ape"] < seismic["median_ape"]
    assert len(default["rows"]) == 50 and default["p95_ape"] >= 0
    text = invoke(CliRunner(), "backtest", folder, "--observe", "1h").stdout
    assert "50 cascades" in text and "median absolute percentage error" in text


def test_forecast_post_uses_a_workspace_post(ws: Path) -> None:
    workspace = Workspace(ws)
    with workspace.session() as session:
        cascades = cascades_from_store(session)
    post = max(cascades, key=lambda c: len(c.times))
    data = _json("forecast", "post", post.id, "--observe", "1h", "--workspace", ws)
    assert data["id"] == post.id and data["observed"] == post.observed(3600.0)
    assert data["predicted_final"] is None or data["predicted_final"] >= data["observed"]
    result = invoke(CliRunner(), "forecast", "post", "no-such-post", "--workspace", ws)
    assert result.exit_code == 2 and "no-such-post" in result.stderr
    assert "see your posts' ids in the metric table 'posts'" in result.stderr


def test_seeds_on_an_edge_list_name_nodes_of_the_file(shared: Path) -> None:
    path = shared / EGO
    data = _json("seeds", "--graph", path, "--k", "5")
    nodes = {token for line in path.read_text().split("\n")[1:] for token in line.split()}
    assert len(data["seeds"]) == 5 and {str(s) for s in data["seeds"]} <= nodes
    assert data["estimated_spread"] > data["by_degree"]["estimated_spread"] * 0.9
    assert [point["k"] for point in data["curve"]] == list(range(1, 101))  # k = 1…100
    assert data["curve"][4]["spread"] == data["estimated_spread"]
    gains = [point["gain"] for point in data["curve"]]
    assert gains[0] > gains[49] > 0  # diminishing returns
    text = invoke(CliRunner(), "seeds", "--graph", path, "--k", "5").stdout
    assert "by connection count" in text


def test_seeds_on_a_small_edge_list_with_probabilities_and_self_loops(tmp_path: Path) -> None:
    path = tmp_path / "edges.txt"
    path.write_text("5 6\n0 1 0.9\n0 2 0.9\n1 3\n2 2\n3 4 0.5\n4 4\n")
    data = _json("seeds", "--graph", path, "--k", "1", "--curve-to", "1")
    assert data["seeds"] == [0] and data["model"] == "edge"
    low, high = data["interval"]
    assert low <= data["estimated_spread"] <= high
    assert data["epsilon"] == 0.01 and data["delta"] == 0.2
    assert data["notes"] == ["2 self-loops (a person pointing at themselves) ignored: nobody "
                             "convinces themselves."]  # fmt: skip
    text = invoke(CliRunner(), "seeds", "--graph", path, "--k", "1", "--curve-to", "1").stdout
    assert "2 self-loops" in text and "95 % confidence" in text
    path.write_text("5 2\n0 1\n1 two\n")
    result = invoke(CliRunner(), "seeds", "--graph", path, "--k", "1")
    assert result.exit_code == 2
    assert str(path) in result.stderr and "line 3" in result.stderr


def test_seeds_on_the_workspace_compare_with_follower_count(ws: Path) -> None:
    data = _json("seeds", "--k", "5", "--workspace", ws)
    assert data["status"] == "ok"
    assert len(data["seeds"]) == 5 and "by_followers" in data
    assert data["estimated_spread"] >= 0.9 * data["by_followers"]["estimated_spread"]
    # seeds stay the person ids; people add each one's handle and profile link, in order
    assert [p["id"] for p in data["people"]] == data["seeds"]
    assert [p["handle"] for p in data["people"]] == data["handles"]
    for person in data["people"]:
        assert person["link"] == f"https://synthetic.example/@{person['handle']}"
    text = invoke(CliRunner(), "seeds", "--k", "5", "--workspace", ws).stdout
    assert "choosing by follower count" in text
    for person in data["people"]:  # shown by handle with the link, never "None"
        assert f"@{person['handle']}" in text and person["link"] in text
    assert "None" not in text
    assert "no ties between people in this workspace" in text  # the demo has none


def test_the_reports_people_link_to_their_profiles(ws: Path) -> None:
    page = (ws / "report.html").read_text()
    start = page.index('data-block="care-first"')
    block = page[start : page.index("</section>", start)]
    links = re.findall(r'<td data-label="Who"><a href="([^"]+)"[^>]*>([^<]+)</a>', block)
    assert len(links) == 20  # the report chooses 20
    assert all(href == f"https://synthetic.example/@{name}" for href, name in links)
    assert "There are no ties between people in this workspace" in block


@pytest.fixture(scope="module")
def x_archive(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the real X archive of issue 10 (55 followers, nothing else)."""
    root = tmp_path_factory.mktemp("x-archive") / "ws"
    archive = shared / "samples/twitter_archive/milahu104_2026-02-10"
    assert invoke(CliRunner(), "import", archive, "--workspace", root).exit_code == 0
    return root


def test_seeds_say_why_when_nothing_tells_people_apart(x_archive: Path) -> None:
    result = invoke(CliRunner(), "seeds", "--workspace", x_archive)
    assert result.exit_code == 0, result.output  # nothing the user typed is wrong
    assert result.stdout.startswith(
        "Who to care for first: not computable: nothing tells these 55 people apart"
    )
    assert "a Mastodon or Bluesky pull" in result.stdout
    assert "None" not in result.stdout and "50 people chosen" not in result.stdout
    data = _json("seeds", "--workspace", x_archive)
    assert data["status"] == "not_computable" and "seeds" not in data
    assert data["people_known"] == 55
    assert data["ties"] == {"conversation": 0, "exposure": 0}
    assert data["reason"] in result.stdout.replace("\n", "")


def test_the_report_says_why_too(x_archive: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert invoke(CliRunner(), "report", "--workspace", x_archive, "--out", out).exit_code == 0
    page = out.read_text()
    start = page.index('data-block="care-first"')
    block = page[start : page.index("</section>", start)]
    assert 'data-status="not_computable"' in page[start - 200 : start + 200]
    assert "ot computable: nothing tells these 55 people apart" in block
    assert "so any 20 of them would reach as many people as any other" in block  # k = 20
    assert "a Mastodon or Bluesky pull" in block


def test_odds_give_the_three_thresholds(ws: Path) -> None:
    data = _json("odds", "--workspace", ws)
    rows = data["thresholds"]
    assert [r["reshares"] for r in rows] == [100, 1000, 10000]
    assert 0 <= rows[2]["probability"] <= rows[1]["probability"] <= rows[0]["probability"] < 1
    assert data["rests_on"]
    text = invoke(CliRunner(), "odds", "--workspace", ws).stdout
    assert "reshares or more" in text and "95 % interval" in text


def test_spikes_audit_the_workspace(ws: Path) -> None:
    data = _json("spikes", "--workspace", ws)
    assert {"spikes", "ordinary", "verdict"} <= set(data)
    text = invoke(CliRunner(), "spikes", "--workspace", ws).stdout
    assert "{" not in text  # numbers, not raw JSON
    for spike in data["spikes"]:
        assert spike["day"] in text


def test_an_empty_workspace_gets_a_clear_answer(tmp_path: Path) -> None:
    assert invoke(CliRunner(), "init", "--workspace", tmp_path / "w").exit_code == 0
    for command in ("odds", "spikes"):
        result = invoke(CliRunner(), command, "--workspace", tmp_path / "w")
        assert result.exit_code == 2, result.output
        assert "no data in this workspace yet" in result.stderr
