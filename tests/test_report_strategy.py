"""The report's strategy section: the benchmark table, the plan, the care list, the what-if.

The synthetic world of tests/test_report_virality.py (four competitors) in a real store; the
section's numbers must be the library functions' numbers. The what-if chart appears once a
what-if (calibrated on the world, tiny runs) is stored; before, the section says how to run
one, and the report never simulates.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from rapport.charts.figure import Link
from rapport.config import Config
from rapport.report.strategy import GOAL_MISSING
from rapport.session import Session
from rapport.store import Store
from rapport.store.plans import save_whatif
from rapport.strategy.benchmark import (
    ADD_COMPETITORS,
    competitor_benchmark,
    format_value,
    own_past_benchmark,
)
from rapport.strategy.care_list import care_list
from rapport.strategy.plan import (
    benchmark_history,
    conversions_by_kind,
    make_plan,
    save_plan,
    start_words,
)
from rapport.strategy.whatif import OUTCOMES
from tests.conftest import batch_of
from tests.test_metrics_foundation import HAND_BUILT, RIVAL
from tests.test_report import assert_drawn_cleanly, open_in_chromium
from tests.test_report_virality import CONFIG, WHEN, block, render, table, text, world_report


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """A copy of the world's store (the tests here store a plan and a what-if in it)."""
    path, page = world_report(tmp_path_factory.getbasetemp())
    copy = tmp_path_factory.mktemp("strategy") / path.name
    shutil.copyfile(path, copy)
    with Store(copy) as store:
        yield store, page


@pytest.fixture(scope="module")
def expected(world: tuple[Store, str]) -> dict[str, Any]:
    store, _ = world
    with Session.over(store, config=CONFIG) as session:
        care = care_list(session, today=WHEN)
        bench = competitor_benchmark(session, window_days=90)
        conversions = conversions_by_kind(session)
    plan = make_plan(bench, CONFIG, history=benchmark_history(store), conversions=conversions)
    return {"bench": bench, "plan": plan, "care": care.to_dict()}


def test_the_section_has_its_four_blocks(world: tuple[Store, str]) -> None:
    _, page = world
    section = page[page.index('<section id="strategy">') : page.index('<section id="virality">')]
    blocks = re.findall(r'data-block="([^"]+)" data-status="([^"]+)"', section)
    assert blocks == [
        ("benchmark", "ok"),
        ("plan", "ok"),
        ("care-list", "ok"),
        ("whatif", "not_computable"),
    ]
    assert GOAL_MISSING not in section  # the workspace has a goal
    assert "run `rapport whatif` to compare strategies" in text(block(page, "whatif"))
    assert 'data-chart="whatif"' not in page


def test_the_benchmark_table_is_the_library_benchmark(
    world: tuple[Store, str], expected: Any
) -> None:
    _, page = world
    data = expected["bench"].to_dict()
    header, *rows = table(page, "benchmark")
    handles = [a["handle"] for a in data["accounts"]]
    assert len(handles) == 5 and header[1 : 1 + len(handles)] == [
        f"{h} (you)" if a["role"] == "own" else h
        for h, a in zip(handles, data["accounts"], strict=True)
    ]
    assert [r[0] for r in rows] == [a["title"] for a in data["areas"]]
    for row, area in zip(rows, data["areas"], strict=True):
        by_id = {v["account_id"]: v for v in area["values"]}
        for cell, account in zip(row[1:], data["accounts"], strict=False):
            v = by_id[account["account_id"]]
            assert cell == (
                f"{format_value(area['unit'], v['value'])} (#{v['rank']})"
                if v["status"] == "ok"
                else "not computable"
            )
        leader = area["leader"]
        assert row[1 + len(handles)] == (
            f"{leader['handle']}: {format_value(area['unit'], leader['value'])}"
            if leader
            else "nobody"
        )
        assert row[2 + len(handles)] == (
            f"#{area['own_rank']}" if area["own_rank"] else "not ranked"
        )
        assert row[-2] == area["denominator"]  # the denominator is named
    window = data["window"]
    assert f"Observation window: {window['start'][:10]} to {window['end'][:10]}" in text(
        block(page, "benchmark")
    )


def test_the_plan_is_the_planner_plan(world: tuple[Store, str], expected: Any) -> None:
    _, page = world
    plan = expected["plan"].to_dict()
    shown = text(block(page, "plan"))
    assert "run `rapport plan` to store it and follow progress" in shown
    assert f"leaves {plan['available_hours_per_week']:,.1f} h" in shown
    steps = table(page, "plan")[1:] if plan["steps"] else []
    assert [(r[0], r[2]) for r in steps] == [(str(s["order"]), s["action"]) for s in plan["steps"]]
    assert [r[1] for r in table(page, "plan-skipped")[1:]] == [s["reason"] for s in plan["skipped"]]
    assert len(table(page, "plan-leading")) - 1 == len(plan["already_leading"])
    for notice in plan["notices"]:
        assert notice in shown


def test_the_care_list_is_todays_care_list(world: tuple[Store, str], expected: Any) -> None:
    _, page = world
    care = expected["care"]
    assert care["items"]
    rows = table(page, "care-list")[1:]
    assert [(r[0], r[2], r[3]) for r in rows] == [
        (i["id"], i["handle"] or i["person"], i["reason"]) for i in care["items"]
    ]
    html = block(page, "care-list")
    for item in care["items"]:
        if item["link"]:
            assert f'<a href="{item["link"]}" rel="noopener noreferrer nofollow">open</a>' in html
    assert f"{len(care['items'])} things to do today, {care['minutes']:,.0f} of your" in text(html)


def test_links_are_followed_only_when_http() -> None:
    assert Link.to("https://example.org/a?b=1") == Link(
        "https://example.org/a?b=1", "https://example.org/a?b=1"
    )
    assert Link.to(" HTTP://example.org ", "open") == Link("open", "HTTP://example.org")
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>", "http://[::1"):
        assert Link.to(bad, "open") == Link(bad, None)


def _whatif_result() -> dict[str, Any]:
    """A what-if result in the shape ``WhatIf.to_dict()`` gives (``rapport whatif --json``)."""
    strategies = []
    for i, name in enumerate(("as_now", "chase_viral", "relationship_first")):
        bands = {
            outcome: {"median": base * (1 + i / 4), "p10": base * (0.8 + i / 4),
                      "p90": base * (1.3 + i / 4)}
            for outcome, base in zip(OUTCOMES, (420.0, 61.0, 12.0, 9.5, 3100.0), strict=True)
        }  # fmt: skip
        strategies.append({"name": name, "description": f"what {name} does", **bands})
    calibration = {
        "ok": False,
        "tolerance": 0.2,
        "quantities": [
            {"name": "posts_per_week", "checked": True, "within_tolerance": True},
            {"name": "reply_rate", "checked": True, "within_tolerance": False},
        ],
    }
    return {"strategies": strategies, "months": 6, "runs": 10, "calibration": calibration}


@pytest.fixture(scope="module")
def stored(
    world: tuple[Store, str], expected: Any, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    """The world with a stored plan and a stored what-if, and the report written after."""
    store, _ = world
    save_plan(store, expected["plan"])
    result = _whatif_result()
    save_whatif(store, result, seed=0)
    path = tmp_path_factory.mktemp("stored") / "report.html"
    path.write_text(render(store).page, encoding="utf-8")
    return path, result


def test_a_stored_what_if_is_shown_with_its_chart(stored: Any) -> None:
    path, result = stored
    page = path.read_text(encoding="utf-8")
    assert 'data-block="whatif" data-status="ok"' in page
    assert 'data-chart="whatif"' in page
    rows = table(page, "whatif")[1:]
    assert [r[0] for r in rows] == [s["name"].replace("_", " ") for s in result["strategies"]]
    for row, s in zip(rows, result["strategies"], strict=True):
        band = s["followers"]
        assert row[2] == f"{band['median']:,.0f} ({band['p10']:,.0f} to {band['p90']:,.0f})"
        assert row[5].startswith(f"{s['hours']['median']:,.1f} (")
    shown = text(block(page, "whatif"))
    assert "10 runs of 6 months per strategy" in shown
    assert "Calibration is off by more than 20% for reply rate" in shown
    assert "Plan 1, stored on" in text(block(page, "plan"))


@pytest.mark.browser
def test_the_whole_report_renders_in_chromium(stored: Any, chromium: str) -> None:
    path, _ = stored
    seen = open_in_chromium(path, chromium)
    assert {"whatif", "forecasts", "care-first"} <= set(seen["marks"])
    assert_drawn_cleanly(seen)


def test_without_competitors_the_section_compares_with_the_past(fresh_store: Store) -> None:
    """No competitor (the rival only watched) and no goal: the section is never an error; it
    shows the comparison with the own past, the plan toward the targets and how to add
    competitors."""
    rows = {name: [dict(r) for r in records] for name, records in HAND_BUILT.items()}
    rows["accounts"] = [dict(a, role="watch") if a == RIVAL else a for a in rows["accounts"]]
    fresh_store.apply(batch_of(rows))
    page = render(fresh_store, Config()).page
    section = page[page.index('<section id="strategy">') : page.index('<section id="virality">')]
    assert GOAL_MISSING in text(section)
    shown = block(page, "benchmark")
    assert 'data-status="ok"' in shown
    assert "You against your own past and your targets" in text(shown)
    assert ADD_COMPETITORS in text(shown)
    with Session.over(fresh_store, config=Config()) as session:
        bench = own_past_benchmark(session, window_days=90)
        plan = make_plan(bench, Config(), conversions=conversions_by_kind(session))
    header, *body = table(page, "benchmark-past")
    assert header[:4] == ["Area", "Now", "Then", "Moving"]
    assert [r[0] for r in body] == [p.spec.title for p in bench.past]
    for row, area in zip(body, bench.past, strict=True):
        now = format_value(area.spec.unit, area.now.value) if area.now.ok else None
        assert row[1] == (now if now is not None else f"not computable: {area.now.reason}")
    planned = block(page, "plan")
    assert 'data-status="ok"' in planned
    assert "The plan: your targets, one step after another" in text(planned)
    assert ADD_COMPETITORS in text(planned)
    assert plan.steps  # the hand-built account misses some targets
    steps = table(page, "plan")[1:]
    assert [r[2] for r in steps] == [s.action for s in plan.steps]
    assert steps[0][5] == start_words(0) == "now"
    assert 'data-block="care-list" data-status="ok"' in page  # the rest still shows
    assert "run `rapport whatif` to compare strategies" in text(block(page, "whatif"))
