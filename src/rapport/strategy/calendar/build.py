"""The content plan (principles 5, 6 and 7): dated slots that keep the cadence and the mix.

:func:`content_calendar` proposes ``weeks`` weeks of posts from ``start`` (by default the
Monday after the later of today and the data's last day):

* **cadence**: ``[targets] posts_per_week`` each week (⌊c⌋ or ⌈c⌉ when fractional);
* **times**: weekdays and hours whose 95 % interval of engagement rate lies above the overall
  mean (as the ``best_hour``/``best_weekday`` metrics judge it); where the data shows no such
  difference, sensible defaults, and the reason says so. Times are UTC, like the metrics;
* **mix**: one throwback every Thursday; promotions never above
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

from rapport.config import Config
from rapport.errors import UsageError
from rapport.strategy.calendar.evidence import read_evidence
from rapport.strategy.calendar.export import CSV_COLUMNS, csv_text, ics_text
from rapport.strategy.calendar.slots import (
    Evidence,
    Slot,
    clear_winners,
    plan_slots,
)
from rapport.strategy.calendar.words import KIND_LABELS, WEEKDAYS

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = [
    "CSV_COLUMNS",
    "MAX_WEEKS",
    "Calendar",
    "Slot",
    "build_calendar",
    "content_calendar",
    "default_start",
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

    @property
    def promotions(self) -> int:
        return sum(1 for slot in self.slots if slot.kind == "promo")

    @property
    def promotional_share(self) -> float | None:
        return self.promotions / len(self.slots) if self.slots else None

    def to_ics(self) -> str:
        """The plan as an iCalendar file (RFC 5545): one VEVENT per slot, UTC times, CRLF."""
        return ics_text(self.slots, stamp=self.generated_at, name="rapport content plan")

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
            "timing": dict(self.timing),
            "notes": list(self.notes),
        }


def default_start(*, today: dt.date, data_end: dt.datetime | None) -> dt.date:
    """The Monday after the later of today and the data's last day."""
    later = max(today, data_end.astimezone(dt.UTC).date()) if data_end else today
    return later + dt.timedelta(days=7 - later.weekday())


def _notes(
    evidence: Evidence, slots: list[Slot], *, weeks: int, target: float, ceiling: float
) -> list[str]:
    notes = []
    cadence = f"{len(slots)} posts over {weeks} weeks: {target:g} a week, your target"
    if evidence.current_posts_per_week is not None:
        cadence += f" (your data shows {evidence.current_posts_per_week:.1f} a week)"
    notes.append(cadence + ".")
    promos = sum(1 for slot in slots if slot.kind == "promo")
    if promos:
        notes.append(
            f"{promos} promotions ({100 * promos / len(slots):.0f} % of posts), never above "
            f"your {100 * ceiling:.0f} % ceiling in any week."
        )
    elif ceiling > 0 and slots:
        smallest = min(n for n in _week_sizes(slots).values())
        notes.append(
            f"No promotions: in a week of {smallest} posts one would be "
            f"{100 / smallest:.0f} % of them, above your {100 * ceiling:.0f} % ceiling; post "
            "more often or raise targets.max_promotional_share to fit one."
        )
    best_days = clear_winners(evidence.weekdays, evidence.overall_rate)
    best_hours = clear_winners(evidence.hours, evidence.overall_rate)
    if evidence.missing:
        notes.append(f"Days and hours are defaults: {evidence.missing}.")
    else:
        found = [f"{WEEKDAYS[s.slot]}s" for s in best_days] + [
            f"{s.slot:02d}:00 UTC" for s in best_hours
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
) -> Calendar:
    """The plan for this evidence (no store needed: what :func:`content_calendar` runs)."""
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(
            f"weeks = {weeks}: give a whole number of weeks from 1 to {MAX_WEEKS}", option="weeks"
        )
    target = config.targets.posts_per_week
    ceiling = config.targets.max_promotional_share
    slots = plan_slots(
        evidence,
        start=start,
        weeks=weeks,
        posts_per_week=target,
        max_promotional_share=ceiling,
        minutes_per_post=config.costs.minutes_per_post,
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
        notes=_notes(evidence, slots, weeks=weeks, target=target, ceiling=ceiling),
        current_posts_per_week=evidence.current_posts_per_week,
        generated_at=generated_at or dt.datetime.now(dt.UTC),
    )


def content_calendar(
    session: Session,
    *,
    weeks: int = 4,
    start: dt.date | None = None,
    today: dt.date | None = None,
) -> Calendar:
    """Dated slots for the next ``weeks`` weeks; see the module docstring."""
    if not isinstance(weeks, int) or not 1 <= weeks <= MAX_WEEKS:
        raise UsageError(
            f"weeks = {weeks}: give a whole number of weeks from 1 to {MAX_WEEKS}", option="weeks"
        )
    evidence = read_evidence(session)
    if start is None:
        today = today or dt.datetime.now(dt.UTC).date()
        start = default_start(today=today, data_end=evidence.data_end)
    return build_calendar(evidence, session.config, weeks=weeks, start=start)


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
