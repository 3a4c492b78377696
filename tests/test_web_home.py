"""The home page's cards: each workspace's objective, data, care due, plan and alerts, as the
library says them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

import rapport
from rapport.config import render_config
from rapport.web.views import summary
from rapport.workspace import Workspace
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


@pytest.fixture(scope="module")
def copy(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = tmp_path_factory.mktemp("home") / "demo"
    shutil.copytree(demo_workspace, root)
    return Workspace(root)


def _with_targets(ws: Workspace, **targets: float) -> tuple[str, ...]:
    text = (ws.root / "rapport.toml").read_text(encoding="utf-8")
    config = ws.config()
    changed = config.model_copy(update={"targets": config.targets.model_copy(update=targets)})
    (ws.root / "rapport.toml").write_text(render_config(changed), encoding="utf-8")
    try:
        with rapport.open(ws.root) as session:
            return summary(session, ws.root.name).alerts
    finally:
        (ws.root / "rapport.toml").write_text(text, encoding="utf-8")


def test_promotions_past_the_ceiling_are_an_alert_with_their_interval(copy: Workspace) -> None:
    (share,) = [m for m in invoke_json("metrics", "--workspace", copy.root)
                if m["id"] == "promotional_share"]  # fmt: skip
    low, high = share["interval"]
    over = _with_targets(copy, max_promotional_share=round(low / 2, 3))
    assert any(a.startswith("Promotions over the ceiling: ") for a in over), over
    perhaps = _with_targets(copy, max_promotional_share=round((low + share["value"]) / 2, 3))
    assert any(a.startswith("Promotions perhaps over the ceiling: ") for a in perhaps), perhaps
    assert any(f"n = {share['n']:,}" in a for a in perhaps)
    under = _with_targets(copy, max_promotional_share=min(1.0, round(high + 0.01, 3)))
    assert not any(a.startswith("Promotions") for a in under), under


def test_a_silence_coming_says_by_when_to_post(copy: Workspace) -> None:
    with duckdb.connect(str(copy.root / "rapport.duckdb"), read_only=True) as con:
        (last,) = con.execute(
            "SELECT max(created_at) FROM posts WHERE in_reply_to_id IS NULL AND repost_of IS NULL "
            "AND account_id IN (SELECT account_id FROM accounts WHERE role = 'own')"
        ).fetchone() or (None,)
    assert last is not None
    quiet = (dt.datetime.now(dt.UTC) - last.astimezone(dt.UTC)).days
    soon = _with_targets(copy, max_gap_days=quiet + 1)
    due = (last.astimezone(dt.UTC) + dt.timedelta(days=quiet + 1)).date().isoformat()
    assert f"No post for {quiet:,} days (target: at most {quiet + 1:,}): post by {due}" in soon
    calm = _with_targets(copy, max_gap_days=quiet + 10)
    assert not any(a.startswith("No post") for a in calm), calm
