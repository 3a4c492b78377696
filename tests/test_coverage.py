"""What the data can tell, and how to get the rest: the coverage of a workspace made of two
real archives, and every not-computable reason in the user's words with the command to fix it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import rapport
from rapport.analyses.coverage import KINDS, coverage, explain, gaps, kind_for
from rapport.metrics import metrics, run_metrics
from tests.conftest import SHARED, invoke

ARCHIVES = ("twitter_archive/milahu104_2026-02-10", "mastodon_archive/hikurry_2022-06")
INTERNAL = re.compile(
    r"post_stats\.|interactions of kind|people\.bio|follower_counts|\(interactions\)"
)


def test_every_need_a_metric_declares_is_a_kind_of_data_a_user_can_get() -> None:
    for spec in metrics():
        for need in spec.needs:
            assert kind_for(need.label) is not None, (spec.id, need.label)
    for kind in KINDS:
        assert kind.sources or kind.elsewhere, kind.id


@pytest.fixture(scope="module")
def archives(tmp_path_factory: pytest.TempPathFactory) -> Path:
    samples = SHARED / "samples"
    if not samples.is_dir():
        pytest.skip("the shared samples are absent")
    ws = tmp_path_factory.mktemp("archives") / "ws"
    runner = CliRunner()
    init = ("init", "--objective", "signups", "--audience", "People who care about open "
            "source software", "--workspace", ws)  # fmt: skip
    assert invoke(runner, *init).exit_code == 0
    for archive in ARCHIVES:
        result = invoke(runner, "import", samples / archive, "--workspace", ws)
        assert result.exit_code == 0, result.output
    return ws


def test_the_coverage_of_two_archives(archives: Path) -> None:
    with rapport.open(archives) as session:
        found = coverage(session)
    by = {p.platform: p for p in found.platforms}
    assert set(by) == {"x", "mastodon"}
    x, mastodon = by["x"], by["mastodon"]
    assert x.has("posts") and x.has("counts")
    assert not x.has("engagers") and not x.has("replies") and not x.has("reach")
    assert mastodon.has("posts") and not mastodon.has("counts")
    assert "consistency" in x.unlocked and "engagement" in x.unlocked
    assert "reciprocity" not in x.unlocked and "community" not in mastodon.unlocked
    assert found.conversions == 0 and found.target_audience


def test_not_computable_reasons_say_what_would_fix_them(archives: Path) -> None:
    with rapport.open(archives) as session:
        where = coverage(session)
        results = run_metrics(session)
    failing = [r for r in results if not r.ok]
    assert failing
    for result in failing:
        text = explain(result, where)
        assert text and not INTERNAL.search(text), (result.id, text)
    by_id = {r.id: r for r in results}
    assert not by_id["answers_per_question"].ok  # no replies in the data: not a fake 0
    reply_rate = by_id["reply_rate"]
    text = explain(reply_rate, where) or ""
    assert "the replies and mentions people sent you" in text
    assert "an x archive doesn't contain them" in text.lower()
    assert "rapport pull mastodon" in text and "--as mapped" in text
    grouped = gaps(results, where)
    assert sum(len(g.metric_ids) for g in grouped) == len(failing)
    assert len({g.text for g in grouped}) == len(grouped)  # no paragraph twice


def test_status_shows_the_coverage(archives: Path) -> None:
    runner = CliRunner()
    shown = invoke(runner, "status", "--workspace", archives)
    assert shown.exit_code == 0, shown.output
    assert "What your data covers" in shown.output
    assert "Replies to you" in shown.output
    found = json.loads(invoke(runner, "status", "--workspace", archives, "--json").stdout)
    platforms = {p["platform"]: p for p in found["coverage"]["platforms"]}
    assert platforms["x"]["counts"]["posts"] > 0
    assert "replies" in platforms["mastodon"]["missing"]


def test_metrics_json_keeps_the_internal_names_and_adds_the_words(archives: Path) -> None:
    runner = CliRunner()
    found = json.loads(invoke(runner, "metrics", "--workspace", archives, "--json").stdout)
    rows = {m["id"]: m for m in found}
    reply_rate = rows["reply_rate"]
    assert reply_rate["status"] == "not_computable"
    assert "interactions of kind reply or mention" in reply_rate["reason"]
    assert "rapport pull mastodon" in reply_rate["explanation"]
