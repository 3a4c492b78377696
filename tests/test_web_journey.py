"""The whole journey in real Chromium against the real server, in one go, as a person takes it.

Log in; create a workspace; upload the shared X archive sample and watch its import
progress; open its overview; look at a care item's context and mark it done; download the
calendar as ICS; change a setting with a bad value and see the message; log out. The person
is the owner of this rapport (who creates workspaces) and a manager of the demo workspace
``alpha`` (whose care list has people waiting: an X archive holds only its own side).
Each step's own page has its detailed tests elsewhere (test_web_*.py); this one checks that
they hold together.
"""

from __future__ import annotations

import io
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import pytest

from rapport.web.auth import hash_password
from tests.web_support import OVERFLOW, PASSWORD, Web

pytestmark = pytest.mark.browser

ARCHIVE = "milahu104_2026-02-10"
WHO = "journey@example.com"


@pytest.fixture(scope="module")
def journeyer(web: Web) -> str:
    if web.app_db.user_by_email(WHO) is None:
        user = web.app_db.add_user(WHO, hash_password(PASSWORD), is_admin=True)
        web.app_db.grant(user.user_id, "alpha", "manager")
    return WHO


def _zipped(shared: Path, into: Path) -> Path:
    """The shared 2026 X archive, zipped as X ships it (its files under ``data/``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for file in sorted((shared / "samples" / "twitter_archive" / ARCHIVE).iterdir()):
            zipped.write(file, f"data/{file.name}")
    into.write_bytes(buffer.getvalue())
    return into


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], (page.url, found)


def test_the_journey(browser: Any, web: Web, journeyer: str, shared: Path, tmp_path: Path) -> None:
    archive = _zipped(shared, tmp_path / "twitter-archive.zip")
    name = f"journey-{secrets.token_hex(3)}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    # log in: signed out, every page is the login form
    page.goto(f"{web.url}/")
    assert "/login" in page.url
    page.get_by_label("Email").fill(journeyer)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web.url}/")
    _fits(page)

    # create a workspace
    page.get_by_label("Name (a folder name").fill(name)
    page.get_by_label("Objective").select_option("community")
    page.get_by_label("Target audience").fill("people who bake at home")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(f"{web.url}/w/{name}/")
    assert (web.root / name / "rapport.toml").is_file()

    # upload the X archive and watch its import progress to the end
    page.get_by_role("link", name="Data", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{name}/data")
    page.get_by_label("Export file").set_input_files(str(archive))
    page.get_by_role("button", name="Upload and import").click()
    page.wait_for_url(re.compile(rf".*/w/{name}/data#job-[0-9a-f]+$"))
    assert page.locator(".job").first.is_visible()  # queued or running, with its progress
    page.locator(".job.done").wait_for(timeout=240_000)
    assert (
        page.locator(".job.done .summary")
        .inner_text()
        .startswith("Imported twitter-archive.zip (x_archive) in")
    )
    _fits(page)

    # open the overview: the imported data's numbers
    page.get_by_role("link", name="Overview", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{name}/")
    assert page.get_by_role("heading", name="This week").is_visible()
    assert page.locator(".metric").count() > 0
    _fits(page)

    # look after someone: the context of an item, then done (in place, by HTMX)
    page.goto(f"{web.url}/")
    page.get_by_role("link", name="alpha", exact=True).click()
    page.get_by_role("link", name="Care", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/care")
    first = page.locator(".inbox .item:not(.done)").first
    item = (first.get_attribute("id") or "").removeprefix("care-")
    first.get_by_role("link", name="Context").click()
    page.wait_for_url(f"{web.url}/w/alpha/care/{item}")
    assert page.get_by_role("heading", name=re.compile("did lately")).is_visible()
    _fits(page)
    page.get_by_role("button", name="Done").click()
    page.locator(f"#care-{item}.done").wait_for(timeout=60_000)
    page.goto(f"{web.url}/w/alpha/care")
    assert page.locator(f"#care-{item}").count() == 0  # it never comes back

    # download the calendar for a calendar app
    page.get_by_role("link", name="Calendar", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/calendar")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download for your calendar (.ics)").click()
    saved = tmp_path / "calendar.ics"
    waiting.value.save_as(saved)
    ics = saved.read_text(encoding="utf-8")
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics

    # change a setting with a bad value, see the message; the file is unchanged
    before = (web.root / name / "rapport.toml").read_bytes()
    page.goto(f"{web.url}/w/{name}/")
    page.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{name}/settings")
    page.get_by_label("Weekly hours").fill("500")
    page.get_by_role("button", name="Save the settings").click()
    page.get_by_role("alert").wait_for()
    assert "expected a number from 0.25 to 168" in page.get_by_role("alert").inner_text()
    assert (web.root / name / "rapport.toml").read_bytes() == before
    _fits(page)

    # log out: the pages are closed again
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{web.url}/login")
    page.goto(f"{web.url}/w/{name}/")
    assert "/login" in page.url
    assert [p for p in problems if "Content Security Policy" in p] == []
    # the settings form's 400 is the only refused answer on the way
    refused = [f for f in failed if not f.endswith("/favicon.ico")]
    assert refused == [f"400 {web.url}/w/{name}/settings"], refused
    context.close()
