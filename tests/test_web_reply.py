"""Answering a person from the care item page, on the real server, against the REAL local
Bluesky network (with the loopback fault :class:`~tests.test_care_reply.Proxy` in front of
the PDS).

A shop and three customers are made for this module (the shared seed stays as it is), as in
tests/test_care_reply.py: the shop posts, each customer replies, and the shop is connected
through the proxy (the first sync pulls the replies, which become ``answer`` items). The
workspace is then moved under the served folder, with one member per role. Every answer is
a form POST with the session's CSRF token, from an httpx client signed in like the other web
tests; what reached Bluesky is read back with ``com.atproto.repo.listRecords``.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from atproto_client.client.methods_mixin.session import SessionMethodsMixin

from rapport.credentials import BlueskyCredentials, Connections
from rapport.web.auth import hash_password
from rapport.workspace import Workspace
from tests.bluesky_support import BlueskyNetwork, bluesky_network
from tests.test_care_reply import Shop
from tests.web_support import PASSWORD, PAYLOADS, ROLES, Web, csrf_of, email

__all__ = ["bluesky_network"]  # the session fixture, imported so pytest finds it


@dataclass(frozen=True)
class Served:
    """The shop's workspace as the server serves it, and its three care items."""

    shop: Shop
    name: str
    items: tuple[str, str, str]
    app_password: str

    def login(self, web: Web, role: str) -> httpx.Client:
        return web.login(email(role, self.name))


@pytest.fixture(scope="module")
def served(
    web: Web, bluesky_network: BlueskyNetwork, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    shop = Shop(bluesky_network, tmp_path_factory.mktemp("web-reply"))
    items = (shop.item(0), shop.item(1), shop.item(2))
    name = f"shop-{secrets.token_hex(3)}"
    shutil.move(shop.ws, web.root / name)
    shop.ws = web.root / name
    (connection,) = Connections(Workspace(shop.ws)).all()
    credentials = Connections(Workspace(shop.ws)).credentials(connection.connection_id)
    assert isinstance(credentials, BlueskyCredentials)
    hashed = hash_password(PASSWORD)
    for role in ROLES:
        user = web.app_db.add_user(email(role, name), hashed)
        web.app_db.grant(user.user_id, name, role)
    yield Served(shop, name, items, credentials.app_password.reveal())
    shop.proxy.close()


@pytest.fixture
def on_the_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK moves to the PDS its session names after login; keep it on the proxy (the
    server runs in this process, so the patch reaches its threads)."""
    monkeypatch.setattr(SessionMethodsMixin, "_update_pds_endpoint", lambda self, pds: None)


def _page(client: httpx.Client, served: Served, item: str) -> httpx.Response:
    return client.get(f"/w/{served.name}/care/{item}")


def _answer(
    client: httpx.Client, served: Served, item: str, text: str, **extra: str
) -> httpx.Response:
    csrf = csrf_of(client.get(f"/w/{served.name}/care").text)
    data = {"csrf": csrf, "text": text, **extra}
    return client.post(f"/w/{served.name}/care/{item}/reply", data=data)


def _is_reply_page(answer: httpx.Response, served: Served, item: str) -> None:
    assert answer.status_code == 303, answer.text[:800]
    assert answer.headers["location"] == f"/w/{served.name}/care/{item}/reply"


def test_owners_and_managers_see_the_box_analysts_and_clients_do_not(
    web: Web, served: Served
) -> None:
    item = served.items[0]
    for role in ("owner", "manager"):
        page = _page(served.login(web, role), served, item)
        assert page.status_code == 200
        box = re.search(r'<section aria-labelledby="reply-title" id="reply">(.*?)</section>',
                        page.text, re.S)  # fmt: skip
        assert box, page.text
        assert f'action="/w/{served.name}/care/{item}/reply"' in box.group(1)
        assert "At most 300 characters as Bluesky counts them" in box.group(1)
        # rapport writes no word: the box is empty
        assert re.search(r'<textarea id="reply-text"[^>]*></textarea>', box.group(1))
    analyst = served.login(web, "analyst")
    page = _page(analyst, served, item)
    assert page.status_code == 200 and f"/care/{item}/reply" not in page.text
    assert "Owners and managers can answer from here" in page.text
    refused = analyst.post(f"/w/{served.name}/care/{item}/reply",
                           data={"csrf": csrf_of(page.text), "text": "Hi"})  # fmt: skip
    assert refused.status_code == 403
    client = served.login(web, "client")
    assert _page(client, served, item).status_code == 403
    assert _answer(client, served, item, "Hi").status_code == 403
    stranger = web.login(email("owner", "beta"))
    assert _page(stranger, served, item).status_code == 404
    csrf = csrf_of(stranger.get("/").text)
    posted = stranger.post(f"/w/{served.name}/care/{item}/reply", data={"csrf": csrf, "text": "Hi"})
    assert posted.status_code == 404
    owner = served.login(web, "owner")
    for data in ({"text": "Hi"}, {"text": "Hi", "csrf": "forged"}):
        assert owner.post(f"/w/{served.name}/care/{item}/reply", data=data).status_code == 403
    assert served.shop.answers_to(0) == []  # nothing reached Bluesky


@pytest.mark.at_most_once
def test_an_answer_is_posted_once_and_the_item_is_done_by_who_answered(
    web: Web, served: Served, on_the_proxy: None
) -> None:
    item = served.items[0]
    manager = served.login(web, "manager")
    text = f"Yes, fully vegan! {PAYLOADS[0]} {PAYLOADS[1]}"
    _is_reply_page(_answer(manager, served, item, text), served, item)
    answers = served.shop.answers_to(0)
    assert len(answers) == 1  # exactly one reply record, answering that reply
    assert answers[0]["reply"].root.uri == served.shop.post.uri
    page = manager.get(f"/w/{served.name}/care/{item}/reply")
    assert page.status_code == 200
    link = re.search(r'<a href="([^"]+)"[^>]*id="reply-link">', page.text)
    assert link, page.text
    rkey = answers[0]["uri"].rsplit("/", 1)[1]
    assert link.group(1) == f"https://bsky.app/profile/{served.shop.shop.handle}/post/{rkey}"
    done = re.search(r'<p class="done" id="reply-done">Marked done by (\S+) on (.*?) UTC\.</p>',
                     page.text)  # fmt: skip
    assert done and done.group(1) == email("manager", served.name), page.text
    # the payloads are text where the reply is shown, never markup
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in page.text
    assert "<script>window.__xss" not in page.text and "<img src=x" not in page.text
    # a second POST is refused, and nothing more reaches Bluesky
    again = _answer(manager, served, item, "Yes!")
    assert again.status_code == 400
    assert "already answered on bluesky" in again.text and "Traceback" not in again.text
    assert len(served.shop.answers_to(0)) == 1
    # off the list; the care inbox and the audit log say who answered
    assert _page(manager, served, item).status_code == 404
    log = web.app_db.audit_log(served.name)
    assert log[0].action == "care answered" and log[0].email == email("manager", served.name)
    assert rkey in log[0].detail


@pytest.mark.at_most_once
def test_a_503_shows_try_again_which_resends_the_same_text_once(
    web: Web, served: Served, on_the_proxy: None
) -> None:
    item = served.items[1]
    owner = served.login(web, "owner")
    served.shop.proxy.mode = "fail"
    try:
        _is_reply_page(_answer(owner, served, item, "It is, yes."), served, item)
    finally:
        served.shop.proxy.mode = "pass"
    assert served.shop.answers_to(1) == []
    page = owner.get(f"/w/{served.name}/care/{item}/reply")
    assert page.status_code == 200
    assert "The reply could not be sent: " in page.text and ">Try again</button>" in page.text
    assert "run the same command" not in page.text and "Traceback" not in page.text
    assert '<blockquote class="reply-text">It is, yes.</blockquote>' in page.text
    # the item's own page shows the reply waiting, not an empty box
    item_page = _page(owner, served, item).text
    assert ">Try again</button>" in item_page and 'id="reply-text"' not in item_page
    # an analyst sees it, without the buttons
    seen = served.login(web, "analyst").get(f"/w/{served.name}/care/{item}/reply").text
    assert "could not be sent" in seen and ">Try again</button>" not in seen
    # Try again sends the queued text (whatever the form says), once
    _is_reply_page(_answer(owner, served, item, "Other words", resend="1"), served, item)
    answers = served.shop.answers_to(1)
    assert len(answers) == 1
    record = served.shop.shop.client.com.atproto.repo.get_record(
        params={"repo": served.shop.shop.did, "collection": "app.bsky.feed.post",
                "rkey": answers[0]["uri"].rsplit("/", 1)[1]}
    )  # fmt: skip
    assert record.value.text == "It is, yes."
    done = owner.get(f"/w/{served.name}/care/{item}/reply").text
    assert 'id="reply-link"' in done and email("owner", served.name) in done
    again = _answer(owner, served, item, "", resend="1")  # a sent reply: nothing to resend
    assert again.status_code == 303 and len(served.shop.answers_to(1)) == 1


@pytest.mark.at_most_once
def test_a_failed_reply_can_be_cancelled_and_bad_text_is_refused_in_the_page(
    web: Web, served: Served, on_the_proxy: None
) -> None:
    item = served.items[2]
    owner = served.login(web, "owner")
    long = _answer(owner, served, item, "é" * 301)
    assert long.status_code == 400
    assert "Bluesky takes at most 300" in long.text and "301 of at most 300" in long.text
    assert "é" * 301 in long.text  # what they wrote, given back to shorten
    empty = _answer(owner, served, item, "   ")
    assert empty.status_code == 400 and "The reply is empty" in empty.text
    served.shop.proxy.mode = "fail"
    try:
        _is_reply_page(_answer(owner, served, item, "Soon!"), served, item)
    finally:
        served.shop.proxy.mode = "pass"
    other = _answer(owner, served, item, "Something else")  # another text: refused, not sent
    assert other.status_code == 400 and "another reply is already queued" in other.text
    csrf = csrf_of(owner.get(f"/w/{served.name}/care").text)
    cancelled = owner.post(f"/w/{served.name}/care/{item}/reply/cancel", data={"csrf": csrf})
    assert cancelled.status_code == 303
    assert cancelled.headers["location"] == f"/w/{served.name}/care/{item}#reply"
    page = _page(owner, served, item).text
    assert re.search(r'<textarea id="reply-text"[^>]*></textarea>', page)  # a new, empty box
    nothing = owner.post(f"/w/{served.name}/care/{item}/reply/cancel", data={"csrf": csrf})
    assert nothing.status_code == 400 and "nothing to cancel" in nothing.text
    assert served.shop.answers_to(2) == []
    assert [e.action for e in web.app_db.audit_log(served.name)[:2]] == [
        "care reply cancelled", "care reply failed",
    ]  # fmt: skip


def test_no_connection_for_the_platform_links_the_data_page(
    web: Web, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Connections, "all", lambda self: ())
    page = _page(served.login(web, "owner"), served, served.items[2])
    assert page.status_code == 200
    said = re.search(r'<p class="note" id="reply-no-connection">(.*?)</p>', page.text, re.S)
    assert said and "No Bluesky account is connected to this workspace" in said.group(1)
    assert f'<a href="/w/{served.name}/data#connections">Data page</a>' in said.group(1)
    assert 'id="reply-text"' not in page.text


@pytest.mark.credential_leak
def test_the_app_password_never_appears_in_a_page(web: Web, served: Served, tmp_path: Path) -> None:
    planted = served.app_password
    urls = [f"/w/{served.name}/{p}" for p in ("", "care", "data", "report")]
    for item in served.items:
        urls += [f"/w/{served.name}/care/{item}", f"/w/{served.name}/care/{item}/reply"]
    seen = 0
    for role in ROLES:
        client = served.login(web, role)
        for url in urls:
            answer = client.get(url)
            seen += answer.status_code == 200
            assert planted not in answer.text, (role, url)
            assert planted not in str(answer.headers), (role, url)
    assert seen > 10
    # and no file of the served workspace holds it in clear
    leaks = [
        p for p in served.shop.ws.rglob("*") if p.is_file() and planted.encode() in p.read_bytes()
    ]
    assert leaks == []
