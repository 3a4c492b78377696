"""The report's opening: the three to five things to do this week, each with its reason.

The evidence follows further down; this is what a business owner reads first. It is made
from the same care list and plan as the report's strategy part (one story): people waiting
for an answer first (they are the relationship), then the plan's current steps (the areas
to work on now), then the rest of the care list. With little to do, it says what would give
it more to say.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rapport.report.strategy import Strategy
from rapport.strategy.care_list import CareItem

__all__ = ["MOST", "ThisWeek", "ToDo", "this_week"]

MOST = 5
"""Never more than this many things: a week has only so many hours."""
_ACTIONS = {"answer": "Answer", "welcome": "Welcome", "thank": "Thank", "re_engage": "Re-engage"}


@dataclass(frozen=True)
class ToDo:
    """One thing to do this week and why, in one sentence each."""

    what: str
    why: str
    source: str
    """Where it comes from: ``care`` (today's care list) or ``plan`` (the plan shown)."""


@dataclass(frozen=True)
class ThisWeek:
    items: tuple[ToDo, ...]
    note: str | None = None
    """What would give this part more to say, when it has little."""


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def _care_item(item: CareItem) -> ToDo:
    who = f"@{item.handle}" if item.handle else (item.person or "someone")
    return ToDo(f"{_ACTIONS.get(item.action, item.action)} {who}", _sentence(item.reason), "care")


def _plan_item(step: Mapping[str, Any], title: str) -> ToDo:
    """A plan step: what to do; where it gets you, when, and the hours it takes."""
    hours = float(step.get("hours_per_week") or 0.0)
    effort = f"about {hours:,.1f} extra hours a week" if hours >= 0.05 else "no extra hours"
    reaches = str(step.get("reaches") or "your target")
    weeks = step.get("weeks_to_first")
    when = f" after about {float(weeks):,.0f} weeks" if isinstance(weeks, int | float) else ""
    why = f"It gets you to {reaches} in {title[:1].lower()}{title[1:]}{when}, for {effort}"
    return ToDo(_headline(str(step["action"])), _sentence(why), "plan")


def _headline(action: str) -> str:
    """The first clause of a plan step's action ("Turn 0.4 of your 1.6 promotions a week
    into other posts (…)"): what to do, without the detail that follows (the plan has it)."""
    text = " ".join(action.split()).rstrip(".")
    for mark in (": ", "; "):
        head = text.split(mark, 1)[0]
        if len(head) >= 20:
            text = head
    return text[:1].upper() + text[1:]


def this_week(found: Strategy) -> ThisWeek:
    """Up to :data:`MOST` things to do now, people waiting first, then the plan's current
    steps, then the rest of the care list."""
    care = found.care
    items = care.items if care else ()
    answers = [_care_item(i) for i in items if i.action == "answer"]
    others = [_care_item(i) for i in items if i.action != "answer"]
    shown = found.plan
    steps = (
        [_plan_item(x, shown.step_title(x)) for x in shown.current_steps() if x.get("action")]
        if shown
        else []
    )
    chosen = (answers[:3] + steps[:2] + others + answers[3:])[:MOST]
    notes = []
    if care is not None and not items:
        notes.append(" ".join(care.notes) if care.notes else "Nobody is waiting for an answer.")
    if shown is None:
        notes.append(
            "No plan yet: `rapport plan` picks the few areas to work on within your weekly "
            "hours, and they appear here."
        )
    elif not steps:
        waiting = shown.plan.get("skipped") or shown.plan.get("steps")
        notes.append(
            "The plan has no step to start now; “The plan” below says why for each area."
            if waiting
            else "The plan has no step to start now: every area it can reach is on target."
        )
    return ThisWeek(tuple(chosen), " ".join(notes) or None)
