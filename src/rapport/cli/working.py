"""A spinner on stderr for work that takes a while: shown only once the work has lasted a
second, only on a terminal, and never while a progress bar or a question is on screen.

Every command goes through :func:`rapport.cli.command.command`, which starts one
:class:`Working` before the command runs and stops it before the result is printed, so a
command that answers within a second shows nothing, and stdout (the result, or the JSON of
``--json``) never holds a spinner. Nothing is redirected: what the command prints while the
spinner turns goes where it would have gone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

__all__ = ["AFTER", "Working", "paused"]

AFTER = 1.0
"""Seconds of work before the spinner appears."""

_current: Working | None = None
"""The spinner of the command running in this process (one at a time)."""


class Working:
    """``label`` and the seconds elapsed beside a spinner on ``console``, from ``after``
    seconds after :meth:`start` until :meth:`stop` (nothing at all unless ``console`` is a
    terminal)."""

    def __init__(self, label: str, *, console: Console, after: float = AFTER) -> None:
        self.label = label
        self.console = console
        self.after = after
        self.shown = False
        """Whether the spinner appeared at least once (for tests and benchmarks)."""
        self._lock = threading.Lock()
        self._generation = 0
        self._timer: threading.Timer | None = None
        self._live: Live | None = None
        self._began = time.monotonic()
        self._spinner = Spinner("dots", style="status.spinner")

    def start(self) -> Working:
        """Arm the spinner (it appears ``after`` seconds from now unless stopped first)."""
        global _current
        _current = self
        self._began = time.monotonic()
        self._arm()
        return self

    def stop(self) -> None:
        """Take the spinner off the screen (or keep it from appearing)."""
        global _current
        self._disarm()
        if _current is self:
            _current = None

    def __enter__(self) -> Working:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """No spinner inside the block (a progress bar or a prompt has the screen); it may
        come back ``after`` seconds after the block."""
        self._disarm()
        try:
            yield
        finally:
            if _current is self:
                self._arm()

    def _arm(self) -> None:
        if not self.console.is_terminal:
            return
        with self._lock:
            self._generation += 1
            timer = threading.Timer(self.after, self._show, args=(self._generation,))
            timer.daemon = True
            self._timer = timer
            timer.start()

    def _disarm(self) -> None:
        with self._lock:
            self._generation += 1
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            live, self._live = self._live, None
        if live is not None:
            live.stop()

    def _show(self, generation: int) -> None:
        with self._lock:
            if generation != self._generation or self._live is not None:
                return  # stopped or paused since the timer was armed
            self._live = Live(
                console=self.console,
                get_renderable=self._render,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                refresh_per_second=8,
            )
            self._live.start()
            self.shown = True

    def _render(self) -> RenderableType:
        seconds = time.monotonic() - self._began
        self._spinner.update(text=Text(f"{self.label} ({seconds:.0f} s)", style="dim"))
        return self._spinner


@contextmanager
def paused() -> Iterator[None]:
    """No spinner inside the block, whichever command is running (for progress bars and
    prompts)."""
    working = _current
    if working is None:
        yield
        return
    with working.paused():
        yield
