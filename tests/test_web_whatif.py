"""The What-if page on the real server: without a stored what-if it says so and how to start
one; a manager starts a small what-if as a job, its progress is followed to the end, and the
page then shows the numbers `rapport whatif` stored (and prints for the same workspace); who
may look and who may start; bad form values, forged tokens, a second start while one runs and
a failed job; the page at 390 px in Chromium, started and followed there.

Each test works on its own copy of the demo workspace (alpha stays as it is), with people of
its own in each role.
"""

from __future__ import annotations

import html
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

import rapport
from rapport.errors import UsageError
from rapport.store.plans import StoredWhatIf, latest_whatif
from rapport.strategy.whatif import OUTCOMES, STRATEGY_NAMES
from rapport.web import pages_whatif
from rapport.web.appdb import Role
from rapport.web.auth import hash_password
from rapport.web.jobs import Job, Jobs
from rapport.web.pages_whatif import MONTHS_WRONG, NO_DATA, RUNS_WRONG, check_form
from rapport.web.served import REFRESHING
from rapport.workspace import Workspace
from tests.conftest import invoke_json, snapshot_file
from tests.web_support import OVERFLOW, PASSWORD, Web, csrf_of, until_ended

ROLES: tuple[Role, ...] = ("manager", "analyst", "client")
SMALL = {"months": "1", "runs": "2"}
"""A what-if that takes seconds: 1 month, 2 runs of each strategy."""


def _who(role: str) -> str:
    return f"whatif-{role}@example.com"


@pytest.fixture(scope="module")
def people(web: Web) -> dict[Role, int]:
    """A user per role, for the workspaces made here."""
    ids = {}
    for role in ROLES:
        found = web.app_db.user_by_email(_who(role))
        user = found[0] if found else web.app_db.add_user(_who(role), hash_password(PASSWORD))
        ids[role] = user.user_id
    return ids


def _fresh(web: Web, people: dict[Role, int], demo: Path | None) -> str:
    """A new workspace (a copy of the demo, or empty) with a member in each role."""
    name = f"whatif-{secrets.token_hex(4)}"
    if demo is None:
        Workspace(web.root / name).create()
    else:
        shutil.copytree(demo, web.root / name)
    for role, user_id in people.items():
        web.app_db.grant(user_id, name, role)
    return name


def _stored(web: Web, workspace: str) -> StoredWhatIf | None:
    with rapport.open(web.root / workspace) as session:
        return latest_whatif(session.store)


def _jobs(web: Web) -> Jobs:
    jobs: Jobs = web.app.state.jobs
    return jobs


def _whatif_jobs(web: Web, workspace: str) -> list[Job]:
    return [j for j in _jobs(web).recent(workspace, limit=50) if j.kind == "whatif"]


def _start(client: httpx.Client, workspace: str, **form: Any) -> httpx.Response:
    token = form.pop("csrf", None) or csrf_of(client.get(f"/w/{workspace}/whatif").text)
    return client.post(f"/w/{workspace}/whatif", data={"csrf": token, **form})


def _job_of(answer: httpx.Response, workspace: str) -> str:
    assert answer.status_code == 303, answer.text[:500]
    found = re.fullmatch(rf"/w/{workspace}/whatif#job-([0-9a-f]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _until_ended(client: httpx.Client, workspace: str, job_id: str) -> tuple[str, list[str]]:
    return until_ended(client, f"/w/{workspace}/whatif/jobs/{job_id}")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _cells(page: str) -> dict[str, list[tuple[float, float, float]]]:
    """The table's numbers: per strategy, (median, p10, p90) of each outcome in order."""
    rows = re.findall(r'<tr data-strategy="(\w+)">(.*?)</tr>', page, flags=re.S)
    return {
        name: [
            (float(m), float(lo), float(hi))
            for m, lo, hi in re.findall(
                r'data-median="([^"]+)" data-p10="([^"]+)" data-p90="([^"]+)"', row
            )
        ]
        for name, row in rows
    }


def _numbers(strategies: list[dict[str, Any]]) -> dict[str, list[tuple[float, float, float]]]:
    return {
        str(s["name"]): [(s[k]["median"], s[k]["p10"], s[k]["p90"]) for k in OUTCOMES]
        for s in strategies
    }


# -- the page --------------------------------------------------------------------------------
def test_without_a_what_if_the_page_says_so_and_how_to_start_one(
    web: Web, people: dict[Role, int], demo_workspace: Path
) -> None:
    workspace = _fresh(web, people, demo_workspace)
    manager, analyst, client = (web.login(_who(role)) for role in ROLES)
    page = manager.get(f"/w/{workspace}/whatif")
    assert page.status_code == 200
    text = _text(page.text)
    assert "No what-if yet" in text and "Start one with the form below" in text
    assert f'action="/w/{workspace}/whatif"' in page.text
    assert 'id="months"' in page.text and 'value="12"' in page.text  # the CLI's defaults
    assert 'id="runs"' in page.text and 'value="20"' in page.text
    for name in STRATEGY_NAMES:
        assert f'value="{name}"' in page.text
    assert f'href="/w/{workspace}/whatif" aria-current="page">What-if</a>' in page.text
    seen = analyst.get(f"/w/{workspace}/whatif")
    assert seen.status_code == 200 and "No what-if yet" in seen.text
    assert "An owner or a manager can start one" in _text(seen.text)
    assert f'action="/w/{workspace}/whatif"' not in seen.text  # no form to start one
    assert client.get(f"/w/{workspace}/whatif").status_code == 403
    assert ">What-if</a>" not in client.get(f"/w/{workspace}/").text


def test_a_workspace_without_data_says_to_import_first(web: Web, people: dict[Role, int]) -> None:
    workspace = _fresh(web, people, None)
    manager = web.login(_who("manager"))
    page = manager.get(f"/w/{workspace}/whatif")
    assert page.status_code == 200 and "There is no data in this workspace yet" in page.text
    refused = _start(manager, workspace, csrf=csrf_of(page.text), **SMALL)
    assert refused.status_code == 400
    assert NO_DATA[1:] in _text(refused.text)
    assert _whatif_jobs(web, workspace) == []


@pytest.fixture(scope="module")
def ran(web: Web, people: dict[Role, int], demo_workspace: Path) -> tuple[str, str, list[str]]:
    """A copy of the demo where the manager started a small what-if of every strategy and
    followed it to its end: the workspace, the fragment's last answer and the states seen."""
    workspace = _fresh(web, people, demo_workspace)
    manager = web.login(_who("manager"))
    job_id = _job_of(_start(manager, workspace, **SMALL), workspace)
    fragment, seen = _until_ended(manager, workspace, job_id)
    return workspace, fragment, seen


def test_a_small_what_if_runs_as_a_job_and_the_page_shows_what_was_stored(
    web: Web, ran: tuple[str, str, list[str]], demo_workspace: Path, tmp_path: Path
) -> None:
    workspace, fragment, seen = ran
    assert seen[-1] == "done", fragment
    assert set(seen) <= {"queued", "running", "done"}
    (job,) = _whatif_jobs(web, workspace)
    total = 2 * len(STRATEGY_NAMES)
    told = job.progress  # it told each run (then, maybe, that the pages are being refreshed)
    assert told in (f"run {total} of {total}: storing the result", REFRESHING), told
    assert job.title == "What-if: 1 month, 2 runs, all strategies"
    stored = _stored(web, workspace)
    assert stored is not None and (stored.months, stored.runs, stored.seed) == (1, 2, 0)
    assert job.result is not None and job.result["run_id"] == stored.run_id
    expected = _numbers(stored.result["strategies"])
    assert list(expected) == list(STRATEGY_NAMES)
    # the fragment that ended the polling brings the result into the page
    assert 'hx-swap-oob="true"' in fragment and _cells(fragment) == expected

    manager = web.login(_who("manager"))
    page = manager.get(f"/w/{workspace}/whatif")
    assert page.status_code == 200
    assert _cells(page.text) == expected  # every median and band, as stored
    source = re.search(r'<p class="whatif-source" data-run-id="(\d+)" data-months="(\d+)" '
                       r'data-runs="(\d+)" data-seed="(\d+)"', page.text)  # fmt: skip
    assert source and source.groups() == (str(stored.run_id), "1", "2", "0")
    text = _text(page.text)
    assert f"What-if {stored.run_id}, run on {stored.created_at:%Y-%m-%d} at" in text
    assert "2 runs of 1 month per strategy, seed 0" in text
    for name in STRATEGY_NAMES:  # the medians as the CLI writes them
        row = re.search(rf'<tr data-strategy="{name}">(.*?)</tr>', page.text, flags=re.S)
        assert row is not None
        followers = stored.result["strategies"][STRATEGY_NAMES.index(name)]["followers"]
        assert f"<strong>{followers['median']:,.0f}</strong>" in row.group(1)
    # what it means: the strategy with the most followers is named with its median
    best = max(stored.result["strategies"], key=lambda s: s["followers"]["median"])
    assert re.search(r'<ul class="meaning">', page.text)
    assert f"ends with the most followers ({best['followers']['median']:,.0f})" in text or (
        "tie at" in text
    )
    chart = re.search(r'<div class="chart"[^>]*>(<svg.*?</svg>)</div>', page.text, flags=re.S)
    assert chart is not None and "<script" not in chart.group(1).lower()
    opening = chart.group(1).split(">", 1)[0]
    assert "viewBox" in opening and "width" not in opening  # sized by the page
    assert f"#job-{job.job_id}" not in page.text  # a done job leaves the page to its result

    # `rapport whatif --json` on a twin of the same data prints the same numbers
    twin = tmp_path / "twin"
    shutil.copytree(demo_workspace, twin)
    printed = invoke_json("whatif", "--months", "1", "--runs", "2", "--workspace", twin)
    assert _numbers(printed["strategies"]) == expected

    audit = [(e.action, e.detail) for e in web.app_db.audit_log(workspace)]
    assert ("what-if done", f"1 month, 2 runs, all strategies: what-if {stored.run_id} stored") in (
        audit
    )
    assert any(action == "what-if started" for action, _ in audit)


def test_an_analyst_sees_the_result_but_cannot_start_one(
    web: Web, ran: tuple[str, str, list[str]]
) -> None:
    workspace = ran[0]
    before = _stored(web, workspace)
    analyst = web.login(_who("analyst"))
    page = analyst.get(f"/w/{workspace}/whatif")
    assert page.status_code == 200 and _cells(page.text)
    refused = analyst.post(f"/w/{workspace}/whatif", data={"csrf": csrf_of(page.text), **SMALL})
    assert refused.status_code == 403
    client = web.login(_who("client"))
    assert client.get(f"/w/{workspace}/whatif").status_code == 403
    assert _stored(web, workspace) == before
    assert len(_whatif_jobs(web, workspace)) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"months": "0", "runs": "2"}, MONTHS_WRONG),
        ({"months": "25", "runs": "2"}, MONTHS_WRONG),
        ({"months": "twelve", "runs": "2"}, MONTHS_WRONG),
        ({"months": "", "runs": "2"}, MONTHS_WRONG),
        ({"months": "1", "runs": "1"}, RUNS_WRONG),
        ({"months": "1", "runs": "51"}, RUNS_WRONG),
        ({"months": "1", "runs": "2.5"}, RUNS_WRONG),
        ({"months": "1", "runs": "2", "strategies": ["as_now", "go_viral"]}, "'go_viral' is not"),
    ],
)
def test_bad_values_give_their_message_and_start_nothing(
    web: Web, ran: tuple[str, str, list[str]], form: dict[str, Any], message: str
) -> None:
    workspace = ran[0]
    store = web.root / workspace / "rapport.duckdb"
    before = snapshot_file(store)
    manager = web.login(_who("manager"))
    answer = _start(manager, workspace, **form)
    assert answer.status_code == 400
    text = _text(answer.text)
    assert "No what-if was started: correct the fields below." in text
    assert message in text
    assert 'aria-invalid="true"' in answer.text or "strategies-error" in answer.text
    assert f'value="{html.escape(form["months"], quote=True)}"' in answer.text  # kept
    assert len(_whatif_jobs(web, workspace)) == 1  # only the one the fixture ran
    assert snapshot_file(store) == before


def test_the_form_is_checked_field_by_field() -> None:
    asked, form = check_form(months=" 6 ", runs="50", strategies=["chase_viral", "as_now"])
    assert asked is not None and form.errors == {}
    assert (asked.months, asked.runs, asked.seed) == (6, 50, 0)
    assert asked.strategies == ("as_now", "chase_viral")  # in the order they are compared
    asked, form = check_form(months="0", runs="1", strategies=["x"])
    assert asked is None and set(form.errors) == {"months", "runs", "strategies"}


def test_a_forged_form_starts_nothing(web: Web, ran: tuple[str, str, list[str]]) -> None:
    workspace = ran[0]
    manager = web.login(_who("manager"))
    other = web.login(_who("analyst"))
    url = f"/w/{workspace}/whatif"
    for data, headers in (
        (SMALL, {}),
        ({"csrf": "forged", **SMALL}, {"Origin": "https://evil.example"}),
        ({"csrf": csrf_of(other.get(url).text), **SMALL}, {}),  # another session's token
        (SMALL, {"X-CSRF-Token": "forged", "HX-Request": "true"}),
    ):
        assert manager.post(url, data=data, headers=headers).status_code == 403
    assert len(_whatif_jobs(web, workspace)) == 1


def test_one_what_if_at_a_time_and_a_failure_says_why(
    web: Web, people: dict[Role, int], demo_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = _fresh(web, people, demo_workspace)
    manager = web.login(_who("manager"))

    def fails(**options: Any) -> None:
        raise UsageError(f"{web.root}/{workspace}: the simulator is out of coffee")

    monkeypatch.setattr(pages_whatif, "what_if", fails)
    with web.app.state.served.exclusive(workspace):  # another job writes: this one waits
        job_id = _job_of(_start(manager, workspace, **SMALL), workspace)
        page = manager.get(f"/w/{workspace}/whatif")
        assert f'id="job-{job_id}"' in page.text and "Waiting for another job" in page.text
        again = _start(manager, workspace, months="2", runs="3")
        assert again.status_code == 409
        text = _text(again.text)
        assert "A what-if runs already on this workspace" in text
        assert f"by {_who('manager')}" in text and f'id="job-{job_id}"' in again.text
        assert len(_whatif_jobs(web, workspace)) == 1
    fragment, _ = _until_ended(manager, workspace, job_id)
    assert "This what-if could not run:" in fragment
    assert f"{workspace}: the simulator is out of coffee" in _text(fragment)
    assert str(web.root) not in fragment  # no folder of the server
    page = manager.get(f"/w/{workspace}/whatif")
    assert "the simulator is out of coffee" in page.text and "No what-if yet" in page.text
    assert _stored(web, workspace) is None

    def breaks(**options: Any) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pages_whatif, "what_if", breaks)
    job_id = _job_of(_start(manager, workspace, **SMALL), workspace)  # the last one ended
    fragment, _ = _until_ended(manager, workspace, job_id)
    assert "stopped on an unexpected error" in fragment and "ZeroDivisionError" not in fragment


# -- in Chromium -----------------------------------------------------------------------------
@pytest.mark.browser
def test_start_a_what_if_and_watch_it_in_chromium_at_390_px(
    browser: Any, web: Web, people: dict[Role, int], demo_workspace: Path
) -> None:
    workspace = _fresh(web, people, demo_workspace)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{web.url}/login")
    page.get_by_label("Email").fill(_who("manager"))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web.url}/")
    page.goto(f"{web.url}/w/{workspace}/")
    page.get_by_role("link", name="What-if", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{workspace}/whatif")
    assert page.get_by_role("heading", name="No what-if yet").is_visible()
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    page.get_by_label("Months to simulate").fill("1")  # labelled fields, from the keyboard
    page.get_by_label("Runs per strategy").fill("2")
    page.get_by_label("as now", exact=True).check()
    page.get_by_label("relationship first", exact=True).check()
    page.get_by_role("button", name="Start the what-if").click()
    page.wait_for_url(re.compile(rf".*/w/{workspace}/whatif#job-[0-9a-f]+$"))
    page.locator(".job.done").wait_for(timeout=300_000)  # HTMX polled it to its end
    page.locator("#whatif-result table.whatif").wait_for()  # the result swapped in
    stored = _stored(web, workspace)
    assert stored is not None
    rows = page.locator("#whatif-result table.whatif tbody tr")
    assert rows.count() == 2 == len(stored.result["strategies"])
    assert page.locator("#whatif-result .chart svg").is_visible()
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    page.reload()
    assert page.locator(".whatif-source").get_attribute("data-run-id") == str(stored.run_id)
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
