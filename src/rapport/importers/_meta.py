"""What the Meta importers (and the generic mapped one) share: the own account, mojibake, tags.

A Meta export rarely names the account it belongs to in a way rapport can use, so the own
account comes from :meth:`ImportOptions.own_account` (``--account``, else the workspace's only
own account on the platform). Its canonical id is the one the workspace already knows, else
``<platform>:<page id>`` when the file gives a page id, else ``<platform>:<handle>``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from rapport.canonical.builder import BatchBuilder
from rapport.importers._base import ImportOptions

__all__ = ["Owner", "hashtags", "links_in", "own_account", "repair_mojibake"]


@dataclass(frozen=True)
class Owner:
    """The own account a file's records belong to."""

    account_id: str
    handle: str
    platform: str

    def add(
        self,
        builder: BatchBuilder,
        *,
        locator: str,
        followers: int | None = None,
        observed_at: dt.datetime | None = None,
    ) -> None:
        """The ``accounts`` row (and a ``follower_counts`` observation when one is known)."""
        builder.add(
            "accounts",
            {
                "account_id": self.account_id,
                "platform": self.platform,
                "handle": self.handle,
                "role": "own",
                "followers": followers,
            },
            locator=locator,
        )
        if followers is not None and observed_at is not None:
            builder.add(
                "follower_counts",
                {"account_id": self.account_id, "observed_at": observed_at, "followers": followers},
                locator=locator,
            )


def own_account(
    options: ImportOptions, platform: str, *, file: str, native_id: str | None = None
) -> Owner:
    """The own account of a file that does not name its author (the lone-file rule)."""
    known = options.own_account(platform, file=file)
    handle = known.handle.lstrip("@")
    if known.account_id:
        account_id = known.account_id
    elif native_id:
        account_id = f"{platform}:{native_id}"
    else:
        account_id = f"{platform}:{handle}"
    return Owner(account_id, handle, platform)


def repair_mojibake(text: str) -> str:
    """Undo Facebook's "UTF-8 bytes written as latin-1 escapes" (``zmieniÅ\\x82`` → ``zmienił``).

    Text that is not such mojibake (a character beyond U+00FF, or bytes that are not UTF-8)
    comes back unchanged.
    """
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")


def hashtags(text: str | None) -> list[str]:
    """The hashtags of a text, without ``#``, lower-cased, in order, each once."""
    if not text:
        return []
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(text):
        if not tag.isdigit():
            seen.setdefault(tag.lower(), None)
    return list(seen)


_URL = re.compile(r"https?://[^\s<>\"'\]\)]+")


def links_in(text: str | None, *, also: list[str] | None = None) -> list[str]:
    """The web addresses written in a text (trailing punctuation dropped), after ``also``."""
    found: dict[str, None] = dict.fromkeys(also or [])
    for url in _URL.findall(text or ""):
        found.setdefault(url.rstrip(".,;:!?"), None)
    return list(found)
