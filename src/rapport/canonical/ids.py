"""Canonical ids: ``<platform>:<native id>``, and stable hashes for acts without a native id."""

from __future__ import annotations

import hashlib

__all__ = ["hashed_interaction_id", "native_part", "prefixed"]


def prefixed(platform: str, native: str | int) -> str:
    """``<platform>:<native id>`` (a number is written as its decimal text, never a float)."""
    if isinstance(native, float):
        raise TypeError(f"native id {native!r} is a float; ids must be text or integers")
    return f"{platform}:{native}"


def native_part(identifier: str) -> str:
    """The native id inside a canonical id (what follows the first colon)."""
    return identifier.partition(":")[2]


def hashed_interaction_id(
    platform: str, kind: str, person_id: str | None, target_id: str | None
) -> str:
    """A stable id for a like, repost or follow that has no native id.

    The hash covers (platform, kind, person, post or account), so the same act arriving from
    two sources (an archive and an API pull) is stored once.
    """
    material = "\x1f".join((platform, kind, person_id or "", target_id or ""))
    digest = hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
    return f"{platform}:{kind}-{digest}"
