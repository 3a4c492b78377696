"""The exception of ``rapport.text``: rapport's shared :class:`~rapport.errors.NotFittedError`."""

from __future__ import annotations

from rapport.errors import NotFittedError

__all__ = ["NotFittedError"]
