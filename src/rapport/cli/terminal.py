"""The terminal consoles: what reaches a terminal carries no control character from data.

Handles, display names and post texts come from other people. Printed as they are, an escape
sequence in one of them could move the cursor, rewrite what was printed before, set the
window title or plant a hyperlink. Every console of the CLI renders through
:class:`_Cleaned`, which removes, from the text of what is printed, the C0 and C1 control
characters (tab and newline kept) and the bidirectional overrides that can make text read
differently from what it is. Rich's own styling is added after, so colours still work.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, ConsoleRenderable, RenderableType, RenderHook
from rich.segment import Segment

__all__ = ["CONTROL", "clean", "console"]

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters (but tab and newline) and bidirectional overrides."""


def clean(text: str) -> str:
    """``text`` without control characters (tab and newline kept) or bidi overrides."""
    return CONTROL.sub("", text)


class _Cleaned:
    """A renderable whose segments' text is :func:`clean`; control segments (cursor moves
    Rich makes itself, for progress bars) pass unchanged."""

    def __init__(self, inner: RenderableType) -> None:
        self.inner = inner

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Segment]:
        for segment in console.render(self.inner, options):
            if segment.control or not CONTROL.search(segment.text):
                yield segment
            else:
                yield Segment(clean(segment.text), segment.style)


class _Hook(RenderHook):
    def process_renderables(self, renderables: list[ConsoleRenderable]) -> list[ConsoleRenderable]:
        return [_Cleaned(r) for r in renderables]


def console(**options: Any) -> Console:
    """A Rich console (``Console(**options)``) that prints no control character from data."""
    made = Console(**options)
    made.push_render_hook(_Hook())
    return made
