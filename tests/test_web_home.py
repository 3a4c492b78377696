"""The home page's cards: each workspace's objective, data, care due, plan and alerts, as the
library says them."""

from __future__ import annotations

import re
import time

from tests.conftest import invoke_json
from tests.web_support import Web, email


def _card(page: str, workspace: str) -> str:
    found = re.search(rf'<li class="card">\s*<h2><a href="/w/{workspace}/">.*?</li>', page, re.S)
    assert found, f"no card for {workspace}"
    return found.group(0)


def test_a_workspace_without_a_plan_says_so(web: Web) -> None:
    card = _card(web.login(email("owner", "beta")).get("/").text, "beta")
    assert "No plan yet: make one on the Plan page" in card
    assert "Objective</dt><dd>sales" in card


def test_the_card_names_the_latest_plan_and_the_care_due(web: Web) -> None:
    made = invoke_json("plan", "--workspace", web.root / "alpha")  # the CLI, beside the server
    client = web.login(email("manager"))
    deadline = time.monotonic() + 120
    while True:  # cards answer at once from what they had, and catch up in the background
        card = _card(client.get("/").text, "alpha")
        if f"Plan {made['plan_id']:,} of " in card:
            break
        assert time.monotonic() < deadline, card
        time.sleep(1)
    care = invoke_json("care", "--workspace", web.root / "alpha")
    due = len(care["items"])
    assert f">{due:,} {'person' if due == 1 else 'people'}</a>" in card
    assert "No plan yet" not in card and "days old" not in card  # made just now
