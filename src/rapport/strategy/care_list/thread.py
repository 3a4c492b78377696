"""The context of a care item: the exchange a reply belongs to, and what the person did lately.

Before answering someone, people want to see what they answer: the post the reply is under,
the replies in between (theirs and yours), and what else this person has done with the
account lately. :func:`thread_of` reads them from the store for one item of the care list.
It reads only: the care list's ids and the store are untouched.

The chain is followed through ``in_reply_to_id`` (a post or an interaction, as the canonical
format says), up to :data:`MAX_DEPTH` steps; a step that leads to something the store does not
hold ends the chain with a note, never an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ibis

from rapport.errors import UsageError
from rapport.strategy.care_list.items import CareItem, care_list

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["MAX_DEPTH", "RECENT", "Said", "Thread", "care_thread", "thread_of"]

MAX_DEPTH = 8
"""How many replies up the chain are shown at most (the post it started from included)."""
RECENT = 6
"""How many of the person's other recent engagements are shown."""


@dataclass(frozen=True)
class Said:
    """One message or engagement in a thread: who, what kind, the text and when."""

    own: bool
    """Said by the workspace's own account."""
    who: str | None
    """The person's handle (None for the own account, or where the store has none)."""
    kind: str
    """``post``, ``reply``, ``mention``, ``quote``, ``like``, ``repost``, ``follow``…"""
    text: str | None
    at: dt.datetime | None
    ref: str
    """The post's or interaction's canonical id."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "own": self.own,
            "who": self.who,
            "kind": self.kind,
            "text": self.text,
            "at": _iso(self.at),
            "ref": self.ref,
        }


@dataclass(frozen=True)
class Thread:
    """What a care item is about, oldest first, and the person's recent engagements."""

    item: CareItem
    chain: tuple[Said, ...]
    """From the post the exchange started at to the item's own reply (answers only)."""
    recent: tuple[Said, ...]
    """The person's other engagements, newest first (at most :data:`RECENT`)."""
    engagements: int
    """How many engagements of this person the store holds in all."""
    notes: tuple[str, ...] = ()
    timezone: str = "UTC"
    """The zone people read its times in (the workspace's)."""

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in :attr:`timezone`."""
        return moment.astimezone(ZoneInfo(self.timezone))

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item.to_dict(),
            "chain": [s.to_dict() for s in self.chain],
            "recent": [s.to_dict() for s in self.recent],
            "engagements": self.engagements,
            "notes": list(self.notes),
            "timezone": self.timezone,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _moment(value: Any) -> dt.datetime | None:
    if value is None or value != value:  # NaT is not equal to itself
        return None
    moment: dt.datetime = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def _rows(session: Session, expr: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = session.backend.to_pyarrow(expr).to_pylist()
    return rows


def _handles(session: Session, person_ids: set[str]) -> dict[str, str]:
    if not person_ids:
        return {}
    people = session.tables.people
    expr = people.filter(people.person_id.isin(sorted(person_ids))).select("person_id", "handle")
    return {r["person_id"]: r["handle"] for r in _rows(session, expr) if r["handle"]}


def _interactions(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    t = session.tables.interactions
    cols = ("interaction_id", "kind", "person_id", "account_id", "post_id", "occurred_at", "text",
            "in_reply_to_id")  # fmt: skip
    expr = t.filter(t.interaction_id.isin(ids)).select(*cols)
    return {r["interaction_id"]: r for r in _rows(session, expr)}


def _posts(session: Session, ids: list[str]) -> dict[str, dict[str, Any]]:
    t = session.tables.posts
    cols = ("post_id", "account_id", "created_at", "text", "in_reply_to_id")
    expr = t.filter(t.post_id.isin(ids)).select(*cols)
    return {r["post_id"]: r for r in _rows(session, expr)}


def _chain(session: Session, start: str, own: frozenset[str]) -> tuple[list[Said], list[str]]:
    """Follow ``in_reply_to_id`` up from ``start``; the messages oldest first, and notes."""
    found: list[tuple[dict[str, Any], bool]] = []  # (row, is a post)
    notes: list[str] = []
    wanted: str | None = start
    seen: set[str] = set()
    while wanted is not None and len(found) < MAX_DEPTH:
        if wanted in seen:  # a loop in the data: say so and stop
            notes.append("The replies refer to each other in a loop; the chain stops there.")
            break
        seen.add(wanted)
        interactions = _interactions(session, [wanted])
        if wanted in interactions:
            row = interactions[wanted]
            found.append((row, False))
            wanted = row["in_reply_to_id"] or (row["post_id"] if row["post_id"] != wanted else None)
            continue
        posts = _posts(session, [wanted])
        if wanted in posts:
            row = posts[wanted]
            found.append((row, True))
            wanted = row["in_reply_to_id"]
            continue
        notes.append(
            "The message this replies to is not in the store (an export holds only the "
            "account's own side): open it on the platform to read the rest."
        )
        break
    else:
        if wanted is not None:
            notes.append(f"Only the last {MAX_DEPTH} messages of the thread are shown.")
    handles = _handles(
        session, {r["person_id"] for r, post in found if not post and r["person_id"]}
    )
    said: list[Said] = []
    for row, is_post in reversed(found):
        if is_post:
            said.append(Said(own=row["account_id"] in own, who=None, kind="post", text=row["text"],
                             at=_moment(row["created_at"]), ref=row["post_id"]))  # fmt: skip
        else:
            said.append(Said(own=False, who=handles.get(row["person_id"] or ""), kind=row["kind"],
                             text=row["text"], at=_moment(row["occurred_at"]),
                             ref=row["interaction_id"]))  # fmt: skip
    return said, notes


def _recent(session: Session, person: str, skip: set[str]) -> tuple[list[Said], int]:
    t = session.tables.interactions
    mine = t.filter(t.person_id == person)
    total = int(session.backend.execute(mine.count()))
    rows = _rows(
        session,
        mine.filter(~t.interaction_id.isin(sorted(skip)) if skip else ibis.literal(True))
        .order_by([ibis.desc("occurred_at"), "interaction_id"])
        .limit(RECENT)
        .select("interaction_id", "kind", "post_id", "occurred_at", "text"),
    )
    posts = _posts(session, sorted({r["post_id"] for r in rows if r["post_id"]}))
    handle = _handles(session, {person}).get(person)
    said = []
    for r in rows:
        text = r["text"]
        if not text and r["post_id"] in posts:  # a like or a repost: say of what
            text = posts[r["post_id"]]["text"]
        said.append(Said(own=False, who=handle, kind=r["kind"], text=text,
                         at=_moment(r["occurred_at"]), ref=r["interaction_id"]))  # fmt: skip
    return said, total


def thread_of(session: Session, item: CareItem, *, timezone: str = "UTC") -> Thread:
    """The context of ``item``: for an answer, the exchange from the first post to the reply;
    for every item, the person's other recent engagements."""
    own = frozenset(session.context.account_ids)
    chain: list[Said] = []
    notes: list[str] = []
    if item.action == "answer":
        chain, notes = _chain(session, item.target, own)
    recent: list[Said] = []
    total = 0
    if item.person:
        recent, total = _recent(session, item.person, {s.ref for s in chain})
    elif not chain:
        notes.append("The store does not say who this is, so there is no history to show.")
    return Thread(item=item, chain=tuple(chain), recent=tuple(recent), engagements=total,
                  notes=tuple(notes), timezone=timezone)  # fmt: skip


def care_thread(session: Session, item_id: str) -> Thread:
    """The context of the item ``item_id`` of today's care list (or of what did not fit).

    An id on neither is a :class:`~rapport.errors.UsageError`.
    """
    wanted = item_id.strip().lower()
    care = care_list(session)
    found = next((i for i in (*care.items, *care.left_over) if i.id == wanted), None)
    if found is None:
        raise UsageError(
            f"care item {item_id!r}: not on today's care list; run `rapport care` to see the "
            "current ids"
        )
    return thread_of(session, found, timezone=care.timezone)
