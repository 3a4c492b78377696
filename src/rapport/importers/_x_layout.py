"""Which files an X archive holds, what each one is, and which are missing.

Files are found by name (``tweets.js``, ``tweets-part1.js`` …, a few folders down, since
archives wrap them in ``data/``) and then recognised by content: the variable a file
assigns (``window.YTD.tweets.part1``) says its data type and part number, so a lone
file given on its own is recognised whatever it is called.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapport.canonical.builder import BatchBuilder
from rapport.errors import WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._x_js import (
    assignment_name,
    id_value,
    load_assignment,
    parse_x_time,
    read_head,
    stream_list,
)
from rapport.importers._x_tweets import describe

__all__ = [
    "MANIFEST",
    "PATTERNS",
    "ArchiveFiles",
    "Manifest",
    "classify",
    "load_manifest",
    "load_records",
    "locate",
    "missing_files",
    "recognised",
]

MANIFEST = "manifest"
_FILE_STEMS = {
    "account": "account",
    "tweets": "tweets",
    "tweet": "tweet",
    "deleted_tweets": "deleted-tweets",
    "like": "like",
    "follower": "follower",
    "following": "following",
    "account_timezone": "account-timezone",
}
"""The data types rapport reads (the name inside ``window.YTD.<type>.partN``) and the file
name each one has in the archive (``<stem>.js``, then ``<stem>-part1.js`` …). profile.js is
not among them: its bio and website have no canonical column."""
_MANIFEST_KEYS = ("account", "tweets", "tweet", "deletedTweets", "like", "follower", "following")
"""manifest.js ``dataTypes`` keys of the files rapport reads (profile.js is not imported)."""
_WITHOUT_MANIFEST = (
    ("manifest.js",),
    ("account.js",),
    ("tweets.js", "tweet.js"),
    ("follower.js",),
    ("following.js",),
    ("like.js",),
)
"""What every archive holds, for archives whose manifest.js is missing."""
_YTD = re.compile(r"(?:window\.)?YTD\.(?P<type>\w+)\.part(?P<part>\d+)\Z")
_MANIFEST_VARIABLE = re.compile(r"(?:window\.)?__THAR_CONFIG\Z")
PATTERNS = (
    "manifest.js",
    *(pattern for stem in _FILE_STEMS.values() for pattern in (f"{stem}.js", f"{stem}-part*.js")),
)


def classify(path: Path) -> tuple[str, int] | None:
    """(data type, part number) of an X archive file, ``("manifest", 0)``, or None."""
    try:
        name = assignment_name(read_head(path, 256))
    except OSError:
        return None
    if name is None:
        return None
    if _MANIFEST_VARIABLE.match(name):
        return (MANIFEST, 0)
    match = _YTD.match(name)
    if match is None or match.group("type") not in _FILE_STEMS:
        return None
    return (match.group("type"), int(match.group("part")))


def recognised(path: Path) -> set[str]:
    """The kinds of X archive files at ``path`` (a file or a folder), by content."""
    candidates = [path] if path.is_file() else find_files(path, PATTERNS)
    return {kind[0] for kind in map(classify, candidates) if kind is not None}


@dataclass
class ArchiveFiles:
    """The files of one archive that rapport reads, by data type, in part order."""

    lone: bool
    """The user pointed at one file, not an archive."""
    manifest: Path | None = None
    parts: dict[str, list[Path]] = field(default_factory=dict)

    def of(self, *kinds: str) -> list[Path]:
        return [path for kind in kinds for path in self.parts.get(kind, [])]

    def names(self) -> set[str]:
        found = {p.name for paths in self.parts.values() for p in paths}
        return found | ({self.manifest.name} if self.manifest else set())


def locate(path: Path) -> ArchiveFiles:
    """The X archive files at ``path`` (a folder or one file), or WrongFormat."""
    if path.is_file():
        kind = classify(path)
        if kind is None:
            raise WrongFormat(
                path,
                expected="an X archive file such as tweets.js (`window.YTD.tweets.part0 = [...]`)",
                found=f"a file that starts with {read_head(path, 40).strip()!r}",
                fix="point rapport at the archive X sent (the zip or its unpacked folder)",
            )
        files = ArchiveFiles(lone=True)
        _place(files, path, kind)
        return files
    files = ArchiveFiles(lone=False)
    ordered: list[tuple[str, int, Path]] = []
    for candidate in find_files(path, PATTERNS):
        kind = classify(candidate)
        if kind is None:
            raise WrongFormat(
                candidate,
                expected="an X archive file (`window.YTD.<name>.partN = [...]`)",
                found=f"a file that starts with {read_head(candidate, 40).strip()!r}",
            )
        ordered.append((*kind, candidate))
    if not ordered:
        raise WrongFormat(
            path,
            expected="an X archive (data/manifest.js, data/tweets.js, data/account.js …)",
            found="none of those files",
            fix="unzip the archive X sent, or name the right format",
            option="format",
        )
    for data_type, part, candidate in sorted(ordered):
        _place(files, candidate, (data_type, part))
    return files


def _place(files: ArchiveFiles, path: Path, kind: tuple[str, int]) -> None:
    if kind[0] == MANIFEST:
        files.manifest = files.manifest or path
    else:
        files.parts.setdefault(kind[0], []).append(path)


def load_records(builder: BatchBuilder, path: Path, *, wrapper: str) -> Iterator[Any]:
    """The records of one ``window.YTD`` file, each unwrapped from ``{"<wrapper>": …}``, read
    one at a time (:func:`~rapport.importers._x_js.stream_list`): iterate to the end, or the
    file's digest is not recorded.

    Archives since 2019 wrap every record (``{"tweet": {…}}``); the earliest ``tweet.js``
    files did not. A record that is not an object is kept as it is, for the caller to
    quarantine.
    """
    for item in stream_list(
        builder, path, expected=f"an X archive {wrapper} file", what=f"{wrapper} records"
    ):
        if isinstance(item, dict) and isinstance(item.get(wrapper), dict):
            yield item[wrapper]
        else:
            yield item


@dataclass(frozen=True)
class Manifest:
    """What manifest.js says about the archive."""

    account_id: str | None
    handle: str | None
    display_name: str | None
    generated_at: dt.datetime | None
    generation_date: str | None
    """The raw ``generationDate`` (to report one that does not parse)."""
    partial: bool
    listed: tuple[str, ...]
    """The files of the data types rapport reads that the manifest lists (``data/like.js``)."""


def load_manifest(builder: BatchBuilder, path: Path) -> Manifest:
    value = load_assignment(builder, path, expected="X's manifest.js").value
    if not isinstance(value, dict):
        raise WrongFormat(
            path, expected="an object after `window.__THAR_CONFIG =`", found=describe(value)
        )
    user = _object(value.get("userInfo"))
    info = _object(value.get("archiveInfo"))
    raw_date = info.get("generationDate")
    generated_at = None
    if isinstance(raw_date, str):
        with contextlib.suppress(ValueError):
            generated_at = parse_x_time(raw_date)
    listed: list[str] = []
    types = _object(value.get("dataTypes"))
    for key in _MANIFEST_KEYS:
        for entry in _list(_object(types.get(key)).get("files")):
            name = _object(entry).get("fileName")
            if isinstance(name, str) and name:
                listed.append(name)
    return Manifest(
        account_id=id_value(user.get("accountId")),
        handle=_text(user.get("userName")),
        display_name=_text(user.get("displayName")),
        generated_at=generated_at,
        generation_date=raw_date if isinstance(raw_date, str) else None,
        partial=info.get("isPartialArchive") is True,
        listed=tuple(listed),
    )


def missing_files(files: ArchiveFiles, manifest: Manifest | None) -> list[str]:
    """Files the archive should hold but does not (none for a lone file)."""
    if files.lone:
        return []
    present = files.names()
    if manifest is not None and manifest.listed:
        return sorted(name for name in manifest.listed if Path(name).name not in present)
    return [
        " (or ".join(options) + ")" * (len(options) - 1)
        for options in _WITHOUT_MANIFEST
        if not any(option in present for option in options)
    ]


def _object(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
