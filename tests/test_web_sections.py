"""The report's sections as pages of the web workplace, against the real server.

Every section answers for every role (clients too: the report is theirs); the cards on a
section page equal what `rapport metrics --json` prints (value, interval, sample size and
denominator); its charts and tables are the downloaded report's; the overview links every
section; unknown sections and other people's workspaces are "Not found". In Chromium: the
pages fit a phone, are reached from the keyboard, and script payloads from imported data
never run on them.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time
from typing import Any

import pytest

import rapport
from rapport.metrics.builtin.timing import WEEKDAYS
from rapport.report.sections import SectionLink, section_index
from tests.conftest import invoke_json
from tests.test_web_numbers import _HOLD_WRITER
from tests.web_support import CLEAN, OVERFLOW, ROLES, XSS_PROBE, Web, email, sign_in

_CARD = re.compile(
    r'<div class="card (?:metric|vanity)" data-metric="([a-z0-9_]+)">\s*'
    r'<div class="label">[^<]*</div>\s*<div class="value">([^<]*)</div>\s*'
    r'<div class="detail">([^<]*)</div>'
)
_FIGURE = re.compile(r'<figure id="figure-([\w-]+)".*?</figure>', re.S)
_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_INTERVAL = re.compile(
    r"^(?:95 % CI|middle half of posts) (.+?) to (.+?)(?:, n = [\d,]+)?\. Denominator"
)


def _index(web: Web, workspace: str) -> list[SectionLink]:
    with rapport.open(web.root / workspace) as session:
        return section_index(session.config)


def _shown(text: str, unit: str) -> tuple[float, float]:
    """A number as a page prints it (``38%``, ``2.1 days``, ``Friday``), in the metric's
    unit, and how far rounding to the printed digits may have moved it."""
    if unit == "weekday":
        return float(WEEKDAYS.index(text)), 0.0
    found = re.search(r"[-+]?[\d,]*\.?\d+", text)
    assert found, text
    digits = found.group(0).replace(",", "")
    value, slack = float(digits), 0.5 * 10.0 ** -len(digits.partition(".")[2])
    if "%" in text:
        value, slack = value / 100, slack / 100
    if unit == "hours" and text.endswith("days"):
        value, slack = value * 24, slack * 24
    return value, slack


def _close(text: str, unit: str, expected: float) -> bool:
    value, slack = _shown(text, unit)
    return abs(value - expected) <= slack + 1e-9


def test_every_section_answers_for_every_role(web: Web) -> None:
    index = _index(web, "alpha")
    assert len(index) >= 12 and index[-2:] == [
        SectionLink("strategy", "What to do next"),
        SectionLink("virality", "Virality reality"),
    ]
    for role in ROLES:
        client = web.login(email(role))
        for link in index:
            page = client.get(f"/w/alpha/sections/{link.id}")
            assert page.status_code == 200, (role, link.id)
            assert f"<h1>{html.escape(link.title)}</h1>" in page.text, (role, link.id)
            assert f'data-section="{link.id}"' in page.text
            assert f'href="/w/alpha/sections/{link.id}" aria-current="page"' in page.text


def test_the_numbers_on_section_pages_equal_the_metrics_json(web: Web) -> None:
    client = web.login(email("client"))
    expected = {r["id"]: r for r in invoke_json("metrics", "--workspace", web.root / "alpha")}
    seen: set[str] = set()
    for link in _index(web, "alpha"):
        page = client.get(f"/w/alpha/sections/{link.id}")
        cards = {m: (html.unescape(v), html.unescape(d)) for m, v, d in _CARD.findall(page.text)}
        area = {m for m, r in expected.items() if r["area"] == link.id and r["status"] == "ok"}
        assert set(cards) == area, link.id  # every computable metric of the area, no other
        for metric, (value, detail) in cards.items():
            result = expected[metric]
            assert _close(value, result["unit"], result["value"]), (metric, value, result)
            assert detail.endswith(f"Denominator: {result['denominator']}"), metric
            bounds = _INTERVAL.match(detail)
            if result["interval"] is None:
                assert bounds is None, (metric, detail)
            else:
                assert bounds, (metric, detail)
                low, high = result["interval"]
                assert _close(bounds.group(1), result["unit"], low), (metric, detail, low)
                assert _close(bounds.group(2), result["unit"], high), (metric, detail, high)
            if result["n"] is not None:
                assert f"n = {result['n']:,}" in detail or f"n = {result['n']}:" in detail
        seen |= set(cards)
    assert seen == {m for m, r in expected.items() if r["status"] == "ok"}


def _figures(page: str) -> dict[str, str]:
    """The figures of a page by id, each chart's drawing left out (its coordinates may differ
    in the last digit between two computations: DuckDB sums in parallel)."""
    return {m.group(1): _SVG.sub("<svg/>", m.group(0)) for m in _FIGURE.finditer(page)}


def test_charts_and_tables_are_the_reports(web: Web) -> None:
    """Each area's figures (its chart, its table, their notes) are the downloaded report's."""
    client = web.login(email("analyst"))
    report = _figures(client.get("/w/alpha/report").text)
    compared = 0
    for link in _index(web, "alpha")[:-2]:  # the metric areas (the parts start from today)
        page = client.get(f"/w/alpha/sections/{link.id}").text
        for figure_id, shown in _figures(page).items():
            assert shown == report[figure_id], (link.id, figure_id)
            compared += 1
        drawn = page.count('<div class="chart"')
        assert page.count("<svg") == drawn and page.count("<table") >= drawn, link.id
    assert compared >= 12


def test_the_overview_links_every_section(web: Web) -> None:
    page = web.login(email("client")).get("/w/alpha/").text
    listed = page[page.index('id="sections-title"') :]
    listed = listed[: listed.index("</section>")]
    links = re.findall(r'<a href="/w/alpha/sections/([\w-]+)">([^<]+)</a>', listed)
    assert [(i, html.unescape(t)) for i, t in links] == [
        (s.id, s.title) for s in _index(web, "alpha")
    ]


def test_an_unknown_section_is_not_found(web: Web) -> None:
    client = web.login(email("owner"))
    for name in ("no-such-section", "ENGAGEMENT", "overview", "%2E%2E"):
        answer = client.get(f"/w/alpha/sections/{name}")
        assert answer.status_code == 404, name
        assert "Not found" in answer.text and "Traceback" not in answer.text


def test_a_member_of_another_workspace_gets_not_found(web: Web) -> None:
    with rapport.open(web.root / "alpha") as session:
        handles = [a.handle for a in session.config.accounts.own]
    stranger = web.login(email("owner", "beta"))
    for section in ("engagement", "strategy", "no-such-section"):
        answer = stranger.get(f"/w/alpha/sections/{section}")
        assert answer.status_code == 404, section
        assert not any(h in answer.text for h in handles), section
    assert web.client().get("/w/alpha/sections/engagement").status_code == 303  # to login


def test_section_pages_are_served_while_another_process_writes(web: Web) -> None:
    """Through the workspace's cache: while a CLI import holds the store, a section page
    answers at once from what the server had, and says new data is arriving."""
    owner = web.login(email("owner", "beta"))
    assert owner.get("/w/beta/sections/engagement").status_code == 200  # computed, cached
    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITER, str(web.root / "beta"), "10"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        started = time.monotonic()
        during = owner.get("/w/beta/sections/engagement")
        assert time.monotonic() - started < 5  # not queued behind the write
        assert during.status_code == 200 and "New data is arriving" in during.text
        assert "the store is in use" not in during.text
    finally:
        writer.wait(timeout=120)


# -- in Chromium ------------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.parametrize("section", ["engagement", "community", "strategy", "virality"])
def test_section_pages_fit_a_phone(browser: Any, web: Web, section: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web, email("client"))
    page.goto(f"{web.url}/w/alpha/sections/{section}")
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    if section in ("engagement", "community"):
        assert page.locator(".report-section .chart svg").count() >= 1
        assert page.locator(".report-section .chart svg").first.bounding_box()["width"] <= 390
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


def _tab_to(page: Any, href: str, *, limit: int = 300) -> None:
    """Press Tab until the link to ``href`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('href')") == href:
            return
    raise AssertionError(f"{href} is not reached with Tab")


@pytest.mark.browser
def test_sections_are_reached_from_the_keyboard(browser: Any, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, web, email("client"))
    page.goto(f"{web.url}/w/alpha/")
    _tab_to(page, "/w/alpha/sections/engagement")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web.url}/w/alpha/sections/engagement")
    assert page.get_by_role("heading", name="Engagement", level=1).is_visible()
    _tab_to(page, "/w/alpha/sections/virality")  # the list of sections under the section
    page.keyboard.press("Enter")
    page.wait_for_url(f"{web.url}/w/alpha/sections/virality")
    assert page.get_by_role("heading", name="Virality reality", level=1).is_visible()
    context.close()


@pytest.mark.browser
def test_script_payloads_never_run_on_section_pages(browser: Any, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, web, email("owner", "beta"))
    text = ""
    for link in _index(web, "beta"):
        answer = page.goto(f"{web.url}/w/beta/sections/{link.id}")
        assert answer is not None and answer.status == 200, link.id
        page.wait_for_load_state("networkidle")
        probe = page.evaluate(XSS_PROBE)
        assert probe == CLEAN, (link.id, probe)
        text += page.inner_text("main")
    assert "<script>window.__xss=1</script>" in text  # the payloads are shown, as text
    assert dialogs == []
    context.close()
