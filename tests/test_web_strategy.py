"""The plan, calendar and competitors pages show what `rapport plan`, `rapport calendar` and
`rapport benchmark` say; the calendar downloads and the private feed are real iCalendar; a
feed link works without logging in and stops when revoked; a person opens the plan and the
calendar and downloads the ICS in Chromium.

Alpha gains stored plans here (as it does from the access test): every check reads the plan
id it made, never a fixed one.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from rapport.strategy.benchmark import ADD_COMPETITORS, format_value
from rapport.strategy.calendar import CSV_COLUMNS
from rapport.web.auth import hash_password
from tests.conftest import invoke_json
from tests.web_support import ADMIN, OVERFLOW, PASSWORD, Web, app_db_bytes, csrf_of, email, sign_in

ARRIVING = "New data is arriving"
SRC = Path(__file__).resolve().parents[1] / "src"


def _fresh(client: httpx.Client, path: str, *, until: str | None = None) -> str:
    """The page once it is up to date: pages answer at once from what they had while the
    data changed, and say so; wait until they no longer do (and show ``until``)."""
    deadline = time.monotonic() + 120
    while True:
        page = client.get(path)
        assert page.status_code == 200, (path, page.status_code)
        if ARRIVING not in page.text and (until is None or until in page.text):
            return page.text
        assert time.monotonic() < deadline, f"{path} stayed out of date"
        time.sleep(0.3)


def _text(fragment: str) -> str:
    """A fragment of the page as text: tags dropped, entities decoded, spaces joined."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _cli_plan(workspace: Path) -> Any:
    """``rapport plan --json`` in its own process, beside the server (as a person would run
    it): it stores a new plan."""
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-m", "rapport", "plan", "--json", "--workspace",
         str(workspace)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# -- plan ------------------------------------------------------------------------------------
def test_the_plan_page_shows_the_plan_rapport_plan_stored(web: Web) -> None:
    expected = _cli_plan(web.root / "alpha")
    assert expected["plan_id"] is not None and expected["steps"]
    assert web.login(email("client")).get("/w/alpha/plan").status_code == 403  # overview only
    client = web.login(email("analyst"))  # reading is enough
    page = _fresh(client, "/w/alpha/plan", until=f'data-plan-id="{expected["plan_id"]}"')
    assert f"Plan {expected['plan_id']}, made on" in page
    steps = re.findall(r'<li class="step" data-order="(\d+)"[^>]*>(.*?)</li>', page, re.S)
    assert [int(order) for order, _ in steps] == [s["order"] for s in expected["steps"]]
    for (_, shown), step in zip(steps, expected["steps"], strict=True):
        words = _text(shown)
        assert step["title"] in words
        assert step["action"] in words  # what to do
        assert step["reason"] in words  # why
        assert f"Starts {step['starts']}" in words  # when (its start week, in words)
        assert f"Effort {step['hours_per_week']:,.1f} h a week" in words
    text = _text(page)
    for skipped in expected["skipped"]:
        assert skipped["reason"] in text  # every 'not now' with its reason
    budget = dict(re.findall(r'<dd data-value="(\w+)">([^<]*)</dd>', page))
    for key in ("weekly_hours", "available_hours_per_week", "planned_hours_per_week"):
        assert f"{expected[key]:,.1f} h" in budget[key], key
    assert "Progress since the plan" in page
    assert "Make a new plan" not in page  # an analyst reads, never writes


def test_making_a_plan_from_the_web_stores_it_and_needs_the_token(web: Web) -> None:
    manager = web.login(email("manager"))
    before = _fresh(manager, "/w/alpha/plan")
    assert "Make a new plan" in before
    found = re.search(r'data-plan-id="(\d*)"', before)
    assert found
    forged = manager.post("/w/alpha/plan", data={})
    assert forged.status_code == 403
    made = manager.post("/w/alpha/plan", data={"csrf": csrf_of(before)})
    assert made.status_code == 303 and made.headers["location"] == "/w/alpha/plan"
    after = manager.get("/w/alpha/plan").text  # fresh at once: this server wrote it
    assert ARRIVING not in after
    plan_id = re.search(r'data-plan-id="(\d+)"', after)
    assert plan_id and int(plan_id.group(1)) > int(found.group(1) or 0)
    log = _text(manager.get("/w/alpha/care").text)
    assert f"plan made (plan {plan_id.group(1)})" in log
    assert web.login(email("analyst")).post("/w/alpha/plan", data={"csrf": "x"}).status_code == 403


# -- calendar --------------------------------------------------------------------------------
def test_the_calendar_page_equals_the_calendar_json(web: Web) -> None:
    client = web.login(email("analyst"))
    page = _fresh(client, "/w/alpha/calendar")
    expected = invoke_json("calendar", "--workspace", web.root / "alpha")
    slots = re.findall(r'<li class="slot" data-start="([^"]+)">(.*?)</li>', page, re.S)
    assert [start for start, _ in slots] == [s["start"] for s in expected["slots"]]
    for (_, shown), slot in zip(slots, expected["slots"], strict=True):
        words = _text(shown)
        assert slot["title"] in words and slot["reason"] in words and slot["idea"] in words
        local = slot["start_local"]  # in the workspace's zone, as the page shows it
        assert f'datetime="{local}' in shown
        assert f"{local[:10]} {local[11:16]}" in words
    assert f"Times are in {expected['timezone']}" in page
    if expected["plan_id"] is not None:
        assert f"the cadence of plan {expected['plan_id']}" in page
    assert "A private feed" not in page  # an analyst downloads, never makes feeds


def test_the_calendar_downloads_are_ics_and_csv(web: Web) -> None:
    client = web.login(email("analyst"))
    page = _fresh(client, "/w/alpha/calendar?weeks=2")
    count = len(re.findall(r'<li class="slot"', page))
    assert count > 0
    ics = client.get("/w/alpha/calendar.ics?weeks=2")
    assert ics.status_code == 200 and ics.headers["content-type"].startswith("text/calendar")
    assert ics.headers["content-disposition"] == 'attachment; filename="alpha-calendar.ics"'
    _check_ics(ics.text, count)
    csv = client.get("/w/alpha/calendar.csv?weeks=2")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0] == ",".join(CSV_COLUMNS) and len(lines) == count + 1
    wrong = client.get("/w/alpha/calendar.ics?weeks=0")
    assert wrong.status_code == 400 and "whole number of weeks" in wrong.text


def _check_ics(text: str, events: int) -> None:
    """An iCalendar file: one calendar, ``events`` VEVENTs, CRLF lines of at most 75 octets."""
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT\r\n") == events == text.count("END:VEVENT\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    assert "\n" not in text.replace("\r\n", "")


def test_a_feed_link_works_without_login_and_stops_when_revoked(web: Web) -> None:
    owner = web.login(email("owner"))
    page = _fresh(owner, "/w/alpha/calendar")
    assert "No feed yet." in page or "A feed is live" in page
    assert owner.post("/w/alpha/calendar/feed", data={}).status_code == 403  # forged
    made = owner.post("/w/alpha/calendar/feed", data={"csrf": csrf_of(page)})
    assert made.status_code == 303 and made.headers["location"] == "/w/alpha/calendar#feed"
    shown = owner.get("/w/alpha/calendar").text
    link = re.search(r'id="feed-url"[^>]*value="([^"]+)"', shown)
    assert link, "the new link is shown once"
    url = link.group(1)
    token = re.search(r"/feeds/([^/]+)\.ics$", url)
    assert url.startswith(web.url) and token
    assert token.group(1) not in owner.get("/w/alpha/calendar").text  # only once
    stranger = web.client()  # a calendar app: no cookie, no login
    feed = stranger.get(url)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    slots = len(re.findall(r'<li class="slot"', shown))
    _check_ics(feed.text, slots)
    assert "set-cookie" not in feed.headers
    stored = app_db_bytes(web.app_db)
    assert token.group(1).encode() not in stored  # kept as a digest only
    assert token.group(1) not in _text(owner.get("/w/alpha/care").text)  # nor in the audit
    again = owner.post("/w/alpha/calendar/feed", data={"csrf": csrf_of(shown)})
    assert again.status_code == 303
    newer = re.search(r'id="feed-url"[^>]*value="([^"]+)"', owner.get("/w/alpha/calendar").text)
    assert newer and newer.group(1) != url
    assert stranger.get(url).status_code == 404  # a new link revokes the old one
    assert stranger.get(newer.group(1)).status_code == 200
    revoked = owner.post("/w/alpha/calendar/feed/revoke", data={"csrf": csrf_of(shown)})
    assert revoked.status_code == 303
    gone = stranger.get(newer.group(1))
    assert gone.status_code == 404 and "VCALENDAR" not in gone.text
    assert stranger.get("/feeds/not-a-feed-token.ics").status_code == 404
    assert "No feed yet." in owner.get("/w/alpha/calendar").text
    log = _text(owner.get("/w/alpha/care").text)
    assert "calendar feed made" in log and "calendar feed revoked" in log


def test_a_feed_stops_when_its_maker_leaves_the_workspace(web: Web) -> None:
    maker = "feeder-alpha@example.com"
    user = web.app_db.add_user(maker, hash_password(PASSWORD))
    web.app_db.grant(user.user_id, "alpha", "manager")
    client = web.login(maker)
    page = client.get("/w/alpha/calendar").text
    assert client.post("/w/alpha/calendar/feed", data={"csrf": csrf_of(page)}).status_code == 303
    link = re.search(r'id="feed-url"[^>]*value="([^"]+)"', client.get("/w/alpha/calendar").text)
    assert link
    app = web.client()
    assert app.get(link.group(1)).status_code == 200
    with web.app_db.connect() as db:
        db.execute("DELETE FROM memberships WHERE user_id = ?", (user.user_id,))
    assert app.get(link.group(1)).status_code == 404
    assert client.get("/w/alpha/calendar").status_code == 404  # and so does the workspace
    owner = web.login(email("owner"))
    revoked = owner.post("/w/alpha/calendar/feed/revoke",
                         data={"csrf": csrf_of(owner.get("/").text)})  # fmt: skip
    assert revoked.status_code == 303


# -- competitors -----------------------------------------------------------------------------
def _rows(page: str) -> dict[str, dict[str, str]]:
    """The benchmark table: area → column → cell text."""
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = {html.unescape(k): _text(v) for k, v in
                 re.findall(r'<td data-label="([^"]*)">(.*?)</td>', row, re.S)}  # fmt: skip
        if cells:
            found[cells["Area"]] = cells
    return found


def test_the_competitors_page_equals_the_benchmark_json(web: Web) -> None:
    client = web.login(email("analyst"))
    page = _fresh(client, "/w/alpha/competitors")
    expected = invoke_json("benchmark", "--workspace", web.root / "alpha")
    assert expected["mode"] == "competitors" and expected["areas"]
    rows = _rows(page)
    several = len({a["platform"] for a in expected["areas"]}) > 1
    for area in expected["areas"]:
        title = f"{area['title']} ({area['platform']})" if several else area["title"]
        row = rows[title]
        assert row["Your rank"] == (f"#{area['own_rank']}" if area["own_rank"] else "not ranked")
        leader = area["leader"]
        if leader is not None:
            assert (
                row["Leader"]
                == f"{leader['handle']}: {format_value(area['unit'], leader['value'])}"
            )
        for value in area["values"]:
            name = f"{value['handle']} (you)" if value["role"] == "own" else value["handle"]
            if value["status"] == "ok":
                assert (
                    row[name] == f"{format_value(area['unit'], value['value'])} (#{value['rank']})"
                )
            else:
                assert row[name] == "not computable"
    assert _text(ADD_COMPETITORS) in _text(page)  # how to add (more) competitors


def test_without_competitors_the_page_compares_with_the_own_past(web: Web) -> None:
    owner = web.login(email("owner", "beta"))
    page = _fresh(owner, "/w/beta/competitors")
    assert "You against your own past and your targets" in page
    assert _text(ADD_COMPETITORS) in _text(page)
    for path in ("/w/beta/competitors", "/w/beta/plan", "/w/beta/calendar"):
        shown = _fresh(owner, path)
        assert "<script>window" not in shown and "onerror=" not in shown, path


def test_a_workspace_without_data_says_so_on_every_page(web: Web) -> None:
    admin = web.login(ADMIN)
    csrf = csrf_of(admin.get("/").text)
    made = admin.post("/workspaces", data={"name": "no-data-yet", "objective": "sales",
                                           "csrf": csrf})  # fmt: skip
    assert made.status_code == 303
    for path in ("/w/no-data-yet/plan", "/w/no-data-yet/competitors", "/w/no-data-yet/calendar"):
        page = admin.get(path)
        assert page.status_code == 200 and "no data in this workspace yet" in page.text, path
    for path in ("/w/no-data-yet/calendar.ics", "/w/no-data-yet/calendar.csv"):
        download = admin.get(path)
        assert download.status_code == 400 and "not computable" in download.text, path
    refused = admin.post("/w/no-data-yet/plan", data={"csrf": csrf})
    assert refused.status_code == 400 and "no data in this workspace yet" in refused.text


# -- in Chromium -----------------------------------------------------------------------------
@pytest.mark.browser
def test_open_the_plan_and_the_calendar_and_download_the_ics(
    browser: Any, web: Web, tmp_path: Path
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web, email("manager"))
    page.get_by_role("link", name="alpha", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/")
    page.get_by_role("link", name="Plan", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/plan")
    assert page.get_by_role("heading", name="The plan", exact=True).is_visible()
    assert page.locator("li.step").count() > 0
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/calendar")
    page.get_by_label("Weeks").fill("2")  # from the keyboard: a labelled field
    page.get_by_label("Weeks").press("Enter")
    page.wait_for_url(f"{web.url}/w/alpha/calendar?weeks=2")
    slots = page.locator("li.slot").count()
    assert slots > 0
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download for your calendar (.ics)").click()
    download = waiting.value
    assert download.suggested_filename == "alpha-calendar.ics"
    saved = tmp_path / "alpha.ics"
    download.save_as(saved)
    _check_ics(saved.read_bytes().decode("utf-8"), slots)
    page.get_by_role("link", name="Competitors", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/competitors")
    assert page.locator("table.bench tbody tr").count() > 0
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/w/alpha/plan", "/w/alpha/calendar", "/w/alpha/competitors"])
def test_the_pages_fit_a_phone(browser: Any, web: Web, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, web, email("owner"))
    page.goto(f"{web.url}{path}")
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    context.close()
