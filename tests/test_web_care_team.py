"""The care inbox shared by a team: items put off for later come back on their day, and an
item given to a member says who looks after it; both are in the audit, neither touches the
workspace's store."""

from __future__ import annotations

import html
import re

import httpx

import rapport
from rapport import api
from rapport.web.care_team import team_states
from tests.conftest import snapshot_file
from tests.web_support import Web, csrf_of, email

OWNER = email("owner", "beta")


def _items(page: str) -> list[str]:
    return re.findall(r'<li class="item" id="care-([0-9a-f]+)">', page)


def _care(client: httpx.Client) -> str:
    page = client.get("/w/beta/care")
    assert page.status_code == 200
    return page.text


def test_snoozed_items_leave_the_inbox_until_their_day(web: Web) -> None:
    client = web.login(OWNER)
    page = _care(client)
    items = _items(page)
    assert len(items) >= 2
    store = web.root / "beta" / "rapport.duckdb"
    before = snapshot_file(store)
    answer = client.post(f"/w/beta/care/{items[0]}/snooze",
                         data={"days": "3", "csrf": csrf_of(page)})  # fmt: skip
    assert answer.status_code == 303
    page = _care(client)
    assert items[0] not in _items(page) and "1 put off for later" in page
    assert "care snoozed" in page and OWNER in page  # who did what
    assert snapshot_file(store) == before  # the team's notes are not the business's data
    with web.app_db.connect() as db:  # three days later
        db.execute("UPDATE care_team SET snoozed_until = '2000-01-01T00:00:00+00:00'")
    assert items[0] in _items(_care(client))
    bad = client.post(f"/w/beta/care/{items[0]}/snooze", data={"days": "365",
                                                                "csrf": csrf_of(page)})  # fmt: skip
    assert bad.status_code == 400 and "Snooze for 1, 3, 7 days" in bad.text


def test_an_item_is_given_to_a_member_who_looks_after_people(web: Web) -> None:
    client = web.login(OWNER)
    page = _care(client)
    item = _items(page)[-1]
    given = client.post(f"/w/beta/care/{item}/assign", data={"email": OWNER,
                                                              "csrf": csrf_of(page)})  # fmt: skip
    assert given.status_code == 303
    page = _care(client)
    assert f"Looked after by {OWNER}" in page and "care assigned" in page
    assert team_states(web.app_db, "beta")[item].assigned_to == OWNER
    outsider = client.post(f"/w/beta/care/{item}/assign",
                           data={"email": email("owner"), "csrf": csrf_of(page)})  # fmt: skip
    assert outsider.status_code == 400 and "is not a member of beta" in outsider.text
    unknown = client.post("/w/beta/care/0000000000/assign",
                          data={"email": OWNER, "csrf": csrf_of(page)})  # fmt: skip
    assert unknown.status_code == 404
    cleared = client.post(f"/w/beta/care/{item}/assign", data={"email": "",
                                                                "csrf": csrf_of(page)})  # fmt: skip
    assert cleared.status_code == 303
    assert team_states(web.app_db, "beta")[item].assigned_to is None


def test_an_item_page_shows_the_thread_as_the_library_reads_it(web: Web) -> None:
    client = web.login(OWNER)
    inbox = _care(client)
    items = _items(inbox)
    with rapport.open(web.root / "beta") as session:
        threads = {i: api.care_thread(session, i) for i in items}
    answer = next(i for i, t in threads.items() if t.chain)
    assert f'href="/w/beta/care/{answer}">Context</a>' in inbox
    page = client.get(f"/w/beta/care/{answer}")
    assert page.status_code == 200
    for said in [*threads[answer].chain, *threads[answer].recent]:
        if said.text:  # the texts are the beta workspace's script payloads: escaped, never raw
            assert html.escape(said.text, quote=False) in page.text
            assert "<script" not in said.text or said.text not in page.text
    assert f'action="/w/beta/care/{answer}/done"' in page.text  # the actions are there too
    assert client.get("/w/beta/care/0000000000").status_code == 404
    assert web.login(email("client")).get("/w/alpha/care/0123456789").status_code == 403
    assert web.login(email("owner")).get(f"/w/beta/care/{answer}").status_code == 404
