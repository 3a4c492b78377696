"""The credentials of live connections (Mastodon, Bluesky, Instagram and Facebook
through Meta's Graph API, YouTube), encrypted at rest.

A workspace keeps its connections in ``connections.enc.json`` (:data:`FILE_NAME`, readable
by its owner only). Each connection has, in clear, what is not secret: the platform, the
account, the instance or service, when it was made, how often it syncs, when it last synced
and how that went. Its secret (a Mastodon access token; a Bluesky app password, and a
session to reuse; a Graph API token; a YouTube API key or OAuth token) is encrypted with
Fernet (AES-128-CBC and HMAC-SHA256, from the ``cryptography`` package), together with the
connection's id, so that a secret moved to another entry of the file is refused.

The key lives outside the workspaces, so that a copy of a workspace (a backup, an export, a
folder sent to someone) opens nothing. It is, in this order:

- the value of ``$RAPPORT_SECRET_KEY`` (:data:`KEY_VAR`), when set;
- the file ``$RAPPORT_KEY_FILE`` (:data:`KEY_FILE_VAR`), when set;
- the file ``$XDG_CONFIG_HOME/rapport/secret.key`` (by default
  ``~/.config/rapport/secret.key``).

A key file is made (mode 0600) the first time a connection is saved; one that others may
read is refused. Secrets are held as :class:`Secret` values, whose ``repr`` and ``str`` are
``***``: a log line, a traceback's message or a ``print`` never shows them.

What is here:

- :class:`Secret`, :class:`MastodonCredentials`, :class:`BlueskyCredentials`,
  :class:`GraphCredentials` (Instagram, Facebook), :class:`YouTubeCredentials`;
- :class:`Connection`: one connection's metadata, with no secret;
- :class:`Connections`: the file of one workspace (add, list, open, schedule, record a sync,
  remove);
- :func:`key_location`, :func:`load_key`: where the key is, and the key;
- :func:`sync_failures`: the connections of a workspace whose last sync failed;
- :class:`MastodonApps`: rapport's app registrations on Mastodon instances (OAuth), encrypted.
"""

from __future__ import annotations

from rapport.credentials.apps import APPS_FILE, MastodonApp, MastodonApps
from rapport.credentials.connections import (
    FILE_NAME,
    LOCK_NAME,
    SCHEDULES,
    Connection,
    Connections,
    sync_failures,
)
from rapport.credentials.key import KEY_FILE_VAR, KEY_VAR, Key, key_file, key_location, load_key
from rapport.credentials.secret import (
    DEFAULT_BLUESKY_SERVICE,
    PLATFORM_TITLES,
    PLATFORMS,
    BlueskyCredentials,
    Credentials,
    GraphCredentials,
    MastodonCredentials,
    MetaPlatform,
    Platform,
    Secret,
    YouTubeCredentials,
    renewed,
    service_address,
)

__all__ = [
    "APPS_FILE",
    "DEFAULT_BLUESKY_SERVICE",
    "FILE_NAME",
    "KEY_FILE_VAR",
    "KEY_VAR",
    "LOCK_NAME",
    "PLATFORMS",
    "PLATFORM_TITLES",
    "SCHEDULES",
    "BlueskyCredentials",
    "Connection",
    "Connections",
    "Credentials",
    "GraphCredentials",
    "Key",
    "MastodonApp",
    "MastodonApps",
    "MastodonCredentials",
    "MetaPlatform",
    "Platform",
    "Secret",
    "YouTubeCredentials",
    "key_file",
    "key_location",
    "load_key",
    "renewed",
    "service_address",
    "sync_failures",
]
