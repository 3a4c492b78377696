"""Mastodon's account archive ("Request your archive"): outbox.json, actor.json and friends.

What is imported, what is not and why: docs/sources/mastodon.md. In short: ``actor.json``
gives the own account; every ``Create`` in ``outbox.json`` is a post (replies keep
``in_reply_to_id``), every ``Announce`` a post with ``repost_of``; direct messages are
skipped. ``likes.json`` holds the account's OWN favourites of other people's posts (not
interactions aimed at the account): counted in a notice, not stored. ``bookmarks.json`` is
noted and ignored. A ``following_accounts.csv`` from the CSV export beside the archive adds
people. The archive holds no counts, so there are no ``post_stats``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.errors import UnreadableFile, UsageError, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._gc import without_gc
from rapport.importers._mastodon_outbox import Skipped, activity_post
from rapport.importers.mastodon_csv import FOLLOWING, looks_like_following, read_following
from rapport.platforms.mastodon import (
    PLATFORM,
    RecordProblem,
    describe,
    mastodon_id,
    parse_time,
)

__all__ = ["detect", "read"]

NAME = "mastodon_archive"
_FILES = ("outbox.json", "actor.json", "likes.json", "bookmarks.json")
_HEAD = 64 * 1024
_ACTIVITY = re.compile(r'"type"\s*:\s*"(Create|Announce)"')
_EMPTY_ITEMS = re.compile(r'"orderedItems"\s*:\s*\[\s*\]')
_ACTOR_TYPES = ("Person", "Service", "Organization", "Group", "Application")
_USERS_PATH = re.compile(r"^/(?:users|u|@)/([^/]+)/?$")


def _head(path: Path) -> str:
    return head_text(path, _HEAD)


def _is_outbox(path: Path) -> bool:
    """ActivityStreams OrderedCollection holding Create/Announce activities, by content."""
    if not path.is_file():
        return False
    head = _head(path)
    if not ("activitystreams" in head and '"OrderedCollection"' in head):
        return False
    return _ACTIVITY.search(head) is not None or _EMPTY_ITEMS.search(head) is not None


def _is_actor(path: Path) -> bool:
    if not path.is_file():
        return False
    head = _head(path)
    return (
        "activitystreams" in head
        and '"preferredUsername"' in head
        and any(f'"{kind}"' in head for kind in _ACTOR_TYPES)
    )


@dataclass(frozen=True)
class _Files:
    outbox: Path | None
    actor: Path | None
    likes: Path | None
    bookmarks: Path | None
    following: list[Path]

    @property
    def missing(self) -> list[str]:
        present = (self.outbox, self.actor, self.likes, self.bookmarks)
        return [name for name, path in zip(_FILES, present, strict=True) if path is None]


def _locate(path: Path) -> _Files:
    if path.is_file():
        return _Files(
            path if _is_outbox(path) else None,
            path if _is_actor(path) else None,
            None,
            None,
            [path] if looks_like_following(path) else [],
        )

    def first(name: str) -> Path | None:
        found = find_files(path, name, max_depth=3)
        return found[0] if found else None

    return _Files(
        first("outbox.json"),
        first("actor.json"),
        first("likes.json"),
        first("bookmarks.json"),
        [p for p in find_files(path, FOLLOWING, max_depth=3) if looks_like_following(p)],
    )


def detect(path: Path) -> float:
    """0.95 for an archive folder with outbox.json, 0.9 for a lone outbox or actor, else 0."""
    files = _locate(path)
    if files.outbox is not None and _is_outbox(files.outbox):
        return 0.95 if path.is_dir() else 0.9
    return 0.9 if files.actor is not None and _is_actor(files.actor) else 0.0


def _load(builder: BatchBuilder, path: Path) -> Any:
    text = builder.read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            path,
            reason=f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
            fix="the file looks cut off or damaged; download the archive again",
        ) from None


def _not_an_archive(path: Path) -> str:
    """What a file that is neither an outbox nor an actor holds, as precisely as it can be
    said: an empty file, JSON that does not parse (its line and column), or other JSON."""
    if path.is_file() and path.suffix.lower() == ".json":
        if not path.read_bytes().strip():
            return "an empty file"
        _load(BatchBuilder(source=NAME, origin=path.name), path)  # raises on broken JSON
        return "JSON that is neither an ActivityStreams outbox nor an actor"
    return "neither an ActivityStreams outbox nor an actor"


def _collection(builder: BatchBuilder, path: Path) -> tuple[list[Any], object]:
    """``orderedItems`` and ``totalItems`` of an OrderedCollection file."""
    data = _load(builder, path)
    items = data.get("orderedItems") if isinstance(data, Mapping) else None
    if not isinstance(items, list):
        raise WrongFormat(
            path,
            expected="an ActivityStreams OrderedCollection with orderedItems",
            found=f"{describe(data)} without an orderedItems list",
        )
    return items, data.get("totalItems")


@dataclass(frozen=True)
class _Owner:
    account_id: str
    handle: str
    display_name: str | None = None
    url: str | None = None
    created_at: Any = None


def _handle_from_uri(uri: str) -> str | None:
    """``name@host`` from ``https://host/users/name`` (None for /ap/users/<number>)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    match = _USERS_PATH.match(parts.path)
    return f"{match.group(1)}@{parts.netloc}" if match and parts.netloc else None


def _owner_from_actor(builder: BatchBuilder, path: Path) -> _Owner:
    actor = _load(builder, path)
    if not isinstance(actor, Mapping) or not isinstance(actor.get("preferredUsername"), str):
        raise WrongFormat(path, expected="an ActivityPub actor", found=describe(actor))
    try:
        account_id = mastodon_id(actor.get("id"), field="id")
    except RecordProblem as problem:
        raise WrongFormat(path, expected="an actor with an id URI", found=problem.reason) from None
    host = urlsplit(account_id.partition(":")[2]).netloc
    created_at = None
    if actor.get("published") is not None:
        try:
            created_at = parse_time(actor.get("published"), field="published")
        except RecordProblem as problem:
            builder.note(f"{builder.label(path)}: published: {problem.reason}; left unknown")
    name, url = actor.get("name"), actor.get("url")
    return _Owner(
        account_id,
        f"{actor['preferredUsername'].strip().lstrip('@')}@{host}",
        name.strip() if isinstance(name, str) and name.strip() else None,
        url if isinstance(url, str) else None,
        created_at,
    )


def _owner_from_outbox(items: list[Any], options: ImportOptions, label: str) -> _Owner:
    """Without actor.json: the outbox's actor URI, named by the workspace or the URI."""
    actors = Counter(
        item["actor"]
        for item in items
        if isinstance(item, Mapping) and isinstance(item.get("actor"), str)
    )
    uri = actors.most_common(1)[0][0] if actors else None
    account_id = mastodon_id(uri, field="actor") if uri else None
    for known in options.own_accounts:
        if known.platform == PLATFORM and account_id and known.account_id == account_id:
            return _Owner(account_id, known.handle)
    handle = _handle_from_uri(uri) if uri else None
    if account_id and handle and not options.account:
        return _Owner(account_id, handle)
    known = options.own_account(PLATFORM, file=label)
    account_id = account_id or known.account_id
    if account_id is None:
        raise UsageError(
            f"{label}: the archive does not say whose account it is; add actor.json from "
            "the same archive"
        )
    return _Owner(account_id, known.handle.lstrip("@"))


def _read_outbox(builder: BatchBuilder, path: Path, items: list[Any], owner: _Owner) -> None:
    label = builder.label(path)
    skipped: Counter[str] = Counter()
    for index, activity in enumerate(items, start=1):
        locator = f"{label} item {index}"
        try:
            post = activity_post(activity, account_id=owner.account_id)
        except RecordProblem as problem:
            builder.reject(
                "posts", locator=locator, field=problem.field, reason=problem.reason, raw=activity
            )
            continue
        if isinstance(post, Skipped):
            skipped[post.reason] += 1
            continue
        builder.add("posts", post, locator=locator)
    if skipped["direct message"]:
        builder.note(
            f"{label}: {skipped.pop('direct message'):,} direct message(s) skipped: they were "
            "sent privately to people, not published"
        )
    if skipped:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in sorted(skipped.items()))
        builder.note(f"{label}: skipped what is not a post: {kinds}")


def _shown(value: object) -> str:
    return (
        f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else describe(value)
    )


def _count_items(builder: BatchBuilder, path: Path | None) -> int | None:
    """How many entries likes.json / bookmarks.json hold (None when unreadable)."""
    if path is None:
        return None
    try:
        items, _ = _collection(builder, path)
    except (UnreadableFile, WrongFormat) as problem:
        builder.note(f"{builder.label(path)}: {problem}; nothing from it is imported anyway")
        return None
    return len(items)


@register(
    NAME,
    description="a Mastodon account archive (Request your archive): outbox.json, actor.json, "
    "likes.json, bookmarks.json; zip, tar.gz or folder",
    detect=detect,
    names=("outbox.json", "actor.json"),
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    files = _locate(path)
    if files.outbox is None and files.actor is None:
        raise WrongFormat(
            path,
            expected="a Mastodon archive (outbox.json and actor.json from Preferences → "
            "Import and export → Request your archive)",
            found=_not_an_archive(path),
        )
    root = path if path.is_dir() else path.parent
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=root)
    items: list[Any] = []
    if files.outbox is not None:
        items, total = _collection(builder, files.outbox)
        if items and not any(
            isinstance(item, Mapping) and item.get("type") in ("Create", "Announce")
            for item in items
        ):
            raise WrongFormat(
                files.outbox,
                expected="a Mastodon archive outbox (Create and Announce activities)",
                found=f"{len(items):,} items none of which is an activity",
            )
        label = builder.label(files.outbox)
        if total is None:
            builder.note(f"{label}: no totalItems; {len(items):,} activities read")
        elif total != len(items):
            builder.note(
                f"{label}: totalItems says {_shown(total)} but the file holds "
                f"{len(items):,} activities; all of them were read"
            )
    if files.actor is not None:
        owner = _owner_from_actor(builder, files.actor)
    else:
        owner = _owner_from_outbox(items, options, builder.label(files.outbox or path))
    builder.add(
        "accounts",
        {
            "account_id": owner.account_id,
            "platform": PLATFORM,
            "handle": owner.handle,
            "display_name": owner.display_name,
            "role": "own",
            "url": owner.url,
            "created_at": owner.created_at,
        },
        locator=builder.label(files.actor) if files.actor else "outbox.json actor",
    )
    if files.outbox is not None:
        _read_outbox(builder, files.outbox, items, owner)
        builder.note(
            "the archive holds no like, boost or reply counts; `rapport pull mastodon` adds them"
        )
    likes = _count_items(builder, files.likes)
    if likes is not None:
        builder.note(
            f"likes.json: {likes:,} favourite(s) the account itself gave to other people's "
            "posts not imported: they are not interactions with the account"
        )
    bookmarks = _count_items(builder, files.bookmarks)
    if bookmarks is not None:
        builder.note(f"bookmarks.json: {bookmarks:,} bookmark(s) ignored (a private reading list)")
    for following in files.following:
        read_following(builder, following)
    builder.missing(files.missing)
    return builder.build()
