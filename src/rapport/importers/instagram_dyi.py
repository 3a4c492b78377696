"""Instagram "Download your information" (JSON): followers and following.

- ``followers_N.json`` (a list) or ``followers.json`` (``relationships_followers``): one
  ``follow`` interaction per follower, aimed at the own account (the lone-file rule), with the
  follow time, plus a ``people`` row (handle, profile URL, first seen at the follow). The
  number of followers listed is the account's follower count, observed at the newest follow.
- ``following.json`` (``relationships_following``): the accounts the owner follows become
  ``people`` rows only: following someone is not something they did to the account.

The export names people by username only, so a person's id is ``instagram:<username>``
(lower-cased; Instagram usernames are case-insensitive). Follow interactions have no native
id: they get the hashed id, so the same follow from two sources is stored once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder, newest, read_for_detection
from rapport.canonical.ids import hashed_interaction_id
from rapport.errors import UnreadableFile, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._gc import without_gc
from rapport.importers._meta import own_account

NAME = "instagram_dyi"
PATTERNS = ("followers*.json", "following*.json")
SAMPLE = 20
"""How many entries from the start of a file decide what it is."""
_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")


def _kind(data: Any) -> str | None:
    """``followers`` or ``following`` for a parsed file, None for anything else."""
    if isinstance(data, dict):
        if isinstance(data.get("relationships_followers"), list):
            return "followers"
        if isinstance(data.get("relationships_following"), list):
            return "following"
        return None
    if isinstance(data, list) and data:
        sample = data[:SAMPLE]  # mostly entries: a bad one is quarantined, not a refusal
        good = sum(isinstance(e, dict) and "string_list_data" in e for e in sample)
        if good and 2 * good >= len(sample):
            return "followers"
    return None


def _found(data: Any) -> str:
    """What a file that is not a followers list holds, naming an entry."""
    if isinstance(data, dict):
        keys = ", ".join(repr(k) for k in list(data)[:5])
        return f"other JSON (an object with {keys})" if keys else "other JSON (an empty object)"
    if not isinstance(data, list) or not data:
        return "other JSON" if data else "an empty list"
    for index, entry in enumerate(data[:SAMPLE], start=1):
        if not isinstance(entry, dict):
            return f"other JSON (item {index}: expected an object, found {type(entry).__name__})"
        if "string_list_data" not in entry:
            return f"other JSON (item {index}: field 'string_list_data' is missing)"
    return "other JSON"


def _entries(data: Any) -> list[Any]:
    if isinstance(data, dict):
        found = data.get("relationships_followers", data.get("relationships_following"))
        return found if isinstance(found, list) else []
    return data if isinstance(data, list) else []


def _parse(path: Path) -> Any:
    return json.loads(read_for_detection(path))


def _files(path: Path) -> list[Path]:
    found = []
    for file in find_files(path, PATTERNS):
        try:
            if _kind(_parse(file)):
                found.append(file)
        except (OSError, ValueError):
            continue
    return found


def detect(path: Path) -> float:
    if path.is_file():
        try:
            return 0.9 if _kind(_parse(path)) else 0.0
        except (OSError, ValueError):
            return 0.0
    return 0.9 if _files(path) else 0.0


def _person(entry: Any) -> tuple[str, str, dt.datetime | None]:
    """(username, profile url, time) of one entry, or ValueError("field: reason")."""
    if not isinstance(entry, dict):
        raise ValueError("entry: expected an object")
    items = entry.get("string_list_data")
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        raise ValueError("string_list_data: expected a list with the account")
    item = items[0]
    href = item.get("href") if isinstance(item.get("href"), str) else None
    username = item.get("value") or entry.get("title")
    if not username and href:
        username = href.rstrip("/").rsplit("/", 1)[-1]
    if not isinstance(username, str) or not _USERNAME.match(username):
        raise ValueError(f"value: expected an Instagram username, found {username!r}")
    stamp = item.get("timestamp")
    moment = None
    if stamp is not None:
        if isinstance(stamp, bool) or not isinstance(stamp, int | float):
            raise ValueError(f"timestamp: expected Unix seconds, found {stamp!r}")
        try:
            moment = dt.datetime.fromtimestamp(stamp, dt.UTC) if stamp > 0 else None
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"timestamp: {stamp!r} is not a usable time") from None
    return username, f"https://www.instagram.com/{username}", moment


def _earliest(a: dt.datetime | None, b: dt.datetime | None) -> dt.datetime | None:
    known = [m for m in (a, b) if m is not None]
    return min(known) if known else None


@register(
    NAME,
    description='Instagram "Download your information" JSON: followers (and following)',
    detect=detect,
    names=PATTERNS,
)
@without_gc
def read(path: Path, options: ImportOptions) -> Batch:
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=path)
    files = _files(path) if path.is_dir() else [path]
    if not files:
        raise WrongFormat(
            path,
            expected="an Instagram DYI followers_1.json or following.json",
            found="neither",
            fix="download your information in JSON format, or choose another format",
            option="format",
        )
    people: dict[str, tuple[str, dict[str, Any]]] = {}
    follows: dict[str, tuple[str, dt.datetime | None]] = {}
    first_file = ""
    for file in files:
        label = builder.label(file)
        try:
            data = json.loads(builder.read_text(file))
        except json.JSONDecodeError as exc:
            raise UnreadableFile(
                file, reason=f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            ) from None
        kind = _kind(data)
        if kind is None:
            raise WrongFormat(
                file,
                expected="an Instagram DYI followers list (entries with string_list_data)",
                found=_found(data),
                fix="choose another format",
                option="format",
            )
        for index, entry in enumerate(_entries(data), start=1):
            locator = f"{label} item {index}"
            try:
                username, url, moment = _person(entry)
            except ValueError as problem:
                field, _, reason = str(problem).partition(": ")
                builder.reject("people", locator=locator, field=field, reason=reason, raw=entry)
                continue
            person_id = f"instagram:{username.lower()}"
            _, row = people.setdefault(
                person_id,
                (
                    locator,
                    {
                        "person_id": person_id,
                        "platform": "instagram",
                        "handle": username,
                        "url": url,
                    },
                ),
            )
            if kind == "followers":
                first_file = first_file or label
                earliest = _earliest(follows.get(person_id, (locator, None))[1], moment)
                follows[person_id] = (follows.get(person_id, (locator, None))[0], earliest)
                row["first_seen_at"] = earliest
    for locator, row in people.values():
        builder.add("people", row, locator=locator)
    if follows:
        owner = own_account(options, "instagram", file=first_file)
        observed = newest([moment for _, moment in follows.values()])
        owner.add(builder, locator=first_file, followers=len(follows), observed_at=observed)
        for person_id, (locator, moment) in follows.items():
            builder.add(
                "interactions",
                {
                    "interaction_id": hashed_interaction_id(
                        "instagram", "follow", person_id, owner.account_id
                    ),
                    "platform": "instagram",
                    "kind": "follow",
                    "person_id": person_id,
                    "account_id": owner.account_id,
                    "occurred_at": moment,
                },
                locator=locator,
            )
        builder.note(
            f"{len(follows)} follower(s) listed: the follower count assumes the export lists "
            "all of them (import the whole folder when it has several followers_N.json files)"
        )
    return builder.build()
