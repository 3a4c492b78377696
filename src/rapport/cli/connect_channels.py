"""``rapport connect|pull instagram|facebook|youtube``: the platforms most small businesses
use, through their official APIs (Meta's Graph API, the YouTube Data API v3).

``connect`` keeps the credentials encrypted in the workspace (:mod:`rapport.credentials`)
and checks them at once by a first sync, as ``rapport connect mastodon`` does: a refused
token or key is not kept; an unreachable API keeps the connection, to try again. ``pull``
syncs the stored connection (or, with a token or key given for this pull only, pulls
without storing it). Secrets are never plain option values of ``connect`` (they would stay
in the shell's history): stdin, an environment variable, or a question without echo.
"""

from __future__ import annotations

from typing import Annotated

import typer

from rapport import api
from rapport.cli.app import connect_app, pull_app
from rapport.cli.command import Waiting, command, progress_bar
from rapport.cli.connect import (
    Connected,
    connect_checked,
    secret_from,
    show_connected,
    stored_sync,
    usable,
)
from rapport.cli.data import pulls_json, show_pulls
from rapport.credentials import (
    Connections,
    Credentials,
    GraphCredentials,
    YouTubeCredentials,
    renewed,
)
from rapport.errors import UsageError
from rapport.store import ImportSummary
from rapport.workspace import Workspace

__all__ = ["META_TOKEN_VAR", "YOUTUBE_KEY_VAR", "YOUTUBE_TOKEN_VAR"]

META_TOKEN_VAR = "RAPPORT_META_TOKEN"
YOUTUBE_KEY_VAR = "RAPPORT_YOUTUBE_API_KEY"
YOUTUBE_TOKEN_VAR = "RAPPORT_YOUTUBE_OAUTH_TOKEN"
_EVERY_HELP = (
    "Sync by itself every HOURS hours (1, 3, 6, 12 or 24) while the web workplace "
    "(`rapport serve`) runs. Default: only when asked."
)
_RECONNECT_HELP = (
    "Give the connection ID new credentials (after an expired token or a new key): its "
    "schedule and history stay. Checked by a sync first."
)
_API_URL_HELP = "The API's address: Meta's by default; a proxy or a test server otherwise."
_VERSION_HELP = "The Graph API version to ask for (Meta keeps each about two years)."
_TOKEN_STDIN_HELP = (
    f"Read the token from stdin. Else ${META_TOKEN_VAR}, else it is asked for without echo. "
    "A long-lived Page token or a system user's token (docs/sources/{doc}.md says how to get "
    "one in Meta Business Suite, and which permissions it needs)."
)


def _meta(
    platform: str,
    workspace: Workspace,
    *,
    account_id: str,
    token_stdin: bool,
    api_url: str,
    api_version: str,
    every: int | None,
    reconnect: str | None,
    quiet: bool,
    on_wait: Waiting,
) -> Connected:
    usable(workspace)
    token = secret_from("access token", from_stdin=token_stdin, variable=META_TOKEN_VAR,
                        flag="--token-stdin")  # fmt: skip
    credentials: Credentials = GraphCredentials.of(
        platform="instagram" if platform == "instagram" else "facebook",
        token=token, account_id=account_id, api_url=api_url, api_version=api_version,
    )  # fmt: skip
    if reconnect is not None and not (account_id or api_url or api_version):
        credentials = renewed(Connections(workspace).credentials(reconnect.strip()), token=token)
    return connect_checked(workspace, credentials, every=every, quiet=quiet, on_wait=on_wait,
                           reconnect=reconnect)  # fmt: skip


@command(connect_app, "instagram", show=show_connected, purpose="a first sync")
def connect_instagram(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    account: Annotated[
        str,
        typer.Option(
            metavar="ID",
            help="The Instagram professional account's id (1784…). Needed only when the token "
            "reaches several accounts.",
        ),
    ] = "",
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help=_TOKEN_STDIN_HELP.format(doc="instagram"))
    ] = False,
    api_version: Annotated[str, typer.Option(help=_VERSION_HELP)] = "",
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
    every: Annotated[int | None, typer.Option("--every", help=_EVERY_HELP)] = None,
    reconnect: Annotated[
        str | None, typer.Option("--reconnect", metavar="ID", help=_RECONNECT_HELP)
    ] = None,
) -> Connected:
    """Connect an Instagram professional (business or creator) account through Meta's Graph
    API: its media, comments with who wrote them, your replies, insights and follower
    counts. The token is kept encrypted and checked at once by a first pull."""
    return _meta("instagram", workspace, account_id=account, token_stdin=token_stdin,
                 api_url=api_url, api_version=api_version, every=every, reconnect=reconnect,
                 quiet=quiet, on_wait=on_wait)  # fmt: skip


@command(connect_app, "facebook", show=show_connected, purpose="a first sync")
def connect_facebook(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    page: Annotated[
        str,
        typer.Option(
            metavar="ID",
            help="The Facebook Page's id. Needed only when the token reaches several Pages.",
        ),
    ] = "",
    token_stdin: Annotated[
        bool, typer.Option("--token-stdin", help=_TOKEN_STDIN_HELP.format(doc="facebook"))
    ] = False,
    api_version: Annotated[str, typer.Option(help=_VERSION_HELP)] = "",
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
    every: Annotated[int | None, typer.Option("--every", help=_EVERY_HELP)] = None,
    reconnect: Annotated[
        str | None, typer.Option("--reconnect", metavar="ID", help=_RECONNECT_HELP)
    ] = None,
) -> Connected:
    """Connect a Facebook Page through Meta's Graph API: its posts, comments with who wrote
    them, the Page's replies, insights and follower counts. The token is kept encrypted
    and checked at once by a first pull."""
    return _meta("facebook", workspace, account_id=page, token_stdin=token_stdin,
                 api_url=api_url, api_version=api_version, every=every, reconnect=reconnect,
                 quiet=quiet, on_wait=on_wait)  # fmt: skip


@command(connect_app, "youtube", show=show_connected, purpose="a first sync")
def connect_youtube(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    channel: Annotated[
        str, typer.Option(metavar="ID", help="The channel's id (UC…) or its @handle.")
    ] = "",
    api_key_stdin: Annotated[
        bool,
        typer.Option(
            "--api-key-stdin",
            help=f"Read an API key from stdin. Else ${YOUTUBE_KEY_VAR}, else (without "
            "--oauth-token-stdin) it is asked for without echo. Create one in the Google Cloud "
            "console with the YouTube Data API v3 enabled (docs/sources/youtube.md).",
        ),
    ] = False,
    oauth_token_stdin: Annotated[
        bool,
        typer.Option(
            "--oauth-token-stdin",
            help=f"Read an OAuth access token from stdin instead (or ${YOUTUBE_TOKEN_VAR}).",
        ),
    ] = False,
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
    every: Annotated[int | None, typer.Option("--every", help=_EVERY_HELP)] = None,
    reconnect: Annotated[
        str | None, typer.Option("--reconnect", metavar="ID", help=_RECONNECT_HELP)
    ] = None,
) -> Connected:
    """Connect a YouTube channel through the Data API v3: its videos with statistics,
    comments and replies with their authors, your replies. Each sync uses a few units of
    the project's 10,000 a day (the summary says how many)."""
    usable(workspace)
    if api_key_stdin and oauth_token_stdin:
        raise UsageError("--api-key-stdin and --oauth-token-stdin: give one of them")
    oauth = ""
    key = ""
    if oauth_token_stdin:
        oauth = secret_from("OAuth access token", from_stdin=True, variable=YOUTUBE_TOKEN_VAR,
                            flag="--oauth-token-stdin")  # fmt: skip
    else:
        key = secret_from("API key", from_stdin=api_key_stdin, variable=YOUTUBE_KEY_VAR,
                          flag="--api-key-stdin")  # fmt: skip
    credentials: Credentials
    if reconnect is not None and not (channel or api_url):
        old = Connections(workspace).credentials(reconnect.strip())
        credentials = renewed(old, token=oauth, api_key=key)
    else:
        credentials = YouTubeCredentials.of(channel=channel, api_key=key, oauth_token=oauth,
                                            api_url=api_url)  # fmt: skip
    return connect_checked(workspace, credentials, every=every, quiet=quiet, on_wait=on_wait,
                           reconnect=reconnect)  # fmt: skip


# -- pulls -------------------------------------------------------------------------------------
@command(pull_app, "instagram", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_instagram(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    account: Annotated[
        str | None,
        typer.Option(metavar="ID", help="The account's id or @name (with several connected)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar=META_TOKEN_VAR,
            show_envvar=True,
            help="A Graph API token used for this pull only, never stored. Without it: the "
            "account connected with `rapport connect instagram`.",
        ),
    ] = None,
    api_version: Annotated[str, typer.Option(help=_VERSION_HELP)] = "",
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
) -> list[ImportSummary]:
    """Pull your Instagram professional account: media with counts and insights, comments
    and replies with who wrote them, your replies, follower counts. Daily use: connect once
    (`rapport connect instagram`), then `rapport pull instagram`."""
    if token is None:
        return [stored_sync(workspace, "instagram", account=account, quiet=quiet,
                            on_wait=on_wait).summary]  # fmt: skip
    with progress_bar(not quiet, "Pulling Instagram") as step:
        return [
            api.pull_instagram(
                workspace=workspace, token=token, account=account, api_url=api_url or None,
                api_version=api_version or None, progress=lambda label: step(label),
                on_wait=on_wait,
            )
        ]  # fmt: skip


@command(pull_app, "facebook", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_facebook(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    page: Annotated[
        str | None,
        typer.Option(metavar="ID", help="The Page's id or name (with several connected)."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar=META_TOKEN_VAR,
            show_envvar=True,
            help="A Page token used for this pull only, never stored. Without it: the Page "
            "connected with `rapport connect facebook`.",
        ),
    ] = None,
    api_version: Annotated[str, typer.Option(help=_VERSION_HELP)] = "",
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
) -> list[ImportSummary]:
    """Pull your Facebook Page: posts with counts and insights, comments and replies with
    who wrote them, the Page's replies, follower counts. Daily use: connect once (`rapport
    connect facebook`), then `rapport pull facebook`."""
    if token is None:
        return [stored_sync(workspace, "facebook", account=page, quiet=quiet,
                            on_wait=on_wait).summary]  # fmt: skip
    with progress_bar(not quiet, "Pulling Facebook") as step:
        return [
            api.pull_facebook(
                workspace=workspace, token=token, page=page, api_url=api_url or None,
                api_version=api_version or None, progress=lambda label: step(label),
                on_wait=on_wait,
            )
        ]  # fmt: skip


@command(pull_app, "youtube", show=show_pulls, to_json=pulls_json, purpose="a pull")
def pull_youtube(
    workspace: Workspace,
    quiet: bool,
    on_wait: Waiting,
    channel: Annotated[
        str | None,
        typer.Option(metavar="ID", help="The channel's id (UC…) or @handle."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar=YOUTUBE_KEY_VAR,
            show_envvar=True,
            help="An API key used for this pull only, never stored. Without it: the channel "
            "connected with `rapport connect youtube`.",
        ),
    ] = None,
    api_url: Annotated[str, typer.Option(help=_API_URL_HELP)] = "",
) -> list[ImportSummary]:
    """Pull your YouTube channel: videos with statistics, comment threads and replies with
    their authors, your replies. The summary says how many of the day's 10,000 quota units
    the pull used."""
    if api_key is None:
        return [stored_sync(workspace, "youtube", account=channel, quiet=quiet,
                            on_wait=on_wait).summary]  # fmt: skip
    if not channel:
        raise UsageError("which channel? give its id (UC…) or @handle", option="channel")
    with progress_bar(not quiet, "Pulling YouTube") as step:
        return [
            api.pull_youtube(
                workspace=workspace, channel=channel, api_key=api_key,
                api_url=api_url or None, progress=lambda label: step(label), on_wait=on_wait,
            )
        ]  # fmt: skip
