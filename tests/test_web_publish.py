"""The Publish page on the real server, publishing to the REAL local Bluesky network.

A shop made for this module connects through ``rapport connect bluesky`` into a workspace
of the served folder, with one member per role. Its owner writes posts on the page; the
server's publisher (the task its lifespan runs, called here with the moment it publishes
as of) creates each due post once, under the record key chosen when it was drafted.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from atproto import models
from typer.testing import CliRunner

from rapport.cli import app
from rapport.store.scheduled import audit_log, scheduled_post, scheduled_posts
from rapport.web.auth import hash_password
from tests.bluesky_support import Account, BlueskyNetwork, bluesky_network, new_account
from tests.web_support import PASSWORD, ROLES, Web, csrf_of, email, until_ended

__all__ = ["bluesky_network"]

PROBE = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'


@dataclass(frozen=True)
class Shop:
    name: str
    account: Account

    def login(self, web: Web, role: str) -> httpx.Client:
        return web.login(email(role, self.name))

    def records(self) -> list[Any]:
        client = self.account.client
        return list(
            client.com.atproto.repo.list_records(
                params={"repo": self.account.did, "collection": "app.bsky.feed.post"}
            ).records
        )


@pytest.fixture(scope="module")
def shop(web: Web, bluesky_network: BlueskyNetwork) -> Iterator[Shop]:
    tag = secrets.token_hex(3)
    name = f"pub-{tag}"
    account = new_account(bluesky_network.pds, f"pub{tag}")
    password = account.client.com.atproto.server.create_app_password(
        models.ComAtprotoServerCreateAppPassword.Data(name="rapport publish tests")
    ).password
    connected = CliRunner().invoke(
        app, ["connect", "bluesky", "--handle", account.handle, "--service", bluesky_network.pds,
              "--app-password-stdin", "--workspace", str(web.root / name)],
        input=password + "\n", catch_exceptions=False,
    )  # fmt: skip
    assert connected.exit_code == 0, connected.stdout + connected.stderr
    hashed = hash_password(PASSWORD)
    for role in ROLES:
        user = web.app_db.add_user(email(role, name), hashed)
        web.app_db.grant(user.user_id, name, role)
    web.app.state.served.rescan()
    yield Shop(name, account)


def _zone_now(web: Web, shop: Shop) -> tuple[dt.datetime, Any]:
    with web.app.state.served.reading(shop.name) as session:
        zone = session.zone.zone
    return dt.datetime.now(zone), zone


def _write(client: httpx.Client, shop: Shop, **fields: str) -> httpx.Response:
    csrf = csrf_of(client.get(f"/w/{shop.name}/publish").text)
    return client.post(f"/w/{shop.name}/publish", data={"csrf": csrf, **fields})


def _posts(web: Web, shop: Shop) -> list[Any]:
    with web.app.state.served.reading(shop.name) as session:
        return scheduled_posts(session.store)


def test_who_may_see_and_write(web: Web, shop: Shop) -> None:
    owner = shop.login(web, "owner").get(f"/w/{shop.name}/publish")
    assert owner.status_code == 200 and 'name="text"' in owner.text
    assert "Bluesky (at most 300 characters)" in owner.text
    analyst = shop.login(web, "analyst")
    seen = analyst.get(f"/w/{shop.name}/publish")
    assert seen.status_code == 200 and 'name="text"' not in seen.text
    csrf = csrf_of(seen.text)
    refused = analyst.post(f"/w/{shop.name}/publish", data={"csrf": csrf, "text": "hi"})
    assert refused.status_code == 403
    assert shop.login(web, "client").get(f"/w/{shop.name}/publish").status_code == 403
    missing_csrf = shop.login(web, "owner").post(f"/w/{shop.name}/publish", data={"text": "x"})
    assert missing_csrf.status_code == 403
    assert _posts(web, shop) == []


@pytest.mark.at_most_once
def test_a_post_written_on_the_page_is_published_once_by_the_server(web: Web, shop: Shop) -> None:
    owner = shop.login(web, "owner")
    local, _zone = _zone_now(web, shop)
    at = (local + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    text = f"Fresh rye today, until we run out. {PROBE} https://shop.example/rye"
    answer = _write(owner, shop, platform="bluesky", text=text,
                    at=at.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert answer.status_code == 303, answer.text[:2000]
    (post,) = _posts(web, shop)
    assert answer.headers["location"] == f"/w/{shop.name}/publish#post-{post.id}"
    assert post.state == "scheduled" and post.scheduled_at == at.astimezone(dt.UTC)
    assert post.created_by == email("owner", shop.name)
    assert any("utm_source=bluesky" in link for link in post.links)
    page = owner.get(f"/w/{shop.name}/publish").text
    assert PROBE not in page and "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page
    publisher = web.app.state.publisher
    assert publisher.due(now=dt.datetime.now(dt.UTC)) == []  # not due yet: nothing started
    (job,) = publisher.due(now=post.scheduled_at + dt.timedelta(seconds=5))
    fragment, seen = until_ended(owner, f"/w/{shop.name}/jobs/{job.job_id}", within=120)
    assert seen[-1] == "done", fragment
    records = shop.records()
    assert len(records) == 1 and records[0].uri.endswith(f"/{post.key}")
    with web.app.state.served.reading(shop.name) as session:
        done = scheduled_post(session.store, post.id)
        stored = session.store.connection.execute(
            "SELECT count(*) FROM posts WHERE post_id = ?", [done.post_id if done else ""]
        ).fetchone()
    assert done is not None and done.state == "published" and stored == (1,)
    assert publisher.due(now=post.scheduled_at + dt.timedelta(seconds=30)) == []
    time.sleep(0.5)
    assert len(shop.records()) == 1
    shown = owner.get(f"/w/{shop.name}/publish").text
    assert re.search(rf'id="post-{post.id}".*?Published', shown, re.S)


def test_a_rule_break_is_refused_or_overridden_with_a_reason_then_cancelled(
    web: Web, shop: Shop
) -> None:
    owner = shop.login(web, "owner")
    local, _zone = _zone_now(web, shop)
    first = (local + dt.timedelta(days=2)).replace(hour=10, minute=0, second=0, microsecond=0)
    ok = _write(owner, shop, platform="bluesky", text="Tuesday bake.",
                at=first.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert ok.status_code == 303, ok.text[:2000]
    close = first + dt.timedelta(minutes=30)
    refused = _write(owner, shop, platform="bluesky", text="And another one.",
                     at=close.strftime("%Y-%m-%dT%H:%M"))  # fmt: skip
    assert refused.status_code == 409, refused.text[:2000]
    assert "breaks your publishing rules" in refused.text and "gap" in refused.text
    draft = re.search(r'name="draft" value="(\d+)"', refused.text)
    assert draft, refused.text
    post = int(draft.group(1))
    csrf = csrf_of(refused.text)
    no_reason = owner.post(f"/w/{shop.name}/publish",
                           data={"csrf": csrf, "draft": str(post), "override": "1"})  # fmt: skip
    assert no_reason.status_code == 400 and "reason" in no_reason.text
    accepted = owner.post(f"/w/{shop.name}/publish", data={
        "csrf": csrf, "draft": str(post), "override": "1", "reason": "launch day, two posts",
    })  # fmt: skip
    assert accepted.status_code == 303, accepted.text[:2000]
    page = owner.get(f"/w/{shop.name}/publish").text
    assert "launch day, two posts" in page and f"by {email('owner', shop.name)}" in page
    with web.app.state.served.reading(shop.name) as session:
        logged = audit_log(session.store, subject=f"post {post}")
    assert any(e.action == "rule overridden" and "launch day" in (e.detail or "") for e in logged)
    server_log = web.app_db.audit_log(shop.name)
    assert any("rules overridden" in (e.detail or "") for e in server_log)
    cancelled = owner.post(f"/w/{shop.name}/publish/{post}/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 303
    assert {p.id: p.state for p in _posts(web, shop)}[post] == "cancelled"
    gone = owner.post(f"/w/{shop.name}/publish/{post}/cancel", data={"csrf": csrf})
    assert gone.status_code == 400


def test_a_calendar_slot_shows_its_idea_and_reason_and_an_empty_box(web: Web) -> None:
    owner = web.login(email("owner"))
    calendar = owner.get("/w/alpha/calendar").text
    assert "/w/alpha/publish/new?slot=1" in calendar
    page = owner.get("/w/alpha/publish/new?slot=1")
    assert page.status_code == 200, page.text[:2000]
    assert "Write the post for this slot" in page.text and "Why: " in page.text
    assert "No Bluesky or Mastodon account is connected" in page.text  # alpha has none
    bad = owner.get("/w/alpha/publish/new?slot=9999")
    assert bad.status_code == 400 and "the calendar has slots 1 to" in bad.text
    analyst = web.login(email("analyst"))
    assert "/publish/new" not in analyst.get("/w/alpha/calendar").text
    assert analyst.get("/w/alpha/publish/new?slot=1").status_code == 403


def test_the_publish_page_is_linked(web: Web, tmp_path: Path) -> None:
    page = web.login(email("manager")).get("/w/alpha/").text
    assert 'href="/w/alpha/publish"' in page
