"""Collecting canonical records from an importer into a :class:`~rapport.canonical.Batch`.

Importers read their source and call :meth:`BatchBuilder.add` once per record; values are
plain Python (text, int, float, ISO-8601 text or aware datetimes, lists of text). A record
whose values don't fit is quarantined with its file, position and field; the store does the
writing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapport.canonical.batch import Batch, FileDigest
from rapport.canonical.encodings import decode
from rapport.canonical.records import Rejection, TableBuilder, raw_json
from rapport.canonical.schema import TABLE_ORDER
from rapport.errors import UnreadableFile, UsageError

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_FILE_VARIABLE",
    "BatchBuilder",
    "byte_size",
    "max_file_bytes",
    "newest",
    "read_for_detection",
]

MAX_FILE_BYTES = 512 * 1024**2
"""The largest file an importer reads whole (JSON documents, CSV files): parsing one needs
two to three times its size in memory. X archives' JavaScript files are read in a stream and
have no such limit."""
MAX_FILE_VARIABLE = "RAPPORT_MAX_FILE"
_SIZE = re.compile(r"\A\s*(\d+(?:\.\d+)?)\s*([KMGT]i?B|B)?\s*\Z", re.IGNORECASE)
_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}  # fmt: skip


def byte_size(variable: str, default: int) -> int:
    """The size in environment variable ``variable`` (``8GiB``, ``500MB``, ``1000``), else
    ``default``; a UsageError for anything else."""
    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    match = _SIZE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(
            f"{variable}={text!r}: expected a size such as 8GiB, 500MB or a number of bytes"
        )
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").upper()])


def max_file_bytes() -> int:
    """``$RAPPORT_MAX_FILE`` when set, else :data:`MAX_FILE_BYTES`."""
    return byte_size(MAX_FILE_VARIABLE, MAX_FILE_BYTES)


def newest(moments: list[dt.datetime | None]) -> dt.datetime | None:
    """The latest of some aware datetimes (None when there are none)."""
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def read_for_detection(path: Path) -> str:
    """A file's text for an importer's ``detect`` that must parse it; ValueError (as for
    text it can't use) when it is over :func:`max_file_bytes`, so that no detector reads a
    huge file whole (the importer chosen then refuses it with the limit's message)."""
    if path.stat().st_size > max_file_bytes():
        raise ValueError(f"{path}: over the size limit of files read whole")
    return decode(path.read_bytes())


@dataclass
class BatchBuilder:
    """Records in, a checked :class:`Batch` out.

    ``source`` names the format (``x_archive``); ``origin`` what was read (a path or an API),
    and labels every quarantined record together with its locator. ``imported_at`` (default:
    when the builder was made) bounds plausible times: records dated more than a day later,
    or before 2000, are quarantined.
    """

    source: str
    origin: str
    root: Path | None = None
    notices: list[str] = field(default_factory=list)
    files: list[FileDigest] = field(default_factory=list)
    state: dict[str, str] = field(default_factory=dict)
    imported_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    _builders: dict[str, TableBuilder] = field(default_factory=dict)
    _rejections: list[Rejection] = field(default_factory=list)
    _families: dict[str, dict[str, str]] = field(default_factory=dict)

    def label(self, path: Path) -> str:
        """``path`` relative to what the user gave (for messages and locators)."""
        if self.root is not None:
            try:
                relative = path.relative_to(self.root)
                return str(relative) if str(relative) != "." else path.name
            except ValueError:
                pass
        return path.name

    def read_bytes(self, path: Path) -> bytes:
        """Read a file, recording its digest for the import record.

        A file larger than :func:`max_file_bytes` is refused before it is read.
        """
        limit = max_file_bytes()
        try:
            size = path.stat().st_size
            if size > limit:
                raise UnreadableFile(
                    path,
                    reason=f"it is {size:,} bytes, more than the {limit:,} rapport reads "
                    "into memory at once",
                    fix="export a shorter period (or split the file), or raise the limit with "
                    f"{MAX_FILE_VARIABLE} (such as 2GiB) on a machine with memory to spare",
                )
            data = path.read_bytes()
        except OSError as exc:
            raise UnreadableFile(path, reason=str(exc)) from None
        self.files.append(FileDigest(str(path), hashlib.sha256(data).hexdigest(), len(data)))
        return data

    def read_text(self, path: Path, *, encoding: str = "utf-8-sig") -> str:
        """Read a text file: UTF-8 (a leading byte-order mark is dropped) or UTF-16 (told by
        its bytes, :func:`~rapport.canonical.encodings.decode`); anything else is refused."""
        data = self.read_bytes(path)
        try:
            text = decode(data, encoding=encoding)
        except UnicodeDecodeError as exc:
            bad = data[exc.start : exc.start + 1]
            name = "UTF-16" if exc.encoding.startswith("utf-16") else "UTF-8"
            raise UnreadableFile(
                path,
                reason=f"not {name} text (byte {exc.start}: {bad!r})",
                fix="save the file again as UTF-8",
            ) from None
        return text.lstrip("\ufeff")

    def builder(self, table: str) -> TableBuilder:
        if table not in self._builders:
            self._builders[table] = TableBuilder(table, self.origin)
        return self._builders[table]

    def add(
        self, table: str, record: Mapping[str, Any], *, locator: str, family: str | None = None
    ) -> bool:
        """Add one canonical record; False when it was quarantined instead.

        ``family`` marks a record the source can't identify with certainty (see
        :attr:`Batch.families`): its key is ``family`` or ``family-<n>``.
        """
        added = self.builder(table).add(record, locator=locator)
        if added and family is not None:
            self._families.setdefault(table, {})[locator] = family
        return added

    def reject(
        self,
        table: str,
        *,
        locator: str,
        reason: str,
        field: str | None = None,
        raw: object = None,
    ) -> None:
        """Quarantine a record the importer itself could not make sense of."""
        self._rejections.append(
            Rejection(table, self.origin, locator, field, reason, raw_json(raw))
        )

    def note(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)

    def missing(self, names: list[str], *, what: str = "the archive") -> None:
        """Report files a partial archive lacks (the import goes on with what is there)."""
        if names:
            self.note(
                f"missing from {what}, so not imported: {', '.join(names)}; "
                "everything present was imported"
            )

    def count(self, table: str) -> int:
        return len(self._builders[table]) if table in self._builders else 0

    def build(self) -> Batch:
        tables, locators = {}, {}
        rejections = list(self._rejections)
        for name in TABLE_ORDER:
            builder = self._builders.get(name)
            if builder is None:
                continue
            tables[name], locators[name] = builder.finish()
            rejections.extend(builder.rejections)
            if builder.repaired:
                self.note(
                    f"{name}: {builder.repaired} record(s) had broken emoji (lone "
                    "surrogates) replaced by U+FFFD"
                )
        batch = Batch.from_tables(
            tables,
            source=self.source,
            origin=self.origin,
            locators=locators,
            rejections=rejections,
            notices=self.notices,
            files=self.files,
            sources={name: self.origin for name in tables},
            imported_at=self.imported_at,
        )
        batch.state.update(self.state)
        batch.families.update({name: dict(rows) for name, rows in self._families.items()})
        return batch
