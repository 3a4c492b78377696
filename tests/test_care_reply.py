"""``rapport care reply``: answer a person from the care list, at most once, against the REAL
local Bluesky network, with a loopback proxy that loses answers or fails requests.

A shop and a customer are made for this module (the shared seed stays as it is): the shop
posts, the customer replies, the shop is connected through the proxy (its first sync pulls
the reply), and the reply's care item is answered from the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import parse_qsl, urlencode

import pytest
import requests
import vcr
import yaml
from atproto import models
from atproto_client.client.methods_mixin.session import SessionMethodsMixin
from typer.testing import CliRunner

from rapport.api import reply_to_care_item
from rapport.cli import app
from rapport.connectors import _mastodon_client
from rapport.connectors.replies import graphemes, new_tid
from rapport.credentials import Connections, MastodonCredentials
from rapport.errors import UsageError
from rapport.platforms.bluesky import post_id
from rapport.store.outbox import outbox_entry, queue_reply
from rapport.store.plans import care_done_ids
from rapport.strategy.care_list.items import item_id
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network, new_account, visible
from tests.conftest import batch_of
from tests.test_mastodon_api import INSTANCE, MATCH_ON, body, constructed, recorded

__all__ = ["bluesky_network"]

pytestmark = pytest.mark.at_most_once


class Proxy:
    """A loopback HTTP proxy in front of the PDS. ``mode`` for createRecord: ``pass``,
    ``drop`` (forward it, then close without answering), ``fail`` (answer 503 without
    forwarding), ``limit`` (answer 429 with ``Retry-After: 1`` without forwarding, ``limits``
    times, then pass) or ``hang`` (forward it, then hold the answer for ``hang_s`` seconds and
    close: the client times out). ``seen`` keeps every request line."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.mode = "pass"
        self.limits = 1
        self.hang_s = 4.0
        self.seen: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    @staticmethod
    def _request(client: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            body += client.recv(65536)
        lines = [
            line
            for line in head.split(b"\r\n")
            if line.partition(b":")[0].strip().lower() != b"connection"
        ]
        return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n" + body

    def _handle(self, client: socket.socket) -> None:
        with client:
            request = self._request(client)
            if not request:
                return
            line = request.split(b"\r\n", 1)[0]
            self.seen.append(line.decode("latin-1"))
            creating = b"com.atproto.repo.createRecord" in line
            if creating and self.mode == "limit" and self.limits > 0:
                self.limits -= 1
                client.sendall(
                    b"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
                    b"Retry-After: 1\r\nContent-Length: 61\r\nConnection: close\r\n\r\n"
                    b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}'
                )
                return
            if creating and self.mode == "fail":
                client.sendall(
                    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\nConnection: close\r\n\r\n{}"
                )
                return
            with socket.create_connection(self.upstream) as upstream:
                upstream.sendall(request)
                answer = b""
                while chunk := upstream.recv(65536):
                    answer += chunk
            if creating and self.mode == "drop":
                return  # the PDS made the record; its answer is lost
            if creating and self.mode == "hang":
                threading.Event().wait(self.hang_s)
                return  # the PDS made the record; the client gave up waiting
            client.sendall(answer)

    def close(self) -> None:
        self.server.close()


OUTPUTS: list[str] = []
"""Everything the commands of this module printed, searched for credentials at the end."""


def run(*args: str | Path, input: str | None = None) -> Any:
    result = CliRunner().invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)
    OUTPUTS.extend([result.stdout, result.stderr])
    return result


class Shop:
    def __init__(self, network: BlueskyNetwork, tmp: Path) -> None:
        tag = uuid.uuid4().hex[:6]
        self.network = network
        self.shop = new_account(network.pds, f"shop{tag}")
        self.customers = [new_account(network.pds, f"cu{i}{tag}") for i in range(3)]
        self.proxy = Proxy(network.pds)
        self.ws = tmp / "ws"
        shop = self.shop.client
        self.post = shop.send_post("Our new loaf is out. Questions welcome!")
        visible(shop, [self.post.uri])
        ref = models.create_strong_ref(self.post)
        self.replies = [
            c.client.send_post(
                f"Is it vegan? ({i})",
                reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref),
            )
            for i, c in enumerate(self.customers)
        ]
        visible(shop, [r.uri for r in self.replies])
        password = shop.com.atproto.server.create_app_password(
            models.ComAtprotoServerCreateAppPassword.Data(name="rapport reply tests")
        ).password
        connected = run("connect", "bluesky", "--handle", self.shop.handle, "--service",
                        self.proxy.url, "--app-password-stdin", "--workspace", self.ws,
                        input=password + "\n")  # fmt: skip
        assert connected.exit_code == 0, connected.stdout + connected.stderr
        self.password = password

    def ask(self, text: str) -> int:
        """A new customer replies to the shop's post and the shop pulls it: its index."""
        tag = uuid.uuid4().hex[:6]
        asker = new_account(self.network.pds, f"ask{tag}")
        ref = models.create_strong_ref(self.post)
        reply = asker.client.send_post(
            text, reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
        )
        self.replies.append(reply)
        visible(self.shop.client, [reply.uri])
        pulled = run("pull", "bluesky", "--workspace", self.ws)
        assert pulled.exit_code == 0, pulled.stdout + pulled.stderr
        return len(self.replies) - 1

    def item(self, n: int) -> str:
        listed = run("care", "--workspace", self.ws, "--json")
        assert listed.exit_code == 0, listed.stderr
        target = post_id(self.replies[n].uri)
        found = [i for i in json.loads(listed.stdout)["items"] if i["target"] == target]
        assert found and found[0]["action"] == "answer", listed.stdout
        return str(found[0]["id"])

    def answers_to(self, n: int) -> list[dict[str, Any]]:
        records = self.shop.client.com.atproto.repo.list_records(
            params={"repo": self.shop.did, "collection": "app.bsky.feed.post", "limit": 100}
        ).records
        parent = self.replies[n].uri
        return [
            {"uri": r.uri, "reply": r.value.reply}
            for r in records
            if r.value.reply is not None and r.value.reply.parent.uri == parent
        ]


@pytest.fixture(scope="module")
def shop(
    bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    made = Shop(bluesky_network, tmp_path_factory.mktemp("reply"))
    yield made
    made.proxy.close()


def test_a_reply_is_posted_once_with_its_refs_and_the_item_is_done(shop: Shop) -> None:
    item = shop.item(0)
    sent = run("care", "reply", item, "--text", "Yes, fully vegan!", "--yes",
               "--workspace", shop.ws, "--json")  # fmt: skip
    assert sent.exit_code == 0, sent.stdout + sent.stderr
    result = json.loads(sent.stdout)
    answers = shop.answers_to(0)
    assert len(answers) == 1
    assert answers[0]["uri"] == result["remote_id"]
    assert answers[0]["uri"].endswith(f"/{result['key']}")  # the record key chosen first
    assert answers[0]["reply"].root.uri == shop.post.uri
    assert answers[0]["reply"].root.cid == shop.post.cid
    assert answers[0]["reply"].parent.cid == shop.replies[0].cid
    assert result["url"].startswith(f"https://bsky.app/profile/{shop.shop.handle}/post/")
    again = run("care", "reply", item, "--text", "Yes!", "--yes", "--workspace", shop.ws)
    assert again.exit_code == 2
    assert "already answered on bluesky" in again.stderr and result["url"] in again.stderr
    listed = json.loads(run("care", "--workspace", shop.ws, "--json").stdout)
    assert item not in {i["id"] for i in listed["items"]}
    assert len(shop.answers_to(0)) == 1


@pytest.mark.parametrize(("n", "fault"), [(1, "drop"), (2, "fail")])
def test_a_failed_send_resumes_with_the_same_key_and_posts_once(
    shop: Shop, n: int, fault: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK moves to the PDS its session names after login; keep it on the proxy.
    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)
    item = shop.item(n)
    shop.proxy.mode = fault
    try:
        failed = run("care", "reply", item, "--text", "Yes, it is.", "--yes",
                     "--workspace", shop.ws)  # fmt: skip
    finally:
        shop.proxy.mode = "pass"
    assert failed.exit_code == 1, failed.stdout + failed.stderr
    assert "run the same command again" in failed.stderr
    with Workspace(shop.ws).session() as session:
        pending = outbox_entry(session.store, item)
    assert pending is not None and pending.state == "failed"
    assert len(shop.answers_to(n)) == (1 if fault == "drop" else 0)
    resumed = run("care", "reply", item, "--text", "Yes, it is.", "--yes",
                  "--workspace", shop.ws, "--json")  # fmt: skip
    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["key"] == pending.key
    assert result["resumed"] is (fault == "drop")
    answers = shop.answers_to(n)
    assert len(answers) == 1 and answers[0]["uri"].endswith(f"/{pending.key}")


def _rate(workspace: Path) -> tuple[float, int]:
    rows = {
        m["id"]: m for m in json.loads(run("metrics", "--workspace", workspace, "--json").stdout)
    }
    return float(rows["reply_rate"]["value"]), int(rows["reply_rate"]["n"])


def test_the_next_pull_sees_the_reply_and_reply_metrics_count_it(shop: Shop) -> None:
    n = shop.ask("Do you deliver on Sundays?")
    item = shop.item(n)
    rate, asked = _rate(shop.ws)
    sent = run("care", "reply", item, "--text", "We do, until noon.", "--yes",
               "--workspace", shop.ws, "--json")  # fmt: skip
    assert sent.exit_code == 0, sent.stdout + sent.stderr
    uri = json.loads(sent.stdout)["remote_id"]
    visible(shop.shop.client, [uri])  # the pull reads the AppView, which indexes it a moment later
    assert run("pull", "bluesky", "--workspace", shop.ws).exit_code == 0
    with Workspace(shop.ws).session() as session:
        rows = session.store.connection.execute(
            "SELECT in_reply_to_id FROM posts WHERE post_id = ?", [post_id(uri)]
        ).fetchall()
    assert rows == [(post_id(shop.replies[n].uri),)]  # pulled like any other own post
    after, asked_after = _rate(shop.ws)
    assert asked_after == asked  # the same people asked …
    assert after == pytest.approx(rate + 1 / asked)  # … and one more of them was answered


def test_a_429_is_waited_out_and_the_reply_posted_once_reusing_the_session(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)
    n = shop.ask("Can I order for Friday?")
    item = shop.item(n)
    shop.proxy.seen.clear()
    shop.proxy.mode, shop.proxy.limits = "limit", 2
    try:
        sent = run("care", "reply", item, "--text", "Yes, order by Thursday.", "--yes",
                   "--workspace", shop.ws, "--json")  # fmt: skip
    finally:
        shop.proxy.mode = "pass"
    assert sent.exit_code == 0, sent.stdout + sent.stderr
    assert shop.proxy.limits == 0  # both 429s were met, and waited out
    creates = [line for line in shop.proxy.seen if "createRecord" in line]
    assert len(creates) == 3
    answers = shop.answers_to(n)
    assert len(answers) == 1 and answers[0]["uri"] == json.loads(sent.stdout)["remote_id"]
    # The session kept by the connection's first sync was reused: no login.
    assert not [line for line in shop.proxy.seen if "createSession" in line], shop.proxy.seen
    assert [line for line in shop.proxy.seen if "getSession" in line]


@pytest.mark.parametrize("saved", ["not a session", "h:::did:plc:x:::e30.e30.x:::e30.e30.x:::"])
def test_a_session_the_server_no_longer_takes_means_one_new_login(
    shop: Shop, saved: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)
    connections = Connections(Workspace(shop.ws))
    (connection,) = connections.all()
    connections.keep_session(connection.connection_id, saved)
    n = shop.ask("Do you have rye bread?")
    item = shop.item(n)  # the pull above logged in once and kept a good session again
    kept = connections.credentials(connection.connection_id)
    assert kept.session is not None and kept.session.reveal() != saved  # type: ignore[union-attr]
    connections.keep_session(connection.connection_id, saved)
    shop.proxy.seen.clear()
    sent = run("care", "reply", item, "--text", "On Saturdays.", "--yes", "--workspace", shop.ws)
    assert sent.exit_code == 0, sent.stdout + sent.stderr
    assert len([line for line in shop.proxy.seen if "createSession" in line]) == 1
    assert len(shop.answers_to(n)) == 1


def test_a_timeout_after_the_server_accepted_resumes_without_posting_twice(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.connectors import _bluesky_client

    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)
    monkeypatch.setattr(_bluesky_client, "TIMEOUT_S", 1.5)
    n = shop.ask("Is the shop open on holidays?")
    item = shop.item(n)
    shop.proxy.mode, shop.proxy.hang_s = "hang", 4.0
    try:
        failed = run("care", "reply", item, "--text", "Closed on the 25th only.", "--yes",
                     "--workspace", shop.ws)  # fmt: skip
    finally:
        shop.proxy.mode = "pass"
    assert failed.exit_code == 1, failed.stdout + failed.stderr
    assert "run the same command again" in failed.stderr
    assert "Traceback" not in failed.stderr
    resumed = run("care", "reply", item, "--text", "Closed on the 25th only.", "--yes",
                  "--workspace", shop.ws, "--json")  # fmt: skip
    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    assert json.loads(resumed.stdout)["resumed"] is True
    assert len(shop.answers_to(n)) == 1


def test_bad_input_is_refused_before_anything_is_sent(shop: Shop, tmp_path: Path) -> None:
    before = len(shop.answers_to(1)) + len(shop.answers_to(2))
    unknown = run("care", "reply", "0000000000", "--text", "Hi", "--yes", "--workspace", shop.ws)
    assert unknown.exit_code == 2 and "not on today's care list" in unknown.stderr
    listed = json.loads(run("care", "--workspace", shop.ws, "--json").stdout)
    others = [i for i in listed["items"] if i["action"] != "answer"]
    if others:
        other = run("care", "reply", others[0]["id"], "--text", "Hi", "--yes",
                    "--workspace", shop.ws)  # fmt: skip
        assert other.exit_code == 2 and "replies are for answers" in other.stderr
    assert len(shop.answers_to(1)) + len(shop.answers_to(2)) == before


def test_text_is_checked_before_sending(shop: Shop) -> None:
    n = shop.ask("And gluten?")
    item = shop.item(n)
    empty = run("care", "reply", item, "--text", "   ", "--yes", "--workspace", shop.ws)
    assert empty.exit_code == 2 and "empty" in empty.stderr
    long = run("care", "reply", item, "--text", "é" * 301, "--yes", "--workspace", shop.ws)
    assert long.exit_code == 2 and "at most 300" in long.stderr
    with Workspace(shop.ws).session() as session:
        assert outbox_entry(session.store, item) is None
    assert shop.answers_to(n) == []


def test_no_connection_for_the_platform_says_how_to_connect(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.credentials import Connections

    item = shop.item(len(shop.replies) - 1)  # the question of the test above, unanswered
    assert Connections(Workspace(shop.ws)).all()
    monkeypatch.setattr(Connections, "all", lambda self: ())
    refused = run("care", "reply", item, "--text", "No gluten-free yet.", "--yes",
                  "--workspace", shop.ws)  # fmt: skip
    assert refused.exit_code == 2
    assert "rapport connect bluesky" in refused.stderr


def test_record_keys_are_tids_and_graphemes_count_what_people_see() -> None:
    key = new_tid(now_us=1_700_000_000_000_000, clock_id=7)
    assert len(key) == 13 and key < new_tid()
    assert graphemes("e\u0301") == 1
    assert graphemes("\N{WOMAN}\u200d\N{PERSONAL COMPUTER}") == 1
    assert graphemes("hi \N{BREAD}") == 4


@pytest.mark.credential_leak
def test_no_credential_in_any_output_or_file(shop: Shop) -> None:
    """The app password and the kept session's tokens: in no output of this module's commands
    and in no file of the workspace (the connections file holds them encrypted)."""
    connections = Connections(Workspace(shop.ws))
    (connection,) = connections.all()
    kept = connections.credentials(connection.connection_id)
    session = getattr(kept, "session", None)
    assert session is not None  # the session is kept …
    tokens = [t for t in session.reveal().split(":::") if t.count(".") == 2]
    assert len(tokens) == 2  # … with its access and refresh tokens
    secrets = [shop.password, *tokens]
    assert len(OUTPUTS) > 20
    for text in OUTPUTS:
        for secret in secrets:
            assert secret not in text
    for path in shop.ws.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path


# -- Mastodon, replayed from recorded responses ---------------------------------------------------
# test_status_reply.yaml (Mastodon.py's suite, recorded on a real Mastodon 4.6.4 at
# localhost:3000): #0 mastodonpy_test_2 posts 117020583245459824 "Toot, finally!"; #1 admin's
# verify_credentials (token _2); #2 admin answers it, POST /api/v1/statuses with
# in_reply_to_id=117020583245459824, "@mastodonpy_test_2 same!" → 117020583258292382.
# Here the workspace is connected as admin and that toot is an `answer` item of its care list.
REPLY_CASSETTE = "test_status_reply.yaml"
ADMIN_TOKEN = "__MASTODON_PY_TEST_ACCESS_TOKEN_2"
TOOT_ID = "117020583245459824"
TOOT_URI = f"http://localhost:3000/ap/users/117020566092212359/statuses/{TOOT_ID}"
ANSWER_URL = "http://localhost:3000/@admin/117020583258292382"


def _mastodon_workspace(shared: Path, tmp_path: Path) -> tuple[Workspace, str]:
    """A workspace connected to admin on localhost:3000 (the token is the recording's
    placeholder) whose store holds the recorded toot as a reply to admin awaiting an answer;
    returns it and the care item's id."""
    ws = Workspace(tmp_path / "ws")
    ws.create()
    Connections(ws).add(MastodonCredentials.of(instance=INSTANCE, token=ADMIN_TOKEN))
    toot = body(shared, REPLY_CASSETTE, 0)
    admin = f"mastodon:{toot_account(body(shared, REPLY_CASSETTE, 1))}"
    person = f"mastodon:{toot['account']['uri']}"
    target = f"mastodon:{toot['uri']}"
    assert target == f"mastodon:{TOOT_URI}"
    rows = {
        "accounts": [
            {
                "account_id": admin,
                "platform": "mastodon",
                "handle": "admin@localhost:3000",
                "role": "own",
            },
        ],
        "people": [
            {
                "person_id": person,
                "platform": "mastodon",
                "handle": f"{toot['account']['acct']}@localhost:3000",
            },
        ],
        "interactions": [
            {
                "interaction_id": target,
                "platform": "mastodon",
                "kind": "reply",
                "person_id": person,
                "account_id": admin,
                "occurred_at": toot["created_at"],
                "text": "Toot, finally?",
                "url": toot["url"],
            },
        ],
    }
    with ws.session(read_only=False, create=True) as session:
        session.store.apply(batch_of(rows))
    return ws, item_id("answer", target)


def toot_account(account: dict[str, Any]) -> str:
    return str(account["uri"])


def _search(shared: Path) -> dict[str, Any]:
    """GET /api/v2/search resolving the toot's URI: NOT recorded (no cassette holds a search);
    its answer is built from the recorded Status entity of that toot (#0's response)."""
    query = urlencode({"q": TOOT_URI, "resolve": "1", "type": "statuses"})
    found = {"accounts": [], "statuses": [body(shared, REPLY_CASSETTE, 0)], "hashtags": []}
    return constructed("GET", f"{INSTANCE}/api/v2/search?{query}", 200, found)


def _unavailable() -> dict[str, Any]:
    """A 503 for POST /api/v1/statuses: NOT recorded (no cassette holds one), built here."""
    return constructed("POST", f"{INSTANCE}/api/v1/statuses", 503, {"error": "unavailable"})


@contextmanager
def _replay(tmp_path: Path, *interactions: dict[str, Any]) -> Iterator[list[Any]]:
    """Serve ``interactions`` (record_mode none) and fail if one was not requested; the
    yielded list holds the requests as rapport sent them (requests' PreparedRequest: headers
    and body on the wire; vcr's played list holds the *recorded* requests instead)."""
    path = tmp_path / f"reply-{len(list(tmp_path.glob('reply-*')))}.yaml"
    path.write_text(yaml.safe_dump({"interactions": list(interactions), "version": 1}), "utf-8")
    made: list[Any] = []
    send = requests.Session.send

    def spy(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        made.append(request)
        return send(self, request, **kwargs)

    with (
        mock.patch.object(requests.Session, "send", spy),
        vcr.use_cassette(str(path), record_mode="none", match_on=MATCH_ON) as cassette,
    ):
        yield made
    assert cassette.all_played, [r.url for r in made]


def _posts(made: list[Any]) -> list[Any]:
    return [r for r in made if r.method == "POST" and r.path_url == "/api/v1/statuses"]


def _form(request: Any) -> dict[str, str]:
    raw = request.body.decode() if isinstance(request.body, bytes) else request.body
    return dict(parse_qsl(raw))


def _key(request: Any) -> str | None:
    value = request.headers.get("Idempotency-Key")  # a case-insensitive dict
    return None if value is None else str(value)


def test_a_mastodon_reply_is_posted_with_an_idempotency_key(shared: Path, tmp_path: Path) -> None:
    ws, item = _mastodon_workspace(shared, tmp_path)
    with _replay(
        tmp_path, _search(shared), recorded(shared, REPLY_CASSETTE, 1),
        recorded(shared, REPLY_CASSETTE, 2),
    ) as made:  # fmt: skip
        replied = reply_to_care_item(workspace=ws, item_id=item, text="same!")
    (post,) = _posts(made)
    sent = _form(post)
    assert sent["in_reply_to_id"] == TOOT_ID
    assert sent["status"] == "@mastodonpy_test_2 same!"  # the body the recording was made with
    assert _key(post) == replied.key and replied.key
    assert replied.url == ANSWER_URL and replied.remote_id == "117020583258292382"
    with ws.session() as session:
        entry = outbox_entry(session.store, item)
        done = care_done_ids(session.store)
    assert entry is not None and entry.state == "sent" and entry.url == ANSWER_URL
    assert entry.key == replied.key
    assert item in done
    again = run("care", "reply", item, "--text", "same!", "--yes", "--workspace", ws.root)
    assert again.exit_code == 2 and "already answered on mastodon" in again.stderr


def test_a_mastodon_reply_after_a_503_resumes_with_the_same_key(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_mastodon_client, "sleep", lambda seconds: None)
    ws, item = _mastodon_workspace(shared, tmp_path)
    retries = _mastodon_client.RETRIES
    with _replay(
        tmp_path, _search(shared), recorded(shared, REPLY_CASSETTE, 1),
        *[_unavailable() for _ in range(retries)],
    ) as first:  # fmt: skip
        failed = run("care", "reply", item, "--text", "same!", "--yes", "--workspace", ws.root)
    assert failed.exit_code == 1, failed.stdout + failed.stderr
    assert "run the same command again" in failed.stderr
    with ws.session() as session:
        pending = outbox_entry(session.store, item)
        assert item not in care_done_ids(session.store)
    assert pending is not None and pending.state == "failed"
    with _replay(tmp_path) as none:  # other text is refused before anything is sent
        other = run("care", "reply", item, "--text", "Same here!", "--yes", "--workspace", ws.root)
    assert other.exit_code == 2 and none == []
    said = " ".join(other.stderr.split())
    assert "another reply is already queued" in said and "same!" in said
    assert "may or may not have reached Mastodon" in said
    assert "cancel the queued reply first (--cancel)" in said
    with _replay(
        tmp_path, _search(shared), recorded(shared, REPLY_CASSETTE, 1),
        recorded(shared, REPLY_CASSETTE, 2),
    ) as second:  # fmt: skip
        resumed = run("care", "reply", item, "--text", "same!", "--yes", "--workspace",
                      ws.root, "--json")  # fmt: skip
    assert resumed.exit_code == 0, resumed.stdout + resumed.stderr
    keys = {_key(r) for r in _posts(first) + _posts(second)}
    assert len(_posts(first)) == retries and len(_posts(second)) == 1
    assert keys == {pending.key}
    assert all(_form(r)["in_reply_to_id"] == TOOT_ID for r in _posts(first) + _posts(second))
    result = json.loads(resumed.stdout)
    assert result["key"] == pending.key and result["url"] == ANSWER_URL
    with ws.session() as session:
        entry = outbox_entry(session.store, item)
        assert item in care_done_ids(session.store)
    assert entry is not None and entry.state == "sent" and entry.url == ANSWER_URL


def test_a_queued_reply_is_sent_as_queued_or_cancelled(shared: Path, tmp_path: Path) -> None:
    ws, item = _mastodon_workspace(shared, tmp_path)
    with ws.session(read_only=False) as session:  # as a crash after queueing leaves it
        queue_reply(
            session.store, item_id=item, platform="mastodon", connection_id=None, key="k1",
            text="same!", in_reply_to=f"mastodon:{TOOT_URI}", now=dt.datetime.now(dt.UTC),
        )  # fmt: skip
    with _replay(tmp_path) as none, pytest.raises(UsageError) as refused:
        reply_to_care_item(workspace=ws, item_id=item, text="Something else")
    assert none == []
    message = str(refused.value)
    assert "same!" in message and "not known to be sent" in message and "cancel" in message
    nothing = run("care", "reply", "0000000000", "--cancel", "--workspace", ws.root)
    assert nothing.exit_code == 2
    both = run("care", "reply", item, "--cancel", "--text", "x", "--workspace", ws.root)
    assert both.exit_code == 2 and "without --text" in both.stderr
    dropped = run("care", "reply", item, "--cancel", "--workspace", ws.root)
    assert dropped.exit_code == 0, dropped.stdout + dropped.stderr
    assert "Dropped the reply" in dropped.stderr and "same!" in dropped.stderr
    with ws.session() as session:
        assert outbox_entry(session.store, item) is None
    again = run("care", "reply", item, "--cancel", "--workspace", ws.root)
    assert again.exit_code == 2 and "nothing to cancel" in again.stderr


def test_a_mastodon_reply_after_a_429_is_sent_again_with_the_same_key(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mastodon.internals

    waits: list[float] = []
    monkeypatch.setattr(mastodon.internals.time, "sleep", waits.append)
    ws, item = _mastodon_workspace(shared, tmp_path)
    limited = constructed(  # NOT recorded (no cassette holds a 429 for a post), built here
        "POST", f"{INSTANCE}/api/v1/statuses", 429, {"error": "Too many requests"},
        headers={"retry-after": ["2"], "x-ratelimit-limit": ["300"],
                 "x-ratelimit-remaining": ["0"]},
    )  # fmt: skip
    with _replay(
        tmp_path, _search(shared), recorded(shared, REPLY_CASSETTE, 1), limited,
        recorded(shared, REPLY_CASSETTE, 2),
    ) as made:  # fmt: skip
        replied = reply_to_care_item(workspace=ws, item_id=item, text="same!")
    posts = _posts(made)
    assert len(posts) == 2 and {_key(p) for p in posts} == {replied.key}
    assert waits and all(0 < w <= 300 for w in waits)  # waited before sending it again
    assert replied.remote_id == "117020583258292382"


def test_a_mastodon_reply_whose_answer_timed_out_is_sent_again_with_the_same_key(
    shared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_mastodon_client, "sleep", lambda seconds: None)
    ws, item = _mastodon_workspace(shared, tmp_path)
    timed_out: list[Any] = []
    send = requests.Session.send

    def lose_first_answer(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        if request.method == "POST" and not timed_out:
            timed_out.append(request)  # as if the server took it and the answer never came
            raise requests.exceptions.ReadTimeout("read timed out (injected)")
        return send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", lose_first_answer)
    with _replay(
        tmp_path, _search(shared), recorded(shared, REPLY_CASSETTE, 1),
        recorded(shared, REPLY_CASSETTE, 2),
    ) as made:  # fmt: skip
        replied = reply_to_care_item(workspace=ws, item_id=item, text="same!")
    posts = _posts(made)  # the one whose answer was lost, then the one answered
    assert len(timed_out) == 1 and len(posts) == 2 and posts[0] is timed_out[0]
    assert {_key(p) for p in posts} == {replied.key}  # the server makes one status of them
    assert replied.url == ANSWER_URL
