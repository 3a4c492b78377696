"""The content plan: dated slots that keep the cadence and the promotion ceiling, each with its
reason and an idea, as ICS and CSV.
"""

from rapport.strategy.calendar.build import (
    CSV_COLUMNS,
    MAX_WEEKS,
    Cadence,
    Calendar,
    Slot,
    build_calendar,
    content_calendar,
    default_start,
    planned_cadence,
    to_csv,
    to_ics,
)

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
