"""The terminal consoles: what reaches a terminal carries no control character from data.

Handles, display names and post texts come from other people. Printed as they are, an escape
sequence in one of them could move the cursor, rewrite what was printed before, set the
window title or plant a hyperlink. Every console of the CLI writes through
:class:`_CleanConsole`, which removes, from the text of what is printed, the C0 and C1 control
characters (tab and newline kept) and the bidirectional overrides that can make text read
differently from what it is. Rich's own styling is added after, so colours still work.

What the CLI writes to stdout without a console goes through the same filter: JSON through
:func:`json_text` (control characters become ``\\uXXXX`` escapes, so the data is unchanged
for a program reading it), CSV cells through :func:`clean`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.segment import Segment

__all__ = ["CONTROL", "clean", "console", "json_text", "one_line"]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (but tab and newline) and bidirectional overrides."""


def clean(text: str) -> str:
    """``text`` without control characters (tab and newline kept) or bidi overrides."""
    return CONTROL.sub("", text)


def one_line(text: str) -> str:
    """``text`` cleaned and on one line: an error message from a library (a Parquet schema,
    a parser's report) may span lines, and the CLI gives one line per error."""
    return " ".join(clean(text).split())


def json_text(text: str) -> str:
    """JSON text with every control character or bidi override written as a ``\\uXXXX``
    escape: the same JSON value, with nothing a terminal would act on.

    ``json.dumps`` already escapes C0 characters inside strings, but not DEL, C1 or the
    bidirectional overrides; outside strings JSON has only ASCII punctuation and white space
    (kept), so every match is inside a string, where the escape is valid.
    """
    return CONTROL.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


class _CleanConsole(Console):
    """A console whose every write drops control characters from the text of what it
    prints: :meth:`print`, :meth:`log`, progress bars and spinners (Rich's ``Live``, whose
    own render hook runs after any hook of ours) all end in :meth:`_render_buffer`.

    Segments Rich marks as control (cursor moves for a progress bar) pass unchanged, and
    Rich's styles (colours, links) are rendered after, so they still reach the terminal.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(
            segment
            if segment.control or not CONTROL.search(segment.text)
            else Segment(clean(segment.text), segment.style)
            for segment in buffer
        )


def console(**options: Any) -> Console:
    """A Rich console (``Console(**options)``) that prints no control character from data."""
    return _CleanConsole(**options)
