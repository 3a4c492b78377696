"""The daily care list (principles 4 and 5): who to answer, welcome, thank and re-engage today.

Four kinds of item, in this order of priority:

* **answer**: replies and mentions aimed at your own accounts that you never answered, from
  the last :data:`ANSWER_WINDOW_DAYS` days, oldest first, questions first within a day;
* **welcome**: people first seen in the last :data:`WELCOME_WINDOW_DAYS` days who engaged at
  least twice;
* **re_engage**: core community members silent for ``[care] quiet_after_days``, strongest
  ties (love score) first;
* **thank**: advocates (love score level), most active first.

A person is listed once (an answer to them is the care they get today; every unanswered
reply is still its own item). Each item costs the minutes in ``[costs]``; the list stops at
``[care] minutes_per_day`` and says what was left over. An item's id is a short hash of its
action and target (the reply; the person; for a thank the person and the quarter; for a
re-engagement the person and their last engagement), so it is the same in every run and after
every re-import; :func:`mark_done` records it in ``care_done`` and it never comes back.
Windows end at the data's last timestamp; the ages in reasons are counted from ``today``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from rapport.config import Config
from rapport.errors import UsageError
from rapport.store.plans import care_done_ids, record_care_done
from rapport.strategy.care_list.sources import (
    ANSWER_WINDOW_DAYS,
    WELCOME_WINDOW_DAYS,
    Sources,
    read_sources,
)
from rapport.strategy.care_list.text import ago, excerpt, item_link, person_link

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "ACTIONS",
    "ANSWER_WINDOW_DAYS",
    "WELCOME_WINDOW_DAYS",
    "CareItem",
    "CareList",
    "care_list",
    "fit",
    "item_id",
    "mark_done",
]

Action = Literal["answer", "welcome", "thank", "re_engage"]
ACTIONS: tuple[Action, ...] = ("answer", "welcome", "re_engage", "thank")
"""The actions in order of priority."""
_ACTION_WORDS = {
    "answer": "to answer", "welcome": "to welcome", "re_engage": "to re-engage",
    "thank": "to thank",
}  # fmt: skip
_KIND_WORDS = {
    "like": ("like", "likes"), "repost": ("repost", "reposts"), "quote": ("quote", "quotes"),
    "reply": ("reply", "replies"), "mention": ("mention", "mentions"),
    "save": ("save", "saves"), "share": ("share", "shares"),
}  # fmt: skip
STALE_AFTER = dt.timedelta(days=2)


def item_id(action: str, target: str) -> str:
    """The stable id of the item doing ``action`` for ``target``: 10 hex digits."""
    return hashlib.sha1(f"{action}\n{target}".encode()).hexdigest()[:10]


@dataclass(frozen=True)
class CareItem:
    """One thing to do for one person today: answer, welcome, thank or re-engage, with
    the reason, a link and the minutes it takes."""

    id: str
    action: Action
    person: str | None
    handle: str | None
    reason: str
    link: str | None
    minutes: float
    target: str
    """What the item is about: the reply's id, or the person (with a period or a date)."""
    at: dt.datetime
    """The moment it refers to: the reply, the first or the last engagement."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "action": self.action,
            "person": self.person,
            "handle": self.handle,
            "reason": self.reason,
            "link": self.link,
            "minutes": self.minutes,
            "target": self.target,
            "at": _iso(self.at),
        }


@dataclass(frozen=True)
class CareList:
    """Today's care list, within the minutes a day the workspace sets, and what did not
    fit."""

    items: list[CareItem]
    minutes_per_day: float
    left_over: list[CareItem] = field(default_factory=list)
    already_done: int = 0
    data_end: dt.datetime | None = None
    today: dt.datetime | None = None
    notes: list[str] = field(default_factory=list)
    timezone: str = "UTC"
    """The zone people read its times in (the workspace's)."""

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in :attr:`timezone`."""
        return moment.astimezone(ZoneInfo(self.timezone))

    @property
    def minutes(self) -> float:
        return round(sum(item.minutes for item in self.items), 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [
                {**item.to_dict(), "at_local": self.local(item.at).isoformat(timespec="minutes")}
                for item in self.items
            ],
            "timezone": self.timezone,
            "minutes": self.minutes,
            "minutes_per_day": self.minutes_per_day,
            "left_over": {
                "items": len(self.left_over),
                "minutes": round(sum(item.minutes for item in self.left_over), 2),
                "by_action": dict(Counter(item.action for item in self.left_over)),
            },
            "already_done": self.already_done,
            "data_end": _iso(self.data_end),
            "today": _iso(self.today),
            "notes": list(self.notes),
        }


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _now(today: dt.datetime | None) -> dt.datetime:
    if today is None:
        return dt.datetime.now(dt.UTC)
    return today.replace(tzinfo=dt.UTC) if today.tzinfo is None else today.astimezone(dt.UTC)


def _count(n: int, words: tuple[str, str]) -> str:
    one, many = words
    return f"a {one}" if n == 1 else f"{n} {many}"


def _joined(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


# -- items from rows --------------------------------------------------------------------------
def _answer(row: dict[str, Any], config: Config, now: dt.datetime) -> CareItem:
    quote = excerpt(row["text"])
    when = ago(row["occurred_at"], now)
    if row["is_question"]:
        verb = "asked"
    elif row["kind"] == "mention":
        verb = "mentioned you:"
    else:
        verb = "replied"
    said = f"{verb} '{quote}'" if quote else f"{verb.rstrip(':')} (no text)"
    target = str(row["interaction_id"])
    return CareItem(
        id=item_id("answer", target),
        action="answer",
        person=row["person_id"],
        handle=row["handle"],
        reason=f"{said} {when}, no answer yet",
        link=item_link(
            target,
            post_id=row["post_id"],
            post_url=row["post_url"],
            person_id=row["person_id"],
            person_url=row["person_url"],
            handle=row["handle"],
        ),
        minutes=config.costs.minutes_per_reply,
        target=target,
        at=row["occurred_at"],
    )


def _person_item(
    action: Action, row: dict[str, Any], target: str, reason: str, minutes: float, at: dt.datetime
) -> CareItem:
    person = str(row["person_id"])
    return CareItem(
        id=item_id(action, target),
        action=action,
        person=person,
        handle=row["handle"],
        reason=reason,
        link=person_link(person, url=row["person_url"], handle=row["handle"]),
        minutes=minutes,
        target=target,
        at=at,
    )


def _welcome(row: dict[str, Any], config: Config, now: dt.datetime) -> CareItem:
    kinds = [
        _count(int(row[f"n_{kind}"]), words)
        for kind, words in _KIND_WORDS.items()
        if row.get(f"n_{kind}")
    ]
    first = row["first_engaged_at"]
    reason = (
        f"new here: first engaged {ago(first, now)}; {row['engagements']} engagements in the "
        f"last {WELCOME_WINDOW_DAYS} days ({_joined(kinds)})"
    )
    return _person_item(
        "welcome", row, str(row["person_id"]), reason, config.costs.minutes_per_welcome, first
    )


def _quarter(moment: dt.datetime) -> str:
    return f"{moment.year}Q{(moment.month - 1) // 3 + 1}"


def _thank(row: dict[str, Any], config: Config, now: dt.datetime, end: dt.datetime) -> CareItem:
    last = row["last_engaged_at"]
    deep = int(row["replies"])
    talk = _count(deep, ("reply, mention or quote", "replies, mentions or quotes"))
    reason = (
        f"advocate: love score {row['love_score']:.1f} from {row['engagements']} engagements "
        f"in {row['active_weeks']} weeks ({talk}), last {ago(last, now)}"
    )
    target = f"{row['person_id']}@{_quarter(end)}"
    return _person_item("thank", row, target, reason, config.costs.minutes_per_thanks, last)


def _re_engage(row: dict[str, Any], config: Config, now: dt.datetime) -> CareItem:
    last = row["last_engaged_at"]
    days = max(0, (now - last).days)
    window = config.community.window_days
    reason = (
        f"core member: engaged in {row['core_weeks']} weeks of the last {window} days, "
        f"then quiet for {days} days (last on {last:%Y-%m-%d}, love score {row['love_score']:.1f})"
    )
    target = f"{row['person_id']}@{last:%Y-%m-%d}"
    return _person_item("re_engage", row, target, reason, config.costs.minutes_per_reengage, last)


def _candidates(
    sources: Sources, config: Config, now: dt.datetime, done: Iterable[str]
) -> tuple[list[CareItem], int]:
    """Every item not yet done, in priority order, each person once; and how many were done."""
    done = set(done)
    skipped = 0
    seen: set[str] = set()
    result: list[CareItem] = []

    def keep(items: Iterator[CareItem], *, once: bool) -> None:
        nonlocal skipped
        for item in items:
            if once and item.person in seen:
                continue
            if item.id in done:
                skipped += 1
                continue
            result.append(item)
            if item.person is not None:
                seen.add(item.person)

    waiting = sorted(
        sources.waiting,
        key=lambda r: (r["occurred_at"].date(), not r["is_question"], r["occurred_at"],
                       r["interaction_id"]),
    )  # fmt: skip
    keep((_answer(r, config, now) for r in waiting), once=False)
    newcomers = sorted(sources.newcomers, key=lambda r: (r["first_engaged_at"], r["person_id"]))
    keep((_welcome(r, config, now) for r in newcomers), once=True)
    drifting = sorted(sources.quiet_core, key=lambda r: (-r["love_score"], r["person_id"]))
    keep((_re_engage(r, config, now) for r in drifting), once=True)
    advocates = sorted(sources.advocates, key=lambda r: (-r["love_score"], r["person_id"]))
    keep((_thank(r, config, now, sources.data_end) for r in advocates), once=True)
    return result, skipped


def fit(candidates: list[CareItem], budget: float) -> tuple[list[CareItem], list[CareItem]]:
    """The items that fit in ``budget`` minutes, and those left over (both in priority order).

    Answers come first, oldest first; but the first welcome, re-engagement and thank-you keep
    a place when together they fit in half the budget, so that a long queue of replies does
    not crowd out the rest of the community day after day.
    """
    firsts: dict[str, CareItem] = {}
    for item in candidates:
        if item.action != "answer":
            firsts.setdefault(item.action, item)
    reserved = list(firsts.values())
    while reserved and sum(item.minutes for item in reserved) > budget / 2:
        reserved.pop()
    taken: set[int] = set()
    used = 0.0

    def take(items: Iterable[CareItem], limit: float) -> None:
        nonlocal used
        for item in items:
            if id(item) not in taken and used + item.minutes <= limit + 1e-9:
                taken.add(id(item))
                used += item.minutes

    answers = [item for item in candidates if item.action == "answer"]
    take(answers, budget - sum(item.minutes for item in reserved))
    take(reserved, budget)
    take(candidates, budget)
    chosen = [item for item in candidates if id(item) in taken]
    return chosen, [item for item in candidates if id(item) not in taken]


def _notes(
    sources: Sources, left: list[CareItem], budget: float, now: dt.datetime, taken: int
) -> list[str]:
    notes = []
    if left:
        counts = Counter(item.action for item in left)
        parts = [f"{counts[a]:,} {_ACTION_WORDS[a]}" for a in ACTIONS if counts[a]]
        minutes = round(sum(item.minutes for item in left), 2)
        notes.append(
            f"{len(left):,} more ({minutes:,g} min) did not fit in today's {budget:g} minutes: "
            f"{_joined(parts)}."
        )
    if sources.older_unanswered:
        one = sources.older_unanswered == 1
        notes.append(
            f"{sources.older_unanswered:,} {'reply' if one else 'replies'} older than "
            f"{ANSWER_WINDOW_DAYS} days {'is' if one else 'are'} still unanswered; the reply "
            f"metrics count {'it' if one else 'them'}, the list leaves {'it' if one else 'them'} "
            "out."
        )
    if not taken and not left:
        notes.append("Nobody is waiting: nothing to answer, welcome, thank or re-engage today.")
    if now - sources.data_end > STALE_AFTER:
        notes.append(
            f"Your data ends on {sources.data_end:%Y-%m-%d} ({ago(sources.data_end, now)}): "
            "import or pull fresh data for an up-to-date list."
        )
    return notes


def care_list(session: Session, *, today: dt.datetime | None = None) -> CareList:
    """Today's care list, capped at the config's ``care.minutes_per_day``."""
    config = session.config
    now = _now(today)
    budget = config.care.minutes_per_day
    sources = read_sources(session)
    if sources is None:
        return CareList(
            items=[],
            minutes_per_day=budget,
            today=now,
            notes=["No activity of your own accounts in the store yet: import your data first."],
            timezone=session.zone.name,
        )
    now = max(now, _now(sources.data_end))  # data newer than the clock (a synthetic world)
    candidates, skipped = _candidates(sources, config, now, care_done_ids(session.store))
    items, left = fit(candidates, budget)
    return CareList(
        items=items,
        minutes_per_day=budget,
        left_over=left,
        already_done=skipped,
        data_end=sources.data_end,
        today=now,
        notes=_notes(sources, left, budget, now, len(items)),
        timezone=session.zone.name,
    )


def mark_done(
    session: Session,
    item_id: str,
    *,
    today: dt.datetime | None = None,
    by: str | None = None,
    url: str | None = None,
) -> CareItem:
    """Record that the item was handled (``by`` whom, with the answer's ``url`` when it was
    answered from rapport); it never comes back. Returns the item.

    ``session`` must be open for writing. An id that is on no current list, or that was
    already marked done, is a :class:`~rapport.errors.UsageError`.
    """
    if session.read_only:
        raise UsageError("marking a care item done writes to the store: open a writing session")
    wanted = item_id.strip().lower()
    now = _now(today)
    done = care_done_ids(session.store)
    if wanted in done:
        raise UsageError(
            f"care item {wanted!r}: already marked done on {done[wanted]}; it does not come back"
        )
    config = session.config
    sources = read_sources(session)
    if sources is not None:
        now = max(now, _now(sources.data_end))
    candidates = _candidates(sources, config, now, done)[0] if sources else []
    found = next((item for item in candidates if item.id == wanted), None)
    if found is None:
        raise UsageError(
            f"care item {item_id!r}: no such item on the care list; run `rapport care` to see "
            "the current ids"
        )
    record_care_done(
        session.store, item_id=found.id, action=found.action, person_id=found.person,
        done_at=now, by=by, url=url,
    )  # fmt: skip
    return found
