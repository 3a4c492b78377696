"""Reading a large export without the cyclic garbage collector running all the way through.

A parsed JSON export is millions of dicts and lists that all stay alive until the import
ends. Python's collector is triggered by allocations and walks every one of them, again and
again as they pile up: measured on a 100,000-activity Mastodon outbox, it took about a
quarter of the importer's time while finding nothing to free. :func:`without_gc` pauses it
while an importer reads (plain reference counting still frees everything that is not in a
cycle) and restores it afterwards, also when reads overlap in several threads.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

__all__ = ["gc_paused", "without_gc"]

_P = ParamSpec("_P")
_R = TypeVar("_R")
_lock = threading.Lock()
_depth = 0
"""How many reads are running with the collector paused."""
_paused = False
"""Whether the collector was running when the first of them paused it."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector paused inside the block (if it was running), resumed when
    the last of overlapping blocks ends."""
    global _depth, _paused
    with _lock:
        if _depth == 0:
            _paused = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _paused:
                gc.enable()


def without_gc(read: Callable[_P, _R]) -> Callable[_P, _R]:
    """``read`` run inside :func:`gc_paused` (for an importer's read function)."""

    @functools.wraps(read)
    def paused(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with gc_paused():
            return read(*args, **kwargs)

    return paused
