"""``rapport publish``: the calendar becomes posts a person writes, published at most once."""

from __future__ import annotations

import datetime as dt
import getpass
from typing import TYPE_CHECKING, Annotated

import click
import typer
from rich.markup import escape
from rich.table import Table

from rapport.cli.app import publish_app
from rapport.cli.command import Waiting, asking, command, err, out

if TYPE_CHECKING:
    from rapport.api.publishing import Draft, DueRun, Reconciled, Scheduled
    from rapport.store.scheduled import ScheduledPost
    from rapport.workspace import Workspace

__all__: list[str] = []

PostArgument = Annotated[
    int, typer.Argument(help="The post's id, as `rapport publish list` shows it.")
]
OverrideOption = Annotated[
    bool,
    typer.Option(
        "--override", help="Accept the post although it breaks a rule (needs --reason; audited)."
    ),
]
ReasonOption = Annotated[
    str | None, typer.Option("--reason", help="Why the rule is overridden (kept in the audit log).")
]
NowOption = Annotated[
    str | None, typer.Option("--now", hidden=True, help="Act as if it were this time (testing).")
]


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _moment(text: str | None, workspace: Workspace, option: str) -> dt.datetime | None:
    """A time given on the command line: ISO 8601; without a zone, in the workspace's."""
    from rapport.errors import UsageError

    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        raise UsageError(
            f"{option} {text!r}: expected a time such as 2026-03-02T10:00 (in the workspace's "
            "zone) or 2026-03-02T09:00Z",
            option=option.lstrip("-"),
        ) from None
    if moment.tzinfo is None:
        from rapport.localtime import resolve

        zone = resolve(workspace.config().timezone).zone
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(dt.UTC)


def _local(post: ScheduledPost, workspace: Workspace | None = None) -> str:
    from rapport.localtime import resolve

    zone = resolve(workspace.config().timezone) if workspace is not None else None
    moment = post.scheduled_at if zone is None else zone.local(post.scheduled_at)
    return f"{moment:%a %Y-%m-%d %H:%M}" + (f" ({zone.name})" if zone else " UTC")


# -- rapport publish --due ---------------------------------------------------------------------
def _show_due(run: DueRun) -> None:
    for post in run.published:
        again = " (an earlier attempt had posted it)" if post.id in run.resumed else ""
        out.print(f"Published post {post.id} on {post.platform}{again}: {escape(post.url or '')}")
    for post in run.held:
        out.print(
            f"[yellow]Held[/yellow] post {post.id} ({post.platform}, due "
            f"{post.scheduled_at:%Y-%m-%d %H:%M} UTC): its time passed while rapport was not "
            f"running. Post it now with `rapport publish release {post.id}`, choose a time with "
            f"--at, or `rapport publish cancel {post.id}`."
        )
    for post, error in run.failed:
        out.print(f"[red]Not published[/red] post {post.id}: {escape(error)}")
    settled = _show_reconciled(run.reconciled) if run.reconciled is not None else False
    if not (run.published or run.held or run.failed or settled):
        out.print("Nothing is due.")


def _show_reconciled(done: Reconciled) -> bool:
    """What the Mastodon queues said; whether there was anything to say."""
    for post in done.published:
        out.print(
            f"Post {post.id} was published by Mastodon at {post.scheduled_at:%Y-%m-%d %H:%M} "
            "UTC (its scheduled status left the queue; the next pull brings it in)."
        )
    for post in done.cancelled:
        out.print(f"[yellow]Cancelled[/yellow] post {post.id}: {escape(post.error or '')}")
    for problem in done.unread:
        err.print(f"[yellow]Mastodon queue not read[/yellow] {escape(problem)}")
    return bool(done.published or done.cancelled or done.unread)


@command(publish_app, show=_show_due, callback=True, working="rapport publish: publishing…")
def publish(
    workspace: Workspace,
    due: Annotated[
        bool,
        typer.Option(
            "--due",
            help="Publish the posts whose time has come (for cron). Posts more than 15 minutes "
            "late are held, not backdated, and listed so you can decide. Exit code 0, even when "
            "posts are held or failed (the summary says which); 2 on bad input.",
        ),
    ] = False,
    now: NowOption = None,
    on_wait: Waiting | None = None,
) -> DueRun | None:
    """Posts from the content calendar: you write each one, rapport checks your rules,
    tags its links and publishes it once. Bluesky posts are published by `rapport publish
    --due` (run it from cron every few minutes); Mastodon keeps its own schedule (a post
    more than 5 minutes ahead; `--due` posts those due sooner and reads the queue back)."""
    from rapport.api.publishing import publish_due
    from rapport.errors import UsageError

    if not due:
        raise UsageError(
            "say what to do: `rapport publish --due`, or draft, schedule, list, edit, cancel, "
            "release (see `rapport publish --help`)"
        )
    return publish_due(
        workspace=workspace, now=_moment(now, workspace, "--now"), by=_who(), on_wait=on_wait
    )


# -- draft, schedule, list, edit, cancel, release ------------------------------------------------
def _show_draft(draft: Draft) -> None:
    post = draft.post
    out.print(f"Draft {post.id} for {post.platform}, {post.scheduled_at:%Y-%m-%d %H:%M} UTC.")
    if draft.idea or draft.reason:
        out.print(
            f"[dim]• idea: {escape(draft.idea or '')}\n• why: {escape(draft.reason or '')}[/dim]"
        )
    for link in post.links:
        out.print(f"Link (tagged): {escape(link)}")
    out.print(f"Accept it with `rapport publish schedule {post.id}`.")


def _from_editor(lines: list[str]) -> str:
    note = "# Lines starting with # are dropped. Write your post above them."
    with asking():
        written = click.edit("\n".join(["", note, *(f"# {line}" for line in lines)]) + "\n",
                             require_save=True)  # fmt: skip
    if written is None:
        return ""
    return "\n".join(line for line in written.splitlines() if not line.startswith("#")).strip()


@command(publish_app, "draft", show=_show_draft)
def draft(
    workspace: Workspace,
    platform: Annotated[str, typer.Option("--platform", help="bluesky or mastodon.")],
    slot: Annotated[
        int | None,
        typer.Option(
            "--slot", help="The calendar slot (1 = the first `rapport calendar` lists).", min=1
        ),
    ] = None,
    at: Annotated[
        str | None,
        typer.Option("--at", help="When, instead of a slot: 2026-03-02T10:00 (workspace's zone)."),
    ] = None,
    text: Annotated[str | None, typer.Option("--text", help="The post, as you wrote it.")] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Write the post in $EDITOR, with the slot's idea.")
    ] = False,
    connection: Annotated[
        str | None, typer.Option("--connection", help="The connection that posts.")
    ] = None,
    promotion: Annotated[
        bool | None,
        typer.Option(
            "--promotion/--no-promotion", help="Whether it promotes (default: the slot's kind)."
        ),
    ] = None,
    on_wait: Waiting | None = None,
) -> Draft:
    """Write a post for a calendar slot or a time: its links get UTM tags (so conversions
    trace back to it), nothing is sent yet. Every word is yours: rapport writes none."""
    from rapport.api.publishing import draft_post
    from rapport.errors import UsageError

    if (text is None) == (not editor):
        raise UsageError('write the post with --text "…" or --editor (one of them)', option="text")
    if editor:
        lines = []
        if slot is not None:
            from rapport import api

            with workspace.session(on_wait=on_wait) as session:
                slots = api.content_calendar(session).slots
            if 1 <= slot <= len(slots):
                chosen = slots[slot - 1]
                lines = [f"{chosen.title}", f"idea: {chosen.idea}", f"why: {chosen.reason}"]
        text = _from_editor(lines)
    assert text is not None
    return draft_post(
        workspace=workspace, platform=platform.strip().lower(), text=text, slot=slot,
        at=_moment(at, workspace, "--at"), connection_id=connection, promotion=promotion,
        by=_who(), on_wait=on_wait,
    )  # fmt: skip


def _show_scheduled(done: Scheduled) -> None:
    post = done.post
    where = ""
    if post.remote_scheduled_id:
        where = f" (scheduled status {post.remote_scheduled_id} on Mastodon)"
    elif post.platform == "mastodon" and post.state == "scheduled":
        where = " (due within 5 minutes: `rapport publish --due` posts it)"
    out.print(f"Post {post.id} is {post.state} for {post.scheduled_at:%Y-%m-%d %H:%M} UTC{where}.")
    if done.queue is not None:
        out.print(f"Mastodon queue: {done.queue}.")
    for rule in done.overridden:
        err.print(f"[yellow]Overridden ({rule.rule}):[/yellow] {escape(rule.reason)}")


@command(publish_app, "schedule", show=_show_scheduled)
def schedule(
    workspace: Workspace,
    post: PostArgument,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    now: NowOption = None,
    on_wait: Waiting | None = None,
) -> Scheduled:
    """Accept a draft: it is checked against your rules (promotion ceiling, cadence, gap
    between posts, from rapport.toml [targets]); one it breaks is refused with the reason,
    unless you --override it with a --reason (kept in the audit log)."""
    from rapport.api.publishing import schedule_post

    return schedule_post(
        workspace=workspace, post=post, override=override, reason=reason, by=_who(),
        now=_moment(now, workspace, "--now"), on_wait=on_wait,
    )  # fmt: skip


class _Listed:
    def __init__(
        self, posts: list[ScheduledPost], workspace: Workspace, remote: Reconciled | None
    ) -> None:
        self.posts = posts
        self.workspace = workspace
        self.remote = remote

    def to_dict(self) -> dict[str, object]:
        return {
            "posts": [p.to_dict() for p in self.posts],
            "remote": None if self.remote is None else self.remote.to_dict(),
        }


def _state(post: ScheduledPost) -> str:
    state = post.state + (" (override)" if post.override_rules else "")
    if post.remote_scheduled_id:
        state += f"\n[dim]Mastodon #{post.remote_scheduled_id}[/dim]"
    if post.error and post.state in ("cancelled", "held", "failed"):
        state += f"\n[dim]{escape(post.error)}[/dim]"
    return state


def _show_list(listed: _Listed) -> None:
    if listed.remote is not None:
        _show_reconciled(listed.remote)
    if not listed.posts:
        out.print("No posts yet: `rapport publish draft --slot 1 --platform bluesky --text …`.")
        return
    table = Table(show_edge=False, header_style="bold")
    for column in ("id", "when", "platform", "state", "post"):
        table.add_column(column)
    for post in listed.posts:
        text = post.text if len(post.text) <= 60 else post.text[:59] + "…"
        table.add_row(
            str(post.id), _local(post, listed.workspace), post.platform, _state(post),
            escape(text),
        )  # fmt: skip
    out.print(table)


@command(publish_app, "list", show=_show_list)
def list_(
    workspace: Workspace,
    remote: Annotated[
        bool,
        typer.Option(
            "--remote",
            help="First read the Mastodon queues: a scheduled status that left its queue "
            "after its time was published there, one that left before was cancelled there.",
        ),
    ] = False,
    now: NowOption = None,
    on_wait: Waiting | None = None,
) -> _Listed:
    """The planned posts: drafts, scheduled, held, published and cancelled, by time (a
    Mastodon post scheduled on the instance shows its scheduled status's id)."""
    from rapport.api.publishing import list_posts, reconcile_mastodon

    read = None
    if remote:
        moment = _moment(now, workspace, "--now")
        read = reconcile_mastodon(workspace=workspace, now=moment, on_wait=on_wait)
    with workspace.session(on_wait=on_wait) as session:
        return _Listed(list_posts(session), workspace, read)


@command(publish_app, "edit", show=_show_scheduled)
def edit(
    workspace: Workspace,
    post: PostArgument,
    text: Annotated[str | None, typer.Option("--text", help="The new text.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="The new time.")] = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    now: NowOption = None,
    on_wait: Waiting | None = None,
) -> Scheduled:
    """Change a post's text or time before it is sent; the rules are checked again."""
    from rapport.api.publishing import edit_post

    return edit_post(
        workspace=workspace, post=post, text=text, at=_moment(at, workspace, "--at"),
        override=override, reason=reason, by=_who(), now=_moment(now, workspace, "--now"),
        on_wait=on_wait,
    )  # fmt: skip


def _show_cancelled(post: ScheduledPost) -> None:
    out.print(f"Cancelled post {post.id}; it will not be published.")


@command(publish_app, "cancel", show=_show_cancelled)
def cancel(
    workspace: Workspace, post: PostArgument, on_wait: Waiting | None = None
) -> ScheduledPost:
    """Drop a post before it is published (a Mastodon scheduled status is deleted too)."""
    from rapport.api.publishing import cancel_post

    return cancel_post(workspace=workspace, post=post, by=_who(), on_wait=on_wait)


def _show_released(post: ScheduledPost) -> None:
    if post.state == "published":
        out.print(f"Published post {post.id}: {escape(post.url or post.remote_id or '')}")
    else:
        out.print(f"Post {post.id} is scheduled again for {post.scheduled_at:%Y-%m-%d %H:%M} UTC.")


@command(publish_app, "release", show=_show_released, working="rapport publish release: sending…")
def release(
    workspace: Workspace,
    post: PostArgument,
    at: Annotated[
        str | None, typer.Option("--at", help="Publish at this time instead of now.")
    ] = None,
    override: OverrideOption = False,
    reason: ReasonOption = None,
    now: NowOption = None,
    on_wait: Waiting | None = None,
) -> ScheduledPost:
    """Let a held post go (its time passed while rapport was not running): now, or --at a
    new time. The new time is checked against your rules."""
    from rapport.api.publishing import release_held

    return release_held(
        workspace=workspace, post=post, at=_moment(at, workspace, "--at"), override=override,
        reason=reason, by=_who(), now=_moment(now, workspace, "--now"), on_wait=on_wait,
    )  # fmt: skip
