"""Live pulls from platform APIs (Mastodon.py, the atproto SDK).

A connector fetches, turns what it fetched into canonical records with
:class:`~rapport.canonical.builder.BatchBuilder`, and returns a
:class:`~rapport.canonical.Batch` whose ``state`` holds the cursors for the next pull. It never
opens the store: :func:`rapport.api.pull_mastodon` and friends pass in the state the last pull
left and store data and new state in one transaction. Credentials are used for the pull only
and never stored.
"""

from rapport.connectors._graph_client import DEFAULT_VERSION as GRAPH_VERSION
from rapport.connectors._graph_client import GRAPH_URL, graph_address, graph_version

__all__ = ["GRAPH_URL", "GRAPH_VERSION", "YOUTUBE_URL", "graph_address", "graph_version"]

YOUTUBE_URL = "https://www.googleapis.com/youtube/v3"
"""The YouTube Data API v3 (a connection may name a test server or a proxy instead)."""
