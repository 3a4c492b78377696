"""A Bluesky repository export (``.car``, from Settings > Account > Export my data).

The export is the account's own repository: everything the account wrote, nothing anyone
else did. rapport takes from it

* the profile (``app.bsky.actor.profile/self``) -> the own ``accounts`` row;
* every post (``app.bsky.feed.post/<rkey>``) -> ``posts``, with the at-uri built from the
  commit's DID and the record key found in the record tree.

The account's likes, reposts and follows are what the account did to *others*; rapport
stores what people do to the account, so these are counted in a notice and not stored
(decision recorded in docs/sources/bluesky.md). The export has no counts and no handle: the
handle comes from ``--account``, from the workspace's own Bluesky account, or from a DID
document (``alsoKnownAs``) lying beside the ``.car``; failing those the DID stands in for it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.errors import UnreadableFile, WrongFormat
from rapport.importers._base import ImportOptions, register
from rapport.importers._bluesky_car import (
    BrokenRepository,
    Repository,
    looks_like_car,
    read_repository,
)
from rapport.importers._gc import without_gc
from rapport.platforms.bluesky import (
    PLATFORM,
    POST,
    account_id,
    at_uri,
    parse_time,
    post_fields,
    post_id,
    post_url,
    profile_url,
)

_HEAD = 4096
_FIX = "download the export again (Settings > Account > Export my data) and import that file"
_OWN_ACTS = {
    "app.bsky.feed.like": "like",
    "app.bsky.feed.repost": "repost",
    "app.bsky.graph.follow": "follow",
}


def _is_car(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return looks_like_car(file.read(_HEAD))
    except OSError:
        return False


def _car_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]  # named with --as: read_repository says what is wrong with it
    found = [p for p in sorted(path.rglob("*")) if p.is_file() and _is_car(p)]
    return found[:100]


def _detect(path: Path) -> float:
    if path.is_file():
        return 0.95 if _is_car(path) else 0.0
    if path.is_dir():
        shallow = [p for p in sorted(path.iterdir())[:200] if p.is_file()]
        return 0.9 if any(_is_car(p) for p in shallow) else 0.0
    return 0.0


def _handles_from_did_documents(folder: Path) -> dict[str, str]:
    """DID -> handle from DID documents (``alsoKnownAs: ["at://handle"]``) in the folder."""
    handles: dict[str, str] = {}
    for file in sorted(folder.glob("*.json"))[:50]:
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(document, Mapping) and isinstance(document.get("didDoc"), Mapping):
            document = document["didDoc"]  # com.atproto.repo.describeRepo wraps it
        if not isinstance(document, Mapping) or not isinstance(document.get("id"), str):
            continue
        names = document.get("alsoKnownAs")
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name.startswith("at://"):
                handles.setdefault(document["id"], name.removeprefix("at://"))
                break
    return handles


def _handle(did: str, options: ImportOptions, documents: Mapping[str, str]) -> tuple[str, str]:
    """(handle, how it was found) for the repository's DID."""
    if options.account:
        return options.account.lstrip("@"), "the account option"
    own = [a for a in options.own_accounts if a.platform == PLATFORM]
    for known in own:
        if known.account_id == account_id(did):
            return known.handle.lstrip("@"), "the workspace"
    if did in documents:
        return documents[did], "the DID document beside the export"
    unnamed = [a for a in own if a.account_id is None]
    if len(own) == 1 and unnamed:
        return unnamed[0].handle.lstrip("@"), "the workspace's only own Bluesky account"
    return did, ""


def _post(
    builder: BatchBuilder,
    repo: Repository,
    key: str,
    cid: bytes,
    *,
    account: str,
    name: str,
    label: str,
) -> None:
    locator = f"{label}: {key}"
    record = repo.record(cid)
    if record is None:
        builder.reject(
            "posts",
            locator=locator,
            reason="the record's block is missing or damaged in the file (a truncated or "
            f"corrupted export); {_FIX}",
            raw={"key": key},
        )
        return
    if not isinstance(record, Mapping) or record.get("$type") != POST:
        builder.reject(
            "posts", locator=locator, reason="expected an app.bsky.feed.post record", raw=record
        )
        return
    fields = post_fields(record)
    if fields["created_at"] is None:
        builder.reject(
            "posts",
            locator=locator,
            field="created_at",
            reason=f"createdAt {record.get('createdAt')!r} is not an ISO-8601 timestamp",
            raw=record,
        )
        return
    uri = at_uri(repo.did, POST, key.partition("/")[2])
    row: dict[str, Any] = {"post_id": post_id(uri), "account_id": account, **fields}
    row["url"] = post_url(name, uri)
    builder.add("posts", row, locator=locator)


def _read_file(
    builder: BatchBuilder, file: Path, options: ImportOptions, documents: Mapping[str, str]
) -> None:
    label = builder.label(file)
    try:
        repo = read_repository(builder.read_bytes(file))
    except BrokenRepository as exc:
        raise UnreadableFile(file, reason=str(exc), fix=_FIX) from None
    for problem in repo.problems:
        builder.note(f"{label}: {problem}")
    handle, source = _handle(repo.did, options, documents)
    if not source:
        builder.note(
            f"{label}: the export names its account only by DID ({repo.did}), so the DID "
            "stands in for the handle; import again naming the account's handle (the account "
            "option), or pull the account once, to set it"
        )
    own = account_id(repo.did)
    name = handle if source else repo.did
    profile: Mapping[str, Any] = {}
    collections: Counter[str] = Counter()
    for key, cid in repo.records:
        collection = key.partition("/")[0]
        collections[collection] += 1
        if key == "app.bsky.actor.profile/self" and isinstance(repo.record(cid), Mapping):
            profile = repo.record(cid)
    display = profile.get("displayName")
    builder.add(
        "accounts",
        {
            "account_id": own,
            "platform": PLATFORM,
            "handle": handle,
            "display_name": display if isinstance(display, str) and display else None,
            "role": "own",
            "url": profile_url(name),
            "created_at": parse_time(profile.get("createdAt")),
        },
        locator=f"{label}: app.bsky.actor.profile/self",
    )
    for key, cid in repo.records:
        if key.partition("/")[0] == POST:
            _post(builder, repo, key, cid, account=own, name=name, label=label)
    acts = [f"{collections[c]:,} {kind}(s)" for c, kind in _OWN_ACTS.items() if collections[c]]
    if acts:
        builder.note(
            f"{label}: the account's own {', '.join(acts)} are what it did to others, not "
            "what people did to it, so they are counted here and not stored"
        )
    other = sorted(c for c in collections if c not in _OWN_ACTS and c != POST)
    other = [c for c in other if c != "app.bsky.actor.profile"]
    if other:
        listed = ", ".join(f"{c} ({collections[c]:,})" for c in other)
        builder.note(f"{label}: records rapport does not use were skipped: {listed}")


@register(
    "bluesky_car",
    description="a Bluesky repository export (.car, CAR v1 + dag-cbor): own posts and profile",
    detect=_detect,
    names=("*.car",),
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    files = _car_files(path)
    if not files:
        raise WrongFormat(
            path,
            expected="a Bluesky repository export (a .car file starting with a CAR v1 header)",
            found="a folder without one",
            fix=_FIX,
        )
    folder = path if path.is_dir() else path.parent
    builder = BatchBuilder(source="bluesky_car", origin=options.origin or path.name, root=folder)
    documents = _handles_from_did_documents(folder) if path.is_dir() else {}
    for file in files:
        _read_file(builder, file, options, documents)
    return builder.build()
