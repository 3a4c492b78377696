"""``rapport care reply``: answer a person from the care list, at most once, against the REAL
local Bluesky network, with a loopback proxy that loses answers or fails requests.

A shop and a customer are made for this module (the shared seed stays as it is): the shop
posts, the customer replies, the shop is connected through the proxy (its first sync pulls
the reply), and the reply's care item is answered from the command line.
"""

from __future__ import annotations

import json
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atproto import models
from atproto_client.client.methods_mixin.session import SessionMethodsMixin
from typer.testing import CliRunner

from rapport.cli import app
from rapport.connectors.replies import graphemes, new_tid
from rapport.platforms.bluesky import post_id
from rapport.store.outbox import outbox_entry
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network, new_account, visible

__all__ = ["bluesky_network"]

pytestmark = pytest.mark.at_most_once


class Proxy:
    """A loopback HTTP proxy in front of the PDS. ``mode`` for createRecord: ``pass``,
    ``drop`` (forward it, then close without answering) or ``fail`` (answer 503 without
    forwarding)."""

    def __init__(self, upstream: str) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.mode = "pass"
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
            creating = b"com.atproto.repo.createRecord" in request.split(b"\r\n", 1)[0]
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
            client.sendall(answer)

    def close(self) -> None:
        self.server.close()


def run(*args: str | Path, input: str | None = None) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)


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
    tag = uuid.uuid4().hex[:6]
    late = new_account(shop.network.pds, f"late{tag}")
    ref = models.create_strong_ref(shop.post)
    reply = late.client.send_post(
        "And gluten?", reply_to=models.AppBskyFeedPost.ReplyRef(parent=ref, root=ref)
    )
    shop.replies.append(reply)
    visible(shop.shop.client, [reply.uri])
    assert run("pull", "bluesky", "--workspace", shop.ws).exit_code == 0
    item = shop.item(3)
    empty = run("care", "reply", item, "--text", "   ", "--yes", "--workspace", shop.ws)
    assert empty.exit_code == 2 and "empty" in empty.stderr
    long = run("care", "reply", item, "--text", "é" * 301, "--yes", "--workspace", shop.ws)
    assert long.exit_code == 2 and "at most 300" in long.stderr
    with Workspace(shop.ws).session() as session:
        assert outbox_entry(session.store, item) is None
    assert shop.answers_to(3) == []


def test_no_connection_for_the_platform_says_how_to_connect(
    shop: Shop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rapport.credentials import Connections

    item = shop.item(3)
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
