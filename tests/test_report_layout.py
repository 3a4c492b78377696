"""The report fits the screen and the page: at 1,400 and 390 pixels wide and in print, no
chart or table (nor its container) scrolls sideways or runs past the page's edge, and every
chart keeps its title and legend inside its box. Measured in real Chromium."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import SHARED, invoke

WIDTHS = (1400, 390)
A4_WIDTH = 794  # pixels at 96 dpi: what print emulation lays out on

_OVERFLOW = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8")


def _measure(report: Path, chromium: str, *, width: int, print_media: bool) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": width, "height": 900})
        if print_media:
            page.emulate_media(media="print")
        page.goto(report.as_uri())
        found: dict[str, Any] = page.evaluate(_OVERFLOW)
        browser.close()
    return found


@pytest.fixture(scope="module")
def reports(
    demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Path]]:
    """The demo's report (with a plan) and the report of a workspace made only of two real
    archives (an X archive and a Mastodon archive, no competitors)."""
    base = tmp_path_factory.mktemp("layout")
    demo = base / "demo"
    shutil.copytree(demo_workspace, demo)
    runner = CliRunner()
    assert invoke(runner, "plan", "--workspace", demo).exit_code == 0
    assert invoke(runner, "report", "--workspace", demo).exit_code == 0
    found = {"demo": demo / "report.html"}
    samples = SHARED / "samples"
    if samples.is_dir():
        own = base / "own"
        init = ("init", "--objective", "signups", "--audience", "People who care about open "
                "source software", "--workspace", own)  # fmt: skip
        assert invoke(runner, *init).exit_code == 0
        for archive in ("twitter_archive/milahu104_2026-02-10", "mastodon_archive/hikurry_2022-06"):
            assert invoke(runner, "import", samples / archive, "--workspace", own).exit_code == 0
        assert invoke(runner, "report", "--workspace", own).exit_code == 0
        found["archives"] = own / "report.html"
    yield found


@pytest.mark.browser
@pytest.mark.parametrize("which", ["demo", "archives"])
@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_scrolls_sideways_or_runs_past_the_edge(
    reports: dict[str, Path], chromium: str, which: str, width: int
) -> None:
    if which not in reports:
        pytest.skip("the shared samples are absent")
    found = _measure(reports[which], chromium, width=width, print_media=False)
    assert found["tables"] > 3
    assert found["problems"] == []
    for chart, texts, outside in found["charts"]:
        assert texts > 0 and outside == 0, (chart, texts, outside)


@pytest.mark.browser
@pytest.mark.parametrize("which", ["demo", "archives"])
def test_printing_keeps_everything_on_the_page(
    reports: dict[str, Path], chromium: str, which: str
) -> None:
    if which not in reports:
        pytest.skip("the shared samples are absent")
    found = _measure(reports[which], chromium, width=A4_WIDTH, print_media=True)
    assert found["problems"] == []


def test_no_table_is_capped_or_clipped(reports: dict[str, Path]) -> None:
    html = reports["demo"].read_text(encoding="utf-8")
    assert "max-height" not in html
    assert "overflow-y: auto" not in html and "overflow-x: auto" not in html
    assert "@media print" in html


@pytest.mark.parametrize("name", ["report-1400.png", "report-390.png"])
def test_the_screenshots_in_docs_exist_at_their_widths(name: str) -> None:
    import struct

    path = Path(__file__).resolve().parents[1] / "docs" / name
    assert path.exists(), f"{path} is missing: run tools/screenshot.py (see its docstring)"
    width = struct.unpack(">I", path.read_bytes()[16:20])[0]  # the PNG header's width
    assert width == int(name.split("-")[1].split(".")[0]), width


def test_every_table_says_how_it_is_sorted_and_is_sorted_so(
    reports: dict[str, Path],
) -> None:
    import rapport
    from rapport.metrics import areas
    from rapport.report.strategy import strategy
    from rapport.report.virality import virality_part

    with rapport.open(reports["demo"].parent) as session:
        figures = [f for a in areas() if a.figures for f in a.figures(session)]
        for part in (strategy(session).part, virality_part(session)):
            figures += [f for b in part.blocks for f in b.figures]
    tables = {f.id: f for f in figures if f.rows}
    assert len(tables) > 15
    assert [f.id for f in tables.values() if not f.sorted_by] == []
    value = tables["value"]
    column = value.columns.index("Conversions")
    shown = [int(str(row[column]).replace(",", "")) for row in value.shown_rows]
    assert shown == sorted(shown, reverse=True) and value.sorted_by == "most conversions first"
    page = reports["demo"].read_text(encoding="utf-8")
    assert "the numbers behind the chart, most conversions first." in page
    weekly = tables["posts"]
    weeks = [str(row[0]) for row in weekly.shown_rows]
    assert weeks == sorted(weeks, reverse=True) and weekly.sorted_by == "newest first"


def test_the_report_opens_with_this_week_from_the_plan_and_the_care_list(
    reports: dict[str, Path],
) -> None:
    import html as html_module
    import re

    import rapport
    from rapport.report.strategy import strategy
    from rapport.report.this_week import this_week

    page = reports["demo"].read_text(encoding="utf-8")
    main = page[page.index("<main>") :]
    assert main.index('id="this-week"') < main.index('id="coverage"') < main.index('id="overview"')
    with rapport.open(reports["demo"].parent) as session:
        found = strategy(session)
        week = this_week(found)
    assert found.plan is not None and found.plan.stored  # the plan `rapport plan` stored
    assert 3 <= len(week.items) <= 5
    for item in week.items:
        assert item.what and item.why.endswith(".") and item.why.count(". ") <= 1, item
    now = [x["action"] for x in found.plan.current_steps()]
    planned = [i.what for i in week.items if i.source == "plan"]
    assert planned and all(any(a.startswith(p) for a in now) for p in planned)
    listed = re.findall(r'<li data-source="(\w+)"><strong>(.*?)\.</strong>', main)
    assert [html_module.unescape(w) for _, w in listed] == [i.what for i in week.items]
    if "archives" in reports:
        own = reports["archives"].read_text(encoding="utf-8")
        section = own[own.index('id="this-week"') : own.index('id="coverage"')]
        assert 'data-source="plan"' in section  # a plan without competitors, toward targets
        assert "What your data covers" in own and 'id="gaps"' in own
