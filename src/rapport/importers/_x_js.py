"""Reading the JavaScript files of X archives, and X's date formats.

Every data file of an X archive is one JavaScript assignment of a JSON value:
``window.YTD.tweets.part0 = [ … ]`` (current archives), ``window.__THAR_CONFIG = { … }``
(manifest.js), ``Grailbird.data.tweets_2013_02 = [ … ]`` and ``var user_details = { … }``
(pre-2018 Grailbird archives). Often there is no trailing newline; sometimes a ``;``.

Lists are read in a stream (:func:`stream_list`): one record at a time, from a buffer of
about a megabyte, so a 1.5 GiB ``tweets.js`` never sits in memory whole (nor its bytes,
its text and every parsed record at once).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rapport.canonical.batch import FileDigest
from rapport.canonical.builder import BatchBuilder
from rapport.canonical.encodings import head_text, utf16_codec
from rapport.errors import UnreadableFile, WrongFormat

__all__ = [
    "JsAssignment",
    "assignment_name",
    "count_value",
    "id_value",
    "load_assignment",
    "parse_x_time",
    "read_head",
    "stream_list",
]

_ASSIGNMENT = re.compile(r"\A\ufeff?\s*(?:var\s+)?(?P<name>[A-Za-z_$][\w$.]*)\s*=\s*")
_UTC = dt.UTC
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}


@dataclass(frozen=True)
class JsAssignment:
    """``name = value`` as found in one file."""

    name: str
    value: Any


def read_head(path: Path, size: int = 512) -> str:
    """The first bytes of a file as text (for detection; never fails on bad bytes)."""
    return head_text(path, size)


def assignment_name(head: str) -> str | None:
    """The variable a JavaScript data file assigns (``window.YTD.tweets.part0``), if any."""
    match = _ASSIGNMENT.match(head)
    return match.group("name") if match else None


def load_assignment(builder: BatchBuilder, path: Path, *, expected: str) -> JsAssignment:
    """Read ``path`` (recording its digest) and parse the JSON value it assigns.

    A file that is not such an assignment raises WrongFormat; JSON that does not parse
    (a truncated download, a hand edit) raises UnreadableFile naming line and column.
    """
    text = builder.read_text(path)
    match = _ASSIGNMENT.match(text)
    if match is None:
        shown = text[:40].strip() or "an empty file"
        raise WrongFormat(
            path,
            expected=f"{expected} (a JavaScript file: `<name> = <JSON>`)",
            found=repr(shown) if text.strip() else shown,
            fix="point rapport at the unpacked archive or the zip X sent",
        )
    name = match.group("name")
    try:
        value, end = json.JSONDecoder().raw_decode(text, match.end())
    except json.JSONDecodeError as exc:
        reason = f"not valid JSON after `{name} =` at line {exc.lineno}, column {exc.colno} "
        raise UnreadableFile(
            path,
            reason=reason + f"({exc.msg}); the file looks truncated or edited",
            fix="download the archive again and import the complete file",
        ) from None
    except RecursionError:
        raise UnreadableFile(
            path, reason=f"the JSON after `{name} =` is nested too deeply to be an X archive"
        ) from None
    tail = text[end:].strip()
    if tail not in ("", ";"):
        line = text.count("\n", 0, end) + 1
        raise UnreadableFile(
            path,
            reason=f"unexpected text after the JSON value at line {line}: {tail[:30]!r}",
            fix="download the archive again and import the complete file",
        )
    return JsAssignment(name, value)


_CHUNK = 1024**2
MAX_RECORD = 96 * 1024**2
"""Characters one record of a streamed list may take: far beyond any real post (X allows
25,000 characters), and small enough that reading it keeps an import under 1 GB. A longer
record refuses the file (its line and column named) rather than exhausting memory."""
_WHITESPACE = " \t\n\r"
_REFETCH_MARGIN = 16
"""A JSON error this close to the end of the buffer may only mean the value goes on."""


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "text"
    return "true or false" if isinstance(value, bool) else "a number"


class _Stream:
    """The text of a file in chunks, with its digest, and where the buffer starts."""

    def __init__(self, path: Path, handle: IO[bytes], chunk: int) -> None:
        self.path = path
        self.handle = handle
        self.chunk = chunk
        self.codec = utf16_codec(handle.read(512)) or "utf-8-sig"
        handle.seek(0)
        self.decoder = codecs.getincrementaldecoder(self.codec)()
        self.digest = hashlib.sha256()
        self.size = 0
        self.eof = False
        self.buffer = ""
        self.lines = 0
        """Line breaks in the text dropped from the front of the buffer."""
        self.column = 0
        """Characters after the last dropped line break."""

    def more(self, at_least: int = 0) -> bool:
        """Append at least ``at_least`` characters (or a chunk) to the buffer; False at EOF."""
        if self.eof:
            return False
        wanted = max(self.chunk, at_least)
        parts = [self.buffer]
        got = 0
        while got < wanted and not self.eof:
            data = self.handle.read(max(self.chunk, wanted - got))
            self.digest.update(data)
            try:
                text = self.decoder.decode(data, final=not data)
            except UnicodeDecodeError as exc:
                offset = self.size + exc.start - len(self.decoder.getstate()[0])
                raise UnreadableFile(
                    self.path,
                    reason=f"not {self.codec.upper().removesuffix('-SIG')} text "
                    f"(byte {max(offset, 0)}: "
                    f"{exc.object[exc.start : exc.start + 1]!r})",
                    fix="export the file again as UTF-8",
                ) from None
            self.size += len(data)
            self.eof = not data
            parts.append(text)
            got += len(text)
        self.buffer = "".join(parts)
        return True

    def drop(self, upto: int) -> int:
        """Forget the buffer's first ``upto`` characters; return the new position 0."""
        if upto:
            dropped = self.buffer[:upto]
            last = dropped.rfind("\n")
            if last < 0:
                self.column += len(dropped)
            else:
                self.lines += dropped.count("\n")
                self.column = len(dropped) - last - 1
            self.buffer = self.buffer[upto:]
        return 0

    def skip_space(self, pos: int) -> int:
        """The first position at or after ``pos`` that is not whitespace (reading on)."""
        while True:
            while pos < len(self.buffer) and self.buffer[pos] in _WHITESPACE:
                pos += 1
            if pos < len(self.buffer) or not self.more():
                return pos

    def where(self, pos: int) -> tuple[int, int]:
        """(line, column), both from 1, of buffer position ``pos`` in the whole file."""
        line = self.buffer.count("\n", 0, pos)
        if line == 0:
            return self.lines + 1, self.column + pos + 1
        return self.lines + line + 1, pos - self.buffer.rfind("\n", 0, pos)

    def bad_json(self, name: str, pos: int, message: str) -> UnreadableFile:
        line, column = self.where(pos)
        return UnreadableFile(
            self.path,
            reason=f"not valid JSON after `{name} =` at line {line}, column {column} "
            f"({message}); the file looks truncated or edited",
            fix="download the archive again and import the complete file",
        )


def stream_list(
    builder: BatchBuilder, path: Path, *, expected: str, what: str, chunk: int = _CHUNK
) -> Iterator[Any]:
    """The items of the JSON list ``path`` assigns, one at a time, in constant memory.

    Records the file's digest once it has been read to the end. ``expected`` describes the
    file (for a file that is no assignment: WrongFormat); ``what`` the items (for a value
    that is not a list: WrongFormat). Broken JSON raises UnreadableFile naming line and
    column, as :func:`load_assignment` does.
    """
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise UnreadableFile(path, reason=str(exc)) from None
    with handle:
        stream = _Stream(path, handle, chunk)
        yield from _items(stream, expected=expected, what=what)
        while stream.more():  # the digest covers the whole file
            stream.drop(len(stream.buffer))
        builder.files.append(FileDigest(str(path), stream.digest.hexdigest(), stream.size))


def _items(stream: _Stream, *, expected: str, what: str) -> Iterator[Any]:
    stream.more(4096)  # the whole `<name> =`
    match = _ASSIGNMENT.match(stream.buffer)
    if match is None:
        shown = stream.buffer[:40].strip() or "an empty file"
        raise WrongFormat(
            stream.path,
            expected=f"{expected} (a JavaScript file: `<name> = <JSON>`)",
            found=repr(shown) if stream.buffer.strip() else shown,
            fix="point rapport at the unpacked archive or the zip X sent",
        )
    name = match.group("name")
    pos = stream.skip_space(match.end())
    if pos >= len(stream.buffer) or stream.buffer[pos] != "[":
        while stream.more():
            pass
        value = _decode(stream, name, pos)[0] if pos < len(stream.buffer) else None
        raise WrongFormat(
            stream.path, expected=f"a list of {what} after `{name} =`", found=_kind(value)
        )
    pos = stream.skip_space(pos + 1)
    if pos < len(stream.buffer) and stream.buffer[pos] == "]":
        _check_tail(stream, name, pos + 1)
        return
    while True:
        value, end = _decode(stream, name, pos)
        after = stream.skip_space(end)
        if after >= len(stream.buffer):
            raise stream.bad_json(name, after, "Expecting ',' delimiter")
        closing = stream.buffer[after]
        if closing not in ",]":
            raise stream.bad_json(name, after, "Expecting ',' delimiter")
        yield value
        if closing == "]":
            _check_tail(stream, name, after + 1)
            return
        pos = stream.drop(after + 1) if after + 1 > stream.chunk else after + 1
        pos = stream.skip_space(pos)


_DECODER = json.JSONDecoder()


def _decode(stream: _Stream, name: str, pos: int) -> tuple[Any, int]:
    """One JSON value starting at ``pos``, reading on (doubling) until it is complete."""
    decoder = _DECODER
    while True:
        try:
            value, end = decoder.raw_decode(stream.buffer, pos)
        except json.JSONDecodeError as exc:
            unfinished = exc.msg.startswith("Unterminated string") or (
                exc.pos >= len(stream.buffer) - _REFETCH_MARGIN
            )
            if unfinished and len(stream.buffer) - pos > MAX_RECORD:
                line, column = stream.where(pos)
                raise UnreadableFile(
                    stream.path,
                    reason=f"the record at line {line}, column {column} is longer than "
                    f"{MAX_RECORD:,} characters, far longer than any real post",
                    fix="check that this is the file the platform sent (it looks damaged)",
                ) from None
            if unfinished and stream.more(len(stream.buffer) - pos):
                continue
            raise stream.bad_json(name, exc.pos, exc.msg) from None
        except RecursionError:
            raise UnreadableFile(
                stream.path,
                reason=f"the JSON after `{name} =` is nested too deeply to be an X archive",
            ) from None
        # a number or a literal at the very end of the buffer may go on in the next chunk
        if end < len(stream.buffer) or stream.eof or isinstance(value, dict | list | str):
            return value, end
        if not stream.more():
            return value, end


def _check_tail(stream: _Stream, name: str, pos: int) -> None:
    """Only whitespace and one ``;`` may follow the value."""
    line_of_end = stream.where(pos)[0]
    start = stream.skip_space(pos)
    if start >= len(stream.buffer):
        return
    if stream.buffer[start] == ";" and stream.skip_space(start + 1) >= len(stream.buffer):
        return
    while len(stream.buffer) - start < 31 and stream.more():
        pass
    shown = stream.buffer[start : start + 30]
    if not stream.buffer[start + 30 : start + 31].strip():
        shown = shown.rstrip()
    raise UnreadableFile(
        stream.path,
        reason=f"unexpected text after the JSON value at line {line_of_end}: {shown!r}",
        fix="download the archive again and import the complete file",
    )


def parse_x_time(text: str) -> dt.datetime:
    """An X timestamp as an aware UTC datetime.

    Accepts the archive's ``Tue Jan 31 09:01:52 +0000 2017``, Grailbird's
    ``2013-03-01 03:51:09 +0000`` and ISO 8601 with a zone (``2021-03-22T15:32:53.698Z``).
    Raises ValueError for anything else (a naive time included).
    """
    parts = text.split()
    try:
        if len(parts) == 6:
            _, month_name, day, clock, offset, year = parts
            hour, minute, second = clock.split(":")
            moment = dt.datetime(
                int(year), _MONTHS[month_name], int(day), int(hour), int(minute), int(second),
                tzinfo=_UTC,
            )  # fmt: skip
            return moment if offset == "+0000" else moment - _offset(offset)
        if len(parts) == 3:
            date, clock, offset = parts
            year, month, day = date.split("-")
            hour, minute, second = clock.split(":")
            moment = dt.datetime(
                int(year), int(month), int(day), int(hour), int(minute), int(second),
                tzinfo=_UTC,
            )  # fmt: skip
            return moment if offset == "+0000" else moment - _offset(offset)
        if len(parts) == 1:
            moment = dt.datetime.fromisoformat(parts[0])
            if moment.tzinfo is not None:
                return moment.astimezone(_UTC)
    except (KeyError, ValueError, OverflowError):
        pass
    raise ValueError(text)


def _offset(text: str) -> dt.timedelta:
    if len(text) != 5 or text[0] not in "+-" or not text[1:].isdigit():
        raise ValueError(text)
    delta = dt.timedelta(hours=int(text[1:3]), minutes=int(text[3:5]))
    return delta if text[0] == "+" else -delta


def id_value(value: object) -> str | None:
    """A numeric X id as text (archives write them as strings); None when it is not one.

    Floats are refused: an id that went through a float has lost its last digits.
    """
    if isinstance(value, str):
        return value if value.isascii() and value.isdigit() else None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    return None


def count_value(value: object) -> int | None:
    """A count written as a string (``"12"``) or a number; None when it is neither (or does
    not fit in 64 bits)."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63:
        return value
    return None
