"""The web workplace in real Chromium (Debian's, through Playwright) against the real server.

A person logs in, opens the overview, marks a care item done (HTMX swaps the item in
place), and logs out; at 390 px wide nothing runs past the screen's edge; script payloads
placed in imported handles, names, bios, post and reply text and the audience never run.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web_support import CLEAN, OVERFLOW, XSS_PROBE, Web, email, sign_in

pytestmark = pytest.mark.browser


def _log_in(page: Any, web: Web, who: str) -> None:
    page.goto(f"{web.url}/")
    assert "/login" in page.url  # signed out: the login form
    sign_in(page, web, who)


def test_log_in_look_after_someone_and_log_out(browser: Any, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _log_in(page, web, email("analyst"))
    assert page.evaluate("document.cookie") == ""  # the session cookie is HttpOnly
    page.get_by_role("link", name="alpha", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/")
    assert page.get_by_role("heading", name="This week").is_visible()
    assert page.locator(".metric.relationship").count() == 3
    page.get_by_role("link", name="Care", exact=True).click()
    page.wait_for_url(f"{web.url}/w/alpha/care")
    items = page.locator(".inbox .item:not(.done)")
    before = items.count()
    assert before > 0
    first = items.first
    item_id = first.get_attribute("id")
    first.get_by_role("button", name="Done").click()
    done = page.locator(f"#{item_id}.done")
    done.wait_for(timeout=60_000)  # swapped in place by HTMX, no reload
    assert "Done:" in done.inner_text()
    page.reload()
    assert page.locator(f"#{item_id}").count() == 0  # it never comes back
    assert email("analyst") in page.locator(".log").inner_text()  # who did it
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{web.url}/login")
    page.goto(f"{web.url}/w/alpha/")
    assert "/login" in page.url
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


@pytest.mark.parametrize("path", ["/", "/w/alpha/", "/w/alpha/care", "/login"])
def test_pages_fit_a_phone(browser: Any, web: Web, path: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    _log_in(page, web, email("owner"))
    page.goto(f"{web.url}{path}")
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    context.close()


def test_script_payloads_from_imported_data_never_run(browser: Any, web: Web) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _log_in(page, web, email("owner", "beta"))
    page.goto(f"{web.url}/w/beta/care")
    contexts = page.eval_on_selector_all(
        "a", "links => links.filter(a => a.textContent === 'Context').map(a => a.pathname)"
    )
    assert contexts  # each item's page, with the thread's payload-bearing texts
    for path in ("/", "/w/beta/", *contexts, "/w/beta/care"):
        page.goto(f"{web.url}{path}")
        page.wait_for_load_state("networkidle")
        probe = page.evaluate(XSS_PROBE)
        assert probe == CLEAN, (path, probe)
    care = page.content()
    assert "&lt;script&gt;" in care or "<script>window" not in care
    assert "Do you ship?" in care  # the payload-bearing replies are shown, as text
    assert dialogs == []
    context.close()
