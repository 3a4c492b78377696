"""Reading the JavaScript files of X archives, and X's date formats.

Every data file of an X archive is one JavaScript assignment of a JSON value:
``window.YTD.tweets.part0 = [ … ]`` (current archives), ``window.__THAR_CONFIG = { … }``
(manifest.js), ``Grailbird.data.tweets_2013_02 = [ … ]`` and ``var user_details = { … }``
(pre-2018 Grailbird archives). Often there is no trailing newline; sometimes a ``;``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.errors import UnreadableFile, WrongFormat

__all__ = [
    "JsAssignment",
    "assignment_name",
    "count_value",
    "id_value",
    "load_assignment",
    "parse_x_time",
    "read_head",
]

_ASSIGNMENT = re.compile(r"\A\ufeff?\s*(?:var\s+)?(?P<name>[A-Za-z_$][\w$.]*)\s*=\s*")
_UTC = dt.UTC
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


@dataclass(frozen=True)
class JsAssignment:
    """``name = value`` as found in one file."""

    name: str
    value: Any


def read_head(path: Path, size: int = 512) -> str:
    """The first bytes of a file as text (for detection; never fails on bad bytes)."""
    return head_text(path, size)


def assignment_name(head: str) -> str | None:
    """The variable a JavaScript data file assigns (``window.YTD.tweets.part0``), if any."""
    match = _ASSIGNMENT.match(head)
    return match.group("name") if match else None


def load_assignment(builder: BatchBuilder, path: Path, *, expected: str) -> JsAssignment:
    """Read ``path`` (recording its digest) and parse the JSON value it assigns.

    A file that is not such an assignment raises WrongFormat; JSON that does not parse
    (a truncated download, a hand edit) raises UnreadableFile naming line and column.
    """
    text = builder.read_text(path)
    match = _ASSIGNMENT.match(text)
    if match is None:
        shown = text[:40].strip() or "an empty file"
        raise WrongFormat(
            path,
            expected=f"{expected} (a JavaScript file: `<name> = <JSON>`)",
            found=repr(shown) if text.strip() else shown,
            fix="point rapport at the unpacked archive or the zip X sent",
        )
    name = match.group("name")
    try:
        value, end = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON after `{name} =` at line {exc.lineno}, column {exc.colno} "
        raise UnreadableFile(
            path,
            reason=reason + f"({exc.msg}); the file looks truncated or edited",
            fix="download the archive again and import the complete file",
        ) from None
    except RecursionError:
        raise UnreadableFile(
            path, reason=f"the JSON after `{name} =` is nested too deeply to be an X archive"
        ) from None
    tail = text[end:].strip()
    if tail not in ("", ";"):
        line = text.count("\n", 0, end) + 1
        raise UnreadableFile(
            path,
            reason=f"unexpected text after the JSON value at line {line}: {tail[:30]!r}",
            fix="download the archive again and import the complete file",
        )
    return JsAssignment(name, value)


def parse_x_time(text: str) -> dt.datetime:
    """An X timestamp as an aware UTC datetime.

    Accepts the archive's ``Tue Jan 31 09:01:52 +0000 2017``, Grailbird's
    ``2013-03-01 03:51:09 +0000`` and ISO 8601 with a zone (``2021-03-22T15:32:53.698Z``).
    Raises ValueError for anything else (a naive time included).
    """
    parts = text.split()
    try:
        if len(parts) == 6:
            _, month_name, day, clock, offset, year = parts
            hour, minute, second = clock.split(":")
            moment = dt.datetime(
                int(year), _MONTHS[month_name], int(day), int(hour), int(minute), int(second),
                tzinfo=_UTC,
            )  # fmt: skip
            return moment if offset == "+0000" else moment - _offset(offset)
        if len(parts) == 3:
            date, clock, offset = parts
            year, month, day = date.split("-")
            hour, minute, second = clock.split(":")
            moment = dt.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second),
                tzinfo=_UTC,
            )  # fmt: skip
            return moment if offset == "+0000" else moment - _offset(offset)
        if len(parts) == 1:
            moment = dt.datetime.fromisoformat(parts[0])
            if moment.tzinfo is not None:
                return moment.astimezone(_UTC)
    except (KeyError, ValueError, OverflowError):
        pass
    raise ValueError(text)


def _offset(text: str) -> dt.timedelta:
    if len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
        raise ValueError(text)
    delta = dt.timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))
    return delta if text[0] == "+" else -delta


def id_value(value: object) -> str | None:
    """A numeric X id as text (archives write them as strings); None when it is not one.

    Floats are refused: an id that went through a float has lost its last digits.
    """
    if isinstance(value, str):
        return value if value.isascii() and value.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return None


def count_value(value: object) -> int | None:
    """A count written as a string (``"12"``) or a number; None when it is neither (or does
    not fit in 64 bits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None
