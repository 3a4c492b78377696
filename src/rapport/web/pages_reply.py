"""Answering a person from the care item page, at most once.

Owners and managers (``write``) post the answer they wrote with
:func:`rapport.api.reply_to_care_item`, which keeps the reply and the key it is sent with in
the store's outbox before sending, so that sending again after a failure is the same request
and never posts twice. The send is network I/O that writes to the workspace: it runs in the
server's thread pool (this route is synchronous), holding the workspace as this process's one
writer (:meth:`~rapport.web.served.Served.exclusive`), so that two posts of the same answer
queue and the second is refused as answered already.

After a post the browser goes to the reply's page (``/w/<ws>/care/<id>/reply``): the reply's
link and who marked the item done when; or, after a failure, the message, "Try again"
(the SAME queued text, taken from the outbox, never from the form) and "Cancel"
(:func:`rapport.api.cancel_queued_reply`). Everything is in the audit log; no page shows a
traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Form, HTTPException, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.api.replies import cancel_queued_reply, reply_to_care_item
from rapport.errors import RapportError, ReplyNotSent, UsageError
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.pages import care_item_page, known_item
from rapport.web.render import render
from rapport.web.reply_view import for_people, reply_state
from rapport.workspace import Workspace

__all__ = ["register"]

_log = logging.getLogger(__name__)
MAX_TEXT = 20_000
"""Characters of a reply read from the form at most (the platforms take far fewer)."""


def _refused(request: Request, who: Member, item_id: str, text: str, error: str) -> Response:
    """The care item page with the refusal over the box (and what was written, in it); or,
    for an item no longer on the list (answered already), the message alone."""
    try:
        known_item(request, who.workspace, item_id)
    except HTTPException:
        raise HTTPException(400, error) from None
    return care_item_page(request, who, item_id, status=400, reply_text=text, reply_error=error)


def register(app: FastAPI) -> None:
    """Add the reply routes to ``app``."""

    @app.post(
        "/w/{workspace}/care/{item_id}/reply",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def care_reply(
        request: Request,
        workspace: str,
        item_id: str,
        text: str = Form(""),
        resend: str = Form(""),
        csrf: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        item = item_id.strip().lower()
        written = text[:MAX_TEXT]
        if resend:  # "Try again": the text queued for the item, never the form's
            waiting = reply_state(served_of(request), workspace, item).entry
            if waiting is None or waiting.state == "sent":
                return RedirectResponse(f"/w/{workspace}/care/{item}/reply", status_code=303)
            written = waiting.text
        user = who.session.user
        db = db_of(request)
        try:
            with served_of(request).exclusive(workspace) as folder:
                replied = reply_to_care_item(
                    workspace=Workspace(folder.root), item_id=item, text=written, by=user.email
                )
        except ReplyNotSent as failed:
            db.audit(user_id=user.user_id, workspace=workspace, action="care reply failed",
                     detail=f"{item}: {for_people(str(failed))}")  # fmt: skip
            return RedirectResponse(f"/w/{workspace}/care/{item}/reply", status_code=303)
        except RapportError as error:  # refused before sending: nothing sent or stored
            return _refused(request, who, item, written if not resend else "", str(error))
        where = replied.url or replied.remote_id
        db.audit(user_id=user.user_id, workspace=workspace, action="care answered",
                 detail=f"{item} on {replied.platform}: {where}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/care/{item}/reply", status_code=303)

    @app.post(
        "/w/{workspace}/care/{item_id}/reply/cancel",
        response_class=HTMLResponse,
        openapi_extra=access("write"),
    )
    def care_reply_cancel(
        request: Request, workspace: str, item_id: str, csrf: str = Form("")
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        item = item_id.strip().lower()
        try:
            with served_of(request).exclusive(workspace) as folder:
                dropped = cancel_queued_reply(workspace=Workspace(folder.root), item_id=item)
        except UsageError as error:
            raise HTTPException(400, str(error)) from None
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="care reply cancelled",
                             detail=f"{item} on {dropped.platform}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/care/{item}#reply", status_code=303)

    @app.get(
        "/w/{workspace}/care/{item_id}/reply",
        response_class=HTMLResponse,
        openapi_extra=access("care"),
    )
    def care_reply_page(request: Request, workspace: str, item_id: str) -> Response:
        who = member(request, workspace)
        item = item_id.strip().lower()
        try:
            state = reply_state(served_of(request), workspace, item)
        except RapportError as error:  # no data yet
            raise HTTPException(404, str(error)) from None
        if state.entry is None and state.done is None:
            return RedirectResponse(f"/w/{workspace}/care/{item}", status_code=303)
        return render(request, "care_reply.html.jinja2", member=who, reply=state)
