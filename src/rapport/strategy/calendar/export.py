"""The content plan as iCalendar (RFC 5545) and CSV text, written by hand (no dependency)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Iterable

from rapport.canonical.spreadsheet import safe_cell
from rapport.strategy.calendar.slots import Slot
from rapport.strategy.calendar.words import WEEKDAYS

__all__ = ["CSV_COLUMNS", "csv_text", "escape_text", "fold_line", "ics_text", "slot_uid"]

PRODID = "-//rapport//content plan//EN"
CSV_COLUMNS = (
    "week", "date", "weekday", "start_local", "start_utc", "end_utc", "kind", "title", "reason",
    "idea",
)  # fmt: skip
_LIMIT = 75
"""Octets per content line, CRLF excluded (RFC 5545 §3.1)."""


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and newlines escaped (RFC 5545 §3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """One content line folded into physical lines of at most 75 octets, joined by CRLF.

    Continuation lines begin with one space (which counts in their 75); a UTF-8 sequence is
    never split.
    """
    data = line.encode("utf-8")
    parts: list[bytes] = []
    limit = _LIMIT
    while len(data) > limit:
        cut = limit
        while cut > 0 and (data[cut] & 0xC0) == 0x80:  # inside a multi-byte character
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
        limit = _LIMIT - 1
    parts.append(data)
    return "\r\n ".join(part.decode("utf-8") for part in parts)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def slot_uid(slot: Slot) -> str:
    """A stable UID: the same slot regenerated updates the event instead of adding one."""
    digest = hashlib.sha1(f"{_stamp(slot.start)}|{slot.kind}".encode()).hexdigest()[:20]
    return f"{digest}@rapport"


def ics_text(slots: Iterable[Slot], *, stamp: dt.datetime, name: str, zone: str = "UTC") -> str:
    """The slots as VEVENTs at their exact instants (UTC: no VTIMEZONE to get wrong);
    calendar apps show them in local time, and ``X-WR-TIMEZONE`` names the plan's zone."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{escape_text(zone)}",
    ]
    for slot in slots:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{slot_uid(slot)}",
            f"DTSTAMP:{_stamp(stamp)}",
            f"DTSTART:{_stamp(slot.start)}",
            f"DTEND:{_stamp(slot.end)}",
            f"SUMMARY:{escape_text(slot.title)}",
            f"DESCRIPTION:{escape_text(slot.reason + chr(10) + chr(10) + 'Idea: ' + slot.idea)}",
            f"CATEGORIES:{escape_text(slot.kind)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def csv_text(slots: Iterable[Slot]) -> str:
    """The slots as CSV (:data:`CSV_COLUMNS`); text cells are :func:`safe_cell`, so a
    spreadsheet opening the file runs no formula from a title, reason or idea."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for slot in slots:
        start = slot.start.astimezone(dt.UTC)
        writer.writerow(
            [
                slot.week,
                slot.start.date().isoformat(),
                WEEKDAYS[slot.start.weekday()],
                slot.start.isoformat(timespec="minutes"),
                start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                slot.end.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                safe_cell(slot.kind),
                safe_cell(slot.title),
                safe_cell(slot.reason),
                safe_cell(slot.idea),
            ]
        )
    return out.getvalue()
