"""The settings pages: a workspace's rapport.toml as a form, its members and invitations, and
one's own password.

- **Settings** (``write``): every single-valued setting of rapport.toml (:func:`rapport.config.
  settings`) as a labelled field. A change is validated by the same pydantic model and
  worded by the same messages as the file itself (:func:`rapport.config.parse_config`): a
  bad value is answered 400 with the message beside its field and rapport.toml unchanged; a
  good one rewrites the file with :func:`rapport.config.render_config` (the accounts and
  every other setting kept), atomically, taking its turn with the workspace's writers.
- **Members** (``members``, owners): the members and their roles, add an existing user or
  invite a new one with a one-time link (``/invite/<token>``, where the person sets their own
  password), change a role, remove a member; never the last owner.
- **Account** (``signed_in``): change one's password (the current one first); every session
  of the account ends, and they log in again.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from rapport.config import (
    CONFIG_FILE,
    MAX_BYTES,
    OBJECTIVES,
    Config,
    parse_config,
    render_config,
    settings,
)
from rapport.errors import MISSING, ConfigError, RapportError, UsageError
from rapport.web.appdb import ROLES
from rapport.web.auth import COOKIE, MIN_PASSWORD
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of, signed_in
from rapport.web.members import (
    LastOwner,
    NotAMember,
    accept_invitation,
    add_existing,
    cancel_invitation,
    change_password,
    check_role,
    invitation,
    invite,
    pending_invitations,
    remove_member,
    set_role,
)
from rapport.web.render import render
from rapport.workspace import Workspace

__all__ = ["SECTIONS", "Field", "Section", "register", "settings_form"]

SECTIONS: tuple[tuple[str, str], ...] = (
    ("goal", "Goal"),
    ("", "Time zone"),
    ("targets", "Targets and effort"),
    ("care", "Care"),
    ("community", "Community"),
    ("costs", "Minutes per task"),
)
"""The form's sections, in order: rapport.toml's table, and its heading."""

_NUMBERS = ("number", "whole number")
_EMPTY_IS_UNSET = ("timezone", "goal.objective")


@dataclass(frozen=True)
class Field:
    """One setting as a form field."""

    key: str
    """The dotted name, as in rapport.toml and its messages (``targets.weekly_hours``)."""
    label: str
    help: str
    """What it means, and its range."""
    value: str
    """As shown in the field (what was posted, after a refused change)."""
    choices: tuple[str, ...] = ()
    long: bool = False
    number: bool = False

    @property
    def html_id(self) -> str:
        return "s-" + self.key.replace(".", "-")


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _current(config: Config, key: str) -> Any:
    found: Any = config
    for part in key.split("."):
        found = getattr(found, part)
    return found


def settings_form(config: Config, posted: Mapping[str, str] | None = None) -> list[Section]:
    """The settings of ``config`` as form sections (with ``posted`` values where given)."""
    by_section: dict[str, list[Field]] = {}
    for setting in settings():
        section, _, name = setting.key.rpartition(".")
        value = posted.get(setting.key) if posted is not None else None
        help_text = setting.description
        if setting.range:
            help_text += f" Allowed: {setting.range}."
        by_section.setdefault(section, []).append(
            Field(
                key=setting.key,
                label=name.replace("_", " ").capitalize(),
                help=help_text,
                value=value if value is not None else _shown(_current(config, setting.key)),
                choices=OBJECTIVES if setting.key == "goal.objective" else (),
                long=setting.key == "goal.target_audience",
                number=setting.kind in _NUMBERS,
            )
        )
    return [Section(title, tuple(by_section[key])) for key, title in SECTIONS if key in by_section]


def _typed(raw: str, *, number: bool) -> Any:
    """A posted value as rapport.toml would hold it: a number when it reads as one (so that
    the message shows ``500``, as for the file), else the text (refused with the range)."""
    text = raw.strip()
    if not number:
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


@dataclass(frozen=True)
class _Proposal:
    config: Config
    text: str
    """rapport.toml for ``config``, checked to read back as ``config``."""


def _proposed(config: Config, posted: Mapping[str, str]) -> _Proposal:
    """``config`` with the posted settings, validated by rapport.toml's own model and
    messages (a :class:`~rapport.errors.ConfigError` naming the key), and the file that
    holds it: refused when the file would not read back as those settings."""
    data = config.model_dump()
    for setting in settings():
        raw = posted.get(setting.key, "")
        value = _typed(raw, number=setting.kind in _NUMBERS)
        if setting.key in _EMPTY_IS_UNSET and value == "":
            value = None
        section, _, name = setting.key.rpartition(".")
        (data[section] if section else data)[name] = value
    path = Path(CONFIG_FILE)
    new = parse_config(data, path=path)
    text = render_config(new)
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise ConfigError(path, key="goal.target_audience", value=new.goal.target_audience,
                          fix=f"rapport.toml would be larger than {MAX_BYTES:,} bytes; "
                          "write it shorter")  # fmt: skip
    back = parse_config(tomllib.loads(text), path=path)
    for setting in settings():  # rapport.toml writes numbers to 6 significant digits
        wanted, kept = _current(new, setting.key), _current(back, setting.key)
        if wanted != kept:
            raise ConfigError(path, key=setting.key, value=wanted,
                              fix=f"rapport.toml keeps {_shown(kept)}; write that, or a "
                              "number with at most 6 significant digits")  # fmt: skip
    if back != new:
        raise ConfigError(path, key="accounts", value=MISSING,
                          fix="the accounts can't be written back as they are; edit "
                          "rapport.toml by hand")  # fmt: skip
    return _Proposal(new, text)


def _changes(before: Config, after: Config) -> str:
    """What changed, for the audit log (long text only by its key)."""
    changed = []
    for setting in settings():
        old, new = _current(before, setting.key), _current(after, setting.key)
        if old == new:
            continue
        if setting.key == "goal.target_audience":
            changed.append(setting.key)
        else:
            changed.append(f"{setting.key}: {_shown(old) or 'unset'} → {_shown(new) or 'unset'}")
    return "; ".join(changed)


def _write_config(workspace: Workspace, text: str) -> None:
    """Replace rapport.toml by ``text`` at once: a reader sees the old file or the new one,
    never half of it."""
    target = workspace.config_path
    fd, temporary = tempfile.mkstemp(prefix=".rapport-", suffix=".toml", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        if target.exists():
            Path(temporary).chmod(target.stat().st_mode & 0o777)
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _message(error: RapportError, workspace: Workspace) -> str:
    """The error's message, naming rapport.toml without the server's folders."""
    return str(error).replace(str(workspace.config_path), CONFIG_FILE)


def _settings_page(
    request: Request,
    who: Member,
    config: Config | None,
    *,
    status: int = 200,
    error: str | None = None,
    error_key: str | None = None,
    posted: Mapping[str, str] | None = None,
    saved: bool = False,
) -> Response:
    sections = settings_form(config, posted) if config is not None else []
    return render(request, "settings.html.jinja2", status=status, member=who, sections=sections,
                  error=error, error_key=error_key, saved=saved)  # fmt: skip


def _save_settings(request: Request, workspace: str, posted: dict[str, str]) -> Response:
    who = member(request, workspace)
    check_csrf(request, who.session, posted.get("csrf"))
    served = served_of(request)
    ws = served.workspace(workspace)
    if ws is None:  # member() checked it; gone meanwhile
        raise HTTPException(404, "no such workspace")
    try:
        current = ws.config()
    except RapportError as error:
        return _settings_page(request, who, None, status=409, error=_message(error, ws))
    try:
        proposal = _proposed(current, posted)
    except ConfigError as error:
        return _settings_page(request, who, current, status=400, error=_message(error, ws),
                              error_key=error.key, posted=posted)  # fmt: skip
    new = proposal.config
    if new == current:
        return RedirectResponse(f"/w/{workspace}/settings?saved=1", status_code=303)
    try:
        if ws.has_store():  # take its turn with the workspace's writers (and drop its cache)
            with served.writing(workspace, purpose="changing the settings"):
                _write_config(ws, proposal.text)
        else:
            _write_config(ws, proposal.text)
            served.forget(workspace)
    except RapportError as error:
        return _settings_page(request, who, current, status=409, error=_message(error, ws),
                              posted=posted)  # fmt: skip
    db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                         action="settings changed", detail=_changes(current, new))  # fmt: skip
    return RedirectResponse(f"/w/{workspace}/settings?saved=1", status_code=303)


def _members_page(
    request: Request,
    who: Member,
    *,
    status: int = 200,
    error: str | None = None,
    link: str | None = None,
    invited: str | None = None,
) -> Response:
    db = db_of(request)
    return render(request, "members.html.jinja2", status=status, member=who,
                  members=db.members(who.workspace), roles=ROLES, error=error, link=link,
                  invited=invited, invitations=pending_invitations(db, who.workspace),
                  log=[e for e in db.audit_log(who.workspace, limit=50)
                       if e.action.startswith(("member", "invitation"))][:10])  # fmt: skip


def _number(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise UsageError(f"no {what} was chosen") from None


def register(app: FastAPI) -> None:
    """Add the settings, members, invitation and account pages to ``app``."""

    # -- settings -------------------------------------------------------------------------------
    @app.get("/w/{workspace}/settings", response_class=HTMLResponse, openapi_extra=access("write"))
    def settings_page(request: Request, workspace: str, saved: str = "") -> Response:
        who = member(request, workspace)
        ws = served_of(request).workspace(workspace)
        if ws is None:
            raise HTTPException(404, "no such workspace")
        try:
            config = ws.config()
        except RapportError as error:  # a broken rapport.toml: say so, offer no form over it
            return _settings_page(request, who, None, error=_message(error, ws))
        return _settings_page(request, who, config, saved=saved == "1")

    @app.post("/w/{workspace}/settings", response_class=HTMLResponse, openapi_extra=access("write"))
    async def settings_save(request: Request, workspace: str) -> Response:
        form = await request.form()
        posted = {k: v for k, v in form.items() if isinstance(v, str)}
        return await run_in_threadpool(_save_settings, request, workspace, posted)

    # -- members --------------------------------------------------------------------------------
    @app.get("/w/{workspace}/members", response_class=HTMLResponse, openapi_extra=access("members"))
    def members_page(request: Request, workspace: str) -> Response:
        return _members_page(request, member(request, workspace))

    @app.post(
        "/w/{workspace}/members", response_class=HTMLResponse, openapi_extra=access("members")
    )
    def members_add(
        request: Request,
        workspace: str,
        email: str = Form(""),
        role: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        db = db_of(request)
        me = who.session.user.user_id
        try:
            chosen = check_role(role)
            added = add_existing(db, workspace=workspace, email=email, role=chosen)
            if added is None:
                made = invite(db, workspace=workspace, email=email, role=chosen, by=me)
        except UsageError as error:
            return _members_page(request, who, status=400, error=str(error))
        if added is not None:
            db.audit(user_id=me, workspace=workspace, action="member added",
                     detail=f"{added.email} as {chosen}")  # fmt: skip
            return RedirectResponse(f"/w/{workspace}/members", status_code=303)
        db.audit(user_id=me, workspace=workspace, action="invitation sent",
                 detail=f"{made.invitation.email} as {chosen}")  # fmt: skip
        # The link is shown once, on this answer (never in a redirect's address): only its
        # digest is kept.
        link = str(request.base_url).rstrip("/") + f"/invite/{made.token}"
        return _members_page(request, who, link=link, invited=made.invitation.email)

    @app.post(
        "/w/{workspace}/members/role", response_class=HTMLResponse, openapi_extra=access("members")
    )
    def members_role(
        request: Request,
        workspace: str,
        user_id: str = Form(""),
        role: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        db = db_of(request)
        try:
            target = _number(user_id, "member")
            chosen = check_role(role)
            email, before = set_role(db, workspace=workspace, user_id=target, role=chosen)
        except NotAMember as error:
            raise HTTPException(404, str(error)) from None
        except UsageError as error:
            return _members_page(request, who, status=400, error=str(error))
        db.audit(user_id=who.session.user.user_id, workspace=workspace,
                 action="member role changed", detail=f"{email}: {before} → {chosen}")  # fmt: skip
        if target == who.session.user.user_id and chosen != "owner":
            return RedirectResponse(f"/w/{workspace}/", status_code=303)  # no longer an owner
        return RedirectResponse(f"/w/{workspace}/members", status_code=303)

    @app.post(
        "/w/{workspace}/members/remove",
        response_class=HTMLResponse,
        openapi_extra=access("members"),
    )
    def members_remove(
        request: Request, workspace: str, user_id: str = Form(""), csrf: str = Form("")
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        db = db_of(request)
        try:
            target = _number(user_id, "member")
            email, role = remove_member(db, workspace=workspace, user_id=target)
        except NotAMember as error:
            raise HTTPException(404, str(error)) from None
        except (LastOwner, UsageError) as error:
            return _members_page(request, who, status=400, error=str(error))
        db.audit(user_id=who.session.user.user_id, workspace=workspace, action="member removed",
                 detail=f"{email} ({role})")  # fmt: skip
        if target == who.session.user.user_id:
            return RedirectResponse("/", status_code=303)
        return RedirectResponse(f"/w/{workspace}/members", status_code=303)

    @app.post(
        "/w/{workspace}/invitations/cancel",
        response_class=HTMLResponse,
        openapi_extra=access("members"),
    )
    def invitation_cancel(
        request: Request, workspace: str, invitation_id: str = Form(""), csrf: str = Form("")
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        db = db_of(request)
        try:
            number = _number(invitation_id, "invitation")
            gone = cancel_invitation(db, workspace=workspace, invitation_id=number)
        except NotAMember as error:
            raise HTTPException(404, str(error)) from None
        except UsageError as error:
            return _members_page(request, who, status=400, error=str(error))
        db.audit(user_id=who.session.user.user_id, workspace=workspace,
                 action="invitation withdrawn", detail=gone.email)  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/members", status_code=303)

    # -- invitations (the link is the credential: no session yet) -------------------------------
    gone_link = "this invitation link was used already, has expired or is not valid"

    @app.get("/invite/{invite_token}", response_class=HTMLResponse, openapi_extra=access("public"))
    def invitation_form(request: Request, invite_token: str) -> Response:
        found = invitation(db_of(request), invite_token)
        if found is None:
            raise HTTPException(404, gone_link)
        return render(request, "invite.html.jinja2", invitation=found[0], has_account=found[1],
                      token=invite_token, error=None, min_password=MIN_PASSWORD)  # fmt: skip

    @app.post("/invite/{invite_token}", response_class=HTMLResponse, openapi_extra=access("public"))
    def invitation_accept(
        request: Request, invite_token: str, password: str = Form("")
    ) -> Response:
        db = db_of(request)
        found = invitation(db, invite_token)
        if found is None:
            raise HTTPException(404, gone_link)
        try:
            accepted = accept_invitation(db, invite_token, password=password)
        except UsageError as error:
            return render(request, "invite.html.jinja2", status=400, invitation=found[0],
                          has_account=found[1], token=invite_token, error=str(error),
                          min_password=MIN_PASSWORD)  # fmt: skip
        if accepted is None:
            raise HTTPException(404, gone_link)
        user, invited = accepted
        db.audit(user_id=user.user_id, workspace=invited.workspace, action="invitation accepted",
                 detail=f"{user.email} as {invited.role}")  # fmt: skip
        return RedirectResponse(f"/login?next=/w/{invited.workspace}/", status_code=303)

    # -- one's own account ----------------------------------------------------------------------
    @app.get("/account", response_class=HTMLResponse, openapi_extra=access("signed_in"))
    def account(request: Request) -> Response:
        session = signed_in(request)
        return render(request, "account.html.jinja2", error=None, min_password=MIN_PASSWORD,
                      memberships=db_of(request).memberships(session.user.user_id))  # fmt: skip

    @app.post("/account", response_class=HTMLResponse, openapi_extra=access("signed_in"))
    def account_password(
        request: Request,
        current: str = Form(""),
        new: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        session = signed_in(request)
        check_csrf(request, session, csrf)
        db = db_of(request)
        try:
            change_password(db, session.user, current=current, new=new)
        except UsageError as error:
            return render(request, "account.html.jinja2", status=400, error=str(error),
                          min_password=MIN_PASSWORD,
                          memberships=db.memberships(session.user.user_id))  # fmt: skip
        db.audit(user_id=session.user.user_id, workspace=None, action="password changed")
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
