"""The web workplace under test: one served folder and one real uvicorn server per test session.

The folder holds two workspaces:

- ``alpha``: a copy of the shared demo workspace, with one user per role (owner, manager,
  analyst, client);
- ``beta``: a small workspace built here whose people, posts, replies and audience carry
  script payloads (the XSS probe reads it), owned by a user who belongs to nothing else.

The server listens on 127.0.0.1 on a free port, in a thread of the test process (a real
uvicorn server speaking HTTP over a real socket). Tests that change data work on items no
other test relies on, or on a workspace of their own.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from rapport.canonical import write_canonical
from rapport.config import Config, Goal
from rapport.web.app import create_app
from rapport.web.appdb import AppDB, Role
from rapport.web.auth import hash_password
from rapport.web.jobs import Jobs
from rapport.workspace import Workspace
from tests.conftest import build_tables
from tests.importer_support import import_into

PASSWORD = "a long test password"
ROLES: tuple[Role, ...] = ("owner", "manager", "analyst", "client")
PAYLOADS = (
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "<svg/onload=window.__xss=1>",
    "javascript:window.__xss=1",
)
"""Script payloads placed in handles, names, bios, post and reply text and the audience."""


ADMIN = "admin@example.com"
PARAM_EXAMPLES: dict[str, str] = {
    "invite_token": "not-an-invitation",
    "token": "not-a-feed-token",
    "connection_id": "0123456789ab",  # no such connection: a form's own complaint (400)
}
"""An example value for each path parameter of the app's routes other than ``workspace`` and
``item_id`` (the access test fills them in; an id of alpha where the route reads one)."""
PARAM_EXAMPLES["section"] = "engagement"  # a section of the report (pages_report)
PARAM_EXAMPLES["post"] = "999999"  # no such planned post (pages_publish): a 400 or 404 page


def email(role: Role, workspace: str = "alpha") -> str:
    return f"{role}-{workspace}@example.com"


@dataclass(frozen=True)
class Web:
    """The running server and what it serves."""

    url: str
    root: Path
    app_db: AppDB
    app: FastAPI

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=300)

    def login(self, who: str, password: str = PASSWORD) -> httpx.Client:
        """A client signed in as ``who`` (an email)."""
        client = self.client()
        form = client.get("/login")
        token = csrf_of(form.text)
        done = client.post(
            "/login", data={"email": who, "password": password, "csrf": token, "next": "/"}
        )
        assert done.status_code == 303, done.text
        return client


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def _hostile_rows(now: dt.datetime) -> dict[str, list[dict[str, object]]]:
    """A shop, people whose handles, names and bios are payloads, posts and unanswered
    replies whose text is too."""

    def at(days: float) -> str:
        return (now - dt.timedelta(days=days)).isoformat().replace("+00:00", "Z")

    people = [
        {"person_id": f"x:p{i}", "platform": "x", "handle": f"fan{i}{payload}",
         "display_name": payload, "bio": f"I bake {payload}", "url": PAYLOADS[3]}
        for i, payload in enumerate(PAYLOADS)
    ]  # fmt: skip
    posts = [
        {"post_id": f"x:{i}", "account_id": "x:shop", "created_at": at(10 - i),
         "text": f"Fresh bread today {payload}", "content_kind": "question",
         "url": PAYLOADS[3]}
        for i, payload in enumerate(PAYLOADS)
    ]  # fmt: skip
    replies = [
        {"interaction_id": f"x:r{i}", "platform": "x", "kind": "reply", "account_id": "x:shop",
         "post_id": f"x:{i}", "person_id": f"x:p{i}", "occurred_at": at(2 + i * 0.1),
         "text": f"Do you ship? {payload}"}
        for i, payload in enumerate(PAYLOADS)
    ]  # fmt: skip
    return {
        "accounts": [
            {
                "account_id": "x:shop",
                "platform": "x",
                "handle": "shop",
                "role": "own",
                "followers": 40,
            }
        ],
        "people": people,
        "posts": posts,
        "interactions": replies,
    }


def _serve(app: FastAPI) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start within 60 s"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def _finished_job(app: FastAPI, workspace: str) -> str:
    """The id of a job of ``workspace`` that has ended (one that does nothing)."""
    jobs: Jobs = app.state.jobs
    job = jobs.start(workspace=workspace, kind="check", title="A check", created_by=None,
                     work=lambda report: {}, writes=False)  # fmt: skip
    deadline = time.monotonic() + 30
    while not (found := jobs.get(workspace, job.job_id)) or not found.ended:
        assert time.monotonic() < deadline, "the example job did not end within 30 s"
        time.sleep(0.05)
    return job.job_id


@pytest.fixture(scope="session")
def web(demo_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("served")
    shutil.copytree(demo_workspace, root / "alpha")
    beta = root / "beta"
    Workspace(beta).create(
        config=Config(goal=Goal(objective="sales", target_audience=f"bakers {PAYLOADS[1]}"))
    )
    source = tmp_path_factory.mktemp("hostile") / "canonical"
    write_canonical(build_tables(_hostile_rows(dt.datetime.now(dt.UTC))), source)
    import_into(beta, source)
    db = AppDB(root)
    hashed = hash_password(PASSWORD)
    for role in ROLES:
        user = db.add_user(email(role), hashed)
        db.grant(user.user_id, "alpha", role)
    stranger = db.add_user(email("owner", "beta"), hashed)
    db.grant(stranger.user_id, "beta", "owner")
    db.add_user(ADMIN, hashed, is_admin=True)  # may create workspaces; a member of none
    app = create_app(root)
    server, thread, url = _serve(app)
    PARAM_EXAMPLES["job_id"] = _finished_job(app, "alpha")
    yield Web(url, root, db, app)
    server.should_exit = True
    thread.join(timeout=30)


# -- in Chromium ------------------------------------------------------------------------------
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1) wide.push(el.tagName + '.' + el.className);
  }
  return {scrolls: document.documentElement.scrollWidth > width + 1, wide: wide.slice(0, 5)};
}"""
"""A page's check for horizontal overflow: whether it scrolls sideways, and the first
elements that run past the screen's edge."""


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Debian's Chromium through Playwright, once per test module (Playwright's sync API
    can't run twice at once, and other modules start their own)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"],
        )  # fmt: skip
        yield launched
        launched.close()


def sign_in(page: Any, web: Web, who: str, password: str = PASSWORD) -> None:
    """Log in through the login form, as a person does; on the home page after."""
    page.goto(f"{web.url}/login")
    page.get_by_label("Email").fill(who)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web.url}/")


XSS_PROBE = """() => ({
    ran: window.__xss === 1,
    scripts: [...document.scripts].map(s => s.getAttribute('src')),
    handlers: [...document.querySelectorAll('*')].filter(
        el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
    links: [...document.querySelectorAll('a[href]')].filter(a =>
        a.getAttribute('href').trim().toLowerCase().startsWith('javascript:')
    ).length,
    injected: document.querySelectorAll(
        'main img, main svg script, main svg[onload], main iframe').length,
})"""
"""A page's check that no imported payload ran or became markup: compare with :data:`CLEAN`."""
CLEAN = {"ran": False, "scripts": ["/static/htmx.min.js"], "handlers": 0, "links": 0,
         "injected": 0}  # fmt: skip
"""What :data:`XSS_PROBE` finds on a page where every payload stayed text."""


# -- background jobs ----------------------------------------------------------------------------
def until_ended(client: httpx.Client, url: str, *, within: float = 300) -> tuple[str, list[str]]:
    """Poll a job's fragment at ``url`` as the page does (HTMX, every second), until it stops
    polling; its last answer, and the states seen (queued, running, then done or failed)."""
    seen: list[str] = []
    deadline = time.monotonic() + within
    while True:
        fragment = client.get(url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        state = re.search(r'class="job (\w+)"', fragment.text)
        assert state, fragment.text
        seen.append(state.group(1))
        if 'hx-trigger="every 1s"' not in fragment.text:
            assert state.group(1) in ("done", "failed"), fragment.text
            return fragment.text, seen
        assert state.group(1) in ("queued", "running"), fragment.text
        assert time.monotonic() < deadline, f"the job at {url} did not end within {within:g} s"
        time.sleep(0.2)


def app_db_bytes(db: AppDB) -> bytes:
    """Every byte of the app database as it lies on disk: the file and its write-ahead log
    (the server keeps reading connections open, so recent writes may be in the log only)."""
    wal = db.path.with_name(db.path.name + "-wal")
    return db.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
