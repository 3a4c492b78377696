"""``rapport publish``: planned posts published at most once, against the REAL local Bluesky
network, through a loopback proxy that loses answers, fails, rate-limits or hangs.

A shop account is made for this module and connected through the proxy (its first sync
pulls its one post). Each test drafts and schedules posts at times a day or more ahead and
runs ``rapport publish --due --now <that time>``: the scheduler acts as it would then, the
record is created now. Records are read back with ``com.atproto.repo.listRecords``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from atproto import models
from atproto_client.client.methods_mixin.session import SessionMethodsMixin
from typer.testing import CliRunner

from rapport.api.publishing import draft_post, schedule_post
from rapport.cli import app
from rapport.platforms.bluesky import post_id
from rapport.store.scheduled import audit_log, scheduled_post
from rapport.strategy.publishing import content_tag, tag_links, tagged_text
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network, new_account, visible
from tests.fault_proxy import FaultProxy

__all__ = ["bluesky_network"]

RULES_OFF = "[targets]\nposts_per_week = 100\nmin_gap_hours = 0\nmax_promotional_share = 1\n"
START = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)


def run(*args: str | Path, input: str | None = None) -> Any:
    return CliRunner().invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class Shop:
    def __init__(self, network: BlueskyNetwork, tmp: Path) -> None:
        tag = uuid.uuid4().hex[:6]
        self.account = new_account(network.pds, f"pub{tag}")
        self.proxy = FaultProxy(network.pds)
        self.ws = tmp / "ws"
        self.ws.mkdir()
        (self.ws / "rapport.toml").write_text(RULES_OFF, "utf-8")
        client = self.account.client
        first = client.send_post("We bake every morning.")
        visible(client, [first.uri])
        password = client.com.atproto.server.create_app_password(
            models.ComAtprotoServerCreateAppPassword.Data(name="rapport publish tests")
        ).password
        connected = run("connect", "bluesky", "--handle", self.account.handle, "--service",
                        self.proxy.url, "--app-password-stdin", "--workspace", self.ws,
                        input=password + "\n")  # fmt: skip
        assert connected.exit_code == 0, connected.stdout + connected.stderr
        self.slot = 0

    def at(self) -> dt.datetime:
        """A time of its own for each post (six hours apart)."""
        self.slot += 1
        return START + dt.timedelta(hours=6 * self.slot)

    def planned(self, text: str) -> tuple[int, str, dt.datetime]:
        """Draft and schedule ``text`` from the command line: (id, key, time)."""
        when = self.at()
        drafted = run("publish", "draft", "--platform", "bluesky", "--at", iso(when),
                      "--text", text, "--workspace", self.ws, "--json")  # fmt: skip
        assert drafted.exit_code == 0, drafted.stdout + drafted.stderr
        post = json.loads(drafted.stdout)["post"]
        accepted = run("publish", "schedule", str(post["id"]), "--workspace", self.ws, "--json")
        assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
        assert json.loads(accepted.stdout)["post"]["state"] == "scheduled"
        return int(post["id"]), str(post["key"]), when

    def due(self, now: dt.datetime) -> dict[str, Any]:
        ran = run("publish", "--due", "--now", iso(now), "--workspace", self.ws, "--json")
        assert ran.exit_code == 0, ran.stdout + ran.stderr
        result: dict[str, Any] = json.loads(ran.stdout)
        return result

    def records(self, text: str) -> list[Any]:
        listed = self.account.client.com.atproto.repo.list_records(
            params={"repo": self.account.did, "collection": "app.bsky.feed.post", "limit": 100}
        ).records
        return [r for r in listed if r.value.text == text]


@pytest.fixture(scope="module")
def shop(
    bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Shop]:
    made = Shop(bluesky_network, tmp_path_factory.mktemp("publish"))
    yield made
    made.proxy.close()


@pytest.fixture(autouse=True)
def _stay_on_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK moves to the PDS its session names after login; keep it on the proxy.
    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)
    # A hung request gives up after 2 s instead of 30.
    monkeypatch.setattr("rapport.connectors._bluesky_client.TIMEOUT_S", 2.0)


def _store_rows(ws: Path, wanted: str) -> list[tuple[Any, ...]]:
    with Workspace(ws).session() as session:
        return session.store.connection.execute(
            "SELECT p.post_id, p.text, p.links, i.source FROM posts p "
            "LEFT JOIN imports i ON i.source = 'rapport_publish' WHERE p.post_id = ? "
            "GROUP BY ALL",
            [wanted],
        ).fetchall()


@pytest.mark.at_most_once
def test_a_due_post_is_published_once_under_its_key_with_tagged_links(shop: Shop) -> None:
    text = f"Rye is back: https://shop.example/rye?x=1 ({uuid.uuid4().hex[:4]})"
    ident, key, when = shop.planned(text)
    early = shop.due(when - dt.timedelta(minutes=1))
    assert early["published"] == [] and shop.records(text) == []
    result = shop.due(when + dt.timedelta(minutes=1))
    assert [p["id"] for p in result["published"]] == [ident]
    records = shop.records(text)
    assert len(records) == 1
    assert records[0].uri.endswith(f"/app.bsky.feed.post/{key}")  # the TID chosen at drafting
    facet = records[0].value.facets[0]
    target = facet.features[0].uri
    assert target.startswith("https://shop.example/rye?x=1&utm_source=bluesky&utm_medium=social")
    assert f"utm_content={content_tag(ident)}" in target
    assert text.encode()[facet.index.byte_start : facet.index.byte_end] == (
        b"https://shop.example/rye?x=1"
    )
    # In the store as a pull stores it, tagged as published by rapport.
    rows = _store_rows(shop.ws, post_id(records[0].uri))
    assert len(rows) == 1 and rows[0][1] == text and rows[0][2] == [target]
    assert rows[0][3] == "rapport_publish"
    with Workspace(shop.ws).session() as session:
        stored = scheduled_post(session.store, ident)
        log = audit_log(session.store, subject=f"post {ident}")
    assert stored is not None and stored.state == "published"
    assert stored.post_id == post_id(records[0].uri) and stored.url
    assert [e.action for e in log] == ["post scheduled", "post published"]
    # A pull of the same account does not add it again; a second run publishes nothing.
    pulled = run("pull", "bluesky", "--workspace", shop.ws)
    assert pulled.exit_code == 0, pulled.stdout + pulled.stderr
    assert len(_store_rows(shop.ws, post_id(records[0].uri))) == 1
    assert shop.due(when + dt.timedelta(minutes=2))["published"] == []
    assert len(shop.records(text)) == 1


@pytest.mark.at_most_once
@pytest.mark.parametrize("fault", ["drop", "fail", "limit", "hang"])
def test_after_a_fault_a_rerun_publishes_exactly_one_record(shop: Shop, fault: str) -> None:
    text = f"Fresh bread, {fault} edition ({uuid.uuid4().hex[:4]})"
    ident, key, when = shop.planned(text)
    shop.proxy.mode = fault
    before = shop.proxy.created
    try:
        first = shop.due(when + dt.timedelta(minutes=1))
    finally:
        shop.proxy.mode = "pass"
    if fault == "limit":  # a 429 is a "not done": rapport waits Retry-After and asks again
        assert [p["id"] for p in first["published"]] == [ident]
        assert shop.proxy.created - before == 2
    else:
        assert [f["post"]["id"] for f in first["failed"]] == [ident]
        assert "publish the due posts again" in first["failed"][0]["error"]
        assert len(shop.records(text)) == (0 if fault == "fail" else 1)
    again = shop.due(when + dt.timedelta(minutes=5))
    if fault != "limit":
        assert [p["id"] for p in again["published"]] == [ident]
        assert again["resumed"] == ([ident] if fault in ("drop", "hang") else [])
    records = shop.records(text)
    assert len(records) == 1 and records[0].uri.endswith(f"/{key}")
    assert shop.due(when + dt.timedelta(minutes=6))["published"] == []
    assert len(shop.records(text)) == 1


@pytest.mark.at_most_once
def test_a_late_post_is_held_not_backdated_and_release_publishes_it(shop: Shop) -> None:
    text = f"Late but lovely ({uuid.uuid4().hex[:4]})"
    ident, key, when = shop.planned(text)
    result = shop.due(when + dt.timedelta(hours=1))
    assert [p["id"] for p in result["held"]] == [ident] and result["published"] == []
    assert shop.records(text) == []
    shown = run("publish", "--due", "--now", iso(when + dt.timedelta(hours=1, minutes=1)),
                "--workspace", shop.ws)  # fmt: skip
    assert shown.exit_code == 0 and "Nothing is due" in shown.stdout  # held stays held
    released = run("publish", "release", str(ident), "--workspace", shop.ws, "--json")
    assert released.exit_code == 0, released.stdout + released.stderr
    assert json.loads(released.stdout)["state"] == "published"
    records = shop.records(text)
    assert len(records) == 1 and records[0].uri.endswith(f"/{key}")
    again = run("publish", "release", str(ident), "--workspace", shop.ws)
    assert again.exit_code == 2 and "not held" in again.stderr


@pytest.mark.at_most_once
def test_a_failed_attempt_found_late_is_published_if_it_got_through(shop: Shop) -> None:
    text = f"Lost answer, late rerun ({uuid.uuid4().hex[:4]})"
    ident, key, when = shop.planned(text)
    shop.proxy.mode = "drop"
    try:
        shop.due(when + dt.timedelta(minutes=1))
    finally:
        shop.proxy.mode = "pass"
    late = shop.due(when + dt.timedelta(hours=3))  # it is out there: published, not held
    assert [p["id"] for p in late["published"]] == [ident] and late["resumed"] == [ident]
    records = shop.records(text)
    assert len(records) == 1 and records[0].uri.endswith(f"/{key}")


def test_rules_refuse_and_an_override_is_audited(shop: Shop) -> None:
    config = shop.ws / "rapport.toml"
    config.write_text("[targets]\nposts_per_week = 100\nmin_gap_hours = 3\n", "utf-8")
    try:
        ws = Workspace(shop.ws)
        base = shop.at()
        first = draft_post(workspace=ws, platform="bluesky", text="Morning bake", at=base)
        schedule_post(workspace=ws, post=first.post.id, by="ann")
        close = base + dt.timedelta(minutes=30)
        second = run("publish", "draft", "--platform", "bluesky", "--at", iso(close), "--text",
                     "Second bake", "--workspace", shop.ws, "--json")  # fmt: skip
        ident = json.loads(second.stdout)["post"]["id"]
        refused = run("publish", "schedule", str(ident), "--workspace", shop.ws)
        assert refused.exit_code == 2
        assert "closer than your gap of 3 h" in refused.stderr
        assert f"{base:%H:%M}" in refused.stderr and f"{close:%H:%M}" in refused.stderr
        no_reason = run("publish", "schedule", str(ident), "--override", "--workspace", shop.ws)
        assert no_reason.exit_code == 2 and "--reason" in no_reason.stderr
        accepted = run("publish", "schedule", str(ident), "--override", "--reason",
                       "launch day", "--workspace", shop.ws, "--json")  # fmt: skip
        assert accepted.exit_code == 0, accepted.stdout + accepted.stderr
        post = json.loads(accepted.stdout)["post"]
        assert post["override"]["rules"] == ["gap"] and post["override"]["reason"] == "launch day"
        cancelled = run("publish", "cancel", str(ident), "--workspace", shop.ws)
        assert cancelled.exit_code == 0
        run("publish", "cancel", str(first.post.id), "--workspace", shop.ws)
        with ws.session() as session:
            log = audit_log(session.store, subject=f"post {ident}")
        actions = [e.action for e in log]
        assert actions == ["rule overridden", "post scheduled", "post cancelled"]
        assert "launch day" in (log[0].detail or "") and "closer than" in (log[0].detail or "")
        assert log[0].actor
        listed = json.loads(run("publish", "list", "--workspace", shop.ws, "--json").stdout)
        assert {p["id"]: p["state"] for p in listed["posts"]}[ident] == "cancelled"
    finally:
        config.write_text(RULES_OFF, "utf-8")


def test_bad_input_is_refused_with_exit_code_2(shop: Shop) -> None:
    cases = [
        (["publish", "--due", "--now", "tomorrow"], "expected a time"),
        (["publish", "draft", "--platform", "bluesky", "--at", iso(shop.at()), "--text", " "],
         "empty"),
        (["publish", "draft", "--platform", "bluesky", "--at", "2001-01-01T10:00Z", "--text",
          "Hi"], "has passed"),
        (["publish", "draft", "--platform", "x", "--at", iso(shop.at()), "--text", "Hi"],
         "Bluesky and Mastodon"),
        (["publish", "schedule", "99999"], "no post 99999"),
        (["publish"], "say what to do"),
    ]  # fmt: skip
    for args, expected in cases:
        refused = run(*args, "--workspace", shop.ws)
        assert refused.exit_code == 2, (args, refused.stdout, refused.stderr)
        assert expected in refused.stderr, (args, refused.stderr)


def test_links_get_the_posts_utm_tags() -> None:
    text = "New: https://shop.example/a, and http://shop.example/b?utm_source=old."
    links = tag_links(text, platform="mastodon", post=7, campaign="promo")
    assert links == (
        "https://shop.example/a?utm_source=mastodon&utm_medium=social&utm_campaign=promo"
        "&utm_content=rapport-post-7",
        "http://shop.example/b?utm_source=mastodon&utm_medium=social&utm_campaign=promo"
        "&utm_content=rapport-post-7",
    )
    assert tagged_text(text, links) == f"New: {links[0]}, and {links[1]}."
