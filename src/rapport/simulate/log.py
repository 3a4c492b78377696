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
    names: tuple[str, ...]
    dtypes: tuple[type[np.generic], ...]
    chunks: dict[str, list[npt.NDArray[np.generic]]] = field(default_factory=dict)
    rows: int = 0

    def __post_init__(self) -> None:
        self.chunks = {name: [] for name in self.names}

    def append(self, **columns: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Append rows (each column an array or a scalar); return their row numbers."""
        arrays = [np.asarray(columns[name]) for name in self.names]
        count = max((a.shape[0] for a in arrays if a.ndim), default=1)
        for name, array, dtype in zip(self.names, arrays, self.dtypes, strict=True):
            self.chunks[name].append(
                array.astype(dtype, copy=False) if array.ndim else np.full(count, array, dtype)
            )
        first = self.rows
        self.rows += count
        return np.arange(first, self.rows, dtype=np.int64)

    def columns(self) -> Columns:
        return {
            name: np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
            for (name, parts), dtype in zip(self.chunks.items(), self.dtypes, strict=True)
        }


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
