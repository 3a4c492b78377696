"""Instagram, Facebook and YouTube as a user meets them: `rapport connect`, `rapport pull`,
the report, the web workplace's Data page and its schedule, all against one real HTTP server
on 127.0.0.1 (tests/replay_server.py) that answers in the shapes of responses recorded from
the real APIs (the built worlds of tests/data/*_world, each with a README saying what it is
built from).

The issue's "done when": a workspace built only from these responses gives a report whose
relationship numbers (reply rate, time to first reply, people who came back, the core
community) are computable. The connectors' own tests (test_youtube_api.py, …) check the
numbers against hand counts; here they are checked through the front doors.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from rapport.credentials import FILE_NAME, Connections, YouTubeCredentials
from rapport.web.app import create_app
from rapport.web.appdb import AppDB
from rapport.web.auth import hash_password
from rapport.web.jobs import Job
from rapport.web.syncs import CHECK_VAR
from rapport.workspace import Workspace
from tests.conftest import invoke
from tests.replay_server import ReplayServer
from tests.test_facebook_api import PAGE as FB_PAGE
from tests.test_facebook_api import TOKEN as FB_TOKEN
from tests.test_facebook_api import serve_world as serve_facebook
from tests.test_instagram_api import OWN as IG_ACCOUNT
from tests.test_instagram_api import TOKEN as IG_TOKEN
from tests.test_instagram_api import serve_world as serve_instagram
from tests.test_youtube_api import CH, YT
from tests.test_youtube_api import serve_world as serve_youtube
from tests.web_support import PASSWORD, Web, _serve, csrf_of, email, until_ended

pytestmark = pytest.mark.credential_leak

FB_NAME = "@harbourstreetbakery"
YT_KEY = "AIzaPlantedLiveKey-never-shown-42"
RELATIONSHIP = ("reply_rate", "time_to_first_reply", "returning_people", "core_community")


@pytest.fixture
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "secret.key"
    monkeypatch.setenv("RAPPORT_KEY_FILE", str(path))
    monkeypatch.delenv("RAPPORT_SECRET_KEY", raising=False)
    return path


def _json(result: Any) -> Any:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)


def _metrics(workspace: Path) -> dict[str, dict[str, Any]]:
    found = _json(invoke(CliRunner(), "metrics", "--workspace", workspace, "--json"))
    rows = found["metrics"] if isinstance(found, dict) else found
    return {m["id"]: m for m in rows}


def _files_text(root: Path) -> str:
    return "\n".join(
        p.read_bytes().decode("utf-8", "replace") for p in root.rglob("*") if p.is_file()
    )


@dataclass(frozen=True)
class Channel:
    """One platform's built world and how a person connects it from the command line."""

    platform: str
    serve: Callable[[ReplayServer], None]
    path: str
    """Where its API lives on the replay server (the Graph API's version, or /youtube/v3)."""
    options: tuple[str, ...]
    variable: str
    secret: str
    name: str
    """The account's name, as the first sync finds it."""


CHANNELS = {
    "youtube": Channel("youtube", serve_youtube, YT, ("--channel", CH),
                       "RAPPORT_YOUTUBE_API_KEY", YT_KEY, "@crumbandco"),
    "facebook": Channel("facebook", serve_facebook, "", ("--page", FB_PAGE),
                        "RAPPORT_META_TOKEN", FB_TOKEN, FB_NAME),
    "instagram": Channel("instagram", serve_instagram, "", ("--account", IG_ACCOUNT),
                         "RAPPORT_META_TOKEN", IG_TOKEN, "@kiln.and.crumb"),
}  # fmt: skip


def _connect(channel: Channel, replay: ReplayServer, ws: Path) -> Any:
    return invoke(CliRunner(), "connect", channel.platform, *channel.options,
                  "--api-url", replay.url + channel.path, "--workspace", ws)  # fmt: skip


@pytest.mark.parametrize("name", sorted(CHANNELS))
def test_from_connect_to_the_report(
    name: str,
    replay: ReplayServer,
    tmp_path: Path,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    channel = CHANNELS[name]
    channel.serve(replay)
    ws = tmp_path / "bakery"
    runner = CliRunner()
    monkeypatch.setenv(channel.variable, channel.secret)
    connected = _connect(channel, replay, ws)
    assert connected.exit_code == 0, (connected.stdout, connected.stderr)
    assert f"Connected {channel.name} on " in connected.stdout
    if name == "youtube":
        assert re.search(r"quota: \d+ units? of the 10,000 a day", connected.stdout)
    assert not replay.unmatched, replay.unmatched
    (connection,) = Connections(Workspace(ws)).all()
    assert connection.platform == name and channel.name.lstrip("@") in connection.account
    listed = invoke(runner, "connect", "--list", "--workspace", ws)
    assert connection.account in listed.stdout
    # the daily pull: the stored connection, nothing new, nothing changed
    monkeypatch.delenv(channel.variable)
    again = _json(invoke(runner, "pull", name, "--workspace", ws, "--json"))
    assert again["added"] == 0 and again["updated"] == 0, again
    metrics = _metrics(ws)
    for metric in RELATIONSHIP:
        assert metrics[metric]["status"] == "ok", metrics[metric]
    report = invoke(runner, "report", "--workspace", ws)
    assert report.exit_code == 0, report.stderr
    for output in (connected.stdout, connected.stderr, listed.stdout, report.stdout):
        assert channel.secret not in output
    assert channel.secret not in _files_text(ws)
    if name == "youtube":  # Google wants the key in the query, and only there
        assert all(r.param("key") == YT_KEY for r in replay.requests)
        assert all(YT_KEY not in json.dumps(r.headers) for r in replay.requests)
    else:  # Meta's token only ever in the Authorization header
        assert all(r.headers["authorization"] == f"Bearer {channel.secret}"
                   for r in replay.requests)  # fmt: skip
        assert all(channel.secret not in json.dumps(r.query) for r in replay.requests)


# -- the web workplace ------------------------------------------------------------------------
_FORMS = {
    "youtube": ("Connect a YouTube channel", {"channel": CH, "api_key": YT_KEY}),
    "facebook": ("Connect a Facebook Page", {"account_id": FB_PAGE, "token": FB_TOKEN}),
    "instagram": (
        "Connect an Instagram professional account",
        {"account_id": IG_ACCOUNT, "token": IG_TOKEN},
    ),
}


@pytest.mark.parametrize("name", sorted(_FORMS))
def test_the_data_page_connects_and_syncs(name: str, web: Web, replay: ReplayServer) -> None:
    channel = CHANNELS[name]
    heading, fields = _FORMS[name]
    channel.serve(replay)
    workspace = f"{name[:2]}-{secrets.token_hex(3)}"
    Workspace(web.root / workspace).create()
    user = web.app_db.add_user(email("owner", workspace), hash_password(PASSWORD))
    web.app_db.grant(user.user_id, workspace, "owner")
    owner: httpx.Client = web.login(email("owner", workspace))
    page = owner.get(f"/w/{workspace}/data")
    assert heading in page.text
    answer = owner.post(f"/w/{workspace}/connections", data={
        "csrf": csrf_of(page.text), "platform": name, "api_url": replay.url + channel.path,
        "every": "6", **fields,
    })  # fmt: skip
    assert answer.status_code == 303, answer.text[:500]
    job = answer.headers["location"].rpartition("#job-")[2]
    fragment, seen = until_ended(owner, f"/w/{workspace}/jobs/{job}", within=120)
    assert seen[-1] == "done", fragment
    (connection,) = Connections(Workspace(web.root / workspace)).all()
    assert connection.every_hours == 6 and not connection.failing
    assert connection.account == channel.name.lstrip("@") or connection.account == channel.name
    data = owner.get(f"/w/{workspace}/data").text
    assert connection.title in data and channel.secret not in data
    assert channel.secret not in (web.root / workspace / FILE_NAME).read_text()
    # a refused token offers Reconnect, which keeps the connection and its settings
    Connections(Workspace(web.root / workspace)).record_sync(
        connection.connection_id, error="the token was refused (HTTP 401)"
    )
    page = owner.get(f"/w/{workspace}/data")
    assert f'id="reconnect-{connection.connection_id}"' in page.text
    field = "api_key" if name == "youtube" else "token"
    renewed_secret = channel.secret  # the recorded server takes any; the settings must stay
    answer = owner.post(
        f"/w/{workspace}/connections/{connection.connection_id}/reconnect",
        data={"csrf": csrf_of(page.text), field: renewed_secret},
    )
    assert answer.status_code == 303, answer.text[:500]
    job = answer.headers["location"].rpartition("#job-")[2]
    fragment, seen = until_ended(owner, f"/w/{workspace}/jobs/{job}", within=120)
    assert seen[-1] == "done", fragment
    (again,) = Connections(Workspace(web.root / workspace)).all()
    assert (again.connection_id, again.every_hours, again.failing) == (
        connection.connection_id, 6, False,
    )  # fmt: skip


def test_the_schedule_syncs_a_youtube_channel_by_itself(
    replay: ReplayServer, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve_youtube(replay)
    monkeypatch.setenv(CHECK_VAR, "0.2")
    root = tmp_path / "served"
    shop = Workspace(root / "shop")
    shop.create()
    AppDB(root)
    app = create_app(root)
    credentials = YouTubeCredentials.of(channel=CH, api_key=YT_KEY, api_url=replay.url + YT)
    Connections(shop).add(credentials, every_hours=1)  # never synced: due now
    server, thread, _url = _serve(app)
    try:
        deadline = time.monotonic() + 120
        jobs: list[Job] = []
        while not (jobs := [j for j in app.state.jobs.recent("shop") if j.ended]):
            assert time.monotonic() < deadline, "no scheduled sync ended within 120 s"
            time.sleep(0.2)
        (job,) = jobs
        assert (job.kind, job.status, job.created_by) == ("sync", "done", None), job.message
        with shop.session() as session:
            assert session.store.row_counts()["interactions"] > 0
        (connection,) = Connections(shop).all()
        assert connection.last_ok_at is not None and connection.account
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_one_workspace_of_all_three_has_its_relationship_numbers(
    replay: ReplayServer, tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's "done when": only the recorded-shape responses of the three APIs, and
    the report's relationship numbers are computable, over all three platforms at once."""
    ws = tmp_path / "shop"
    for channel in CHANNELS.values():
        channel.serve(replay)
        monkeypatch.setenv(channel.variable, channel.secret)
        connected = _connect(channel, replay, ws)
        assert connected.exit_code == 0, (connected.stdout, connected.stderr)
    assert not replay.unmatched
    assert {c.platform for c in Connections(Workspace(ws)).all()} == set(CHANNELS)
    metrics = _metrics(ws)
    for metric in RELATIONSHIP:
        assert metrics[metric]["status"] == "ok", metrics[metric]
    # every platform's people are in the numbers: the reply rate's denominator is the sum
    singles = {}
    for name, channel in CHANNELS.items():
        alone = tmp_path / name
        replay.requests.clear()
        monkeypatch.setenv(channel.variable, channel.secret)
        assert _connect(channel, replay, alone).exit_code == 0
        singles[name] = _metrics(alone)["reply_rate"]["n"]
    assert metrics["reply_rate"]["n"] == sum(singles.values())
    report = invoke(CliRunner(), "report", "--workspace", ws)
    assert report.exit_code == 0, report.stderr
    html = "\n".join(p.read_text("utf-8") for p in ws.rglob("*.html"))
    assert "Reply rate" in html
    for channel in CHANNELS.values():
        assert channel.secret not in html
