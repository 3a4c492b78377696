"""What the care item page shows to answer a person, and what a reply page shows after.

:func:`reply_box` decides, for one care item: whether rapport can post an answer to it (an
``answer`` item on Bluesky or Mastodon), whether the workspace has a connection for that
platform, the platform's limit, and the reply already waiting in the outbox (one that failed,
or that was written but not known to be sent), which the page offers to send again or to
cancel instead of a new box. rapport never writes any of the text: the box is empty until
the person writes in it (after a refusal it shows again what they wrote).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from rapport.connectors.replies import LIMITS, graphemes
from rapport.credentials import Connections
from rapport.errors import RapportError
from rapport.store.outbox import OutboxEntry, outbox_entry
from rapport.store.plans import CareDone, care_done_detail
from rapport.strategy.care_list import CareItem
from rapport.web.served import Served

__all__ = ["RETRY_NOTE", "ReplyBox", "ReplyState", "for_people", "reply_box", "reply_state"]

_log = logging.getLogger(__name__)
TITLES = {"bluesky": "Bluesky", "mastodon": "Mastodon"}
RETRY_NOTE = "; run the same command again"
"""Where the library's message for a failed send turns to the command line (cut off here:
the page offers "Try again" instead)."""


def for_people(message: str | None) -> str:
    """A failed send's message as the page shows it (without the command-line advice)."""
    text = (message or "the reply could not be sent").split(RETRY_NOTE, 1)[0].strip()
    return text.rstrip(".")


@dataclass(frozen=True)
class ReplyBox:
    """The reply box of one care item (``platform`` None: rapport does not answer it)."""

    platform: str | None
    title: str
    limit: int
    counts: str
    """How the limit counts: "characters as Bluesky counts them", "characters"."""
    connected: bool
    pending: OutboxEntry | None
    text: str = ""
    """What the person wrote, shown again after a refusal (never written by rapport)."""
    error: str | None = None
    size: int | None = None
    """How long ``text`` is, as the platform counts, after a refusal."""

    @property
    def pending_error(self) -> str:
        return for_people(self.pending.error if self.pending else None)


def _pending(served: Served, workspace: str, item_id: str) -> OutboxEntry | None:
    try:
        with served.reading(workspace) as session:
            return outbox_entry(session.store, item_id)
    except RapportError as error:  # no store yet: nothing waits
        _log.info("workspace %s: outbox: %s", workspace, type(error).__name__)
        return None


def reply_box(
    served: Served, workspace: str, item: CareItem, *, text: str = "", error: str | None = None
) -> ReplyBox:
    platform = item.target.partition(":")[0]
    if item.action != "answer" or platform not in LIMITS:
        return ReplyBox(None, "", 0, "", connected=False, pending=None)
    ws = served.workspace(workspace)
    try:
        connected = ws is not None and any(c.platform == platform for c in Connections(ws).all())
    except RapportError:  # an unreadable connections file: the Data page says why
        connected = False
    counts = "characters as Bluesky counts them" if platform == "bluesky" else "characters"
    size = None
    if text:
        size = graphemes(text.strip()) if platform == "bluesky" else len(text.strip())
    return ReplyBox(
        platform, TITLES[platform], LIMITS[platform], counts, connected,
        _pending(served, workspace, item.id), text, error, size,
    )  # fmt: skip


@dataclass(frozen=True)
class ReplyState:
    """A care item's reply as the outbox and the care list keep it."""

    item_id: str
    entry: OutboxEntry | None
    done: CareDone | None

    @property
    def title(self) -> str:
        return TITLES.get(self.entry.platform, self.entry.platform) if self.entry else ""

    @property
    def pending_error(self) -> str:
        return for_people(self.entry.error if self.entry else None)


def reply_state(served: Served, workspace: str, item_id: str) -> ReplyState:
    with served.reading(workspace) as session:
        return ReplyState(
            item_id, outbox_entry(session.store, item_id), care_done_detail(session.store, item_id)
        )
