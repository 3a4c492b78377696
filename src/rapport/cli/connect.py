"""``rapport connect``: keep a Mastodon or Bluesky account's credentials in the workspace
(encrypted, :mod:`rapport.credentials`), list and remove them; and the stored connection
``rapport pull mastodon|bluesky`` uses when no token or app password is given.

A secret is never a plain option's value (it would stay in the shell's history): it is read
from stdin (``--token-stdin``, ``--app-password-stdin``), else from the environment
(``RAPPORT_MASTODON_TOKEN``, ``RAPPORT_BLUESKY_APP_PASSWORD``), else asked for without echo
on a terminal.

A new connection is checked at once by a first sync (:func:`rapport.api.sync_connection`):

- the service refuses the token or app password (401, 403, a refused login): the connection
  is removed again, nothing is kept, exit code 2 with the way to fix it;
- anything else (the service can't be reached, a rate limit, a busy store): the connection
  is kept, as the web Data page keeps it, and the message says so; the next
  ``rapport pull`` or scheduled sync tries again.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from rapport.cli.app import connect_app
from rapport.cli.command import Waiting, asking, command, err, out, progress_bar, summary_table
from rapport.cli.terminal import clean
from rapport.credentials import (
    PLATFORM_TITLES,
    SCHEDULES,
    BlueskyCredentials,
    Connection,
    Connections,
    Credentials,
    MastodonCredentials,
    Platform,
)
from rapport.errors import (
    AuthenticationError,
    RapportError,
    RemoteError,
    UsageError,
    WorkspaceError,
)

if TYPE_CHECKING:
    from rapport.api import SyncResult
    from rapport.workspace import Workspace

__all__ = [
    "Connected",
    "connect_checked",
    "reconnect_hint",
    "secret_from",
    "show_connected",
    "stored_connection",
    "stored_sync",
    "usable",
]

TOKEN_VAR = "RAPPORT_MASTODON_TOKEN"
APP_PASSWORD_VAR = "RAPPORT_BLUESKY_APP_PASSWORD"
_EVERY_HELP = (
    "Sync by itself every HOURS hours (1, 3, 6, 12 or 24) while the web workplace "
    "(`rapport serve`) runs. Default: only when asked."
)


def reconnect_hint(connection: Connection) -> str:
    """How to give a connection new credentials, from the command line or the web."""
    if connection.platform != "bluesky":
        again = f"rapport connect {connection.platform} --reconnect {connection.connection_id}"
    else:
        again = f"rapport connect bluesky --handle {connection.account}"
        if connection.address != "https://bsky.social":
            again += f" --service {connection.address}"
        again += f" --reconnect {connection.connection_id}"
    return (
        f'give it new credentials with `{again}`, or with "Reconnect" on the web '
        "workplace's Data page"
    )


def _terminal() -> bool:
    """True when a person is there to answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def secret_from(what: str, *, from_stdin: bool, variable: str, flag: str) -> str:
    """The secret from stdin, else ``$variable``, else asked for without echo."""
    if from_stdin:
        text = sys.stdin.readline().strip()
        if not text:
            raise UsageError(
                f"{flag}: stdin gave no {what}; pipe it in, e.g. from a password manager"
            )
        return text
    given = os.environ.get(variable, "").strip()
    if given:
        return given
    if not _terminal():
        raise UsageError(
            f"no {what}: pipe it in with {flag}, set ${variable}, or run the command on a "
            "terminal to be asked for it (it is never a plain option: it would stay in the "
            "shell's history)"
        )
    with asking():
        return str(typer.prompt(f"{what[0].upper()}{what[1:]}", hide_input=True))


def usable(workspace: Workspace) -> None:
    """A broken rapport.toml or a path that is a file is refused before anything is kept."""
    workspace.config()
    if workspace.root.exists() and not workspace.root.is_dir():
        raise WorkspaceError(workspace.root, problem="is a file, not a folder",
                             fix="choose the workspace folder")  # fmt: skip


@dataclass(frozen=True)
class Connected:
    """A new connection and its first sync."""

    result: SyncResult

    def to_dict(self) -> dict[str, Any]:
        return self.result.to_dict()


def show_connected(connected: Connected) -> None:
    connection, summary = connected.result.connection, connected.result.summary
    out.print(
        f"Connected {escape(connection.title)} ({escape(connection.address)}) as "
        f"{connection.connection_id}; the first sync stored {escape(connection.last_summary)}."
    )
    out.print(summary_table(summary))
    for notice in summary.notices:
        out.print(f"  note: {escape(notice)}")
    every = connection.every_hours
    out.print(
        "Daily use: `rapport pull " + connection.platform + "`"
        + (f"; it also syncs every {every} h while `rapport serve` runs." if every else ".")
    )  # fmt: skip


def _reconnect(
    workspace: Workspace,
    connection_id: str,
    credentials: Credentials,
    *,
    quiet: bool,
    on_wait: Waiting,
) -> Connected:
    """New credentials for a connection (its token was revoked, its app password changed):
    checked by a sync first; refused ones leave the connection as it was."""
    from rapport import api

    connections = Connections(workspace)
    connection = connections.get(connection_id.strip())
    before = connections.credentials(connection.connection_id)
    connections.replace(connection.connection_id, credentials)
    try:
        with progress_bar(not quiet, f"Checking {connection.title}") as step:
            result = api.sync_connection(
                connection.connection_id, workspace=workspace,
                progress=lambda label: step(label), on_wait=on_wait,
            )  # fmt: skip
    except AuthenticationError as error:
        connections.replace(connection.connection_id, before)
        raise AuthenticationError(
            f"{connection.title} ({connection.address})",
            problem=f"{error.problem}; the connection keeps its old credentials",
            fix=error.fix,
        ) from None
    return Connected(result)


def connect_checked(
    workspace: Workspace,
    credentials: Credentials,
    *,
    every: int | None,
    quiet: bool,
    on_wait: Waiting,
    reconnect: str | None = None,
) -> Connected:
    from rapport import api

    if every not in SCHEDULES:
        raise UsageError(f"--every {every}: choose 1, 3, 6, 12 or 24 hours")
    workspace.create()  # as a first pull does: the folder and a rapport.toml if missing
    connections = Connections(workspace)
    if reconnect is not None:
        return _reconnect(workspace, reconnect, credentials, quiet=quiet, on_wait=on_wait)
    connection = connections.add(credentials, every_hours=every)
    try:
        with progress_bar(not quiet, f"Checking {connection.title}") as step:
            result = api.sync_connection(
                connection.connection_id, workspace=workspace,
                progress=lambda label: step(label), on_wait=on_wait,
            )  # fmt: skip
    except AuthenticationError as error:
        connections.remove(connection.connection_id)
        raise AuthenticationError(
            f"{connection.title} ({connection.address})",
            problem=f"{error.problem}; nothing was kept",
            fix=f"{error.fix}, then connect again",
        ) from None
    except RemoteError as error:
        raise RemoteError(
            error.service,
            problem=error.problem,
            fix=f"{error.fix}. The connection {connection.connection_id} was kept all the "
            f"same: the next `rapport pull {connection.platform}` (or scheduled sync) tries again",
        ) from None
    except RapportError:
        err.print(
            f"The connection {connection.connection_id} ({escape(connection.title)}) was kept; "
            f"its first sync failed, `rapport pull {connection.platform}` tries again."
        )
        raise
    return Connected(result)


@command(connect_app, "mastodon", show=show_connected, purpose="a first sync")
def connect_mastodon(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    instance: Annotated[str, typer.Option(help="The instance, e.g. https://mastodon.social.")] = "",
    token_stdin: Annotated[
        bool,
        typer.Option(
            "--token-stdin",
            help=f"Read the access token from stdin. Else ${TOKEN_VAR}, else it is asked for "
            "without echo. Create it under Preferences > Development > New application with the "
            "read and write:statuses scopes (write:statuses only to answer and publish from "
            "rapport).",
        ),
    ] = False,
    every: Annotated[int | None, typer.Option("--every", help=_EVERY_HELP)] = None,
    reconnect: Annotated[
        str | None,
        typer.Option(
            "--reconnect",
            metavar="ID",
            help="Give the connection ID new credentials (after a revoked token or a changed "
            "password): its schedule and history stay. Checked by a sync first.",
        ),
    ] = None,
) -> Connected:
    """Connect a Mastodon account: its access token is kept encrypted in the workspace, and
    checked at once by a first pull. A refused token is not kept; an unreachable instance
    keeps the connection, to try again later."""
    usable(workspace)
    token = secret_from("access token", from_stdin=token_stdin, variable=TOKEN_VAR,
                    flag="--token-stdin")  # fmt: skip
    if not instance.strip():
        if reconnect is None:
            raise UsageError("give the instance: --instance https://mastodon.social")
        instance = Connections(workspace).get(reconnect.strip()).address
    credentials = MastodonCredentials.of(instance=instance, token=token)
    return connect_checked(workspace, credentials, every=every, quiet=quiet, on_wait=on_wait,
                    reconnect=reconnect)  # fmt: skip


@command(connect_app, "bluesky", show=show_connected, purpose="a first sync")
def connect_bluesky(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    handle: Annotated[str, typer.Option(help="Your handle, e.g. shop.bsky.social.")],
    service: Annotated[str, typer.Option(help="Your PDS or entryway.")] = "https://bsky.social",
    app_password_stdin: Annotated[
        bool,
        typer.Option(
            "--app-password-stdin",
            help=f"Read the app password from stdin. Else ${APP_PASSWORD_VAR}, else it is asked "
            "for without echo. Create one in Bluesky: Settings > Privacy and security > App "
            "passwords.",
        ),
    ] = False,
    every: Annotated[int | None, typer.Option("--every", help=_EVERY_HELP)] = None,
    reconnect: Annotated[
        str | None,
        typer.Option(
            "--reconnect",
            metavar="ID",
            help="Give the connection ID new credentials (after a revoked token or a changed "
            "password): its schedule and history stay. Checked by a sync first.",
        ),
    ] = None,
) -> Connected:
    """Connect a Bluesky account: its app password is kept encrypted in the workspace, and
    checked at once by a first pull. A refused app password is not kept; an unreachable
    service keeps the connection, to try again later."""
    usable(workspace)
    password = secret_from("app password", from_stdin=app_password_stdin,
                       variable=APP_PASSWORD_VAR, flag="--app-password-stdin")  # fmt: skip
    credentials = BlueskyCredentials.of(handle=handle, app_password=password, service=service)
    return connect_checked(workspace, credentials, every=every, quiet=quiet, on_wait=on_wait,
                    reconnect=reconnect)  # fmt: skip


# -- listing and removing --------------------------------------------------------------------
@dataclass(frozen=True)
class Listed:
    """The workspace's connections (``--list``), or the one removed (``--remove``)."""

    connections: tuple[Connection, ...]
    removed: bool = False

    def to_dict(self) -> Any:
        if self.removed:
            return {"removed": self.connections[0].to_dict()}
        return [c.to_dict() for c in self.connections]


def _when(moment: dt.datetime | None) -> str:
    return f"{moment.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC" if moment else "never"


def _show_listed(listed: Listed) -> None:
    if listed.removed:
        (gone,) = listed.connections
        out.print(
            f"Removed {escape(gone.title)} ({escape(gone.address)}) and its credentials; "
            "the data it pulled stays in the workspace."
        )
        return
    if not listed.connections:
        out.print(
            "No connected accounts. Connect one with `rapport connect mastodon --instance URL` "
            "or `rapport connect bluesky --handle HANDLE`."
        )
        return
    for c in listed.connections:
        if c.last_sync_at is None:
            result = "not synced yet"
        elif c.failing:
            result = f"[red]failed[/]: {escape(c.last_error or '')}"
        else:
            result = f"went well: {escape(c.last_summary)}"
        schedule = f"every {c.every_hours} h" if c.every_hours else "when asked"
        out.print(
            f"[bold]{c.connection_id}[/]  {escape(c.title)} ({escape(c.address)})\n"
            f"  last sync: {_when(c.last_sync_at)}, {result}\n  syncs: {schedule}"
        )


@command(connect_app, show=_show_listed, callback=True)
def connect(
    workspace: Workspace,
    list_option: Annotated[
        bool, typer.Option("--list", help="List the connections (the default).")
    ] = False,
    remove: Annotated[
        str | None,
        typer.Option("--remove", metavar="ID", help="Remove a connection and its credentials."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking.")] = False,
) -> Listed:
    """Connected accounts: `rapport connect mastodon|bluesky` connects one; alone (or with
    --list) it lists them, never showing any part of a secret; --remove ID removes one."""
    usable(workspace)
    connections = Connections(workspace)
    if remove is None:
        if not workspace.root.is_dir():
            raise WorkspaceError(workspace.root, problem="no such workspace folder",
                                 fix="check the workspace path")  # fmt: skip
        return Listed(connections.all())
    if list_option:
        raise UsageError("--list and --remove: give one of them")
    found = connections.get(remove.strip())
    if not yes:
        if not _terminal():
            raise UsageError("--remove forgets the credentials for good: add --yes to confirm")
        with asking():
            typer.confirm(
                clean(f"Remove {found.title} ({found.address}) and its credentials?"), abort=True
            )
    return Listed((connections.remove(found.connection_id),), removed=True)


# -- the stored connection a pull uses -------------------------------------------------------
_PULL_SECRET: dict[Platform, tuple[str, str]] = {
    "mastodon": ("--token", TOKEN_VAR),
    "bluesky": ("--app-password", APP_PASSWORD_VAR),
    "instagram": ("--token", "RAPPORT_META_TOKEN"),
    "facebook": ("--token", "RAPPORT_META_TOKEN"),
    "youtube": ("--api-key", "RAPPORT_YOUTUBE_API_KEY"),
}
"""The secret option of ``rapport pull PLATFORM`` (for one pull, never stored) and its variable."""
_PULL_ACCOUNT: dict[Platform, tuple[str, str]] = {
    "mastodon": ("--instance", "--instance URL"),
    "bluesky": ("--handle", "--handle HANDLE"),
    "instagram": ("--account", ""),
    "facebook": ("--page", ""),
    "youtube": ("--channel", "--channel ID"),
}
"""The option of ``rapport pull PLATFORM`` that chooses among connections, and what
``rapport connect PLATFORM`` needs to be given."""


def stored_connection(
    workspace: Workspace, platform: Platform, *, account: str | None
) -> Connection:
    """The workspace's one connection of ``platform`` (matching ``account``, a handle, an
    instance or a connection id, when given); a usage error says what to do when there is
    none or several."""
    flag, variable = _PULL_SECRET[platform]
    option, needs = _PULL_ACCOUNT[platform]
    ours = [c for c in Connections(workspace).all() if c.platform == platform]
    if account:
        wanted = account.strip().lstrip("@").lower().rstrip("/")
        ours = [
            c for c in ours
            if wanted in (c.account.lower().lstrip("@"), c.address.rstrip("/"),
                          c.address.split("://")[-1], c.connection_id)
        ]  # fmt: skip
    if len(ours) == 1:
        return ours[0]
    title = PLATFORM_TITLES[platform]
    if not ours:
        how = f"rapport connect {platform}" + (f" {needs}" if needs else "")
        raise UsageError(
            f"no {flag} given and no {title} account{' ' + account if account else ''} is "
            f"connected in this workspace: connect it once with `{how}`, or give {flag} (or "
            f"${variable})"
        )
    names = ", ".join(f"{c.connection_id} ({c.title}, {c.address})" for c in ours)
    raise UsageError(
        f"{len(ours)} {title} accounts are connected: {names}; choose one with {option}"
    )


def stored_sync(
    workspace: Workspace,
    platform: Platform,
    *,
    account: str | None,
    quiet: bool,
    on_wait: Waiting,
) -> SyncResult:
    """Pull with the stored connection (said on stderr); a refused token names the
    connection and how to connect it again."""
    from rapport import api

    connection = stored_connection(workspace, platform, account=account)
    err.print(
        f"Using the stored connection {connection.connection_id}: {escape(connection.title)} "
        f"({escape(connection.address)})."
    )
    title = PLATFORM_TITLES[platform]
    try:
        with progress_bar(not quiet, f"Pulling {title}") as step:
            return api.sync_connection(
                connection.connection_id, workspace=workspace,
                progress=lambda label: step(label), on_wait=on_wait,
            )  # fmt: skip
    except AuthenticationError as error:
        raise AuthenticationError(
            f"{connection.title} ({connection.address}, connection {connection.connection_id})",
            problem=f"{error.problem}: the stored credentials were revoked or have expired",
            fix=reconnect_hint(connection),
        ) from None
