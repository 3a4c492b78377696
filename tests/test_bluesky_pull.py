"""``rapport pull bluesky`` and ``rapport pull competitors`` against a REAL local Bluesky network.

The network (PLC, PDS, AppView from @atproto/dev-env) is started once per test run by
:func:`tests.bluesky_support.bluesky_network` and seeded from Python: a bakery (``biz.test``)
with three posts, a reply and a repost; four people who like, repost, quote, reply, mention
and follow; a competitor (``rival.test``). The pulls below run with two items per page, so
every list is read across several pages with the server's real cursors.
"""

from __future__ import annotations

import collections
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from atproto import models
from typer.testing import CliRunner

from rapport import api
from rapport.canonical.ids import hashed_interaction_id
from rapport.connectors import bluesky as connector
from rapport.store import Store
from rapport.workspace import Workspace
from tests.bluesky_support import (
    EXPECTED,
    BlueskyNetwork,
    bluesky_network,
    new_account,
    visible,
    wait_for,
)
from tests.conftest import invoke, snapshot_file
from tests.importer_support import assert_refused, rows

__all__ = ["bluesky_network"]  # the session fixture, imported so pytest finds it


@dataclass
class Pulled:
    network: BlueskyNetwork
    workspace: Path
    summary: dict[str, Any]

    def id(self, name: str) -> str:
        """The canonical id of a seeded post."""
        return f"bluesky:{self.network.uri(name)}"

    def person(self, name: str) -> str:
        return f"bluesky:{self.network.account(name).did}"

    @property
    def account(self) -> str:
        return self.person("biz")


@pytest.fixture(autouse=True)
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connector, "PAGE_SIZE", 2)


def pull(
    cli: CliRunner, workspace: Path, network: BlueskyNetwork, handle: str, password: str
) -> Any:
    result = invoke(
        cli, "pull", "bluesky", "--handle", handle, "--app-password", password,
        "--service", network.pds, "--workspace", workspace, "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def pulled(
    bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Pulled]:
    workspace = tmp_path_factory.mktemp("bluesky") / "ws"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(connector, "PAGE_SIZE", 2)
        summary = pull(
            CliRunner(), workspace, bluesky_network, "biz.test", bluesky_network.seeded.app_password
        )
    yield Pulled(bluesky_network, workspace, summary)


def by(table: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in table}


# -- the first pull ------------------------------------------------------------------------
def test_posts_with_their_counts(pulled: Pulled) -> None:
    assert pulled.summary["source"] == "bluesky_api" and pulled.summary["rejected"] == 0
    (account,) = rows(pulled.workspace, "accounts")
    assert (account["account_id"], account["handle"], account["role"]) == (
        pulled.account,
        "biz.test",
        "own",
    )
    assert account["display_name"] == "Biz Bakery" and account["followers"] == 4
    posts = by(rows(pulled.workspace, "posts"), "post_id")
    own = {name: pulled.id(name) for name in ("p1", "p2", "p3", "biz_reply")}
    repost = hashed_interaction_id("bluesky", "repost", pulled.account, pulled.id("a1"))
    assert set(posts) == {*own.values(), repost}
    assert posts[repost]["repost_of"] == pulled.id("a1") and posts[repost]["text"] is None
    p1 = posts[own["p1"]]
    assert p1["text"] == "Fresh sourdough today \N{BREAD} order here: example.com/order #Bakery"
    assert p1["links"] == ["https://example.com/order?utm_source=bluesky"]  # the facet's full URI
    assert p1["hashtags"] == ["bakery"] and p1["format"] == "link" and p1["language"] == "en"
    assert posts[own["p3"]]["links"] == ["https://example.com/blog/starter"]
    assert posts[own["biz_reply"]]["in_reply_to_id"] == pulled.id("bob_reply")
    stats = {
        row["post_id"]: (row["likes"], row["reposts"], row["replies"], row["quotes"])
        for row in rows(pulled.workspace, "post_stats")
    }
    assert stats == {own[name]: counts for name, counts in EXPECTED["stats"].items()}
    (followers,) = rows(pulled.workspace, "follower_counts")
    assert followers["followers"] == EXPECTED["followers"]["biz"]


def test_who_liked_and_reposted(pulled: Pulled) -> None:
    interactions = rows(pulled.workspace, "interactions")
    people = by(rows(pulled.workspace, "people"), "person_id")
    likes = [i for i in interactions if i["kind"] == "like" and i["post_id"] == pulled.id("p1")]
    assert sorted(people[i["person_id"]]["handle"] for i in likes) == EXPECTED["likers_p1"]
    for like in likes:
        assert like["interaction_id"] == hashed_interaction_id(
            "bluesky", "like", like["person_id"], pulled.id("p1")
        )
        assert like["occurred_at"] is not None and like["account_id"] == pulled.account
    alice = people[pulled.person("alice")]
    assert alice["bio"] == "Home baker and food blogger." and alice["followers"] == 1
    assert next(i for i in likes if i["person_id"] == alice["person_id"])["actor_followers"] == 1
    reposts = [i for i in interactions if i["kind"] == "repost"]
    assert sorted(people[i["person_id"]]["handle"] for i in reposts) == ["alice.test", "dave.test"]
    # getRepostedBy gives no time; the notification of the same act does, and they merged
    assert all(i["occurred_at"] is not None for i in reposts)


def test_replies_are_linked_to_what_they_answer(pulled: Pulled) -> None:
    replies = by(
        [i for i in rows(pulled.workspace, "interactions") if i["kind"] == "reply"],
        "interaction_id",
    )
    bob, carol, dave = (replies[pulled.id(n)] for n in ("bob_reply", "carol_reply", "dave_reply"))
    assert (bob["post_id"], bob["in_reply_to_id"]) == (pulled.id("p1"), pulled.id("p1"))
    assert bob["text"] == "Will you have baguettes too?" and bob["person_id"] == pulled.person(
        "bob"
    )
    assert (carol["post_id"], carol["in_reply_to_id"]) == (pulled.id("p2"), pulled.id("p2"))
    # dave answered the bakery's own reply: aimed at that post, nested under it
    assert (dave["post_id"], dave["in_reply_to_id"]) == (
        pulled.id("biz_reply"),
        pulled.id("biz_reply"),
    )
    assert len(replies) == 3  # the bakery's own reply is a post, not an interaction


def test_quotes_mentions_followers_and_notifications(pulled: Pulled) -> None:
    interactions = rows(pulled.workspace, "interactions")
    kinds = collections.Counter(i["kind"] for i in interactions)
    assert kinds == {"like": 4, "repost": 2, "follow": 4, "reply": 3, "quote": 1, "mention": 1}
    assert len(interactions) == EXPECTED["notifications"]  # every notification, stored once
    quote = next(i for i in interactions if i["kind"] == "quote")
    assert (quote["interaction_id"], quote["post_id"]) == (pulled.id("dave_quote"), pulled.id("p1"))
    assert quote["text"] == "Best bread in town"
    mention = next(i for i in interactions if i["kind"] == "mention")
    assert mention["post_id"] is None and mention["text"] == "Market day with @biz.test tomorrow"
    follows = [i for i in interactions if i["kind"] == "follow"]
    assert {i["person_id"] for i in follows} == {
        pulled.person(n) for n in ("alice", "bob", "carol", "dave")
    }
    assert all(i["post_id"] is None and i["occurred_at"] is not None for i in follows)
    people = rows(pulled.workspace, "people")
    assert len(people) == 4 and all(p["bio"] and p["first_seen_at"] for p in people)


def test_second_pull_adds_nothing_and_starts_from_the_saved_marks(pulled: Pulled) -> None:
    with Store(pulled.workspace / "rapport.duckdb") as store:
        state = store.sync_state("bluesky:")
    prefix = f"bluesky:{pulled.network.account('biz').did}:"
    assert set(state) == {prefix + k for k in ("feed_seen", "notifications_seen", "followers_top")}
    assert state[prefix + "followers_top"] == pulled.network.account("dave").did  # newest first
    labels: list[str] = []
    summary = api.pull_bluesky(
        workspace=Workspace(pulled.workspace),
        handle="biz.test",
        app_password=pulled.network.seeded.app_password,
        service=pulled.network.pds,
        progress=labels.append,
    )
    assert summary.total("added") == 0 and summary.total("updated") == 0
    # two items a page: the first pull needed 8 pages of notifications, this one needs 1
    assert [label for label in labels if "page" in label] == [
        "@biz.test: posts, page 1", "followers, page 1", "notifications, page 1",
    ]  # fmt: skip
    assert any("0 new feed item(s), 0 new notification(s)" in n for n in summary.notices)


def test_new_activity_shows_up_in_the_next_pull(
    bluesky_network: BlueskyNetwork, tmp_path: Path, cli: CliRunner
) -> None:
    network = bluesky_network
    shop = new_account(network.pds, "claystudio", profile=("Clay Shop", "Ceramics studio"))
    erin = new_account(network.pds, "erin", profile=("Erin", "Potter and teacher"))
    alice, bob, dave = (network.account(n).client for n in ("alice", "bob", "dave"))
    password = shop.client.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name="rapport")
    ).password
    old = shop.client.send_post("Open studio on Saturday")
    visible(shop.client, [old.uri])
    alice.like(old.uri, old.cid)
    wait_for(lambda: shop.client.get_posts([old.uri]).posts[0].like_count == 1, what="a like")
    workspace = tmp_path / "ws"
    first = pull(cli, workspace, network, "claystudio.test", password)
    assert first["tables"]["interactions"]["added"] == 1

    bob.like(old.uri, old.cid)
    erin.client.follow(shop.did)
    new = shop.client.send_post("New mugs are in")
    visible(shop.client, [new.uri])
    erin.client.like(new.uri, new.cid)
    reply = dave.send_post("Want one!", reply_to=models.AppBskyFeedPost.ReplyRef(
        parent=models.create_strong_ref(new), root=models.create_strong_ref(new)
    ))  # fmt: skip

    def indexed() -> bool:
        counts = {
            p.uri: (p.like_count, p.reply_count)
            for p in shop.client.get_posts([old.uri, new.uri]).posts
        }
        unread = shop.client.app.bsky.notification.get_unread_count().count
        return counts == {old.uri: (2, 0), new.uri: (1, 1)} and unread == 5

    wait_for(indexed, what="the AppView indexed the new activity")
    second = pull(cli, workspace, network, "claystudio.test", password)
    added = {name: counts["added"] for name, counts in second["tables"].items()}
    assert added == {
        "accounts": 0, "people": 3, "posts": 1, "interactions": 4, "post_stats": 2,
        "follower_counts": 1,
    }  # fmt: skip
    assert any("1 new feed item(s), 4 new notification(s)" in n for n in second["notices"])
    acts = {(i["kind"], i["person_id"], i["post_id"]) for i in rows(workspace, "interactions")}
    old_id, new_id = f"bluesky:{old.uri}", f"bluesky:{new.uri}"
    assert acts == {
        ("like", f"bluesky:{network.account('alice').did}", old_id),
        ("like", f"bluesky:{network.account('bob').did}", old_id),
        ("follow", f"bluesky:{erin.did}", None),
        ("like", f"bluesky:{erin.did}", new_id),
        ("reply", f"bluesky:{network.account('dave').did}", new_id),
    }
    history = sorted(
        (s["observed_at"], s["likes"])
        for s in rows(workspace, "post_stats")
        if s["post_id"] == old_id
    )
    assert [likes for _, likes in history] == [1, 2]  # counts are history, not overwritten
    assert [
        f["followers"]
        for f in sorted(rows(workspace, "follower_counts"), key=lambda f: f["observed_at"])
    ] == [0, 1]
    assert f"bluesky:{reply.uri}" in {i["interaction_id"] for i in rows(workspace, "interactions")}


# -- competitors ---------------------------------------------------------------------------
def test_competitors_from_the_public_appview(
    bluesky_network: BlueskyNetwork, tmp_path: Path, cli: CliRunner
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "rapport.toml").write_text(
        '[[accounts.competitors]]\nplatform = "bluesky"\nhandle = "rival.test"\n\n'
        '[[accounts.competitors]]\nplatform = "bluesky"\nhandle = "nobody.test"\n'
    )
    command = (
        "pull",
        "competitors",
        "--bluesky-service",
        bluesky_network.appview,
        "--workspace",
        workspace,
    )
    result = invoke(cli, *command, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    summary = json.loads(result.stdout)
    assert summary["source"] == "bluesky_public"
    assert any("nobody.test" in n and "not pulled" in n for n in summary["notices"])
    (account,) = rows(workspace, "accounts")
    rival = bluesky_network.account("rival").did
    assert (account["account_id"], account["role"], account["followers"]) == (
        f"bluesky:{rival}",
        "competitor",
        2,
    )
    posts = by(rows(workspace, "posts"), "post_id")
    assert {p["text"] for p in posts.values()} == {
        "Two for one on cinnamon rolls every Tuesday", "New: cardamom buns",
    }  # fmt: skip
    stats = {
        posts[s["post_id"]]["text"]: (s["likes"], s["reposts"], s["replies"], s["quotes"])
        for s in rows(workspace, "post_stats")
    }
    assert stats == {
        "Two for one on cinnamon rolls every Tuesday": (1, 1, 0, 0),
        "New: cardamom buns": (0, 0, 0, 0),
    }
    assert [f["followers"] for f in rows(workspace, "follower_counts")] == [2]
    assert rows(workspace, "interactions") == [] and rows(workspace, "people") == []
    again = json.loads(invoke(cli, *command, "--json").stdout)
    assert again["added"] == 0


# -- failures ------------------------------------------------------------------------------
def test_wrong_app_password_exits_2_with_one_line(pulled: Pulled, cli: CliRunner) -> None:
    line = assert_refused(
        cli, pulled.workspace, "pull", "bluesky", "--handle", "biz.test",
        "--app-password", "wrong-password", "--service", pulled.network.pds, expect="refused",
    )  # fmt: skip
    assert "login as biz.test" in line and "App passwords" in line


def test_unreachable_network_exits_1_and_stores_nothing(pulled: Pulled, cli: CliRunner) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    before = snapshot_file(pulled.workspace / "rapport.duckdb")
    result = invoke(
        cli, "pull", "bluesky", "--handle", "biz.test", "--app-password", "x",
        "--service", f"http://127.0.0.1:{closed}", "--workspace", pulled.workspace,
    )  # fmt: skip
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert (
        len(lines) == 1
        and "could not get an answer" in lines[0]
        and "Traceback" not in result.output
    )
    assert snapshot_file(pulled.workspace / "rapport.duckdb") == before
