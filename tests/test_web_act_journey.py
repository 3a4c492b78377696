"""Acting from rapport in real Chromium, on the real server and the REAL local Bluesky network:
answer a care item, schedule a calendar slot, cancel it — at phone width, as a person does.

A shop with a customer waiting for an answer is made for this module (as in
tests/test_care_reply.py), connected, and served with its owner. Each step's detailed tests
are in test_web_reply.py and test_web_publish.py; this one checks that they hold together
in a browser.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapport.store.scheduled import scheduled_posts
from rapport.web.auth import hash_password
from tests.bluesky_support import BlueskyNetwork, bluesky_network
from tests.test_care_reply import Shop
from tests.web_support import OVERFLOW, PASSWORD, Web, sign_in

__all__ = ["bluesky_network"]

pytestmark = pytest.mark.browser

WHO = "act-journey@example.com"


@pytest.fixture(scope="module")
def served(
    web: Web, bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Shop, str, str]]:
    shop = Shop(bluesky_network, tmp_path_factory.mktemp("act-journey"))
    item = shop.item(0)
    name = f"act-{secrets.token_hex(3)}"
    shutil.move(shop.ws, web.root / name)
    shop.ws = web.root / name
    user = web.app_db.user_by_email(WHO) or web.app_db.add_user(WHO, hash_password(PASSWORD))
    web.app_db.grant(user.user_id, name, "owner")
    web.app.state.served.rescan()
    yield shop, name, item
    shop.proxy.close()


def _fits(page: Any) -> None:
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], (page.url, found)


def test_answer_schedule_and_cancel_in_a_browser(
    browser: Any, web: Web, served: tuple[Shop, str, str], tmp_path: Path
) -> None:
    shop, name, item = served
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    sign_in(page, web, WHO)

    # 1. Answer the customer from the care item's page.
    page.goto(f"{web.url}/w/{name}/care/{item}")
    _fits(page)
    box = page.get_by_label(re.compile("Your answer, posted on Bluesky"))
    assert box.input_value() == ""  # rapport writes no word
    box.fill("Yes, fully vegan, and baked this morning!")
    page.get_by_role("button", name="Post the answer").click()
    page.wait_for_url(f"{web.url}/w/{name}/care/{item}/reply")
    assert "Your reply is on Bluesky" in page.content()
    _fits(page)
    answers = shop.answers_to(0)
    assert len(answers) == 1
    page.goto(f"{web.url}/w/{name}/care")
    assert f"care-{item}" not in page.content()  # done: off today's list

    # 2. Schedule the first slot of the calendar.
    page.goto(f"{web.url}/w/{name}/calendar")
    page.get_by_role("link", name="Write this post").first.click()
    page.wait_for_url(re.compile(rf".*/w/{name}/publish/new\?slot=1$"))
    assert "Write the post for this slot" in page.content() and "Why: " in page.content()
    _fits(page)
    text = page.get_by_label("The post, in your words")
    assert text.input_value() == ""
    text.fill("Our rye is back: https://shop.example/rye")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_load_state()
    if "Schedule anyway" in page.content():  # a slot near the shop's own post breaks the gap
        page.get_by_label("Schedule it anyway").check()
        page.get_by_label("Why (kept in the audit log)").fill("the journey's first slot")
        page.get_by_role("button", name="Schedule anyway").click()
    page.wait_for_url(re.compile(rf".*/w/{name}/publish#post-\d+$"))
    post_id = int(page.url.rsplit("-", 1)[1])
    shown = page.locator(f"#post-{post_id}")
    assert "Scheduled" in shown.inner_text()
    assert "utm_" not in shown.inner_text()  # the text is as written; the link carries the tags
    _fits(page)
    with web.app.state.served.reading(name) as session:
        (post,) = [p for p in scheduled_posts(session.store) if p.id == post_id]
    assert post.state == "scheduled" and post.slot_title
    assert any("utm_content=rapport-post-" in link for link in post.links)

    # 3. Cancel it.
    shown.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(rf".*/w/{name}/publish#post-{post_id}$"))
    assert "Cancelled" in page.locator(f"#post-{post_id}").inner_text()
    with web.app.state.served.reading(name) as session:
        (post,) = [p for p in scheduled_posts(session.store) if p.id == post_id]
    assert post.state == "cancelled"
    assert len(shop.answers_to(0)) == 1
    assert [f for f in failed if not f.endswith("/favicon.ico")] == []
    assert [p for p in problems if "favicon" not in p and "404" not in p] == []
    context.close()
