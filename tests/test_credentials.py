"""Connections' credentials encrypted at rest (rapport.credentials), on real files and keys.

Every test has a key file of its own (``RAPPORT_KEY_FILE`` under ``tmp_path``), so that the
files, their modes and the errors can be looked at; the secrets are planted strings that
would be found if they leaked anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import shutil
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

import rapport
from rapport import api
from rapport.api import connections as sync_module
from rapport.credentials import (
    DEFAULT_BLUESKY_SERVICE,
    FILE_NAME,
    KEY_FILE_VAR,
    KEY_VAR,
    BlueskyCredentials,
    Connections,
    MastodonCredentials,
    Secret,
    key_file,
    key_location,
    load_key,
    sync_failures,
)
from rapport.errors import CredentialsError, RemoteError, UsageError, WrongKey
from rapport.workspace import Workspace
from tests.conftest import invoke

TOKEN = "planted-mastodon-token-Zq8vX2"
PASSWORD = "plnt-apwd-k3x9-m2q7"


@pytest.fixture
def key_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config" / "rapport" / "secret.key"
    monkeypatch.setenv(KEY_FILE_VAR, str(path))
    monkeypatch.delenv(KEY_VAR, raising=False)
    return path


@pytest.fixture
def workspace(tmp_path: Path, key_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "shop")
    ws.create()
    return ws


def _mastodon() -> MastodonCredentials:
    return MastodonCredentials.of(instance="mastodon.example/", token=f"  {TOKEN}\n")


def _bluesky() -> BlueskyCredentials:
    return BlueskyCredentials.of(handle="@Shop.BSKY.social", app_password=PASSWORD, service="")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- secrets are never shown -----------------------------------------------------------------
def test_a_secret_shows_stars_and_is_never_pickled() -> None:
    secret = Secret(TOKEN)
    assert repr(secret) == str(secret) == f"{secret}" == "***"
    credentials = _mastodon()
    assert TOKEN not in repr(credentials) and TOKEN not in str(credentials)
    assert (
        repr(credentials) == "MastodonCredentials(instance='https://mastodon.example', token=***)"
    )
    assert PASSWORD not in repr(_bluesky()) and PASSWORD not in str(_bluesky())
    assert secret == Secret(TOKEN) and secret != Secret("other")
    assert secret.reveal() == TOKEN
    with pytest.raises(TypeError, match="written in clear"):
        pickle.dumps(credentials)


def test_what_people_type_is_checked_and_normalised() -> None:
    mastodon = _mastodon()
    assert (mastodon.instance, mastodon.token.reveal()) == ("https://mastodon.example", TOKEN)
    bluesky = _bluesky()
    assert (bluesky.handle, bluesky.service) == ("shop.bsky.social", DEFAULT_BLUESKY_SERVICE)
    local = BlueskyCredentials.of(
        handle="biz.test", app_password="x", service="http://127.0.0.1:2583/"
    )
    assert local.service == "http://127.0.0.1:2583"
    refused = {
        "ftp://x/y": "is not a Mastodon instance address",
        "https://mastodon.example/@shop": "is not a Mastodon instance address",
        "https://user:pw@mastodon.example": "is not a Mastodon instance address",
        " ": "the Mastodon instance address is empty",
    }
    for instance, message in refused.items():
        with pytest.raises(UsageError, match=message) as caught:
            MastodonCredentials.of(instance=instance, token=TOKEN)
        assert caught.value.option == "instance"
    with pytest.raises(UsageError, match="the access token is empty") as empty:
        MastodonCredentials.of(instance="mastodon.example", token="  ")
    assert empty.value.option == "token"
    with pytest.raises(UsageError, match="has spaces in it") as spaced:
        MastodonCredentials.of(instance="mastodon.example", token=f"{TOKEN} {TOKEN}")
    assert TOKEN not in str(spaced.value)  # a refused secret is not repeated either
    with pytest.raises(UsageError, match="the handle is empty"):
        BlueskyCredentials.of(handle="@", app_password=PASSWORD)
    with pytest.raises(UsageError, match="the app password is empty"):
        BlueskyCredentials.of(handle="shop.bsky.social", app_password="")


# -- encrypted at rest -----------------------------------------------------------------------
def test_credentials_round_trip_and_the_file_holds_no_secret(
    workspace: Workspace, key_path: Path
) -> None:
    connections = Connections(workspace)
    assert connections.all() == () and load_key() is None  # nothing made before it is needed
    assert not key_path.exists()
    mastodon = connections.add(_mastodon(), every_hours=6)
    bluesky = connections.add(_bluesky())
    assert _mode(key_path) == 0o600 and _mode(key_path.parent) == 0o700
    path = workspace.root / FILE_NAME
    assert _mode(path) == 0o600
    raw = path.read_bytes()
    assert TOKEN.encode() not in raw and PASSWORD.encode() not in raw
    assert key_path.read_bytes().strip() not in raw
    data = json.loads(raw)
    entries = {e["id"]: e for e in data["connections"]}
    assert entries[mastodon.connection_id]["address"] == "https://mastodon.example"
    assert entries[bluesky.connection_id]["account"] == "shop.bsky.social"
    assert entries[mastodon.connection_id]["every_hours"] == 6
    assert all(e["secret"].startswith("gAAAAA") for e in entries.values())  # Fernet tokens
    opened = Connections(workspace).credentials(mastodon.connection_id)
    assert opened == _mastodon()
    assert Connections(workspace).credentials(bluesky.connection_id) == _bluesky()
    assert connections.all() == (mastodon, bluesky)
    assert mastodon.title == "a Mastodon account on mastodon.example"
    assert bluesky.title == "@shop.bsky.social on Bluesky"
    assert not list(workspace.root.glob(".*.new"))  # no draft left behind


def test_the_key_may_come_from_the_environment(
    workspace: Workspace, key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv(KEY_VAR, key)
    made = Connections(workspace).add(_mastodon())
    assert not key_path.exists() and key_location() == f"${KEY_VAR}"
    assert Connections(workspace).credentials(made.connection_id) == _mastodon()
    monkeypatch.setenv(KEY_VAR, "not-a-key")
    with pytest.raises(CredentialsError, match=r"^\$RAPPORT_SECRET_KEY: is not a key") as bad:
        Connections(workspace).credentials(made.connection_id)
    assert "not-a-key" not in str(bad.value)


def test_the_default_key_file_is_in_the_user_s_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_FILE_VAR)
    monkeypatch.delenv(KEY_VAR, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert key_file() == tmp_path / "xdg" / "rapport" / "secret.key"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert key_file() == tmp_path / "home" / ".config" / "rapport" / "secret.key"
    assert key_location() == str(tmp_path / "home" / ".config" / "rapport" / "secret.key")


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660, 0o644])
def test_a_key_file_others_may_read_is_refused(
    workspace: Workspace, key_path: Path, mode: int
) -> None:
    made = Connections(workspace).add(_mastodon())
    key_path.chmod(mode)
    with pytest.raises(CredentialsError) as caught:
        Connections(workspace).credentials(made.connection_id)
    message = str(caught.value)
    assert message.startswith(f"{key_path}: the key file may be read or changed by others")
    assert f"(mode {mode:03o})" in message and f"chmod 600 {key_path}" in message
    with pytest.raises(CredentialsError):  # nor is a new connection saved with it
        Connections(workspace).add(_bluesky())
    key_path.chmod(0o600)
    assert Connections(workspace).credentials(made.connection_id) == _mastodon()


def test_a_wrong_or_missing_key_is_a_clear_error(
    workspace: Workspace, key_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = Connections(workspace).add(_mastodon())
    path = workspace.root / FILE_NAME
    before = path.read_bytes()
    monkeypatch.setenv(KEY_VAR, Fernet.generate_key().decode())
    with pytest.raises(WrongKey) as wrong:
        Connections(workspace).credentials(made.connection_id)
    assert str(wrong.value).startswith(
        f"the key in $RAPPORT_SECRET_KEY does not open these credentials: {path} "
        f"(connection {made.connection_id}: it was saved with another key); "
    )
    assert "restore the key file from your backup" in str(wrong.value)
    with pytest.raises(WrongKey):  # a file never mixes keys
        Connections(workspace).add(_bluesky())
    assert path.read_bytes() == before
    monkeypatch.delenv(KEY_VAR)
    key_path.unlink()
    with pytest.raises(WrongKey, match=rf"the key in {key_path} does not open these credentials"):
        Connections(workspace).credentials(made.connection_id)
    assert not key_path.exists()  # opening never makes a key
    key_path.write_text("garbage\n")
    key_path.chmod(0o600)
    with pytest.raises(CredentialsError, match="is not a key rapport can use"):
        Connections(workspace).credentials(made.connection_id)
    assert Connections(workspace).all()[0].connection_id == made.connection_id  # no key needed


def test_a_secret_moved_to_another_connection_is_refused(workspace: Workspace) -> None:
    first = Connections(workspace).add(_mastodon())
    second = Connections(workspace).add(_bluesky())
    path = workspace.root / FILE_NAME
    data = json.loads(path.read_text())
    a, b = data["connections"]
    a["secret"], b["secret"] = b["secret"], a["secret"]
    path.write_text(json.dumps(data))
    for connection in (first, second):
        with pytest.raises(CredentialsError, match="belongs to another connection"):
            Connections(workspace).credentials(connection.connection_id)


def test_a_broken_file_says_what_to_do(workspace: Workspace) -> None:
    path = workspace.root / FILE_NAME
    for content, problem in (
        ("{", "not JSON"),
        ('{"format": "other"}', 'no "format": "rapport connections"'),
        ('{"format": "rapport connections", "version": 9, "connections": []}', "version 9"),
    ):
        path.write_text(content)
        with pytest.raises(CredentialsError, match=problem) as caught:
            Connections(workspace).all()
        assert str(caught.value).startswith(f"{path}: is not a connections file rapport wrote")
        assert "delete it and connect the accounts again" in str(caught.value)


# -- keeping connections -----------------------------------------------------------------------
def test_schedules_syncs_and_removal(workspace: Workspace) -> None:
    connections = Connections(workspace)
    made = connections.add(_bluesky(), every_hours=3)
    with pytest.raises(UsageError, match="is connected already"):
        connections.add(_bluesky())
    with pytest.raises(UsageError, match="choose from 1, 3, 6, 12 or 24"):
        connections.schedule(made.connection_id, every_hours=5)
    now = dt.datetime.now(dt.UTC)
    assert made.due(now)  # never synced
    failed = connections.record_sync(made.connection_id, error="login refused", at=now)
    assert failed is not None and failed.failing and failed.last_ok_at is None
    assert not failed.due(now + dt.timedelta(hours=2, minutes=59))
    assert failed.due(now + dt.timedelta(hours=3))
    assert sync_failures(workspace) == (failed,)
    ok = connections.record_sync(made.connection_id, error=None, summary="3 added", at=now)
    assert ok is not None and not ok.failing and ok.last_summary == "3 added"
    assert sync_failures(workspace) == ()
    off = connections.schedule(made.connection_id, every_hours=None)
    assert off.every_hours is None and not off.due(now + dt.timedelta(days=30))
    assert connections.credentials(made.connection_id) == _bluesky()  # the secret is kept
    gone = connections.remove(made.connection_id)
    assert gone.connection_id == made.connection_id
    assert not (workspace.root / FILE_NAME).exists()  # the last one takes the file with it
    assert connections.record_sync(made.connection_id, error=None) is None
    with pytest.raises(UsageError, match="there is no connection"):
        connections.remove(made.connection_id)


def test_connections_saved_at_the_same_time_are_all_kept(workspace: Workspace) -> None:
    def add(index: int) -> None:
        credentials = BlueskyCredentials.of(handle=f"shop{index}.test", app_password=PASSWORD)
        Connections(workspace).add(credentials)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accounts = sorted(c.account for c in Connections(workspace).all())
    assert accounts == sorted(f"shop{i}.test" for i in range(12))


# -- syncing -------------------------------------------------------------------------------------
def test_a_failed_sync_is_noted_and_no_message_holds_the_secret(
    workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = Connections(workspace).add(_mastodon())

    def leaky(**options: object) -> None:
        raise RemoteError("https://mastodon.example", problem=f"refused token {TOKEN}")

    monkeypatch.setattr(sync_module, "pull_mastodon", leaky)
    with pytest.raises(RemoteError) as caught:
        api.sync_connection(made.connection_id, workspace=workspace)
    assert TOKEN not in str(caught.value) and "refused token ***" in str(caught.value)
    (noted,) = sync_failures(workspace)
    assert noted.last_error is not None and TOKEN not in noted.last_error
    assert not workspace.has_store()
    monkeypatch.setenv(KEY_VAR, Fernet.generate_key().decode())
    with pytest.raises(WrongKey):
        api.sync_connection(made.connection_id, workspace=workspace)
    (noted,) = sync_failures(workspace)
    assert noted.last_error is not None and "does not open these credentials" in noted.last_error


# -- what rapport writes never holds the file's content ---------------------------------------
@pytest.fixture
def demo_with_connections(
    demo_workspace: Path, tmp_path: Path, key_path: Path
) -> Iterator[Workspace]:
    copy = Workspace(tmp_path / "demo")
    shutil.copytree(demo_workspace, copy.root)
    Connections(copy).add(_mastodon())
    Connections(copy).add(_bluesky())
    yield copy


def _holding(folder: Path, needles: list[bytes]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path}: {n!r}" for n in needles if n in content]
    return found


def test_export_report_and_forget_never_carry_the_credentials(
    demo_with_connections: Workspace, tmp_path: Path, cli: CliRunner
) -> None:
    runner = cli
    ws = demo_with_connections
    sealed = json.loads((ws.root / FILE_NAME).read_text())
    needles = [TOKEN.encode(), PASSWORD.encode()]
    needles += [e["secret"].encode() for e in sealed["connections"]]
    needles += [FILE_NAME.encode(), b"rapport connections"]
    outputs = tmp_path / "outputs"
    for args in (
        ("export", outputs / "plain", "--format", "jsonl"),
        ("export", outputs / "pseudonymised", "--format", "jsonl", "--pseudonymise"),
        ("export", outputs / "parquet"),
        ("report", "--out", outputs / "report.html"),
    ):
        result = invoke(runner, *args, "--workspace", ws.root)
        assert result.exit_code == 0, result.output
        assert not any(n.decode() in result.output for n in needles[:2])
    assert (outputs / "report.html").stat().st_size > 10_000
    assert _holding(outputs, needles) == []
    with rapport.open(ws.root) as session:
        person = session.frame(session.tables.people.limit(1))["person_id"][0]
    forgot = invoke(runner, "forget", person, "--yes", "--workspace", ws.root, "--json")
    assert forgot.exit_code == 0, forgot.output
    assert FILE_NAME not in forgot.output  # neither removed nor listed as naming them
    assert (ws.root / FILE_NAME).exists()
    reopened = Connections(ws).all()
    assert [c.account for c in reopened] == ["", "shop.bsky.social"]
    assert Connections(ws).credentials(reopened[0].connection_id) == _mastodon()
    others = [p for p in ws.root.rglob("*") if p.is_file() and p.name != FILE_NAME]
    assert not [p for p in others if any(n in p.read_bytes() for n in needles[:2])]
    assert _mode(ws.root / FILE_NAME) == 0o600


def test_a_key_file_that_can_t_be_had_says_where(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(KEY_FILE_VAR, str(blocker / "secret.key"))
    unusable = r"the key file can't be read \(Not a directory\)"
    with pytest.raises(CredentialsError, match=unusable) as caught:
        Connections(workspace).add(_mastodon())
    assert str(caught.value).startswith(f"{blocker / 'secret.key'}: ")
    assert not (workspace.root / FILE_NAME).exists()
