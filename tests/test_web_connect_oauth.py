"""Connect Mastodon by signing in on the instance (OAuth), and Reconnect a refused account, on
the real server.

No Mastodon server runs here: the instance's answers are the REAL responses Mastodon.py's
suite recorded from a Mastodon 4.6.4 development server at http://localhost:3000
(../shared/samples/mastodon_api/mastodonpy_cassettes_write/, see its README.md), replayed with
vcr. The web server runs in a thread of this process (tests/web_support.py), so vcr's patching
reaches its outgoing calls; requests to the server itself (127.0.0.1) go through for real.
Where no recording holds what is needed, the response is built here and says so:

- the answer of ``POST /oauth/token`` for the ``authorization_code`` grant: the recording has
  the ``client_credentials`` grant's answer only; :func:`_token_answer` is that recorded
  response with the scope rapport asks for and a planted token (the same shape: a Doorkeeper
  token answer is the same for both grants);
- the client secret of ``POST /api/v1/apps``: the recording's was REDACTED;
  :func:`_apps_answer` is the recorded response with a planted secret in its place, so that
  the test can look for it in every page and file;
- a 401 for a refused token (no cassette holds one for verify_credentials).

Reconnecting Bluesky runs against the REAL local Bluesky network (the seeded biz.test).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import vcr
import yaml

from rapport.connectors import mastodon
from rapport.credentials import (
    APPS_FILE,
    FILE_NAME,
    BlueskyCredentials,
    Connections,
    MastodonApps,
    MastodonCredentials,
)
from rapport.web.auth import hash_password
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network
from tests.test_mastodon_api import FIRST_PULL, INSTANCE, MATCH_ON, RECORDED_LIMITS, constructed
from tests.test_mastodon_api import recorded as recorded_read
from tests.web_support import PASSWORD, ROLES, Web, csrf_of, email, until_ended

__all__ = ["bluesky_network"]  # the session fixture, imported so pytest finds it

WRITE = "samples/mastodon_api/mastodonpy_cassettes_write"
CLIENT_ID = "dSqEHsXYueL3gn3LbghhdtDXqqa9es7Ydchk8qWmIA0"
"""The client id the instance gave in test_app_account_create.yaml (recorded)."""
PLANTED_SECRET = "planted-client-secret-" + secrets.token_hex(8)
PLANTED_TOKEN = "planted-oauth-token-" + secrets.token_hex(8)
REFUSED_TOKEN = "planted-refused-oauth-token-" + secrets.token_hex(8)
WRONG_PASSWORD = "wrng-recn-q7z2-k9x4"


@functools.cache
def _write_cassette(root: str, name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((Path(root) / WRITE / name).read_text("utf-8"))
    return list(data["interactions"])


def recorded(shared: Path, name: str, index: int) -> dict[str, Any]:
    """One recorded interaction of the write cassettes, as the cassette holds it."""
    found: dict[str, Any] = json.loads(json.dumps(_write_cassette(str(shared), name)[index]))
    return found


def _server_info(shared: Path, index: int = 0) -> dict[str, Any]:
    """GET /.well-known/oauth-authorization-server (recorded, test_auth_request_url.yaml)."""
    return recorded(shared, "test_auth_request_url.yaml", index)


def _apps_answer(shared: Path) -> dict[str, Any]:
    """POST /api/v1/apps: the RECORDED response, its REDACTED client secret replaced by a
    planted one (nothing else changed)."""
    made = recorded(shared, "test_app_account_create.yaml", 0)
    text = made["response"]["body"]["string"]
    assert '"client_secret":"REDACTED"' in text and CLIENT_ID in text
    made["response"]["body"]["string"] = text.replace("REDACTED", PLANTED_SECRET)
    return made


def _token_answer(shared: Path, token: str) -> dict[str, Any]:
    """POST /oauth/token for the authorization_code grant: NOT recorded (the recording has
    the client_credentials grant's); record-shaped: the recorded answer (#1 of
    test_app_account_create.yaml) with the scope rapport asks for and a planted token."""
    made = recorded(shared, "test_app_account_create.yaml", 1)
    answer = json.loads(made["response"]["body"]["string"])
    assert set(answer) == {"access_token", "token_type", "scope", "created_at"}
    answer |= {"access_token": token, "scope": "read write:statuses"}
    made["response"]["body"]["string"] = json.dumps(answer)
    made["response"]["headers"].pop("content-length", None)
    return made


def _refused() -> dict[str, Any]:
    """A 401 for verify_credentials: NOT recorded (no cassette holds one there), built here."""
    return constructed(
        "GET", f"{INSTANCE}/api/v1/accounts/verify_credentials", 401,
        {"error": "The access token is invalid"},
    )  # fmt: skip


@contextmanager
def _replay(tmp_path: Path, *interactions: dict[str, Any]) -> Iterator[Any]:
    """Serve ``interactions`` to the server's outgoing calls (the server itself, on
    127.0.0.1, is really asked); fail if one was not requested."""
    path = tmp_path / f"oauth-{len(list(tmp_path.glob('oauth-*')))}.yaml"
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}), "utf-8")
    with vcr.use_cassette(str(path), record_mode="none", match_on=MATCH_ON,
                          ignore_hosts=["127.0.0.1"]) as cassette:  # fmt: skip
        yield cassette
    assert cassette.all_played, [r.uri for r, _ in cassette._played_interactions]


@dataclass(frozen=True)
class Team:
    name: str
    root: Path

    def login(self, web: Web, role: str) -> httpx.Client:
        return web.login(email(role, self.name))

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.root / self.name)

    def csrf(self, client: httpx.Client) -> str:
        return csrf_of(client.get(f"/w/{self.name}/data").text)


def _team(web: Web, prefix: str) -> Team:
    name = f"{prefix}-{secrets.token_hex(3)}"
    Workspace(web.root / name).create()
    hashed = hash_password(PASSWORD)
    for role in ROLES:
        user = web.app_db.add_user(email(role, name), hashed)
        web.app_db.grant(user.user_id, name, role)
    return Team(name, web.root)


@pytest.fixture(scope="module")
def team(web: Web) -> Team:
    return _team(web, "oauth")


def _authorize(client: httpx.Client, team: Team, **fields: str) -> httpx.Response:
    data = {"csrf": team.csrf(client), "every": "off", **fields}
    return client.post(f"/w/{team.name}/connections/mastodon/authorize", data=data)


def _continue_link(page: httpx.Response) -> str:
    assert page.status_code == 200, page.text[:800]
    found = re.search(r'<a class="button" id="continue" href="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1).replace("&amp;", "&")


def _callback(client: httpx.Client, team: Team, **params: str) -> httpx.Response:
    return client.get(f"/w/{team.name}/connections/mastodon/callback", params=params)


def _job(answer: httpx.Response, team: Team) -> str:
    assert answer.status_code == 303, answer.text[:800]
    found = re.fullmatch(rf"/w/{team.name}/data#job-([0-9a-f]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _ended(client: httpx.Client, team: Team, job_id: str) -> tuple[str, str]:
    fragment, seen = until_ended(client, f"/w/{team.name}/jobs/{job_id}", within=180)
    return seen[-1], fragment


@pytest.mark.credential_leak
def test_connect_with_mastodon_by_oauth(
    web: Web, team: Team, shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mastodon, "DEFAULT_LIMITS", RECORDED_LIMITS)
    owner = team.login(web, "owner")
    page = owner.get(f"/w/{team.name}/data").text
    assert 'action="/w/' + team.name + '/connections/mastodon/authorize"' in page
    assert ">Connect with Mastodon</button>" in page
    with _replay(tmp_path, _apps_answer(shared), _server_info(shared)):
        started = _authorize(owner, team, instance=INSTANCE)
    link = urlsplit(_continue_link(started))
    assert f"{link.scheme}://{link.netloc}{link.path}" == f"{INSTANCE}/oauth/authorize"
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    callback = f"{web.url}/w/{team.name}/connections/mastodon/callback"
    assert query == {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": callback,
                     "scope": "read write:statuses", "state": query["state"]}  # fmt: skip
    assert len(query["state"]) >= 40
    assert PLANTED_SECRET not in started.text
    # the registration is kept encrypted beside the connections
    apps_file = team.workspace.root / APPS_FILE
    assert apps_file.stat().st_mode & 0o777 == 0o600
    assert PLANTED_SECRET.encode() not in apps_file.read_bytes()
    assert CLIENT_ID.encode() not in apps_file.read_bytes()
    kept = MastodonApps(team.workspace).find(INSTANCE, callback, "read write:statuses")
    assert kept is not None and kept.client_secret.reveal() == PLANTED_SECRET
    # a state that is not this session's is refused, and nothing is asked of the instance
    with _replay(tmp_path):
        forged = _callback(owner, team, code="a-code", state="not-the-state")
        other = _callback(team.login(web, "manager"), team, code="a-code", state=query["state"])
    for refused in (forged, other):
        assert refused.status_code == 400
        assert "does not belong to a connection started here by you" in refused.text
    assert not (team.workspace.root / FILE_NAME).exists()
    analyst = team.login(web, "analyst")
    assert _callback(analyst, team, code="a-code", state=query["state"]).status_code == 403
    # the owner's own return: the code becomes a token, checked by a first sync
    with _replay(tmp_path, _token_answer(shared, PLANTED_TOKEN),
                 *[recorded_read(shared, *pick) for pick in FIRST_PULL]):  # fmt: skip
        back = _callback(owner, team, code="the-code", state=query["state"])
        state, fragment = _ended(owner, team, _job(back, team))
    assert state == "done", fragment
    assert f"Synced Mastodon API {INSTANCE} (mastodon_api) in" in fragment
    (connection,) = Connections(team.workspace).all()
    assert connection.platform == "mastodon" and connection.account.startswith("mastodonpy_test")
    assert not connection.failing
    credentials = Connections(team.workspace).credentials(connection.connection_id)
    assert isinstance(credentials, MastodonCredentials)
    assert credentials.token.reveal() == PLANTED_TOKEN  # saved, encrypted
    assert PLANTED_TOKEN.encode() not in (team.workspace.root / FILE_NAME).read_bytes()
    data = owner.get(f"/w/{team.name}/data").text
    assert connection.title in data
    # the same state again: used once
    again = _callback(owner, team, code="the-code", state=query["state"])
    assert again.status_code == 400 and "does not belong to a connection" in again.text
    log = [(e.action, e.detail) for e in web.app_db.audit_log(team.name)]
    assert ("mastodon sign-in started", INSTANCE) in log
    assert any(action == "connect done" for action, _ in log)


def test_a_refused_oauth_token_is_not_kept(
    web: Web, team: Team, shared: Path, tmp_path: Path
) -> None:
    owner = team.login(web, "owner")
    before = Connections(team.workspace).all()
    # registered already for this return address: only the server info is asked
    with _replay(tmp_path, _server_info(shared, 1)):
        link = _continue_link(_authorize(owner, team, instance=INSTANCE))
    state = parse_qs(urlsplit(link).query)["state"][0]
    with _replay(tmp_path, _token_answer(shared, REFUSED_TOKEN), _refused()):
        back = _callback(owner, team, code="another-code", state=state)
        ended, fragment = _ended(owner, team, _job(back, team))
    assert ended == "failed" and "was refused" in fragment, fragment
    assert REFUSED_TOKEN not in fragment
    assert Connections(team.workspace).all() == before
    assert REFUSED_TOKEN.encode() not in (team.workspace.root / FILE_NAME).read_bytes()
    for c in before:
        token = Connections(team.workspace).credentials(c.connection_id)
        assert isinstance(token, MastodonCredentials) and token.token.reveal() != REFUSED_TOKEN
    # allowing nothing on the instance: said plainly
    with _replay(tmp_path, recorded(shared, "test_log_in_none.yaml", 0)):
        link = _continue_link(_authorize(owner, team, instance=INSTANCE))
    state = parse_qs(urlsplit(link).query)["state"][0]
    with _replay(tmp_path):
        denied = _callback(owner, team, error="access_denied", state=state)
    assert denied.status_code == 400
    assert f"You did not allow rapport on {INSTANCE}: nothing was connected" in denied.text


@pytest.mark.credential_leak
def test_no_page_shows_the_app_secret_or_the_token(web: Web, team: Team) -> None:
    urls = [f"/w/{team.name}/{p}" for p in ("", "data", "care", "plan")]
    urls += [f"/w/{team.name}/jobs/{j.job_id}" for j in web.app.state.jobs.recent(team.name)]
    seen = 0
    for role in ROLES:
        client = team.login(web, role)
        for url in urls:
            answer = client.get(url)
            seen += answer.status_code == 200
            for planted in (PLANTED_SECRET, PLANTED_TOKEN, REFUSED_TOKEN):
                assert planted not in answer.text, (role, url)
    assert seen > 8
    leaks = [
        p
        for p in web.root.rglob("*")
        if p.is_file()
        and any(s.encode() in p.read_bytes() for s in (PLANTED_SECRET, PLANTED_TOKEN))
    ]
    assert leaks == []


def test_a_refused_mastodon_connection_offers_to_sign_in_again(
    web: Web, team: Team, shared: Path, tmp_path: Path
) -> None:
    (connection,) = Connections(team.workspace).all()
    Connections(team.workspace).record_sync(
        connection.connection_id,
        error="Mastodon http://localhost:3000: GET /api/v1/accounts/verify_credentials was "
        "refused (HTTP 401: The access token is invalid)",
    )
    owner = team.login(web, "owner")
    page = owner.get(f"/w/{team.name}/data").text
    block = re.search(rf'<div class="reconnect" id="reconnect-{connection.connection_id}">(.*?)'
                      r"</div>", page, re.S)  # fmt: skip
    assert block, page
    assert f'name="connection_id" value="{connection.connection_id}"' in block.group(1)
    assert "or paste a new token" in block.group(1)
    assert "reconnect-" not in team.login(web, "analyst").get(f"/w/{team.name}/data").text
    with _replay(tmp_path, _server_info(shared, 1)):
        started = _authorize(owner, team, connection_id=connection.connection_id)
    assert "Reconnect " + connection.title in started.text
    assert _continue_link(started).startswith(f"{INSTANCE}/oauth/authorize?")


@pytest.mark.credential_leak
def test_reconnecting_bluesky_keeps_the_connection_and_takes_a_checked_password(
    web: Web, bluesky_network: BlueskyNetwork
) -> None:
    team = _team(web, "recon")
    wrong = BlueskyCredentials.of(handle="biz.test", app_password=WRONG_PASSWORD,
                                  service=bluesky_network.pds)  # fmt: skip
    made = Connections(team.workspace).add(wrong, every_hours=6)
    owner = team.login(web, "owner")
    url = f"/w/{team.name}/connections/{made.connection_id}"
    state, fragment = _ended(owner, team, _job(owner.post(f"{url}/sync",
                             data={"csrf": team.csrf(owner)}), team))  # fmt: skip
    assert state == "failed" and "was refused" in fragment
    page = owner.get(f"/w/{team.name}/data").text
    assert f'action="{url}/reconnect"' in page and "New app-specific password for" in page
    for role in ("analyst", "client"):
        other = team.login(web, role)
        csrf = csrf_of(other.get("/").text)
        refused = other.post(f"{url}/reconnect", data={"csrf": csrf, "app_password": "x"})
        assert refused.status_code == 403
    assert owner.post(f"{url}/reconnect", data={"app_password": "x"}).status_code == 403
    # a wrong one again: the check fails and nothing changes
    retry = {"csrf": team.csrf(owner), "app_password": WRONG_PASSWORD + "x"}
    again = owner.post(f"{url}/reconnect", data=retry)
    state, fragment = _ended(owner, team, _job(again, team))
    assert state == "failed" and "was refused" in fragment
    (still,) = Connections(team.workspace).all()
    assert still.failing and still.connection_id == made.connection_id
    kept = Connections(team.workspace).credentials(made.connection_id)
    assert isinstance(kept, BlueskyCredentials)
    assert kept.app_password.reveal() == WRONG_PASSWORD
    # the right one: checked by a sync, then kept on the same connection
    right = bluesky_network.seeded.app_password
    ok = owner.post(f"{url}/reconnect", data={"csrf": team.csrf(owner), "app_password": right})
    state, fragment = _ended(owner, team, _job(ok, team))
    assert state == "done", fragment
    (after,) = Connections(team.workspace).all()
    assert (after.connection_id, after.every_hours, after.created_at) == (
        made.connection_id, 6, made.created_at,
    )  # fmt: skip
    assert not after.failing and after.last_ok_at is not None
    kept = Connections(team.workspace).credentials(made.connection_id)
    assert isinstance(kept, BlueskyCredentials) and kept.app_password.reveal() == right
    data = owner.get(f"/w/{team.name}/data").text
    assert "reconnect-" + made.connection_id not in data
    for role in ROLES:
        seen = team.login(web, role).get(f"/w/{team.name}/data").text
        assert right not in seen and WRONG_PASSWORD not in seen
    actions = [e.action for e in web.app_db.audit_log(team.name)]
    assert "reconnect done" in actions and "reconnect failed" in actions
