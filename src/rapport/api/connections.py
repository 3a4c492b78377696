"""Live connections: sync a connected account with the credentials the workspace keeps for it.

A connection (:mod:`rapport.credentials`) holds a Mastodon access token, a Bluesky app
password, a Graph API token (Instagram, Facebook) or a YouTube API key or OAuth token,
encrypted with a key kept outside the workspace. :func:`sync_connection` opens them with the
key, pulls the account exactly as :func:`~rapport.api.data.pull_mastodon` and the other
pulls do (incremental after the first pull), and notes the
outcome on the connection: when it ended, what it stored, or its message for people when it
failed. A failed sync stores nothing, and no message it leaves holds the secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapport.api.data import (
    Progress,
    Waiting,
    pull_bluesky,
    pull_facebook,
    pull_instagram,
    pull_mastodon,
    pull_youtube,
)
from rapport.credentials import (
    BlueskyCredentials,
    Connection,
    Connections,
    Credentials,
    GraphCredentials,
    MastodonCredentials,
    YouTubeCredentials,
)
from rapport.errors import RapportError, RemoteError, UsageError
from rapport.store import ImportSummary
from rapport.workspace import Workspace

__all__ = ["SyncResult", "sync_connection", "sync_new_credentials"]

UNEXPECTED = "the sync stopped on an unexpected error (the log has the details); nothing was stored"


@dataclass(frozen=True)
class SyncResult:
    """One sync of a connection: the connection as noted after it, and what the pull stored."""

    connection: Connection
    summary: ImportSummary

    def to_dict(self) -> dict[str, Any]:
        return {"connection": self.connection.to_dict(), "summary": self.summary.to_dict()}


def _line(summary: ImportSummary) -> str:
    return ", ".join(
        f"{summary.total(what):,} {what}" for what in ("added", "updated", "unchanged", "rejected")
    )


def _hidden(text: str, credentials: Credentials) -> str:
    for secret in credentials.secrets().values():
        text = text.replace(secret, "***")
    return text


def _own_handle(
    workspace: Workspace, credentials: Credentials, on_wait: Waiting | None
) -> str | None:
    """The name of the account the credentials belong to, as the pull stored it (None
    where the store can't tell: several own accounts there and none matches)."""
    if isinstance(credentials, BlueskyCredentials):
        return credentials.handle
    with workspace.session(on_wait=on_wait) as session:
        rows = session.store.own_accounts()
    if isinstance(credentials, MastodonCredentials):
        found = [r for r in rows if r.account_id.startswith(f"mastodon:{credentials.instance}/")]
    else:
        found = [r for r in rows if r.platform == credentials.platform]
        wanted = (
            credentials.account_id
            if isinstance(credentials, GraphCredentials)
            else credentials.channel
        )
        if len(found) > 1 and wanted:
            found = [
                r
                for r in found
                if r.account_id.partition(":")[2] == wanted.lstrip("@")
                or r.handle.lstrip("@").lower() == wanted.lstrip("@").lower()
            ]
    return found[0].handle if len(found) == 1 else None


def session_keeping(
    workspace: Workspace, connection_id: str, credentials: BlueskyCredentials
) -> dict[str, Any]:
    """The ``saved``/``keep`` arguments that make a Bluesky login reuse the connection's
    session and keep the refreshed one (logins are limited per account per day)."""
    connections = Connections(workspace)
    return {
        "saved": credentials.session.reveal() if credentials.session else None,
        "keep": lambda session: connections.keep_session(connection_id, session),
    }


def _pull(
    credentials: Credentials,
    *,
    connection_id: str | None,
    workspace: Workspace,
    progress: Progress | None,
    on_wait: Waiting | None,
) -> ImportSummary:
    """Pull with ``credentials`` (a stored connection's, when ``connection_id`` is given:
    a Bluesky session is then reused and kept)."""
    if isinstance(credentials, MastodonCredentials):
        return pull_mastodon(
            workspace=workspace, instance=credentials.instance,
            token=credentials.token.reveal(), progress=progress, on_wait=on_wait,
        )  # fmt: skip
    if isinstance(credentials, GraphCredentials) and credentials.platform == "instagram":
        return pull_instagram(
            workspace=workspace, token=credentials.token.reveal(),
            account=credentials.account_id or None, api_url=credentials.api_url,
            api_version=credentials.api_version, progress=progress, on_wait=on_wait,
        )  # fmt: skip
    if isinstance(credentials, GraphCredentials):
        return pull_facebook(
            workspace=workspace, token=credentials.token.reveal(),
            page=credentials.account_id or None, api_url=credentials.api_url,
            api_version=credentials.api_version, progress=progress, on_wait=on_wait,
        )  # fmt: skip
    if isinstance(credentials, YouTubeCredentials):
        return pull_youtube(
            workspace=workspace, channel=credentials.channel,
            api_key=credentials.api_key.reveal() if credentials.api_key else None,
            oauth_token=credentials.oauth_token.reveal() if credentials.oauth_token else None,
            api_url=credentials.api_url, progress=progress, on_wait=on_wait,
        )  # fmt: skip
    keeping = (
        session_keeping(workspace, connection_id, credentials) if connection_id is not None else {}
    )
    return pull_bluesky(
        workspace=workspace, handle=credentials.handle,
        app_password=credentials.app_password.reveal(), service=credentials.service,
        progress=progress, on_wait=on_wait, **keeping,
    )  # fmt: skip


def sync_connection(
    connection_id: str,
    *,
    workspace: Workspace,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> SyncResult:
    """Pull a connected account now, with its stored credentials, and note the outcome on
    the connection.

    A wrong key, a refused token or app password, an unreachable service: the connection
    keeps the message (``last_error``, shown until a sync goes well), the error is raised,
    and the workspace's data is as it was."""
    connections = Connections(workspace)
    connection = connections.get(connection_id)
    try:
        credentials = connections.credentials(connection_id)
    except RapportError as error:
        connections.record_sync(connection_id, error=str(error))
        raise
    try:
        summary = _pull(
            credentials,
            connection_id=connection_id,
            workspace=workspace,
            progress=progress,
            on_wait=on_wait,
        )
    except RapportError as error:
        message = _hidden(str(error), credentials)
        connections.record_sync(connection_id, error=message)
        if message != str(error):  # never seen from the connectors; never let it through
            raise RemoteError(connection.address, problem=message, fix="try again later") from None
        raise
    except Exception:
        connections.record_sync(connection_id, error=UNEXPECTED)
        raise
    account = _own_handle(workspace, credentials, on_wait)
    noted = connections.record_sync(
        connection_id, error=None, summary=_line(summary), account=account
    )
    return SyncResult(noted or connection, summary)


def sync_new_credentials(
    credentials: Credentials,
    *,
    workspace: Workspace,
    replace: str | None = None,
    every_hours: int | None = None,
    progress: Progress | None = None,
    on_wait: Waiting | None = None,
) -> SyncResult:
    """Check new credentials by a first sync, and keep them only when it went well.

    With ``replace`` (a connection's id, after its token or app password was refused or
    revoked), the connection gets them (:meth:`~rapport.credentials.Connections.replace`:
    its id, schedule and history stay, its last error goes); otherwise they make a new
    connection (a Mastodon account connected already gets them instead). A refused token or
    app password, an unreachable service: the error is raised, nothing of the credentials is
    kept, and a connection being replaced stays as it was."""
    connections = Connections(workspace)
    current = connections.get(replace) if replace is not None else None
    if current is not None and (
        current.platform != credentials.platform or current.address != credentials.address
    ):
        raise UsageError(
            f"connection {current.connection_id} is {current.title} on {current.address}: new "
            "credentials must be for the same account; connect another one instead"
        )
    try:
        summary = _pull(credentials, connection_id=None, workspace=workspace,
                        progress=progress, on_wait=on_wait)  # fmt: skip
    except RapportError as error:
        message = _hidden(str(error), credentials)
        if message != str(error):  # never seen from the connectors; never let it through
            raise RemoteError(credentials.address, problem=message, fix="try again") from None
        raise
    account = _own_handle(workspace, credentials, on_wait)
    if current is None and account:
        same = [
            c
            for c in connections.all()
            if (c.platform, c.address, c.account.lower()) == (
                credentials.platform, credentials.address, account.lower(),
            )
        ]  # fmt: skip
        current = same[0] if same else None
    if current is not None:
        if current.account and account and current.account.lower() != account.lower():
            raise UsageError(
                f"these credentials are @{account}'s, not those of {current.title}: nothing "
                "was changed; connect that account as a new one instead"
            )
        connection = connections.replace(current.connection_id, credentials)
    else:
        connection = connections.add(credentials, every_hours=every_hours)
    noted = connections.record_sync(
        connection.connection_id, error=None, summary=_line(summary), account=account
    )
    return SyncResult(noted or connection, summary)


def connection_for(
    workspace: Workspace, platform: str, connection_id: str | None, *, to: str, otherwise: str
) -> Connection:
    """The connection that acts on ``platform``: ``connection_id`` when given (refused when it
    is another platform's), else the workspace's one connection there. None, or several
    without a choice, is a UsageError; ``to`` says what it would do ("answer", "post") and
    ``otherwise`` what to do without one."""
    connections = Connections(workspace)
    if connection_id is not None:
        chosen = connections.get(connection_id)
        if chosen.platform != platform:
            raise UsageError(
                f"connection {connection_id!r} is a {chosen.platform} account, not {platform}",
                option="connection_id",
            )
        return chosen
    found = [c for c in connections.all() if c.platform == platform]
    if not found:
        raise UsageError(
            f"no {platform.title()} account is connected to this workspace, so rapport can't "
            f"{to} there; {otherwise}"
        )
    if len(found) > 1:
        ids = ", ".join(c.connection_id for c in found)
        raise UsageError(
            f"several {platform.title()} accounts are connected ({ids}): say which one should {to}",
            option="connection_id",
        )
    return found[0]
