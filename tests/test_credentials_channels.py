"""Credentials of Instagram, Facebook (Graph API) and YouTube connections, on real files and
keys: what a person types is checked, the secret is encrypted with the settings that go
with it, nothing of the secret is in clear anywhere, and a new secret keeps the settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.credentials import (
    FILE_NAME,
    KEY_FILE_VAR,
    KEY_VAR,
    Connections,
    GraphCredentials,
    YouTubeCredentials,
    renewed,
)
from rapport.errors import UsageError
from rapport.workspace import Workspace

pytestmark = pytest.mark.credential_leak

META_TOKEN = "EAAplantedGraphToken9x8Q"
YT_KEY = "AIzaPlantedYouTubeKey77Q"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv(KEY_FILE_VAR, str(tmp_path / "key" / "secret.key"))
    monkeypatch.delenv(KEY_VAR, raising=False)
    ws = Workspace(tmp_path / "shop")
    ws.create()
    return ws


def test_graph_credentials_are_checked() -> None:
    made = GraphCredentials.of(
        platform="instagram", token=f"  {META_TOKEN} ", account_id=" 17841400000000001 ",
        api_version="21",
    )  # fmt: skip
    assert (made.account_id, made.api_version, made.address) == (
        "17841400000000001", "v21.0", "https://graph.facebook.com",
    )  # fmt: skip
    assert META_TOKEN not in repr(made) and made.account == ""
    with pytest.raises(UsageError) as empty:
        GraphCredentials.of(platform="facebook", token=" ")
    assert empty.value.option == "token"
    with pytest.raises(UsageError) as bad_id:
        GraphCredentials.of(platform="facebook", token=META_TOKEN, account_id="1/../me")
    assert bad_id.value.option == "page"
    with pytest.raises(UsageError) as version:
        GraphCredentials.of(platform="facebook", token=META_TOKEN, api_version="latest")
    assert version.value.option == "api_version"


def test_youtube_credentials_need_one_secret_and_a_channel() -> None:
    made = YouTubeCredentials.of(channel="UCabc", api_key=YT_KEY)
    assert made.secrets() == {"api_key": YT_KEY} and made.settings() == {"channel": "UCabc"}
    with pytest.raises(UsageError):
        YouTubeCredentials.of(channel="UCabc", api_key=YT_KEY, oauth_token="ya29.x")
    with pytest.raises(UsageError):
        YouTubeCredentials.of(channel="UCabc")
    with pytest.raises(UsageError) as channel:
        YouTubeCredentials.of(channel="", api_key=YT_KEY)
    assert channel.value.option == "channel"


def test_saved_encrypted_with_their_settings_and_renewed(workspace: Workspace) -> None:
    connections = Connections(workspace)
    graph = GraphCredentials.of(platform="facebook", token=META_TOKEN, account_id="1234",
                                api_version="v22.0")  # fmt: skip
    youtube = YouTubeCredentials.of(channel="UCchannel", api_key=YT_KEY)
    fb = connections.add(graph, every_hours=6)
    yt = connections.add(youtube)
    text = (workspace.root / FILE_NAME).read_text()
    assert META_TOKEN not in text and YT_KEY not in text
    assert "1234" not in text.replace(fb.connection_id, "")  # the Page id is sealed too
    assert fb.title == "a Facebook Page on graph.facebook.com"
    assert yt.title == "a YouTube channel on www.googleapis.com"
    opened = connections.credentials(fb.connection_id)
    assert isinstance(opened, GraphCredentials)
    assert (opened.platform, opened.account_id, opened.api_version) == ("facebook", "1234", "v22.0")
    assert opened.token.reveal() == META_TOKEN
    again = connections.credentials(yt.connection_id)
    assert isinstance(again, YouTubeCredentials) and again.api_key is not None
    assert (again.channel, again.api_key.reveal()) == ("UCchannel", YT_KEY)
    fresh = renewed(opened, token="EAAnewToken")
    assert isinstance(fresh, GraphCredentials)
    assert (fresh.account_id, fresh.api_version, fresh.token.reveal()) == (
        "1234", "v22.0", "EAAnewToken",
    )  # fmt: skip
    connections.replace(fb.connection_id, fresh)
    kept = connections.get(fb.connection_id)
    assert (kept.every_hours, kept.connection_id) == (6, fb.connection_id)
    new_key = renewed(again, api_key="AIzaNewKey")
    assert isinstance(new_key, YouTubeCredentials) and new_key.channel == "UCchannel"
