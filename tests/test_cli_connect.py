"""``rapport connect`` and the pulls that use a stored connection, against a REAL local
Bluesky network and Mastodon responses recorded from a real server.

The bakery (``biz.test``) is connected with its app password on stdin; the connection is
listed, used by ``rapport pull bluesky`` with no password, and removed. A wrong app password
and a refused token are not kept; an unreachable instance is kept and says so; an app
password revoked on the server after connecting gives a message naming the connection and
how to connect it again. Every secret planted is then looked for in every output (stdout,
stderr, --json, --debug tracebacks) and in every file of the workspace, where only its
ciphertext may be.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from atproto import Client, models
from typer.testing import CliRunner

from rapport.cli import app
from rapport.cli import connect as connect_module
from rapport.connectors import _mastodon_client, mastodon
from rapport.credentials import FILE_NAME, BlueskyCredentials, Connection, Connections
from rapport.errors import AuthenticationError
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network
from tests.test_mastodon_api import (
    FIRST_PULL,
    INSTANCE,
    MATCH_ON,
    RECORDED_LIMITS,
    constructed,
    recorded,
)
from tests.test_mastodon_api import TOKEN as MASTODON_TOKEN

__all__ = ["bluesky_network"]  # the session fixture, imported so pytest finds it

pytestmark = pytest.mark.credential_leak

WRONG_PASSWORD = "wrng-pass-c7z2-k9x4"
REFUSED_TOKEN = "planted-cli-refused-token-5Jq8"
UNREACHABLE_TOKEN = "planted-cli-unreachable-token-2Mw4"
ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Outputs:
    """Everything the commands of a test printed, to look for secrets in."""

    texts: list[str] = field(default_factory=list)

    def run(self, *args: str | Path, input: str | None = None) -> Any:
        result = CliRunner().invoke(app, [str(a) for a in args], input=input,
                                    catch_exceptions=False)  # fmt: skip
        self.texts += [result.stdout, result.stderr]
        return result

    def assert_clean(self, *secrets: str) -> None:
        for text in self.texts:
            for secret in secrets:
                assert secret not in text, text


def _files_hold_no_secret(folder: Path, *secrets: str) -> None:
    """No file under ``folder`` holds a secret in clear (connections.enc.json holds only
    Fernet ciphertext, which is base64 of random bytes)."""
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path


def _connections(ws: Path) -> tuple[Connection, ...]:
    return Connections(Workspace(ws)).all()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def connected(
    bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Outputs]]:
    """biz.test connected from the command line, its password on stdin."""
    ws = tmp_path_factory.mktemp("connect") / "ws"
    outputs = Outputs()
    result = outputs.run(
        "connect", "bluesky", "--handle", "@biz.test", "--service", bluesky_network.pds,
        "--app-password-stdin", "--workspace", ws, "--json",
        input=bluesky_network.seeded.app_password + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    yield ws, outputs


# -- Bluesky, for real ----------------------------------------------------------------------------
def test_connecting_checks_the_app_password_by_a_first_sync(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, outputs = connected
    (connection,) = _connections(ws)
    assert connection.account == "biz.test" and connection.address == bluesky_network.pds
    assert connection.last_ok_at is not None and not connection.failing
    first = json.loads(outputs.texts[0])
    assert first["connection"]["id"] == connection.connection_id
    assert first["summary"]["added"] > 0
    assert (ws / "rapport.duckdb").is_file() and (ws / FILE_NAME).is_file()
    assert oct((ws / FILE_NAME).stat().st_mode & 0o777) == "0o600"


def test_the_list_shows_the_connection_and_no_secret(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, outputs = connected
    (connection,) = _connections(ws)
    shown = outputs.run("connect", "--list", "--workspace", ws)
    assert shown.exit_code == 0, shown.stderr
    assert connection.connection_id in shown.stdout and "@biz.test on Bluesky" in shown.stdout
    assert bluesky_network.pds in shown.stdout and "went well: " in shown.stdout
    assert "syncs: when asked" in shown.stdout
    alone = outputs.run("connect", "--workspace", ws)  # the list is the default
    assert alone.stdout == shown.stdout
    listed = json.loads(outputs.run("connect", "--list", "--json", "--workspace", ws).stdout)
    assert [c["id"] for c in listed] == [connection.connection_id]
    assert set(listed[0]) == set(connection.to_dict())  # metadata only: no "secret" field
    outputs.assert_clean(bluesky_network.seeded.app_password)


def test_pull_bluesky_without_a_password_uses_the_stored_connection(
    connected: tuple[Path, Outputs],
    bluesky_network: BlueskyNetwork,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ws, outputs = connected
    monkeypatch.delenv("RAPPORT_BLUESKY_APP_PASSWORD", raising=False)
    (before,) = _connections(ws)
    pulled = outputs.run("pull", "bluesky", "--workspace", ws, "--json")
    assert pulled.exit_code == 0, pulled.stderr
    assert f"Using the stored connection {before.connection_id}: @biz.test" in pulled.stderr
    summary = json.loads(pulled.stdout)
    assert summary["source"] == "bluesky_api" and summary["added"] == 0
    (after,) = _connections(ws)
    assert after.last_sync_at is not None and after.last_summary.startswith("0 added")
    by_handle = outputs.run("pull", "bluesky", "--handle", "biz.test", "--workspace", ws)
    assert by_handle.exit_code == 0 and "Pulled" in by_handle.stdout
    nobody = outputs.run("pull", "bluesky", "--handle", "carol.test", "--workspace", ws)
    assert nobody.exit_code == 2
    assert "no Bluesky account carol.test is connected" in nobody.stderr
    assert "rapport connect bluesky --handle HANDLE" in nobody.stderr
    outputs.assert_clean(bluesky_network.seeded.app_password)


def test_the_same_account_twice_is_refused(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, outputs = connected
    kept = (ws / FILE_NAME).read_bytes()
    again = outputs.run("connect", "bluesky", "--handle", "biz.test", "--service",
                        bluesky_network.pds, "--app-password-stdin", "--workspace", ws,
                        input="another-one\n")  # fmt: skip
    assert again.exit_code == 2 and "is connected already" in again.stderr
    assert (ws / FILE_NAME).read_bytes() == kept


def test_a_wrong_app_password_is_not_kept(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, outputs = connected
    kept = (ws / FILE_NAME).read_bytes()
    wrong = outputs.run("connect", "bluesky", "--handle", "alice.test", "--service",
                        bluesky_network.pds, "--app-password-stdin", "--workspace", ws,
                        input=WRONG_PASSWORD + "\n")  # fmt: skip
    assert wrong.exit_code == 2, wrong.stderr
    assert wrong.stdout == "" and "Traceback" not in wrong.stderr
    message = " ".join(wrong.stderr.split())
    assert "@alice.test on Bluesky" in message and "login as alice.test was refused" in message
    assert "nothing was kept" in message and "App passwords" in message
    assert "then connect again" in message
    assert (ws / FILE_NAME).read_bytes() == kept
    assert [c.account for c in _connections(ws)] == ["biz.test"]
    as_json = outputs.run("connect", "bluesky", "--handle", "alice.test", "--service",
                          bluesky_network.pds, "--app-password-stdin", "--workspace", ws,
                          "--json", input=WRONG_PASSWORD + "\n")  # fmt: skip
    error = json.loads(as_json.stdout)
    assert error["exit_code"] == 2 and "alice.test" in error["error"]["message"]
    outputs.assert_clean(WRONG_PASSWORD)


def test_a_debug_traceback_holds_no_secret(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, _ = connected
    with pytest.raises(AuthenticationError) as caught:
        CliRunner().invoke(
            app,
            ["connect", "bluesky", "--handle", "alice.test", "--service", bluesky_network.pds,
             "--app-password-stdin", "--workspace", str(ws), "--debug"],
            input=WRONG_PASSWORD + "\n", catch_exceptions=False,
        )  # fmt: skip
    shown = "".join(traceback.format_exception(caught.value))
    assert "login as alice.test was refused" in shown and WRONG_PASSWORD not in shown
    # and as a real process prints it, on stderr
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.run(
        [sys.executable, "-m", "rapport", "connect", "bluesky", "--handle", "alice.test",
         "--service", bluesky_network.pds, "--app-password-stdin", "--workspace", str(ws),
         "--debug"],
        input=WRONG_PASSWORD + "\n", capture_output=True, text=True, env=env, timeout=120,
        check=False,
    )  # fmt: skip
    assert process.returncode != 0 and "Traceback" in process.stderr
    assert WRONG_PASSWORD not in process.stderr + process.stdout
    assert [c.account for c in _connections(ws)] == ["biz.test"]


def test_a_revoked_app_password_names_the_connection_and_the_fix(
    bluesky_network: BlueskyNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    biz = bluesky_network.account("biz").client
    name = f"rapport cli {tmp_path.name}"[:30]
    password = biz.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name=name)
    ).password
    ws = tmp_path / "ws"
    outputs = Outputs()
    monkeypatch.setenv("RAPPORT_BLUESKY_APP_PASSWORD", password)  # the env var is read too
    made = outputs.run("connect", "bluesky", "--handle", "biz.test", "--service",
                       bluesky_network.pds, "--every", "6", "--workspace", ws)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "Connected @biz.test on Bluesky" in made.stdout
    assert "every 6 h while `rapport serve` runs" in " ".join(made.stdout.split())
    monkeypatch.delenv("RAPPORT_BLUESKY_APP_PASSWORD")
    (connection,) = _connections(ws)
    assert connection.every_hours == 6
    biz.com.atproto.server.revoke_app_password(
        models.ComAtprotoServerRevokeAppPassword.Data(name=name)
    )
    # The kept session's access token stays valid until it expires (the PDS checks it
    # without a lookup); make it due for a refresh, which the revocation refuses.
    monkeypatch.setattr(Client, "_should_refresh_session", lambda self: True)
    refused = outputs.run("pull", "bluesky", "--workspace", ws)
    assert refused.exit_code == 2, refused.stderr
    message = " ".join(refused.stderr.split())
    assert (
        f"@biz.test on Bluesky ({bluesky_network.pds}, connection {connection.connection_id})"
        in message
    )
    assert "revoked or have expired" in message
    assert f"--reconnect {connection.connection_id}" in message
    assert f"rapport connect bluesky --handle biz.test --service {bluesky_network.pds}" in message
    assert "Data page" in message
    (after,) = _connections(ws)
    assert after.failing  # kept, with its message, until it is connected again
    removed = outputs.run("connect", "--remove", connection.connection_id, "--yes",
                          "--workspace", ws)  # fmt: skip
    assert removed.exit_code == 0 and "Removed @biz.test on Bluesky" in removed.stdout
    assert _connections(ws) == () and not (ws / FILE_NAME).exists()
    outputs.assert_clean(password)
    _files_hold_no_secret(ws, password)


def test_on_a_terminal_the_password_is_asked_without_echo_and_removal_confirmed(
    bluesky_network: BlueskyNetwork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connect_module, "_terminal", lambda: True)
    monkeypatch.delenv("RAPPORT_BLUESKY_APP_PASSWORD", raising=False)
    ws = tmp_path / "ws"
    outputs = Outputs()
    password = bluesky_network.seeded.app_password
    made = outputs.run("connect", "bluesky", "--handle", "biz.test", "--service",
                       bluesky_network.pds, "--workspace", ws, input=password + "\n")  # fmt: skip
    assert made.exit_code == 0, made.stderr
    assert "App password: " in made.stdout + made.stderr  # asked, and what was typed not shown
    (connection,) = _connections(ws)
    kept = outputs.run("connect", "--remove", connection.connection_id, "--workspace", ws,
                       input="n\n")  # fmt: skip
    assert kept.exit_code == 1 and _connections(ws) == (connection,)
    gone = outputs.run("connect", "--remove", connection.connection_id, "--workspace", ws,
                       input="y\n")  # fmt: skip
    assert gone.exit_code == 0 and "Removed @biz.test on Bluesky" in gone.stdout
    assert _connections(ws) == ()
    outputs.assert_clean(password)
    _files_hold_no_secret(ws, password)


def test_remove_asks_or_needs_yes_and_everything_is_clean(
    connected: tuple[Path, Outputs], bluesky_network: BlueskyNetwork
) -> None:
    ws, outputs = connected
    (connection,) = _connections(ws)
    unsure = outputs.run("connect", "--remove", connection.connection_id, "--workspace", ws)
    assert unsure.exit_code == 2 and "add --yes to confirm" in unsure.stderr
    both = outputs.run("connect", "--list", "--remove", connection.connection_id, "--workspace", ws)
    assert both.exit_code == 2
    unknown = outputs.run("connect", "--remove", "0123456789ab", "--yes", "--workspace", ws)
    assert unknown.exit_code == 2 and "there is no connection '0123456789ab'" in unknown.stderr
    secrets = (bluesky_network.seeded.app_password, WRONG_PASSWORD)
    # while connected, the password is in the workspace only as ciphertext
    _files_hold_no_secret(ws, *secrets)
    removed = outputs.run("connect", "--remove", connection.connection_id, "--yes", "--json",
                          "--workspace", ws)  # fmt: skip
    assert removed.exit_code == 0
    assert json.loads(removed.stdout)["removed"]["id"] == connection.connection_id
    assert not (ws / FILE_NAME).exists() and (ws / "rapport.duckdb").is_file()
    empty = outputs.run("connect", "--workspace", ws)
    assert "No connected accounts" in empty.stdout
    outputs.assert_clean(*secrets)
    _files_hold_no_secret(ws, *secrets)


# -- Mastodon, replayed ---------------------------------------------------------------------------
def test_mastodon_connects_from_recorded_responses(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import vcr

    monkeypatch.setattr(mastodon, "DEFAULT_LIMITS", RECORDED_LIMITS)
    cassette = tmp_path / "first-pull.yaml"
    interactions = [recorded(shared, *pick) for pick in FIRST_PULL]
    cassette.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}), "utf-8")
    ws = tmp_path / "ws"
    outputs = Outputs()
    with vcr.use_cassette(str(cassette), record_mode="none", match_on=MATCH_ON) as replayed:
        made = outputs.run("connect", "mastodon", "--instance", INSTANCE, "--token-stdin",
                           "--workspace", ws, input=MASTODON_TOKEN + "\n")  # fmt: skip
        assert replayed.all_played
    assert made.exit_code == 0, made.stderr
    assert "Connected @mastodonpy_test" in made.stdout
    (connection,) = _connections(ws)
    assert connection.platform == "mastodon" and connection.account.startswith("mastodonpy_test")
    listed = outputs.run("connect", "--list", "--workspace", ws)
    assert INSTANCE in listed.stdout and connection.connection_id in listed.stdout
    # the token is revoked: the stored connection's pull says which one, and how to reconnect
    revoked = constructed("GET", f"{INSTANCE}/api/v1/accounts/verify_credentials", 401,
                          {"error": "The access token was revoked"})  # fmt: skip
    again = tmp_path / "revoked.yaml"
    again.write_text(yaml.safe_dump({"interactions": [revoked], "version": 1}), "utf-8")
    with vcr.use_cassette(str(again), record_mode="none", match_on=MATCH_ON):
        refused = outputs.run("pull", "mastodon", "--workspace", ws)
    assert refused.exit_code == 2, refused.stderr
    message = " ".join(refused.stderr.split())
    assert f"connection {connection.connection_id}" in message
    assert "The access token was revoked" in message and "revoked or have expired" in message
    assert f"rapport connect mastodon --reconnect {connection.connection_id}" in message
    outputs.assert_clean(MASTODON_TOKEN)
    _files_hold_no_secret(ws, MASTODON_TOKEN)


def test_a_refused_mastodon_token_is_not_kept(shared: Path, tmp_path: Path) -> None:
    import vcr

    refused = constructed("GET", f"{INSTANCE}/api/v1/accounts/verify_credentials", 401,
                          {"error": "The access token is invalid"})  # fmt: skip
    cassette = tmp_path / "refused.yaml"
    cassette.write_text(yaml.safe_dump({"interactions": [refused], "version": 1}), "utf-8")
    ws = tmp_path / "ws"
    outputs = Outputs()
    with vcr.use_cassette(str(cassette), record_mode="none", match_on=MATCH_ON):
        result = outputs.run("connect", "mastodon", "--instance", INSTANCE, "--token-stdin",
                             "--workspace", ws, input=REFUSED_TOKEN + "\n")  # fmt: skip
    assert result.exit_code == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "a Mastodon account on localhost:3000" in message and "nothing was kept" in message
    assert "New application" in message and "then connect again" in message
    assert not (ws / FILE_NAME).exists()
    outputs.assert_clean(REFUSED_TOKEN)
    _files_hold_no_secret(ws, REFUSED_TOKEN)


def test_mastodon_input_is_checked_and_an_unreachable_instance_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    outputs = Outputs()
    bad = outputs.run("connect", "mastodon", "--instance", "ftp://x/y", "--token-stdin",
                      "--workspace", ws, input=REFUSED_TOKEN + "\n")  # fmt: skip
    assert bad.exit_code == 2 and "is not a Mastodon instance address" in bad.stderr
    empty = outputs.run("connect", "mastodon", "--instance", "mastodon.example", "--token-stdin",
                        "--workspace", ws, input="\n")  # fmt: skip
    assert empty.exit_code == 2 and "stdin gave no access token" in empty.stderr
    monkeypatch.delenv("RAPPORT_MASTODON_TOKEN", raising=False)
    asked = outputs.run("connect", "mastodon", "--instance", "mastodon.example", "--workspace", ws)
    assert asked.exit_code == 2 and "never a plain option" in " ".join(asked.stderr.split())
    every = outputs.run("connect", "mastodon", "--instance", "mastodon.example", "--token-stdin",
                        "--every", "5", "--workspace", ws, input="t\n")  # fmt: skip
    assert every.exit_code == 2 and "choose 1, 3, 6, 12 or 24 hours" in every.stderr
    assert not (ws / FILE_NAME).exists()
    monkeypatch.setattr(_mastodon_client, "sleep", lambda seconds: None)
    port = _closed_port()
    down = outputs.run("connect", "mastodon", "--instance", f"http://127.0.0.1:{port}",
                       "--token-stdin", "--workspace", ws,
                       input=UNREACHABLE_TOKEN + "\n")  # fmt: skip
    assert down.exit_code == 1, down.stderr
    message = " ".join(down.stderr.split())
    assert "failed 3 times" in message and "was kept all the same" in message
    (kept,) = _connections(ws)
    assert kept.failing and kept.address == f"http://127.0.0.1:{port}"
    assert "rapport pull mastodon" in message
    outputs.assert_clean(REFUSED_TOKEN, UNREACHABLE_TOKEN)
    _files_hold_no_secret(ws, REFUSED_TOKEN, UNREACHABLE_TOKEN)


def test_pull_without_a_secret_and_no_connection_says_what_to_do(tmp_path: Path) -> None:
    outputs = Outputs()
    ws = tmp_path / "ws"
    for platform, how in (("mastodon", "--instance URL"), ("bluesky", "--handle HANDLE")):
        result = outputs.run("pull", platform, "--workspace", ws)
        assert result.exit_code == 2, result.stderr
        assert f"rapport connect {platform} {how}" in " ".join(result.stderr.split())
    connections = Connections(Workspace(ws))
    for handle in ("a.test", "b.test"):
        connections.add(BlueskyCredentials.of(handle=handle, app_password="p",
                                              service="http://127.0.0.1:9"))  # fmt: skip
    assert len(_connections(ws)) == 2  # two of Bluesky: the pull asks which one
    result = outputs.run("pull", "bluesky", "--workspace", ws)
    assert result.exit_code == 2 and "2 Bluesky accounts are connected" in result.stderr
    assert "choose one with --handle" in " ".join(result.stderr.split())


@pytest.mark.credential_leak
def test_reconnect_gives_new_credentials_and_keeps_the_connection(
    bluesky_network: BlueskyNetwork, tmp_path: Path
) -> None:
    ws, outputs = tmp_path / "ws", Outputs()
    password = bluesky_network.seeded.app_password + "\n"
    made = outputs.run("connect", "bluesky", "--handle", "biz.test", "--service",
                       bluesky_network.pds, "--every", "12", "--app-password-stdin",
                       "--workspace", ws, input=password)  # fmt: skip
    assert made.exit_code == 0, made.stderr
    (before,) = _connections(ws)
    connections = Connections(Workspace(ws))
    good = connections.credentials(before.connection_id)
    args = ("connect", "bluesky", "--handle", "biz.test", "--service", bluesky_network.pds,
            "--app-password-stdin", "--workspace", ws,
            "--reconnect", before.connection_id)  # fmt: skip
    wrong = outputs.run(*args, input=WRONG_PASSWORD + "\n")
    assert wrong.exit_code == 2, wrong.stderr
    assert "the connection keeps its old credentials" in " ".join(wrong.stderr.split())
    assert connections.credentials(before.connection_id) == good
    other = outputs.run("connect", "bluesky", "--handle", "alice.test", "--service",
                        bluesky_network.pds, "--app-password-stdin", "--workspace", ws,
                        "--reconnect", before.connection_id, input="x\n")  # fmt: skip
    assert other.exit_code == 2 and "not alice.test" in other.stderr
    right = outputs.run(*args, input=bluesky_network.seeded.app_password + "\n")
    assert right.exit_code == 0, right.stderr
    (after,) = _connections(ws)
    assert after.connection_id == before.connection_id
    assert after.created_at == before.created_at and after.every_hours == before.every_hours
    assert after.last_error is None
    outputs.assert_clean(bluesky_network.seeded.app_password)
