"""The report: one self-contained offline HTML file, escaped, rendered for real in Chromium."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from rapport.canonical import write_canonical
from rapport.config import Config, Goal
from rapport.report import render_report
from rapport.session import Session
from rapport.store import Store
from tests.conftest import batch_of, build_tables, invoke
from tests.test_metrics_foundation import HAND_BUILT

HOSTILE = '</script><img src=x onerror="alert(1)"><script>alert(2)</script>'
SNAPSHOTS = Path(__file__).parent / "snapshots" / "html"


def _hostile_rows() -> dict[str, list[dict[str, object]]]:
    rows = {name: [dict(r) for r in records] for name, records in HAND_BUILT.items()}
    rows["accounts"][0]["handle"] = "me" + HOSTILE
    rows["posts"][0]["text"] = HOSTILE
    return rows


@pytest.fixture
def report_file(tmp_path: Path, cli: CliRunner) -> Path:
    source = tmp_path / "source"
    write_canonical(build_tables(_hostile_rows()), source)
    ws = tmp_path / "ws"
    assert invoke(cli, "import", source, "--workspace", ws).exit_code == 0
    config = ws / "rapport.toml"
    config.write_text(
        config.read_text()
        .replace('# objective = "signups"', 'objective = "signups"')
        .replace(
            "# target_audience = ",
            'target_audience = "Bakers ' + HOSTILE.replace('"', "'") + '"\n# was: ',
        )
    )
    result = invoke(cli, "report", "--workspace", ws, "--json")
    assert result.exit_code == 0, result.output
    return ws / "report.html"


def test_the_report_is_self_contained(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", html)
    assert "<script" not in html  # charts are inline SVG: the report runs no script
    assert not re.search(r"<link[^>]+href=", html)
    assert "@import" not in html and "url(http" not in html
    assert "cdn.jsdelivr" not in html and "fonts.googleapis" not in html
    for section in ("overview", "consistency", "engagement", "metrics", "data"):
        assert f'<section id="{section}">' in html


def test_platform_text_is_escaped(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    assert HOSTILE not in html
    assert "<img src=x" not in html
    assert "&lt;/script&gt;&lt;img src=x" in html  # the handle, shown as text


def test_vanity_and_relationship_numbers_side_by_side(report_file: Path) -> None:
    html = report_file.read_text(encoding="utf-8")
    overview = html[
        html.index('<section id="overview">') : html.index('<section id="consistency">')
    ]
    for metric in ("reach", "likes", "followers", "returning_people", "reply_rate", "conversions"):
        assert f'data-metric="{metric}"' in overview
    assert "You answered 50% of 4 replies and mentions, below your target of 90%" in overview
    reach = overview[overview.index('data-metric="reach"') :]
    assert "not computable yet" in reach[:400]  # with the reason in the user's words
    assert 'href="#gaps"' in reach[:800]


def open_in_chromium(report: Path, chromium: str) -> dict[str, Any]:
    """Open ``report`` in headless Chromium and say what it shows: charts (inline SVG,
    drawn when the file is written), marks drawn in each, console problems, dialogs, requests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        seen: dict[str, Any] = {"problems": [], "requests": [], "dialogs": []}
        page.on(
            "console",
            lambda m: seen["problems"].append(m.text) if m.type in ("error", "warning") else None,
        )
        page.on("pageerror", lambda e: seen["problems"].append(str(e)))
        page.on("request", lambda r: seen["requests"].append(r.url))
        page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        page.goto(report.as_uri())
        seen["total"] = int(page.evaluate("document.body.dataset.chartsTotal"))
        seen["svgs"] = page.locator("[data-chart] svg").count()
        seen["errors"] = page.locator('[data-rendered="error"]').count()
        seen["marks"] = page.evaluate(
            "Object.fromEntries(Array.from(document.querySelectorAll('[data-chart]'))"
            ".map(c => [c.dataset.chart, c.querySelectorAll('svg path, svg rect, svg line')"
            ".length]))"
        )
        seen["scripts_run"] = page.evaluate("window.__hostile === undefined ? 0 : 1")
        seen["scripts"] = page.locator("script").count()
        browser.close()
    return seen


def assert_drawn_cleanly(seen: dict[str, Any]) -> None:
    """Every chart drawn with marks, nothing in the console, no dialog, nothing fetched."""
    assert seen["svgs"] == seen["total"] and seen["errors"] == 0, seen
    assert all(count > 5 for count in seen["marks"].values()), seen["marks"]
    assert seen["problems"] == []
    assert seen["dialogs"] == [] and seen["scripts_run"] == 0 and seen["scripts"] == 0
    assert all(url.startswith(("file:", "data:")) for url in seen["requests"]), seen["requests"]


@pytest.mark.browser
def test_the_report_renders_offline_in_chromium(report_file: Path, chromium: str) -> None:
    seen = open_in_chromium(report_file, chromium)
    assert seen["total"] >= 6
    assert_drawn_cleanly(seen)


def test_golden_html(tmp_path: Path, update_goldens: bool) -> None:
    with Store(tmp_path / "rapport.duckdb") as store:
        store.apply(batch_of(HAND_BUILT))
        config = Config(
            timezone="Europe/Paris", goal=Goal(objective="community", target_audience="Home bakers")
        )
        with Session.over(store, config=config) as session:
            page = render_report(
                session,
                title="@me",
                generated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                store_facts={"rows": store.row_counts(), "quarantined": 0},
            ).page
    golden = SNAPSHOTS / "report_hand_built.html"
    if update_goldens:
        golden.write_text(page, encoding="utf-8")
    assert golden.exists(), f"{golden} is missing; run pytest --update-goldens and review it"
    assert page == golden.read_text(encoding="utf-8"), (
        "the report changed; if intended, run pytest --update-goldens and review the diff"
    )
