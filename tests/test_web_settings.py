"""The settings pages on the real server: rapport.toml as a form (same validation and messages
as the file), members and invitations, and one's own password.

The changes are made on a workspace of this module's own (``settings-ws``, a copy of alpha)
and by users of its own, so that no other test sees them; alpha is only read.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from rapport.config import Config
from rapport.web.appdb import Role, digest
from rapport.web.auth import hash_password
from rapport.web.pages_settings import settings_form
from rapport.workspace import Workspace
from tests.conftest import invoke_json
from tests.web_support import ADMIN, OVERFLOW, PASSWORD, Web, app_db_bytes, csrf_of, email, sign_in

WORKSPACE = "settings-ws"
OWNER = "owner-settings@example.com"
MANAGER = "manager-settings@example.com"


@dataclass(frozen=True)
class Own:
    """The module's workspace and its users."""

    web: Web
    workspace: Workspace

    @property
    def toml(self) -> bytes:
        return self.workspace.config_path.read_bytes()


@pytest.fixture(scope="module")
def own(web: Web) -> Own:
    shutil.copytree(web.root / "alpha", web.root / WORKSPACE)
    hashed = hash_password(PASSWORD)
    people: tuple[tuple[str, Role], ...] = ((OWNER, "owner"), (MANAGER, "manager"))
    for who, role in people:
        user = web.app_db.add_user(who, hashed)
        web.app_db.grant(user.user_id, WORKSPACE, role)
    return Own(web, Workspace(web.root / WORKSPACE))


def _form(config: Config, **changes: str) -> dict[str, str]:
    """Every setting as the page shows it, with ``changes`` (keys with ``__`` for dots)."""
    values = {f.key: f.value for s in settings_form(config) for f in s.fields}
    for key, value in changes.items():
        dotted = key.replace("__", ".")
        assert dotted in values, dotted
        values[dotted] = value
    return values


def _post_settings(client: httpx.Client, own: Own, **changes: str) -> httpx.Response:
    page = client.get(f"/w/{WORKSPACE}/settings")
    assert page.status_code == 200
    data = {**_form(own.workspace.config(), **changes), "csrf": csrf_of(page.text)}
    return client.post(f"/w/{WORKSPACE}/settings", data=data)


def _csrf(client: httpx.Client, path: str = "/") -> str:
    return csrf_of(client.get(path).text)


# -- settings ---------------------------------------------------------------------------------
def test_the_settings_page_shows_every_setting_labelled(own: Own) -> None:
    page = own.web.login(MANAGER).get(f"/w/{WORKSPACE}/settings")
    assert page.status_code == 200
    for label in ("Objective", "Target audience", "Timezone", "Weekly hours", "Minutes per day",
                  "Posts per week", "Reply rate"):  # fmt: skip
        found = re.search(rf'<label for="([\w-]+)">{label}</label>', page.text)
        assert found, label
        assert f'id="{found.group(1)}"' in page.text  # the label names a field
    assert "Allowed: a number from 0.25 to 168." in page.text
    assert 'href="/w/settings-ws/members"' not in page.text  # a manager: no members link
    assert str(own.web.root) not in page.text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"targets__weekly_hours": "500"},
         "rapport.toml: targets.weekly_hours = 500: expected a number from 0.25 to 168"),
        ({"targets__weekly_hours": "many"},
         "rapport.toml: targets.weekly_hours = &#39;many&#39;: expected a number from 0.25 to 168"),
        ({"targets__max_gap_days": "2.5"},
         "targets.max_gap_days = 2.5: expected a whole number from 1 to 365"),
        ({"care__minutes_per_day": "nan"},
         "care.minutes_per_day = nan: expected a number from 1 to 1440"),
        ({"timezone": "Europe/Pariss"}, "unknown time zone; did you mean &#39;Europe/Paris&#39;?"),
        ({"goal__objective": "fame"}, "goal.objective = &#39;fame&#39;: expected"),
        ({"targets__weekly_hours": "7.1234567"},
         "targets.weekly_hours = 7.1234567: rapport.toml keeps 7.12346; write that"),
    ],
)  # fmt: skip
def test_a_bad_value_shows_the_message_and_leaves_rapport_toml_byte_identical(
    own: Own, changes: dict[str, str], message: str
) -> None:
    before = own.toml
    client = own.web.login(OWNER)
    answer = _post_settings(client, own, **changes)
    assert answer.status_code == 400
    assert message in answer.text, answer.text[:3000]
    assert 'aria-invalid="true"' in answer.text  # the field in question is marked
    for value in changes.values():  # what was typed stays in the form
        assert value.replace("'", "&#39;") in answer.text
    assert str(own.web.root) not in answer.text  # no server folder in the message
    assert own.toml == before


def test_a_good_value_rewrites_rapport_toml_and_the_cli_sees_it(own: Own) -> None:
    before = own.workspace.config()
    client = own.web.login(OWNER)
    answer = _post_settings(client, own, targets__weekly_hours="7.5", care__minutes_per_day="35",
                            timezone="Europe/Paris", goal__objective="leads",
                            goal__target_audience="Home bakers <b>in Lyon</b>")  # fmt: skip
    assert answer.status_code == 303, answer.text[:2000]
    assert answer.headers["location"] == f"/w/{WORKSPACE}/settings?saved=1"
    after = own.workspace.config()
    assert after.targets.weekly_hours == 7.5 and after.care.minutes_per_day == 35
    assert after.timezone == "Europe/Paris" and after.goal.objective == "leads"
    assert after.goal.target_audience == "Home bakers <b>in Lyon</b>"
    assert after.accounts == before.accounts and after.costs == before.costs  # the rest kept
    assert after.targets.posts_per_week == before.targets.posts_per_week
    status = invoke_json("status", "--workspace", own.workspace.root)
    assert status["objective"] == "leads" and status["timezone"]["name"] == "Europe/Paris"
    page = client.get(answer.headers["location"]).text
    assert "Saved." in page and 'value="7.5"' in page
    assert "Home bakers &lt;b&gt;in Lyon&lt;/b&gt;" in page
    log = own.web.app_db.audit_log(WORKSPACE, limit=5)
    change = f"targets.weekly_hours: {before.targets.weekly_hours:g} → 7.5"
    assert any(e.action == "settings changed" and change in e.detail
               and e.email == OWNER for e in log), log  # fmt: skip


def test_a_workspace_without_data_yet_has_settings_too(own: Own) -> None:
    admin = own.web.login(ADMIN)
    made = admin.post("/workspaces", data={"name": "settings-empty", "objective": "sales",
                                           "csrf": _csrf(admin)})  # fmt: skip
    assert made.status_code == 303
    empty = Workspace(own.web.root / "settings-empty")
    assert not empty.has_store()
    page = admin.get("/w/settings-empty/settings")
    assert page.status_code == 200
    data = {**_form(empty.config(), goal__objective="community", targets__posts_per_week="4"),
            "csrf": csrf_of(page.text)}  # fmt: skip
    saved = admin.post("/w/settings-empty/settings", data=data)
    assert saved.status_code == 303
    assert empty.config().goal.objective == "community"
    assert empty.config().targets.posts_per_week == 4
    assert not empty.has_store()  # no store made for it
    assert sorted(p.name for p in empty.root.iterdir()) == ["rapport.toml"]  # no temporary left


def test_settings_need_the_write_permission_and_the_token(own: Own) -> None:
    analyst = own.web.login(email("analyst"))
    assert analyst.get("/w/alpha/settings").status_code == 403
    assert own.web.login(email("owner", "beta")).get(f"/w/{WORKSPACE}/settings").status_code == 404
    before = own.toml
    manager = own.web.login(MANAGER)
    data = _form(own.workspace.config(), targets__weekly_hours="9")
    forged = manager.post(f"/w/{WORKSPACE}/settings", data={**data, "csrf": "forged"})
    assert forged.status_code == 403
    assert own.toml == before


# -- members ----------------------------------------------------------------------------------
def test_a_manager_cannot_open_members(own: Own) -> None:
    manager = own.web.login(email("manager"))
    assert manager.get("/w/alpha/members").status_code == 403
    csrf = _csrf(manager)
    refused = manager.post("/w/alpha/members", data={"email": "x@example.com", "role": "owner",
                                                     "csrf": csrf})  # fmt: skip
    assert refused.status_code == 403
    page = own.web.login(email("owner")).get("/w/alpha/members")
    assert page.status_code == 200
    for role in ("owner", "manager", "analyst", "client"):
        assert email(role) in page.text
    assert email("owner", "beta") not in page.text


def test_an_invitation_lets_a_new_person_set_their_password_and_join(own: Own) -> None:
    owner = own.web.login(OWNER)
    csrf = _csrf(owner, f"/w/{WORKSPACE}/members")
    newcomer = "newcomer@example.com"
    sent = owner.post(f"/w/{WORKSPACE}/members",
                      data={"email": newcomer, "role": "analyst", "csrf": csrf})  # fmt: skip
    assert sent.status_code == 200, sent.text[:2000]
    found = re.search(r'value="(http://[^"]+/invite/([\w-]+))"', sent.text)
    assert found, sent.text[:3000]
    link, token = found.group(1), found.group(2)
    assert link.startswith(own.web.url)
    stored = app_db_bytes(own.web.app_db)
    assert token.encode() not in stored and digest(token).encode() in stored  # kept hashed
    assert newcomer in owner.get(f"/w/{WORKSPACE}/members").text  # listed as invited
    assert token not in owner.get(f"/w/{WORKSPACE}/members").text  # the link is shown once

    stranger = own.web.client()
    form = stranger.get(f"/invite/{token}")
    assert form.status_code == 200
    assert f"Join {WORKSPACE}" in form.text and "analyst" in form.text
    short = stranger.post(f"/invite/{token}", data={"password": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.text
    joined = stranger.post(f"/invite/{token}", data={"password": "the newcomer's own secret"})
    assert joined.status_code == 303
    assert joined.headers["location"] == f"/login?next=/w/{WORKSPACE}/"
    assert stranger.get(f"/invite/{token}").status_code == 404  # once only
    assert stranger.post(f"/invite/{token}", data={"password": "x" * 20}).status_code == 404

    person = own.web.login(newcomer, "the newcomer's own secret")
    home = person.get("/").text
    assert f'href="/w/{WORKSPACE}/"' in home and "Your role: analyst" in home
    assert 'href="/w/alpha/"' not in home
    assert person.get(f"/w/{WORKSPACE}/care").status_code == 200
    assert person.get(f"/w/{WORKSPACE}/settings").status_code == 403
    log = [e.action for e in own.web.app_db.audit_log(WORKSPACE, limit=20)]
    assert "invitation sent" in log and "invitation accepted" in log


def test_an_existing_user_joins_at_once_and_a_wrong_invitation_is_not_found(own: Own) -> None:
    owner = own.web.login(OWNER)
    csrf = _csrf(owner, f"/w/{WORKSPACE}/members")
    added = owner.post(f"/w/{WORKSPACE}/members",
                       data={"email": email("client"), "role": "client", "csrf": csrf})  # fmt: skip
    assert added.status_code == 303
    assert "/invite/" not in owner.get(f"/w/{WORKSPACE}/members").text
    again = owner.post(f"/w/{WORKSPACE}/members",
                       data={"email": email("client"), "role": "owner", "csrf": csrf})  # fmt: skip
    assert again.status_code == 400 and "is a member already" in again.text
    bad = owner.post(f"/w/{WORKSPACE}/members",
                     data={"email": "not an email", "role": "client", "csrf": csrf})  # fmt: skip
    assert bad.status_code == 400 and "is not an email address" in bad.text
    client = own.web.login(email("client"))
    assert f'href="/w/{WORKSPACE}/"' in client.get("/").text
    assert own.web.client().get("/invite/not-an-invitation").status_code == 404
    # an invitation withdrawn stops working
    later = {"email": "later@example.com", "role": "client", "csrf": csrf}
    sent = owner.post(f"/w/{WORKSPACE}/members", data=later)
    token = re.search(r"/invite/([\w-]+)", sent.text)
    invitation = re.search(r'name="invitation_id" value="(\d+)"', sent.text)
    assert token and invitation
    gone = owner.post(f"/w/{WORKSPACE}/invitations/cancel",
                      data={"invitation_id": invitation.group(1), "csrf": csrf})  # fmt: skip
    assert gone.status_code == 303
    assert own.web.client().get(f"/invite/{token.group(1)}").status_code == 404


def _user_id(web: Web, who: str) -> str:
    found = web.app_db.user_by_email(who)
    assert found is not None
    return str(found[0].user_id)


def test_the_last_owner_cannot_be_removed_or_demoted(own: Own) -> None:
    web = own.web
    owner = web.login(OWNER)
    csrf = _csrf(owner, f"/w/{WORKSPACE}/members")
    me = _user_id(web, OWNER)
    removed = owner.post(f"/w/{WORKSPACE}/members/remove", data={"user_id": me, "csrf": csrf})
    assert removed.status_code == 400 and "last owner" in removed.text
    demoted = owner.post(f"/w/{WORKSPACE}/members/role",
                         data={"user_id": me, "role": "manager", "csrf": csrf})  # fmt: skip
    assert demoted.status_code == 400 and "last owner" in demoted.text
    users = {u.email: r for u, r in web.app_db.members(WORKSPACE)}
    assert users[OWNER] == "owner"
    # with a second owner, one of them may go
    manager = _user_id(web, MANAGER)
    promoted = owner.post(f"/w/{WORKSPACE}/members/role",
                          data={"user_id": manager, "role": "owner", "csrf": csrf})  # fmt: skip
    assert promoted.status_code == 303
    gone = owner.post(f"/w/{WORKSPACE}/members/remove", data={"user_id": manager, "csrf": csrf})
    assert gone.status_code == 303
    assert MANAGER not in {u.email for u, _r in web.app_db.members(WORKSPACE)}
    web.app_db.grant(int(manager), WORKSPACE, "manager")  # back as it was
    # someone of another workspace is no member here: not found, and untouched there
    beta_owner = _user_id(web, email("owner", "beta"))
    other = owner.post(f"/w/{WORKSPACE}/members/remove", data={"user_id": beta_owner, "csrf": csrf})
    assert other.status_code == 404
    assert web.app_db.role(int(beta_owner), "beta") == "owner"


# -- one's own password -----------------------------------------------------------------------
def test_a_password_change_revokes_every_old_session(own: Own) -> None:
    web = own.web
    who = "changes-password@example.com"
    user = web.app_db.add_user(who, hash_password(PASSWORD))
    web.app_db.grant(user.user_id, WORKSPACE, "client")
    new = "a brand new long password"
    try:
        first, second = web.login(who), web.login(who)
        page = first.get("/account")
        assert page.status_code == 200 and 'for="current">Current password<' in page.text
        csrf = csrf_of(page.text)
        wrong = first.post("/account", data={"current": "not it at all", "new": new,
                                             "csrf": csrf})  # fmt: skip
        assert wrong.status_code == 400 and "the current password is wrong" in wrong.text
        short = first.post("/account", data={"current": PASSWORD, "new": "short", "csrf": csrf})
        assert short.status_code == 400 and "at least 10 characters" in short.text
        assert second.get("/").status_code == 200  # nothing changed yet
        changed = first.post("/account", data={"current": PASSWORD, "new": new, "csrf": csrf})
        assert changed.status_code == 303 and changed.headers["location"] == "/login"
        for old in (first, second):  # both browsers are signed out on the server
            assert old.get("/").status_code == 303
            assert old.get(f"/w/{WORKSPACE}/").status_code == 303
        with web.client() as client:
            form = csrf_of(client.get("/login").text)
            old_login = {"email": who, "password": PASSWORD, "csrf": form, "next": "/"}
            stale = client.post("/login", data=old_login)
            assert stale.status_code == 401
        assert web.login(who, new).get("/").status_code == 200
        stored = web.app_db.user_by_email(who)
        assert stored is not None and new not in stored[1]
    finally:
        web.app_db.clear_failures(f"account:{who}")
        web.app_db.clear_failures("address:127.0.0.1")


# -- in Chromium ------------------------------------------------------------------------------
@pytest.mark.browser
def test_change_a_setting_with_a_bad_value_and_see_the_message(browser: Any, own: Own) -> None:
    web = own.web
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, web, OWNER)
    page.goto(f"{web.url}/w/{WORKSPACE}/")
    page.get_by_role("link", name="Settings", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{WORKSPACE}/settings")
    before = own.toml
    hours = page.get_by_label("Weekly hours")
    hours.fill("500")
    page.get_by_role("button", name="Save the settings").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "targets.weekly_hours = 500: expected a number from 0.25 to 168" in alert.inner_text()
    assert page.get_by_label("Weekly hours").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Weekly hours").input_value() == "500"
    assert own.toml == before
    found = page.evaluate(OVERFLOW)
    assert not found["scrolls"] and found["wide"] == [], found
    page.get_by_label("Weekly hours").fill("6")
    page.get_by_role("button", name="Save the settings").click()
    page.get_by_role("status").wait_for()
    assert page.get_by_role("status").inner_text() == "Saved."
    assert own.workspace.config().targets.weekly_hours == 6
    for path in (f"/w/{WORKSPACE}/members", "/account"):  # the other pages fit a phone too
        page.goto(f"{web.url}{path}")
        found = page.evaluate(OVERFLOW)
        assert not found["scrolls"] and found["wide"] == [], (path, found)
    assert [e for e in errors if "Content Security Policy" in e] == []
    context.close()
