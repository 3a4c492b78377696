"""The Publish page: the posts people wrote, planned on the calendar and sent at most once.

``GET /w/<ws>/publish`` lists the planned posts (waiting, held, failed, published,
cancelled) with what happened to each; owners and managers write a new one there, or from
a calendar slot (``/w/<ws>/publish/new?slot=N``: the slot's idea and reason are shown while
writing, and the box starts empty: rapport never writes the text). Sending the form drafts
the post (links get its UTM tags) and schedules it when it keeps the workspace's rules
(:mod:`rapport.strategy.publishing.rules`); a post that breaks one comes back with the
reasons, and is accepted only with "schedule anyway" and a reason, which the workspace's
audit log and the server's keep. A planned post can be cancelled; a held one (its time
passed while nothing ran) is released to go now, or cancelled.

The server's scheduler (:mod:`rapport.web.publisher`) publishes due Bluesky posts; Mastodon
keeps its own scheduled statuses. Everything goes through :mod:`rapport.api.publishing`,
as ``rapport publish`` does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from rapport.api.publishing import cancel_post, draft_post, release_held, schedule_post
from rapport.connectors.replies import LIMITS
from rapport.credentials import Connections
from rapport.errors import RapportError, UsageError
from rapport.store.scheduled import ScheduledPost, scheduled_post, scheduled_posts
from rapport.strategy.calendar import content_calendar
from rapport.strategy.publishing.rules import RuleBreak, check, known_posts, rules_of
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.publisher import Publisher
from rapport.web.render import render

__all__ = ["Form_", "PostShown", "register"]

_STATES = {
    "draft": "Draft (not scheduled)",
    "scheduled": "Scheduled",
    "sending": "Being sent",
    "failed": "Failed (will be tried again)",
    "held": "Held: its time passed while rapport was not running",
    "published": "Published",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class PostShown:
    """One planned post as the page shows it (times in the workspace's zone)."""

    post: ScheduledPost
    when: str
    state: str

    @property
    def open(self) -> bool:
        return self.post.state in ("draft", "scheduled", "held", "failed")


@dataclass(frozen=True)
class Form_:  # noqa: N801 (Form is FastAPI's)
    """What the writing form shows: the slot (its idea and reason), the values given, the
    rules a draft breaks, an error."""

    slot: int | None = None
    slot_title: str | None = None
    slot_when: str | None = None
    idea: str | None = None
    reason: str | None = None
    platform: str = ""
    text: str = ""
    at: str = ""
    draft: int | None = None
    breaks: tuple[RuleBreak, ...] = ()
    error: str | None = None


def _platforms(request: Request, workspace: str) -> tuple[str, ...]:
    folder = served_of(request).workspace(workspace)
    if folder is None:
        return ()
    try:
        connected = {c.platform for c in Connections(folder).all()}
    except RapportError:
        return ()
    return tuple(p for p in ("bluesky", "mastodon") if p in connected)


def _posts(request: Request, workspace: str) -> tuple[tuple[PostShown, ...], str]:
    with served_of(request).reading(workspace) as session:
        zone = session.zone
        posts = scheduled_posts(session.store)
    shown = tuple(
        PostShown(p, zone.local(p.scheduled_at).strftime("%a %Y-%m-%d %H:%M"), _STATES[p.state])
        for p in sorted(posts, key=lambda p: p.scheduled_at, reverse=True)
    )
    return shown, zone.name


def _slot_form(request: Request, workspace: str, slot: int) -> Form_:
    with served_of(request).reading(workspace) as session:
        today = session.zone.local(dt.datetime.now(dt.UTC)).date()
        slots = content_calendar(session, today=today).slots
        zone = session.zone
    if not 1 <= slot <= len(slots):
        raise UsageError(f"slot {slot}: the calendar has slots 1 to {len(slots)}")
    chosen = slots[slot - 1]
    return Form_(
        slot=slot, slot_title=chosen.title, idea=chosen.idea, reason=chosen.reason,
        slot_when=zone.local(chosen.start).strftime("%a %Y-%m-%d %H:%M"),
    )  # fmt: skip


def _page(
    request: Request, who: Member, form: Form_ | None = None, *, status: int = 200
) -> Response:
    posts, zone = _posts(request, who.workspace)
    platforms = _platforms(request, who.workspace)
    return render(request, "publish.html.jinja2", status=status, member=who, posts=posts,
                  zone=zone, platforms=platforms, form=form or Form_(), limits=LIMITS)  # fmt: skip


def _moment(request: Request, workspace: str, given: str) -> dt.datetime:
    """A ``datetime-local`` value, read in the workspace's zone."""
    try:
        naive = dt.datetime.fromisoformat(given.strip())
    except ValueError:
        raise UsageError(f"{given[:40]!r} is not a date and time", option="at") from None
    with served_of(request).reading(workspace) as session:
        zone = session.zone.zone
    return naive.replace(tzinfo=zone) if naive.tzinfo is None else naive


def _breaks(request: Request, workspace: str, post: int) -> tuple[RuleBreak, ...]:
    with served_of(request).reading(workspace) as session:
        found = scheduled_post(session.store, post)
        if found is None:
            return ()
        return check(at=found.scheduled_at, promotion=found.promotion,
                     others=known_posts(session, exclude=found.id),
                     rules=rules_of(session, around=found.scheduled_at))  # fmt: skip


def _by(who: Member) -> str:
    return who.session.user.email


def register(app: FastAPI) -> None:
    """Add the Publish pages, and the scheduler that publishes due posts."""
    app.state.publisher = Publisher(jobs=app.state.jobs, db=app.state.db, served=app.state.served)

    @app.get("/w/{workspace}/publish", response_class=HTMLResponse, openapi_extra=access("work"))
    def publish(request: Request, workspace: str) -> Response:
        return _page(request, member(request, workspace))

    @app.get(
        "/w/{workspace}/publish/new", response_class=HTMLResponse, openapi_extra=access("write")
    )
    def new_post(request: Request, workspace: str, slot: str = "") -> Response:
        who = member(request, workspace)
        try:
            form = _slot_form(request, workspace, int(slot)) if slot.strip() else Form_()
        except ValueError:
            return _page(request, who, Form_(error=f"slot {slot[:20]!r} is not a number"),
                         status=400)  # fmt: skip
        except RapportError as error:
            return _page(request, who, Form_(error=str(error)), status=400)
        return _page(request, who, form)

    @app.post("/w/{workspace}/publish", response_class=HTMLResponse,
              openapi_extra=access("write"))  # fmt: skip
    def write_post(
        request: Request,
        workspace: str,
        csrf: str = Form(""),
        platform: str = Form(""),
        text: str = Form(""),
        slot: str = Form(""),
        at: str = Form(""),
        draft: str = Form(""),
        override: str = Form(""),
        reason: str = Form(""),
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        values: dict[str, Any] = {"platform": platform, "text": text, "at": at}
        post: int | None = None
        try:
            if slot.strip():
                values = _slot_form(request, workspace, int(slot)).__dict__ | values
            post = int(draft) if draft.strip() else None
            if post is None:
                when = _moment(request, workspace, at) if at.strip() else None
                with served_of(request).exclusive(workspace) as folder:
                    made = draft_post(
                        workspace=folder, platform=platform, text=text,
                        slot=int(slot) if slot.strip() else None, at=when, by=_by(who),
                    )  # fmt: skip
                post = made.post.id
            breaks = () if override else _breaks(request, workspace, post)
            if breaks:
                form = Form_(**(values | {"draft": post, "breaks": breaks}))
                return _page(request, who, form, status=409)
            with served_of(request).exclusive(workspace) as folder:
                done = schedule_post(workspace=folder, post=post, override=bool(override),
                                     reason=reason, by=_by(who))  # fmt: skip
        except ValueError:
            form = Form_(**(values | {"error": "the slot or the draft is not a number"}))
            return _page(request, who, form, status=400)
        except RapportError as error:
            form = Form_(**(values | {"draft": post, "error": str(error)}))
            return _page(request, who, form, status=400)
        at_utc = f"{done.post.scheduled_at:%Y-%m-%d %H:%M} UTC"
        detail = f"post {post} ({done.post.platform}) at {at_utc}"
        if done.overridden:
            rules = ", ".join(b.rule for b in done.overridden)
            detail += f"; rules overridden ({rules}): {reason.strip()}"
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action="post scheduled", detail=detail)  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/publish#post-{post}", status_code=303)

    def change(
        request: Request, workspace: str, post: str, csrf: str, *, release: bool
    ) -> Response:
        who = member(request, workspace)
        check_csrf(request, who.session, csrf)
        if not post.isdigit():
            return _page(request, who, Form_(error=f"there is no post {post[:20]!r}"), status=404)
        try:
            with served_of(request).exclusive(workspace) as folder:
                if release:
                    release_held(workspace=folder, post=int(post), by=_by(who))
                else:
                    cancel_post(workspace=folder, post=int(post), by=_by(who))
        except RapportError as error:
            return _page(request, who, Form_(error=str(error)), status=400)
        action = "post released" if release else "post cancelled"
        db_of(request).audit(user_id=who.session.user.user_id, workspace=workspace,
                             action=action, detail=f"post {post}")  # fmt: skip
        return RedirectResponse(f"/w/{workspace}/publish#post-{post}", status_code=303)

    @app.post("/w/{workspace}/publish/{post}/cancel", openapi_extra=access("write"))
    def cancel(request: Request, workspace: str, post: str, csrf: str = Form("")) -> Response:
        return change(request, workspace, post, csrf, release=False)

    @app.post("/w/{workspace}/publish/{post}/release", openapi_extra=access("write"))
    def release(request: Request, workspace: str, post: str, csrf: str = Form("")) -> Response:
        return change(request, workspace, post, csrf, release=True)
