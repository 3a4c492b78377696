"""`rapport serve` and `rapport user add` as a person runs them, in real processes."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from rapport.web.appdb import AppDB
from rapport.web.auth import hash_password
from tests.conftest import invoke
from tests.web_support import csrf_of

RAPPORT = [sys.executable, "-m", "rapport"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_serve_prints_a_one_time_setup_link_that_creates_the_owner(
    demo_workspace: Path, tmp_path: Path
) -> None:
    root = tmp_path / "agency"
    shutil.copytree(demo_workspace, root / "bakery")
    port = _free_port()
    env = {**os.environ, "COLUMNS": "200"}
    server = subprocess.Popen(
        [*RAPPORT, "serve", "--root", str(root), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(3)]
        assert "1 workspace(s)" in lines[0] and "bakery" in lines[0], lines
        link = re.search(r"http://localhost:\d+/setup\?token=\S+", "".join(lines))
        assert link, lines
        url = link.group(0).replace("localhost", "127.0.0.1")
        client = httpx.Client(follow_redirects=False, timeout=300)
        deadline = time.monotonic() + 60
        while True:
            try:
                form = client.get(url)
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline, "the server never answered"
                time.sleep(0.2)
        assert form.status_code == 200 and "Create the owner account" in form.text
        token = url.split("token=")[1]
        short = client.post(url.split("?")[0], data={"token": token, "email": "me@example.com",
                                                     "password": "short"})  # fmt: skip
        assert short.status_code == 400 and "at least 10 characters" in short.text
        owner = {"token": token, "email": "me@example.com", "password": "a good long password"}
        made = client.post(url.split("?")[0], data=owner)
        assert made.status_code == 303 and made.headers["location"] == "/login"
        assert client.get(url).status_code == 404  # the link works once
        base = f"http://127.0.0.1:{port}"
        login = client.get(f"{base}/login")
        fields = {"email": "me@example.com", "password": "a good long password",
                  "csrf": csrf_of(login.text), "next": "/"}  # fmt: skip
        signed = client.post(f"{base}/login", data=fields)
        assert signed.status_code == 303
        home = client.get(f"{base}/")
        assert 'href="/w/bakery/"' in home.text  # the first owner owns every workspace
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert server.stderr is not None
    log = server.stderr.read()
    assert "a good long password" not in log and token not in log  # nothing secret logged


def test_user_add_creates_logins_and_roles_for_scripts(tmp_path: Path, cli: CliRunner) -> None:
    root = tmp_path / "root"
    assert invoke(cli, "init", "--workspace", root / "shop").exit_code == 0
    added = subprocess.run(
        [*RAPPORT, "user", "add", "ana@example.com", "--role", "analyst", "--workspace", "shop",
         "--password-stdin", "--root", str(root)],
        input="a long enough password\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "Created ana@example.com: analyst of shop." in added.stderr
    db = AppDB(root)
    found = db.user_by_email("ANA@example.com")
    assert found is not None and found[1].startswith("$argon2id$")
    assert [(m.workspace, m.role) for m in db.memberships(found[0].user_id)] == [
        ("shop", "analyst")
    ]
    for args, expect in (
        (("--role", "boss", "--workspace", "shop"), "role 'boss': expected one of owner"),
        (("--role", "client", "--workspace", "elsewhere"), "'elsewhere' is not a workspace"),
    ):
        result = invoke(cli, "user", "add", "bo@example.com", *args, "--root", root,
                        "--password-stdin")  # fmt: skip
        assert result.exit_code == 2, result.output
        assert expect in result.stderr and len(result.stderr.strip().splitlines()) == 1
    weak = subprocess.run(
        [*RAPPORT, "user", "add", "bo@example.com", "--role", "client", "--workspace", "shop",
         "--password-stdin", "--root", str(root)],
        input="short\n", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert weak.returncode == 2 and "at least 10 characters" in weak.stderr
    assert db.user_by_email("bo@example.com") is None


def test_lookups_read_fresh_data_and_nest_on_one_thread(tmp_path: Path) -> None:
    """The server's threads keep one reading connection each: a lookup sees what another
    connection committed since, and a lookup made inside another does not fail."""
    db = AppDB(tmp_path)
    assert db.user_by_email("late@example.com") is None  # opens this thread's reader
    db.add_user("late@example.com", hash_password("a long enough password"))
    with db.connect(write=False) as outer:
        assert db.user_by_email("late@example.com") is not None  # nested, and fresh
        (count,) = outer.execute("SELECT count(*) FROM users").fetchone()
    assert count == 1
    assert not outer.in_transaction  # the outer lookup ended its snapshot, the inner did not
