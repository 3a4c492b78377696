"""Who may do what in the web workplace, checked on the real server for every route.

The routes come from the app's own route table, so a new route can't escape: each must
declare its access (``x-rapport-access``), and each is requested anonymously, by a member of
another workspace, by a signed-in owner of the whole rapport who is no member, and by every
role of the workspace, with the answers its declaration implies. Forbidden answers leak
nothing of the workspace.
"""

from __future__ import annotations

import re
import shutil

import httpx
import pytest
from fastapi.routing import APIRoute

import rapport
from rapport.strategy.care_list import care_list
from rapport.web import pages
from rapport.web.app import SECURITY_HEADERS
from rapport.web.auth import COOKIE, MAX_FAILURES, PERMISSIONS
from rapport.web.guard import ACCESS
from tests.conftest import snapshot_file
from tests.web_support import (
    ADMIN,
    PARAM_EXAMPLES,
    PASSWORD,
    ROLES,
    Web,
    app_db_bytes,
    csrf_of,
    email,
)


def _routes(web: Web) -> list[APIRoute]:
    return [r for r in web.app.routes if isinstance(r, APIRoute)]


def _access(route: APIRoute) -> str:
    return str((route.openapi_extra or {}).get("x-rapport-access"))


@pytest.fixture(scope="module")
def alpha_items(web: Web) -> list[str]:
    """Care item ids of alpha, for the routes that name one (several: some get marked done)."""
    with rapport.open(web.root / "alpha") as session:
        care = care_list(session)
    items = [*care.items, *care.left_over]
    assert len(items) >= 8, "the demo's care list should have items"
    return [item.id for item in items]


@pytest.fixture(scope="module")
def secrets_of_alpha(web: Web, alpha_items: list[str]) -> list[str]:
    """Strings that would betray alpha's data in a response."""
    with rapport.open(web.root / "alpha") as session:
        config = session.config
    handles = [a.handle for a in config.accounts.own]
    return [*handles, *alpha_items[:4]]


def _url(route: APIRoute, *, workspace: str, item: str) -> str:
    """The route's path with its parameters filled: ``workspace``, a care ``item``, and for
    any other parameter its example in PARAM_EXAMPLES (a route with a parameter that has
    none fails the test, so that no route escapes it)."""
    names = re.findall(r"{(\w+)(?::\w+)?}", route.path)
    values = {"workspace": workspace, "item_id": item}
    for name in names:
        if name not in values:
            assert name in PARAM_EXAMPLES, f"{route.path}: add an example for {{{name}}}"
            values[name] = PARAM_EXAMPLES[name]
    path = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
    return path.format(**values)


def _request(client: httpx.Client, route: APIRoute, url: str, csrf: str) -> httpx.Response:
    method = sorted(route.methods or {"GET"})[0]
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf": csrf})


def _csrf(client: httpx.Client) -> str:
    return csrf_of(client.get("/").text)


def test_every_route_declares_its_access(web: Web) -> None:
    undeclared = [r.path for r in _routes(web) if _access(r) not in ACCESS]
    assert undeclared == []
    workspace_routes = [r for r in _routes(web) if "{workspace}" in r.path]
    assert workspace_routes and all(_access(r) in PERMISSIONS["owner"] for r in workspace_routes)


ANSWER_AND_CONNECT_ROUTES = {
    ("POST", "/w/{workspace}/care/{item_id}/reply"): "write",
    ("POST", "/w/{workspace}/care/{item_id}/reply/cancel"): "write",
    ("GET", "/w/{workspace}/care/{item_id}/reply"): "care",
    ("POST", "/w/{workspace}/connections/mastodon/authorize"): "write",
    ("GET", "/w/{workspace}/connections/mastodon/callback"): "write",
    ("POST", "/w/{workspace}/connections/{connection_id}/reconnect"): "write",
}
"""Answering from the care item page, connecting Mastodon by OAuth, reconnecting: owners and
managers only (an analyst sees a reply's page, never its buttons). The tests below request
them with every other route: anonymously, across workspaces and for every role."""


def test_answering_and_connecting_routes_declare_owners_and_managers(web: Web) -> None:
    declared = {(m, r.path): _access(r) for r in _routes(web) for m in (r.methods or ())}
    assert {key: declared.get(key) for key in ANSWER_AND_CONNECT_ROUTES} == (
        ANSWER_AND_CONNECT_ROUTES
    )
    assert [role for role in ROLES if "write" in PERMISSIONS[role]] == ["owner", "manager"]


def test_answering_and_connecting_for_each_role_and_across_workspaces(
    web: Web, alpha_items: list[str], secrets_of_alpha: list[str]
) -> None:
    routes = {(sorted(r.methods or ())[0], r.path): r for r in _routes(web)}
    chosen = [routes[key] for key in ANSWER_AND_CONNECT_ROUTES]
    item = alpha_items[3]
    for who in (*(email(role) for role in ROLES), email("owner", "beta"), ADMIN):
        client = web.login(who)
        csrf = _csrf(client)
        for route in chosen:
            answer = _request(client, route, _url(route, workspace="alpha", item=item), csrf)
            role = next((r for r in ROLES if who == email(r)), None)
            if role is None:  # no member of alpha: as if it did not exist
                assert answer.status_code == 404, (who, route.path)
                assert not any(s in answer.text for s in secrets_of_alpha), (who, route.path)
            elif _access(route) in PERMISSIONS[role]:  # a page, or the form's own complaint
                assert answer.status_code in (200, 303, 400), (who, route.path, answer.text[:300])
            else:
                assert answer.status_code == 403, (who, route.path)
        forged = client.post(f"/w/alpha/care/{item}/reply", data={"text": "Hi"})
        assert forged.status_code in (403, 404), who  # no CSRF token: never sent


def test_nobody_signed_in_gets_the_login_form_or_403(web: Web, secrets_of_alpha: list[str]) -> None:
    client = web.client()
    for route in _routes(web):
        if _access(route) == "public":
            continue
        answer = _request(client, route, _url(route, workspace="alpha", item="x"), csrf="")
        if "GET" in (route.methods or ()):
            assert answer.status_code == 303, route.path
            assert answer.headers["location"].startswith("/login?next="), route.path
        else:
            assert answer.status_code == 403, route.path
        assert not any(s in answer.text for s in secrets_of_alpha), route.path


def test_a_member_of_another_workspace_sees_nothing_of_it(
    web: Web, alpha_items: list[str], secrets_of_alpha: list[str]
) -> None:
    before = snapshot_file(web.root / "alpha" / "rapport.duckdb")
    for who in (email("owner", "beta"), ADMIN):
        client = web.login(who)
        csrf = _csrf(client)
        for route in _routes(web):
            if "{workspace}" not in route.path:
                continue
            for workspace in ("alpha", "no-such-workspace", "alpha%2F..%2Fbeta"):
                url = _url(route, workspace=workspace, item=alpha_items[-1])
                answer = _request(client, route, url, csrf)
                assert answer.status_code == 404, (who, route.path, workspace)
                assert not any(s in answer.text for s in secrets_of_alpha), (who, route.path)
        home = client.get("/")
        assert 'href="/w/alpha/"' not in home.text  # not even listed
    assert snapshot_file(web.root / "alpha" / "rapport.duckdb") == before


def test_each_role_may_do_what_its_permissions_say(web: Web, alpha_items: list[str]) -> None:
    spare = iter(alpha_items[4:])
    for role in ROLES:
        client = web.login(email(role))
        csrf = _csrf(client)
        assert 'href="/w/alpha/"' in client.get("/").text
        for route in _routes(web):
            needed = _access(route)
            if needed in ("public", "signed_in"):
                continue
            item = next(spare) if "{item_id}" in route.path else ""
            url = _url(route, workspace="alpha", item=item)
            answer = _request(client, route, url, csrf)
            if needed == "admin" or needed not in PERMISSIONS[role]:
                assert answer.status_code == 403, (role, route.path)
            else:  # allowed: a page, a redirect, or a form's own complaint (400), never refused
                assert answer.status_code in (200, 303, 400), (role, route.path, answer.text[:300])


def test_a_forged_form_post_changes_nothing(web: Web, alpha_items: list[str]) -> None:
    analyst = web.login(email("analyst"))
    other = web.login(email("manager"))
    item = alpha_items[0]
    url = f"/w/alpha/care/{item}/done"
    store = web.root / "alpha" / "rapport.duckdb"
    before = snapshot_file(store)
    for data, headers in (
        ({}, {}),  # no token: what a page on another site can send
        ({"csrf": "forged"}, {"Origin": "https://evil.example"}),
        ({"csrf": _csrf(other)}, {}),  # another session's token
        ({}, {"X-CSRF-Token": "forged", "HX-Request": "true"}),
    ):
        answer = analyst.post(url, data=data, headers=headers)
        assert answer.status_code == 403, (data, headers)
    assert snapshot_file(store) == before
    assert f"/care/{item}/done" in analyst.get("/w/alpha/care").text  # still to do
    done = analyst.post(url, data={"csrf": _csrf(analyst)})
    assert done.status_code == 303 and done.headers["location"] == "/w/alpha/care"
    page = analyst.get("/w/alpha/care").text
    assert f"/care/{item}/done" not in page and "care done" in page  # gone, and audited
    assert email("analyst") in page


def test_cookies_are_httponly_and_samesite_and_headers_are_strict(web: Web) -> None:
    client = web.client()
    form = client.get("/login")
    assert "HttpOnly" in form.headers["set-cookie"] and "SameSite=lax" in form.headers["set-cookie"]
    answer = client.post("/login", data={"email": ADMIN, "password": PASSWORD,
                                         "csrf": csrf_of(form.text), "next": "/"})  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    session_cookie = next(
        c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{COOKIE}=")
    )
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http on loopback; Secure over https
    for path in ("/", "/login", "/static/app.css", "/w/alpha/", "/nothing-here"):
        got = client.get(path)
        for header, value in SECURITY_HEADERS.items():
            assert got.headers.get(header) == value, (path, header)
    csp = SECURITY_HEADERS["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp


def test_login_logout_and_password_storage(web: Web) -> None:
    client = web.client()
    form = client.get("/login").text
    assert re.search(r'<label for="email">Email</label>', form)
    assert re.search(r'<label for="password">Password</label>', form)
    assert ">Log in</button>" in form
    wrong = client.post("/login", data={"email": email("client"), "password": "not it",
                                        "csrf": csrf_of(form), "next": "/"})  # fmt: skip
    assert wrong.status_code == 401 and "wrong email or password" in wrong.text
    signed = web.login(email("client"))
    cookie = signed.cookies.get(COOKIE)
    out = signed.post("/logout", data={"csrf": _csrf(signed)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    replay = web.client()
    replay.cookies.set(COOKIE, cookie or "")
    assert replay.get("/").status_code == 303  # the session is revoked on the server
    stored = web.app_db.user_by_email(email("client"))
    assert stored is not None and stored[1].startswith("$argon2id$")
    assert PASSWORD not in app_db_bytes(web.app_db).decode("latin-1")


def test_failed_logins_are_limited_per_account_and_per_address(web: Web) -> None:
    try:
        client = web.client()
        for _ in range(MAX_FAILURES):
            form = csrf_of(client.get("/login").text)
            client.post("/login", data={"email": email("manager"), "password": "guess",
                                        "csrf": form, "next": "/"})  # fmt: skip
        form = csrf_of(client.get("/login").text)
        right = client.post("/login", data={"email": email("manager"), "password": PASSWORD,
                                            "csrf": form, "next": "/"})  # fmt: skip
        assert right.status_code == 401 and "too many failed logins" in right.text
        form = csrf_of(client.get("/login").text)
        other = client.post("/login", data={"email": email("owner"), "password": PASSWORD,
                                            "csrf": form, "next": "/"})  # fmt: skip
        assert other.status_code == 401  # the address is limited too
    finally:
        web.app_db.clear_failures(f"account:{email('manager')}")
        web.app_db.clear_failures("address:127.0.0.1")
    assert web.login(email("manager")).get("/").status_code == 200


def test_the_owner_of_the_rapport_creates_a_workspace(web: Web) -> None:
    admin = web.login(ADMIN)
    csrf = _csrf(admin)
    bad = admin.post("/workspaces", data={"name": "../escape", "objective": "sales", "csrf": csrf})
    assert bad.status_code == 400 and "a workspace name is" in bad.text
    assert not (web.root.parent / "escape").exists()
    made = admin.post("/workspaces", data={"name": "gamma", "objective": "leads",
                                           "audience": "local cafés", "csrf": csrf})  # fmt: skip
    assert made.status_code == 303 and made.headers["location"] == "/w/gamma/"
    assert (web.root / "gamma" / "rapport.toml").is_file()
    assert 'objective = "leads"' in (web.root / "gamma" / "rapport.toml").read_text()
    page = admin.get("/w/gamma/")
    assert page.status_code == 200 and "no data" in page.text.lower()
    stranger = web.login(email("owner", "beta"))
    assert stranger.get("/w/gamma/").status_code == 404


def test_a_bug_is_a_plain_error_page_never_a_traceback(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(web.root / "beta", web.root / "buggy")
    user = web.app_db.user_by_email(ADMIN)
    assert user is not None
    web.app_db.grant(user[0].user_id, "buggy", "owner")

    def broken(session: object) -> object:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(pages, "overview", broken)
    answer = web.login(ADMIN).get("/w/buggy/")
    assert answer.status_code == 500
    assert "Something went wrong" in answer.text and "bug in rapport" in answer.text
    assert "secret internals" not in answer.text and "Traceback" not in answer.text
    assert answer.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
