"""Mastodon's CSV data export: ``following_accounts.csv``, the accounts the owner follows.

Mastodon writes it under Preferences → Import and export → Data export, with a header
``Account address,Show boosts,Notify on new posts,Languages``, blank lines between rows in
some versions, and quoted language lists (``"en,fr"``). Each address becomes a ``people``
row. The file names people only by address (``user@instance``); their ActivityPub URI
needs the network, so they are stored as ``mastodon:acct:user@instance`` (an ``acct:``
URI, RFC 7565). See docs/sources/mastodon.md.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from rapport.canonical.batch import Batch
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text
from rapport.errors import UnreadableFile, WrongFormat
from rapport.importers._archive import find_files
from rapport.importers._base import ImportOptions, register
from rapport.importers._csv import csv_problem
from rapport.platforms.mastodon import PLATFORM

__all__ = ["FOLLOWING", "detect", "looks_like_following", "read", "read_following"]

NAME = "mastodon_csv"
FOLLOWING = "following_accounts.csv"
_HEADER = "Account address"
_ADDRESS = re.compile(r"^@?([^@\s]+)@([^@\s/]+\.[^@\s/]+|localhost(?::\d+)?)$")


def looks_like_following(path: Path) -> bool:
    """Whether a file starts with the header of Mastodon's following export."""
    if not path.is_file():
        return False
    head = head_text(path, 256)
    return head.lstrip().startswith(f"{_HEADER},")


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if looks_like_following(path) else []
    return [p for p in find_files(path, "*.csv", max_depth=3) if looks_like_following(p)]


def detect(path: Path) -> float:
    """0.9 for Mastodon's following_accounts.csv (or a folder of such files), else 0."""
    return 0.9 if _files(path) else 0.0


def read_following(builder: BatchBuilder, path: Path) -> int:
    """Add one ``people`` row per followed address; return how many were added."""
    label = builder.label(path)
    text = builder.read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    added = 0
    header: list[str] | None = None
    rows = iter(reader)
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:  # a cell over MAX_CELL characters, or a NUL byte
            raise UnreadableFile(path, reason=csv_problem(exc, line=reader.line_num)) from None
        if row is None:
            break
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = [cell.strip() for cell in row]
            if not header or header[0] != _HEADER:
                raise WrongFormat(
                    path,
                    expected=f"Mastodon's {FOLLOWING} with the header '{_HEADER},Show boosts,...'",
                    found=f"the header {','.join(header)[:60]!r}",
                )
            continue
        address = row[0].strip()
        match = _ADDRESS.match(address)
        if match is None:
            builder.reject(
                "people",
                locator=f"{label} line {line}",
                field=_HEADER,
                reason=f"expected an address such as user@instance.social, found {address!r}",
                raw=row,
            )
            continue
        handle = f"{match.group(1)}@{match.group(2).lower()}"
        added += builder.add(
            "people",
            {
                "person_id": f"{PLATFORM}:acct:{handle}",
                "platform": PLATFORM,
                "handle": handle,
            },
            locator=f"{label} line {line}",
        )
    if header is None:
        builder.note(f"{label}: empty file, nobody imported")
    return added


@register(
    NAME,
    description="Mastodon's CSV data export: following_accounts.csv (the accounts you follow)",
    detect=detect,
    names=("following_accounts.csv",),
)
def read(path: Path, options: ImportOptions) -> Batch:
    root = path if path.is_dir() else path.parent
    builder = BatchBuilder(source=NAME, origin=options.origin or path.name, root=root)
    files = _files(path)
    if not files:
        raise WrongFormat(
            path,
            expected=f"Mastodon's {FOLLOWING} (header '{_HEADER},Show boosts,...')",
            found="no such CSV file",
        )
    total = sum(read_following(builder, file) for file in files)
    builder.note(
        f"{total:,} followed account(s) imported as people by address "
        "(mastodon:acct:user@instance); a pull finds their ActivityPub URIs only when they "
        "interact with you"
    )
    return builder.build()
