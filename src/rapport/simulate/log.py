"""Append-only columnar logs of what happens in the world (numpy chunks, joined at the end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ACTIONS",
    "EVENT_KINDS",
    "BrandReplyLog",
    "Columns",
    "ConversionLog",
    "EventLog",
]

EVENT_KINDS: tuple[str, ...] = ("like", "reply", "repost", "quote", "click", "follow", "unfollow")
"""Interaction kinds the world produces; ``EventLog.kind`` holds indexes into this tuple."""
LIKE, REPLY, REPOST, QUOTE, CLICK, FOLLOW, UNFOLLOW = range(7)
ACTIONS: tuple[str, ...] = EVENT_KINDS[:5]
"""What an engaged person does with a post (the order of the action weights)."""

Columns = dict[str, npt.NDArray[Any]]


@dataclass
class _Chunks:
    """Rows appended in chunks, each kept as given (arrays or scalars) and laid into one array
    per column when read: an append is a tuple, not a conversion per column."""

    names: tuple[str, ...]
    dtypes: tuple[type[np.generic], ...]
    chunks: list[tuple[int, tuple[npt.ArrayLike, ...]]] = field(default_factory=list)
    rows: int = 0

    def append(self, **columns: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Append rows (each column an array or a scalar); return their row numbers."""
        values = tuple(map(columns.__getitem__, self.names))
        count = 1
        for value in values:
            if np.ndim(value):
                count = len(value)  # type: ignore[arg-type]
                break
        self.chunks.append((count, values))
        first = self.rows
        self.rows += count
        return np.arange(first, self.rows, dtype=np.int64)

    def columns(self) -> Columns:
        out: Columns = {}
        for index, (name, dtype) in enumerate(zip(self.names, self.dtypes, strict=True)):
            column = np.empty(self.rows, dtype=dtype)
            start = 0
            for count, values in self.chunks:
                column[start : start + count] = values[index]
                start += count
            out[name] = column
        return out


class EventLog(_Chunks):
    """People's interactions with the own account.

    ``post`` is the broadcast post (index) or -1; ``answer`` is the brand answer a thank-you
    replies to (index) or -1; ``detail`` is 1 for a reply that asks a question, 2 for a reply
    by a person whose interests don't match (their text shows it), else 0.
    """

    def __init__(self) -> None:
        super().__init__(
            ("person", "post", "answer", "kind", "time", "detail"),
            (np.int32, np.int32, np.int32, np.int8, np.int64, np.int8),
        )


class BrandReplyLog(_Chunks):
    """Every reply a person made to a broadcast post, and whether the brand answered it."""

    def __init__(self) -> None:
        super().__init__(
            ("row", "person", "post", "asked", "answered", "answer_time", "delay_hours"),
            (np.int64, np.int32, np.int32, np.bool_, np.bool_, np.int64, np.float64),
        )


class ConversionLog(_Chunks):
    """Signups and purchases that followed a click (``kind`` 0 signup, 1 purchase)."""

    def __init__(self) -> None:
        super().__init__(
            ("person", "post", "time", "kind", "value", "attributed", "person_known"),
            (np.int32, np.int32, np.int64, np.int8, np.float64, np.bool_, np.bool_),
        )
