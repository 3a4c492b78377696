"""Connected accounts on the Data page, on the real server, against a REAL local Bluesky
network and Mastodon responses recorded from a real server.

A workspace made here (``conn-…``) has one member per role. Its owner connects the seeded
bakery (``biz.test``) through the form; the first sync checks the credentials, a second
one changes nothing, a wrong app password and an unreachable instance leave their message
on the connection. The secrets planted along the way (the bakery's app password, a wrong
one, Mastodon tokens) are then looked for everywhere the app writes or answers: every page
for every role, the server's log, the files of the served folder, exports and the report.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import vcr
import yaml
from fastapi.routing import APIRoute
from typer.testing import CliRunner

from rapport import api
from rapport.canonical import TABLE_ORDER
from rapport.connectors import _mastodon_client, mastodon
from rapport.credentials import FILE_NAME, BlueskyCredentials, Connections, sync_failures
from rapport.errors import UsageError
from rapport.web.app import create_app
from rapport.web.appdb import AppDB
from rapport.web.auth import hash_password
from rapport.web.jobs import Job
from rapport.web.pages_connections import every_hours
from rapport.web.syncs import CHECK_VAR, check_seconds
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network
from tests.conftest import invoke, snapshot
from tests.test_mastodon_api import FIRST_PULL, INSTANCE, MATCH_ON, RECORDED_LIMITS, recorded
from tests.test_mastodon_api import TOKEN as MASTODON_TOKEN
from tests.web_support import (
    OVERFLOW,
    PARAM_EXAMPLES,
    PASSWORD,
    ROLES,
    Web,
    _serve,
    csrf_of,
    email,
    sign_in,
    until_ended,
)

__all__ = ["bluesky_network"]  # the session fixture, imported so pytest finds it

WRONG_PASSWORD = "wrng-pass-q7z2-k9x4"
UNREACHABLE_TOKEN = "planted-unreachable-token-8Hq2"
REFUSED_TOKEN = "planted-refused-token-3Kd7"


# -- helpers --------------------------------------------------------------------------------------
class _Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def server_log() -> Iterator[_Captured]:
    """Everything logged in this process (the server's threads included) while the module
    runs, at every level."""
    handler = _Captured()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    uvicorn = logging.getLogger("uvicorn")  # uvicorn's loggers don't propagate to the root
    uvicorn.addHandler(handler)
    yield handler
    uvicorn.removeHandler(handler)
    root.removeHandler(handler)
    root.setLevel(level)


@dataclass(frozen=True)
class Team:
    """A workspace of this module, with one member per role."""

    name: str
    root: Path

    def login(self, web: Web, role: str) -> httpx.Client:
        return web.login(email(role, self.name))

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root / self.name)


@pytest.fixture(scope="module")
def team(web: Web) -> Team:
    name = f"conn-{secrets.token_hex(3)}"
    Workspace(web.root / name).create()
    hashed = hash_password(PASSWORD)
    for role in ROLES:
        user = web.app_db.add_user(email(role, name), hashed)
        web.app_db.grant(user.user_id, name, role)
    return Team(name, web.root)


def _csrf(client: httpx.Client, team: Team) -> str:
    return csrf_of(client.get(f"/w/{team.name}/data").text)


def _connect(client: httpx.Client, team: Team, **fields: str) -> httpx.Response:
    data = {"csrf": _csrf(client, team), "every": "off", **fields}
    return client.post(f"/w/{team.name}/connections", data=data)


def _job_of(answer: httpx.Response, team: Team) -> str:
    assert answer.status_code == 303, answer.text[:800]
    found = re.fullmatch(rf"/w/{team.name}/data#job-([0-9a-f]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _until_ended(client: httpx.Client, team: Team, job_id: str) -> tuple[str, str]:
    """The sync's last state and fragment."""
    fragment, seen = until_ended(client, f"/w/{team.name}/jobs/{job_id}", within=180)
    return seen[-1], fragment


def _canonical(web: Web, team: Team) -> dict[str, list[dict[str, Any]]]:
    """Every canonical table's rows, read as the server reads (its lock, read-only)."""
    with web.app.state.served.reading(team.name) as session:
        every = snapshot(session.store)
    return {name: every[name] for name in TABLE_ORDER}


def _everything(web: Web, team: Team) -> dict[str, list[dict[str, Any]]]:
    with web.app.state.served.reading(team.name) as session:
        return snapshot(session.store)


def _connection_of(team: Team, account: str) -> str:
    found = [c for c in Connections(team.workspace).all() if c.account == account]
    assert len(found) == 1, Connections(team.workspace).all()
    return found[0].connection_id


@dataclass(frozen=True)
class Synced:
    team: Team
    network: BlueskyNetwork
    job_id: str
    fragment: str
    connection_id: str


@pytest.fixture(scope="module")
def synced(web: Web, team: Team, bluesky_network: BlueskyNetwork, server_log: _Captured) -> Synced:
    """The owner connected biz.test through the form; its first sync ended."""
    owner = team.login(web, "owner")
    answer = _connect(owner, team, platform="bluesky", handle="@biz.test",
                      app_password=bluesky_network.seeded.app_password,
                      service=bluesky_network.pds + "/")  # fmt: skip
    job_id = _job_of(answer, team)
    state, fragment = _until_ended(owner, team, job_id)
    assert state == "done", fragment
    return Synced(team, bluesky_network, job_id, fragment, _connection_of(team, "biz.test"))


# -- Bluesky, for real ----------------------------------------------------------------------------
def test_connecting_checks_the_credentials_by_a_first_sync(
    web: Web, synced: Synced, tmp_path: Path
) -> None:
    team, network = synced.team, synced.network
    assert f"Synced Bluesky @biz.test ({network.pds}) (bluesky_api) in" in synced.fragment
    assert '<table class="stack-narrow counts">' in synced.fragment
    page = team.login(web, "owner").get(f"/w/{team.name}/data").text
    item = re.search(rf'<li class="connection" id="connection-{synced.connection_id}">(.*?)</li>',
                     page, re.S)  # fmt: skip
    assert item, page
    assert "@biz.test on Bluesky" in item.group(1) and network.pds in item.group(1)
    assert "It went well:" in item.group(1) and "added" in item.group(1)
    assert "Last sync: " in item.group(1) and "never" not in item.group(1)
    (connection,) = Connections(team.workspace).all()
    assert connection.last_sync_at is not None
    home = team.login(web, "owner").get("/").text  # the workspace's card says when it synced
    assert f"<dt>Last sync</dt><dd>{connection.last_sync_at:%Y-%m-%d %H:%M} UTC</dd>" in home
    # what the library's own pull of the same account stores
    alone = Workspace(tmp_path / "alone")
    api.pull_bluesky(workspace=alone, handle="biz.test",
                     app_password=network.seeded.app_password, service=network.pds)  # fmt: skip
    ours = _canonical(web, team)
    with alone.session() as session:
        theirs = {n: rows for n, rows in snapshot(session.store).items() if n in TABLE_ORDER}
    keys = {"accounts": "account_id", "people": "person_id", "posts": "post_id",
            "interactions": "interaction_id"}  # fmt: skip
    for table, key in keys.items():
        assert {r[key] for r in ours[table]} == {r[key] for r in theirs[table]}, table
        assert ours[table], table
    counts = ("post_id", "likes", "reposts", "replies", "quotes")
    assert {tuple(r[c] for c in counts) for r in ours["post_stats"]} == {
        tuple(r[c] for c in counts) for r in theirs["post_stats"]
    }
    log = web.app_db.audit_log(team.name)
    assert [e.action for e in log[:2]] == ["sync done", "connect"]
    assert log[1].detail == f"@biz.test on Bluesky ({network.pds})"


def test_sync_now_again_changes_nothing(web: Web, synced: Synced) -> None:
    team = synced.team
    before = _canonical(web, team)
    owner = team.login(web, "owner")
    url = f"/w/{team.name}/connections/{synced.connection_id}/sync"
    answer = owner.post(url, data={"csrf": _csrf(owner, team)})
    state, fragment = _until_ended(owner, team, _job_of(answer, team))
    assert state == "done", fragment
    assert "0 added, 0 updated" in fragment
    assert _canonical(web, team) == before
    (connection,) = [c for c in Connections(team.workspace).all() if c.account == "biz.test"]
    assert connection.last_summary.startswith("0 added, 0 updated")
    assert not connection.failing


def test_a_wrong_app_password_is_a_clear_failure_and_stores_nothing(
    web: Web, synced: Synced
) -> None:
    team, network = synced.team, synced.network
    before = _everything(web, team)
    owner = team.login(web, "owner")
    answer = _connect(owner, team, platform="bluesky", handle="alice.test",
                      app_password=WRONG_PASSWORD, service=network.pds)  # fmt: skip
    state, fragment = _until_ended(owner, team, _job_of(answer, team))
    assert state == "failed", fragment
    message = re.search(r'<p class="error">This sync failed: (.*?)</p>', fragment, re.S)
    assert message and "login as alice.test was refused" in message.group(1), fragment
    assert "Nothing was stored: the workspace's data is as it was." in fragment
    assert "Traceback" not in fragment
    assert _everything(web, team) == before
    alice = _connection_of(team, "alice.test")
    page = owner.get(f"/w/{team.name}/data").text
    item = re.search(rf'<li class="connection failing" id="connection-{alice}">(.*?)</li>',
                     page, re.S)  # fmt: skip
    assert item and "The last sync failed: " in item.group(1), page
    assert "login as alice.test was refused" in item.group(1)
    (failing,) = sync_failures(team.workspace)
    assert failing.connection_id == alice and "refused" in (failing.last_error or "")
    home = owner.get("/").text  # the workspace's card says which connection fails, and why
    assert "The last sync of alice.test failed: " in home and "was refused" in home
    # removing it takes the connection and its secret away
    removed = owner.post(f"/w/{team.name}/connections/{alice}/remove",
                         data={"csrf": _csrf(owner, team)})  # fmt: skip
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/w/{team.name}/data#connections"
    assert alice not in owner.get(f"/w/{team.name}/data").text
    assert [c.account for c in Connections(team.workspace).all()] == ["biz.test"]
    assert web.app_db.audit_log(team.name)[0].action == "disconnect"


def test_the_schedule_is_set_per_connection(web: Web, synced: Synced) -> None:
    team = synced.team
    owner = team.login(web, "owner")
    url = f"/w/{team.name}/connections/{synced.connection_id}/schedule"
    for every, hours in (("6", 6), ("off", None)):
        answer = owner.post(url, data={"csrf": _csrf(owner, team), "every": every})
        assert answer.status_code == 303
        assert answer.headers["location"].endswith(f"#connection-{synced.connection_id}")
        (connection,) = [c for c in Connections(team.workspace).all() if c.account == "biz.test"]
        assert connection.every_hours == hours
        page = owner.get(f"/w/{team.name}/data").text
        selected = 'value="6" selected' if hours else 'value="off" selected'
        assert selected in page
    bad = owner.post(url, data={"csrf": _csrf(owner, team), "every": "5"})
    assert bad.status_code == 400 and "choose off, or every 1, 3, 6, 12 or 24 hours" in bad.text


# -- Mastodon, replayed ---------------------------------------------------------------------------
def test_mastodon_connects_and_syncs_from_recorded_responses(
    web: Web, synced: Synced, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = synced.team
    monkeypatch.setattr(mastodon, "DEFAULT_LIMITS", RECORDED_LIMITS)
    cassette = tmp_path / "first-pull.yaml"
    interactions = [recorded(shared, *pick) for pick in FIRST_PULL]
    cassette.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), "utf-8")
    owner = team.login(web, "owner")
    before = len(_canonical(web, team)["posts"])
    # the server on 127.0.0.1 is really asked; the instance (localhost:3000) is replayed
    with vcr.use_cassette(str(cassette), record_mode="none", match_on=MATCH_ON,
                          ignore_hosts=["127.0.0.1"]) as replayed:  # fmt: skip
        answer = _connect(owner, team, platform="mastodon", instance=INSTANCE,
                          token=MASTODON_TOKEN)  # fmt: skip
        state, fragment = _until_ended(owner, team, _job_of(answer, team))
        assert replayed.all_played
    assert state == "done", fragment
    assert f"Synced Mastodon API {INSTANCE} (mastodon_api) in" in fragment
    assert len(_canonical(web, team)["posts"]) == before + 10
    (connection,) = [c for c in Connections(team.workspace).all() if c.platform == "mastodon"]
    assert connection.title.startswith("@mastodonpy_test") and not connection.failing
    assert connection.title in owner.get(f"/w/{team.name}/data").text


def test_a_mastodon_form_is_checked_and_an_unreachable_instance_fails_clearly(
    web: Web, synced: Synced, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = synced.team
    owner = team.login(web, "owner")
    file = team.workspace.root / FILE_NAME
    kept = file.read_bytes()
    bad = _connect(owner, team, platform="mastodon", instance="ftp://x/y", token=REFUSED_TOKEN)
    assert bad.status_code == 400
    assert "is not a Mastodon instance address; give one like https://mastodon.social" in bad.text
    assert REFUSED_TOKEN not in bad.text  # a secret typed is never sent back
    empty = _connect(owner, team, platform="mastodon", instance="mastodon.example", token="")
    assert empty.status_code == 400 and "The access token is empty" in empty.text
    nothing = _connect(owner, team)
    assert nothing.status_code == 400
    assert "Choose Mastodon, Bluesky, Instagram, Facebook or YouTube to connect" in nothing.text
    again = _connect(owner, team, platform="bluesky", handle="biz.test", app_password="x",
                     service=synced.network.pds)  # fmt: skip
    assert again.status_code == 400 and "@biz.test on Bluesky" in again.text
    assert "is connected already" in again.text
    assert file.read_bytes() == kept
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(_mastodon_client, "sleep", lambda seconds: None)
    before = _everything(web, team)
    answer = _connect(owner, team, platform="mastodon", instance=f"http://127.0.0.1:{port}",
                      token=UNREACHABLE_TOKEN)  # fmt: skip
    state, fragment = _until_ended(owner, team, _job_of(answer, team))
    assert state == "failed" and "failed 3 times" in fragment, fragment
    assert "Traceback" not in fragment and _everything(web, team) == before
    page = owner.get(f"/w/{team.name}/data").text
    assert f"a Mastodon account on 127.0.0.1:{port}" in page
    assert "The last sync failed: " in page


# -- who may do what ------------------------------------------------------------------------------
def test_only_owners_and_managers_change_connections(web: Web, synced: Synced) -> None:
    team = synced.team
    file = team.workspace.root / FILE_NAME
    kept = file.read_bytes()
    jobs_before = web.app.state.jobs.recent(team.name)
    base = f"/w/{team.name}/connections"
    posts = [base, *(f"{base}/{synced.connection_id}/{a}" for a in ("sync", "schedule", "remove"))]
    analyst = team.login(web, "analyst")
    page = analyst.get(f"/w/{team.name}/data")
    assert page.status_code == 200 and "@biz.test on Bluesky" in page.text
    assert f'action="{base}' not in page.text and "Sync now" not in page.text
    assert "Syncs by itself: off." in page.text
    for url in posts:
        assert analyst.post(url, data={"csrf": csrf_of(page.text)}).status_code == 403, url
    client = team.login(web, "client")
    assert client.get(f"/w/{team.name}/data").status_code == 403
    for url in posts:
        assert client.post(url, data={"csrf": csrf_of(client.get("/").text)}).status_code == 403
    stranger = web.login(email("owner", "beta"))
    assert stranger.get(f"/w/{team.name}/data").status_code == 404
    for url in posts:
        assert stranger.post(url, data={"csrf": csrf_of(stranger.get("/").text)}).status_code == 404
    owner = team.login(web, "owner")
    for url in posts:
        for data, headers in (({}, {}), ({"csrf": "forged"}, {}),
                              ({"csrf": _csrf(analyst, team)}, {})):  # fmt: skip
            assert owner.post(url, data=data, headers=headers).status_code == 403, url
    assert file.read_bytes() == kept
    assert web.app.state.jobs.recent(team.name) == jobs_before


# -- in Chromium ----------------------------------------------------------------------------------
@pytest.mark.browser
def test_sync_now_in_chromium_at_phone_width(browser: Any, web: Web, synced: Synced) -> None:
    team = synced.team
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web, email("owner", team.name))
    page.goto(f"{web.url}/w/{team.name}/data")
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    assert page.get_by_label("App password").get_attribute("type") == "password"
    assert page.get_by_label("Access token").input_value() == ""
    item = page.locator(f"#connection-{synced.connection_id}")
    assert "@biz.test on Bluesky" in item.inner_text()
    item.get_by_role("button", name="Sync now").click()
    page.wait_for_url(re.compile(rf".*/w/{team.name}/data#job-[0-9a-f]+$"))
    job = page.url.rsplit("#", 1)[1]
    done = page.locator(f"#{job}.done")
    done.wait_for(timeout=120_000)  # HTMX followed it to its end
    assert done.locator(".summary").inner_text().startswith("Synced Bluesky @biz.test")
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()


# -- the scheduler, in a server of its own --------------------------------------------------------
def test_the_server_starts_due_syncs_by_itself(
    bluesky_network: BlueskyNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CHECK_VAR, "0.2")
    root = tmp_path / "served"
    shop = Workspace(root / "shop")
    shop.create()
    AppDB(root)
    app = create_app(root)
    password = bluesky_network.seeded.app_password
    credentials = BlueskyCredentials.of(
        handle="biz.test", service=bluesky_network.pds, app_password=password
    )
    made = Connections(shop).add(credentials, every_hours=1)  # never synced: due now
    server, thread, _url = _serve(app)
    try:

        def ended() -> list[Job]:
            return [j for j in app.state.jobs.recent("shop") if j.ended]

        deadline = time.monotonic() + 120
        while not ended():
            assert time.monotonic() < deadline, "no scheduled sync ended within 120 s"
            time.sleep(0.2)
        (job,) = app.state.jobs.recent("shop")
        assert (job.kind, job.status, job.created_by) == ("sync", "done", None), job.message
        assert job.title == "Sync of @biz.test on Bluesky"
        with shop.session() as session:
            assert session.store.row_counts()["posts"] > 0
        time.sleep(1.0)  # synced an hour's worth: not started again
        assert len(app.state.jobs.recent("shop")) == 1
        # due again while the workspace is held: one sync waits, never two
        earlier = made.created_at.replace(year=made.created_at.year - 1)
        with app.state.served.exclusive("shop"):
            Connections(shop).record_sync(made.connection_id, error=None, at=earlier)
            deadline = time.monotonic() + 30
            while len(app.state.jobs.recent("shop")) < 2:
                assert time.monotonic() < deadline, "the due sync was not started"
                time.sleep(0.1)
            time.sleep(1.0)  # five rounds of the schedule meanwhile
            waiting = app.state.jobs.recent("shop")
            assert len(waiting) == 2 and waiting[0].status == "queued"
        deadline = time.monotonic() + 120
        while not app.state.jobs.recent("shop")[0].ended:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert app.state.jobs.recent("shop")[0].status == "done"
        (connection,) = Connections(shop).all()
        assert connection.last_sync_at is not None and connection.last_sync_at > earlier
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# -- the planted secrets, looked for everywhere ---------------------------------------------------
def _planted(synced: Synced) -> list[str]:
    return [synced.network.seeded.app_password, WRONG_PASSWORD, MASTODON_TOKEN,
            UNREACHABLE_TOKEN, REFUSED_TOKEN]  # fmt: skip


def _get_routes(web: Web) -> list[APIRoute]:
    return [r for r in web.app.routes if isinstance(r, APIRoute) and "GET" in (r.methods or ())]


def test_no_page_for_any_role_shows_a_secret(web: Web, synced: Synced) -> None:
    team = synced.team
    secrets_planted = _planted(synced)
    examples = {**PARAM_EXAMPLES, "workspace": team.name, "item_id": "x", "job_id": synced.job_id}
    clients = {role: team.login(web, role) for role in ROLES}
    clients |= {"nobody": web.client(), "stranger": web.login(email("owner", "beta"))}
    urls = []
    for route in _get_routes(web):
        names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
        path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        urls.append(path.format(**{n: examples[n] for n in names}))
    urls += [f"/w/{team.name}/jobs/{j.job_id}" for j in web.app.state.jobs.recent(team.name)]
    seen = 0
    for who, client in clients.items():
        for url in urls:
            answer = client.get(url)
            seen += answer.status_code == 200
            leaked = [s for s in secrets_planted if s in answer.text]
            assert leaked == [], (who, url)
            assert not any(s in json.dumps(dict(answer.headers)) for s in secrets_planted)
    assert seen > 40  # pages were really served, not only refusals


def test_no_log_line_and_no_file_holds_a_secret(
    web: Web, synced: Synced, server_log: _Captured, tmp_path: Path, cli: CliRunner
) -> None:
    team = synced.team
    planted = _planted(synced)
    # the capture worked: it holds the pulls' requests, made in the server's threads
    assert any("com.atproto.server.createSession" in line for line in server_log.lines)
    assert [line for line in server_log.lines if any(s in line for s in planted)] == []
    file = team.workspace.root / FILE_NAME
    assert file.stat().st_mode & 0o777 == 0o600
    leaks = [
        str(path)
        for path in web.root.rglob("*")
        if path.is_file() and any(s.encode() in path.read_bytes() for s in planted)
    ]
    assert leaks == []  # the connections file holds them as ciphertext only
    # what the CLI writes from a copy of the workspace (its connections file goes along)
    copy = tmp_path / "copy"
    shutil.copytree(team.workspace.root, copy)
    outputs = tmp_path / "outputs"
    for args in (
        ("export", outputs / "plain", "--format", "jsonl"),
        ("export", outputs / "pseudonymised", "--format", "jsonl", "--pseudonymise"),
        ("report", "--out", outputs / "report.html"),
    ):
        result = invoke(cli, *args, "--workspace", copy)
        assert result.exit_code == 0, result.output
    sealed = [e["secret"] for e in json.loads(file.read_text())["connections"]]
    needles = [*planted, *sealed, FILE_NAME]
    written = [p for p in outputs.rglob("*") if p.is_file()]
    assert len(written) > 5
    assert [str(p) for p in written if any(n.encode() in p.read_bytes() for n in needles)] == []


def test_the_schedule_s_interval_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(CHECK_VAR, raising=False)
    assert check_seconds() == 30.0
    monkeypatch.setenv(CHECK_VAR, "2.5")
    assert check_seconds() == 2.5
    for wrong in ("0", "soon", "-1"):
        monkeypatch.setenv(CHECK_VAR, wrong)
        with pytest.raises(UsageError, match=r"expected a number of seconds from 0\.1 to 86400"):
            check_seconds()
    assert every_hours("off") is None and every_hours("") is None and every_hours("12") == 12
    with pytest.raises(UsageError, match="choose off, or every 1, 3, 6, 12 or 24 hours"):
        every_hours("2")
