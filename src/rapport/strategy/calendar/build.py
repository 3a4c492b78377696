"""The content plan (principles 5, 6 and 7): dated slots that keep the cadence and the mix.

:func:`content_calendar` proposes ``weeks`` weeks of posts from ``start`` (by default the
Monday after the later of today and the data's last day):

* **cadence**: what the latest stored plan says (:mod:`rapport.strategy.calendar.cadence`):
  the current posts a week, and a cadence step's target from its start week; without a
  stored plan, ``[targets] posts_per_week``. Each week gets ⌊c⌋ or ⌈c⌉ posts;
* **times**: weekdays and hours whose 95 % interval of engagement rate lies above the overall
  mean (as the ``best_hour``/``best_weekday`` metrics judge it); where the data shows no such
  difference, sensible defaults, and the reason says so. Times are wall-clock time in the
  workspace's zone (rapport.toml ``timezone``), like the timing metrics; the ICS file holds
  the same instants in UTC, which every calendar app shows in its own local time;
* **mix**: one throwback every Thursday of a week with two posts or more; promotions never above
  ``[targets] max_promotional_share``, within every week and so over the whole calendar;
  the rest questions, evergreen resources, news shares and behind-the-scenes posts, weighted
  by how each kind performed (content-kind performance table);
* each slot says why it was chosen and offers an idea drawn from what worked.

:func:`to_ics` writes RFC 5545 text (opens in any calendar app), :func:`to_csv` a table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from rapport.config import Config
from rapport.errors import UsageError
from rapport.strategy.calendar.cadence import Cadence, planned_cadence
from rapport.strategy.calendar.evidence import read_evidence
from rapport.strategy.calendar.export import CSV_COLUMNS, csv_text, ics_text
from rapport.strategy.calendar.slots import (
    Evidence,
    Slot,
    clear_winners,
    plan_slots,
)
from rapport.strategy.calendar.words import KIND_LABELS, WEEKDAYS
from rapport.strategy.plan.stored import latest_plans

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "CSV_COLUMNS",
    "MAX_WEEKS",
    "Cadence",
    "Calendar",
    "Slot",
    "build_calendar",
    "content_calendar",
    "default_start",
    "planned_cadence",
    "to_csv",
    "to_ics",
]

MAX_WEEKS = 104


@dataclass(frozen=True)
class Calendar:
    """The content plan: dated slots for the coming weeks, the cadence and promotion
    ceiling they keep, and notes on where the timing comes from."""

    slots: list[Slot]
    start: dt.date
    weeks: int
    posts_per_week: float
    max_promotional_share: float
    timing: dict[str, str] = field(default_factory=dict)
    """Where days and hours come from: ``data`` or ``default``."""
    notes: list[str] = field(default_factory=list)
    current_posts_per_week: float | None = None
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    cadence: tuple[float, ...] = ()
    """Posts a week planned for each week (the plan's step raises it from its start week)."""
    plan_id: int | None = None
    """The stored plan the cadence follows (None: rapport.toml's target)."""
    timezone: str = "UTC"
    """The zone the slots' days and hours are in (an IANA name)."""

    @property
    def promotions(self) -> int:
        return sum(1 for slot in self.slots if slot.kind == "promo")

    @property
    def promotional_share(self) -> float | None:
        return self.promotions / len(self.slots) if self.slots else None

    def to_ics(self) -> str:
        """The plan as an iCalendar file (RFC 5545): one VEVENT per slot, UTC times (shown
        in local time by calendar apps), the zone named in ``X-WR-TIMEZONE``, CRLF."""
        return ics_text(
            self.slots, stamp=self.generated_at, name="rapport content plan", zone=self.timezone
        )

    def to_csv(self) -> str:
        """The plan as CSV with the columns in :data:`CSV_COLUMNS`, one row per slot."""
        return csv_text(self.slots)

    def write_ics(self, path: Path) -> Path:
        """Write :meth:`to_ics` to ``path`` (folders made as needed)."""
        return _write(path, self.to_ics())

    def write_csv(self, path: Path) -> Path:
        """Write :meth:`to_csv` to ``path`` (folders made as needed)."""
        return _write(path, self.to_csv())

    def to_dict(self) -> dict[str, Any]:
        def iso(moment: dt.datetime) -> str:
            return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

        return {
            "slots": [
                {
                    "start": iso(slot.start),
                    "end": iso(slot.end),
                    "start_local": slot.start.isoformat(timespec="minutes"),
                    "kind": slot.kind,
                    "reason": slot.reason,
                    "idea": slot.idea,
                    "title": slot.title,
                    "week": slot.week,
                    "weekday": WEEKDAYS[slot.start.weekday()],
                }
                for slot in self.slots
            ],
            "posts_per_week": self.posts_per_week,
            "cadence_per_week": [round(c, 4) for c in self.cadence],
            "plan_id": self.plan_id,
            "planned_posts": len(self.slots),
            "promotional_share": self.promotional_share,
            "max_promotional_share": self.max_promotional_share,
            "current_posts_per_week": (
                None
                if self.current_posts_per_week is None
                else round(self.current_posts_per_week, 2)
            ),
            "start": self.start.isoformat(),
            "weeks": self.weeks,
            "timezone": self.timezone,
            "timing": dict(self.timing),
            "notes": list(self.notes),
        }


def default_start(*, today: dt.date, data_end: dt.datetime | None) -> dt.date:
    """The Monday after the later of today and the data's last day."""
    later = max(today, data_end.astimezone(dt.UTC).date()) if data_end else today
    return later + dt.timedelta(days=7 - later.weekday())


def _notes(
    evidence: Evidence, slots: list[Slot], *, weeks: int, cadence: Cadence, ceiling: float
) -> list[str]:
    levels = sorted(set(round(c, 2) for c in cadence.per_week))
    pace = (
        f"{levels[0]:g} a week"
        if len(levels) == 1
        else f"{levels[0]:g} a week, then up to {levels[-1]:g}"
    )
    notes = [
        f"{len(slots)} posts over {weeks} week{'' if weeks == 1 else 's'}: {pace}.",
        *cadence.notes,
    ]
    promos = sum(1 for slot in slots if slot.kind == "promo")
    if promos:
        notes.append(
            f"{promos} promotions ({100 * promos / len(slots):.0f} % of posts), never above "
            f"your {100 * ceiling:.0f} % ceiling in any week."
        )
    elif ceiling > 0 and slots:
        smallest = min(n for n in _week_sizes(slots).values())
        notes.append(
            f"No promotions: in a week of {smallest} post{'' if smallest == 1 else 's'} one "
            "would be "
            f"{100 / smallest:.0f} % of them, above your {100 * ceiling:.0f} % ceiling; post "
            "more often or raise targets.max_promotional_share to fit one."
        )
    best_days = clear_winners(evidence.weekdays, evidence.overall_rate)
    best_hours = clear_winners(evidence.hours, evidence.overall_rate)
    if evidence.missing:
        notes.append(f"Days and hours are defaults: {evidence.missing}.")
    else:
        found = [f"{WEEKDAYS[s.slot]}s" for s in best_days] + [
            f"{s.slot:02d}:00" for s in best_hours
        ]
        if found:
            notes.append(
                "Your data shows clearly better times: " + ", ".join(found) + "; the plan "
                "uses them first."
            )
        else:
            notes.append(
                "No day or hour clearly does better in your data (no 95 % interval lies above "
                "the overall rate), so the plan spreads posts across the week at default hours."
            )
        lifts = [evidence.lift(kind) for kind in KIND_LABELS]
        worked = sorted((pair for pair in lifts if pair is not None), key=lambda p: -p[0])
        if worked:
            notes.append(
                "What worked, by engagement rate against your average: "
                + ", ".join(
                    f"{stat.kind} {lift:.1f}× ({stat.posts} posts)" for lift, stat in worked
                )
                + f"; a rate is engagements divided by {evidence.denominator}."
            )
    return notes


def _week_sizes(slots: list[Slot]) -> dict[int, int]:
    sizes: dict[int, int] = {}
    for slot in slots:
        sizes[slot.week] = sizes.get(slot.week, 0) + 1
    return sizes


def build_calendar(
    evidence: Evidence,
    config: Config,
    *,
    weeks: int = 4,
    start: dt.date,
    generated_at: dt.datetime | None = None,
    cadence: Cadence | None = None,
    timezone: str = "UTC",
) -> Calendar:
    """The plan for this evidence (no store needed: what :func:`content_calendar` runs);
    ``cadence`` is the stored plan's (:func:`~rapport.strategy.calendar.cadence.
    planned_cadence`), by default rapport.toml's target with no plan."""
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(
            f"weeks = {weeks}: give a whole number of weeks from 1 to {MAX_WEEKS}", option="weeks"
        )
    if cadence is None:
        cadence = planned_cadence(None, config, start=start, weeks=weeks)
    target = cadence.per_week[-1]
    ceiling = cadence.max_promotional_share
    slots = plan_slots(
        evidence,
        start=start,
        weeks=weeks,
        posts_per_week=cadence.per_week,
        max_promotional_share=ceiling,
        minutes_per_post=config.costs.minutes_per_post,
        zone=ZoneInfo(timezone),
    )
    overall = evidence.overall_rate
    timing = {
        "weekdays": "data" if clear_winners(evidence.weekdays, overall) else "default",
        "hours": "data" if clear_winners(evidence.hours, overall) else "default",
    }
    return Calendar(
        slots=slots,
        start=start,
        weeks=weeks,
        posts_per_week=target,
        max_promotional_share=ceiling,
        timing=timing,
        notes=[
            *_notes(evidence, slots, weeks=weeks, cadence=cadence, ceiling=ceiling),
            f"Days and hours are in {timezone}.",
        ],
        current_posts_per_week=evidence.current_posts_per_week,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
        cadence=cadence.per_week,
        plan_id=cadence.plan_id,
        timezone=timezone,
    )


def content_calendar(
    session: Session,
    *,
    weeks: int = 4,
    start: dt.date | None = None,
    today: dt.date | None = None,
) -> Calendar:
    """Dated slots for the next ``weeks`` weeks, at the latest stored plan's cadence; see the
    module docstring."""
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(
            f"weeks = {weeks}: give a whole number of weeks from 1 to {MAX_WEEKS}", option="weeks"
        )
    evidence = read_evidence(session)
    zone = session.zone
    if start is None:
        today = today or zone.local(dt.datetime.now(dt.UTC)).date()
        start = default_start(today=today, data_end=evidence.data_end)
    stored = latest_plans(session.store, n=1)
    cadence = planned_cadence(
        stored[0] if stored else None, session.config, start=start, weeks=weeks
    )
    return build_calendar(
        evidence, session.config, weeks=weeks, start=start, cadence=cadence, timezone=zone.name
    )


def to_ics(calendar: Calendar) -> str:
    """The plan as an iCalendar file (:meth:`Calendar.to_ics`)."""
    return calendar.to_ics()


def to_csv(calendar: Calendar) -> str:
    """The plan as CSV (:meth:`Calendar.to_csv`)."""
    return calendar.to_csv()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    return path
