"""Every exception rapport raises on purpose.

The library raises these and translates none of them; only the edges (``cli.py``, later the
web app) turn them into one human line and an exit code. Each exception carries its context
as attributes and builds its message in ``__str__`` so the message always names what is
wrong, where, and how to fix it.

Hierarchy::

    RapportError                      root: catch this to catch everything rapport raises
     ├── InputError                   the user's input can't be used (CLI exit code 2)
     │    ├── InputNotFound           a path that does not exist
     │    ├── UnreadableFile          a file that can't be read or parsed at all
     │    │    ├── MalformedCascadeFile   a cascade file with a bad field on one line
     │    │    └── DiskFull       no room left to unpack an archive
     │    ├── WrongFormat             a file or folder that is not what the command expects
     │    ├── SchemaMismatch          a table with a missing column or a column of the wrong type
     │    ├── ConfigError             rapport.toml: an unknown key or a wrong value
     │    ├── UsageError              options that contradict each other, an unknown id
     │    │    └── InvalidParameter   a model's or the simulator's setting out of range
     │    │         ├── InvalidWorldParameter   a WorldParams field
     │    │         ├── InvalidHistory          MoonshotOdds input
     │    │         └── InvalidSeries           SpikeDetector input
     │    ├── InvalidCascade          a cascade built in code with unusable arrays
     │    ├── BrokenRepository        a Bluesky .car file with no readable commit
     │    ├── AuthenticationError     a token or app password the service refused
     │    └── CredentialsError        stored credentials: no usable key, an unsafe key file …
     │         └── WrongKey           the key does not open the stored credentials
     ├── RecordError                  one record inside a usable file (never reaches the user:
     │    │                           the importer quarantines the record, see below)
     │    ├── FieldProblem            a value that does not fit its canonical column
     │    ├── CellError               a CSV cell that can't be used
     │    ├── TweetProblem            a tweet of an X archive
     │    └── RecordProblem           a Mastodon or Bluesky record (archive or API)
     ├── WorkspaceError               the workspace or its store is missing or unusable (exit 2)
     │    └── WorkspaceBusy           another process holds the store longer than we may wait
     ├── RemoteError                  a service could not be reached or answered nonsense (exit 1)
     │    ├── RemoteNotFound          the service answered 404 (callers decide what it means)
     │    ├── ReplyNotSent            posting a reply failed; the same command resumes it
     │    └── PostNotSent             posting or scheduling a status failed; the same call
     │                                with the same key is safe to repeat
     ├── NotFittedError               a model asked to predict before ``fit``
     └── StoreError                   the store refused a write (a migration, a broken file)

Record-level problems inside a usable file are exceptions only inside an importer: each
:class:`RecordError` becomes a quarantine row (``rapport.canonical.Rejection``) and the rest of
the file is imported. They also derive from ``ValueError``, as the parsing code they come from.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AuthenticationError",
    "BrokenRepository",
    "CellError",
    "ConfigError",
    "CredentialsError",
    "DiskFull",
    "FieldProblem",
    "InputError",
    "InputNotFound",
    "InvalidCascade",
    "InvalidHistory",
    "InvalidParameter",
    "InvalidSeries",
    "InvalidWorldParameter",
    "MalformedCascadeFile",
    "NotFittedError",
    "PostNotSent",
    "RapportError",
    "RecordError",
    "RecordProblem",
    "RemoteError",
    "RemoteNotFound",
    "ReplyNotSent",
    "SchemaMismatch",
    "StoreError",
    "TweetProblem",
    "UnreadableFile",
    "UsageError",
    "WorkspaceBusy",
    "WorkspaceError",
    "WrongFormat",
    "WrongKey",
]


class RapportError(Exception):
    """Root of every exception rapport raises on purpose.

    ``option`` names the keyword argument of the API call (``format``, ``account``,
    ``extra`` …) that would fix the problem, when one would: library messages never name a
    command-line flag, and each front door says how its user sets that option (the CLI adds
    the flag, the web app points at the field).
    """

    option: str | None = None


class InputError(RapportError):
    """Input the user gave can't be used; nothing was written."""


class InputNotFound(InputError):
    def __init__(self, path: Path | str, *, what: str = "input path") -> None:
        super().__init__(path, what)
        self.path = Path(path)
        self.what = what

    def __str__(self) -> str:
        return f"{self.path}: {self.what} does not exist; check the spelling or create it first"


class UnreadableFile(InputError):
    def __init__(
        self, path: Path | str, *, reason: str, fix: str = "", option: str | None = None
    ) -> None:
        super().__init__(path, reason, fix)
        self.path = Path(path)
        self.reason = reason
        self.fix = fix
        self.option = option

    def __str__(self) -> str:
        fix = self.fix or "re-export the file or replace it with a complete copy"
        return f"{self.path}: can't be read: {self.reason}; {fix}"


class WrongFormat(InputError):
    def __init__(
        self,
        path: Path | str,
        *,
        expected: str,
        found: str,
        fix: str = "",
        option: str | None = None,
    ) -> None:
        super().__init__(path, expected, found, fix)
        self.path = Path(path)
        self.expected = expected
        self.found = found
        self.fix = fix
        self.option = option

    def __str__(self) -> str:
        text = f"{self.path}: expected {self.expected}, found {self.found}"
        return f"{text}; {self.fix}" if self.fix else text


class SchemaMismatch(InputError):
    """A table file whose columns can't be used: a missing column or a wrong type."""

    def __init__(
        self, path: Path | str, *, table: str, field: str, expected: str, found: str
    ) -> None:
        super().__init__(path, table, field, expected, found)
        self.path = Path(path)
        self.table = table
        self.field = field
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        return (
            f"{self.path}: table {self.table!r}, column {self.field!r}: expected {self.expected}, "
            f"found {self.found}; fix the column and export the file again"
        )


class ConfigError(InputError):
    """rapport.toml has an unknown key or a value that does not fit."""

    def __init__(
        self,
        path: Path | str,
        *,
        key: str,
        value: object,
        fix: str,
        line: int | None = None,
        found: str | None = None,
    ) -> None:
        super().__init__(path, key, value, fix)
        self.path = Path(path)
        self.key = key
        self.value = value
        self.fix = fix
        self.line = line
        """The line of the file, when the problem was found before the values were parsed."""
        self.found = found
        """What was found, in words, when the value itself can't be shown."""

    def __str__(self) -> str:
        where = f"{self.path}: line {self.line}" if self.line else str(self.path)
        if self.found is not None:
            return f"{where}: {self.key}: found {self.found}; {self.fix}"
        return f"{where}: {self.key} = {_shown(self.value)}: {self.fix}"


def _shown(value: object, *, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters so one message stays one short line."""
    if value is _MISSING:
        return "(missing)"
    try:
        text = repr(value)
    except RecursionError:  # a value nested deeper than Python can print
        text = f"a {type(value).__name__} nested too deep to show"
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class UsageError(InputError):
    """Options or arguments that can't be used together, or refer to nothing."""

    def __init__(self, message: str, *, option: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.option = option

    def __str__(self) -> str:
        return self.message


class AuthenticationError(InputError):
    """A service refused the credentials given (wrong token, revoked app password)."""

    def __init__(self, service: str, *, problem: str, fix: str, option: str | None = None) -> None:
        super().__init__(service, problem, fix)
        self.service = service
        self.problem = problem
        self.fix = fix
        self.option = option

    def __str__(self) -> str:
        return f"{self.service}: {self.problem}; {self.fix}"


class CredentialsError(InputError):
    """The credentials of a workspace's connections can't be kept or opened safely: a key
    that is not a key, a key file others can read, a credentials file that is not one."""

    def __init__(self, where: str, *, problem: str, fix: str) -> None:
        super().__init__(where, problem, fix)
        self.where = where
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}; {self.fix}"


class WrongKey(CredentialsError):
    """The key found (``key``: the variable or file it came from) does not open the stored
    credentials (``path``)."""

    def __init__(self, key: str, *, path: Path | str, detail: str) -> None:
        fix = (
            "use the key they were saved with (restore the key file from your backup, or point "
            "RAPPORT_KEY_FILE or RAPPORT_SECRET_KEY at it), or remove the connections and "
            "connect the accounts again"
        )
        super().__init__(key, problem=detail, fix=fix)
        self.key = key
        self.path = Path(path)
        self.detail = detail

    def __str__(self) -> str:
        return (
            f"the key in {self.key} does not open these credentials: {self.path} "
            f"({self.detail}); {self.fix}"
        )


class RemoteError(RapportError):
    """A service could not be reached, or answered something rapport can't use.

    Nothing is written: a pull stores its data and its cursor together, or neither.
    """

    def __init__(
        self,
        service: str,
        *,
        problem: str,
        fix: str = "try again later",
        option: str | None = None,
    ) -> None:
        super().__init__(service, problem, fix)
        self.service = service
        self.problem = problem
        self.fix = fix
        self.option = option

    def __str__(self) -> str:
        return f"{self.service}: {self.problem}; {self.fix}"


class ReplyNotSent(RemoteError):
    """An attempt to post a reply failed; it may or may not have reached the server. Running
    the same command again checks what was posted and resumes with the same key."""


class PostNotSent(RemoteError):
    """An attempt to post, schedule or publish a planned post failed after it may have been
    sent (a 5xx, a dropped connection, a timeout) or was not accepted yet (a rate limit).
    Repeating it is safe: it goes with the same key (a Bluesky record key, looked up first;
    a Mastodon idempotency key, which the server answers with what it already made), so the
    post exists at most once."""


class NotFittedError(RapportError):
    """A model was asked to predict (or to report what it learned) before it was fitted."""

    def __init__(self, estimator: str, *, hint: str = "call fit(...) first") -> None:
        super().__init__(estimator, hint)
        self.estimator = estimator
        self.hint = hint

    def __str__(self) -> str:
        return f"This {self.estimator} is not fitted yet; {self.hint}"


class WorkspaceError(RapportError):
    def __init__(self, path: Path | str, *, problem: str, fix: str) -> None:
        super().__init__(path, problem, fix)
        self.path = Path(path)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}; {self.fix}"


class StoreError(RapportError):
    def __init__(self, path: Path | str, *, problem: str) -> None:
        super().__init__(path, problem)
        self.path = Path(path)
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class MalformedCascadeFile(UnreadableFile):
    """A cascade file with a bad field on one line: names the file, the line and the field."""

    def __init__(
        self, path: Path | str, *, line: int, field: str, expected: str, found: str
    ) -> None:
        reason = f"line {line}: field {field!r}: expected {expected}, found {found}"
        super().__init__(path, reason=reason)
        self.line = line
        self.field = field
        self.expected = expected
        self.found = found

    def __str__(self) -> str:
        return (
            f"{self.path}: line {self.line}: field {self.field!r}: expected {self.expected}, "
            f"found {self.found}; fix that line or export the cascade again"
        )


class DiskFull(UnreadableFile):
    """The disk filled up while an archive was unpacked (``path`` is the user's archive,
    ``folder`` where the temporary copy was being written). Nothing was stored."""

    def __init__(self, path: Path | str, *, folder: Path | str, written: int) -> None:
        super().__init__(path, reason=f"the disk holding {folder} is full")
        self.folder = Path(folder)
        self.written = written

    def __str__(self) -> str:
        return (
            f"{self.path}: can't be unpacked: the disk holding {self.folder} is full (no space "
            f"left after {self.written:,} bytes); free some space there, or set TMPDIR to a "
            "folder on a disk with more room"
        )


class InvalidParameter(UsageError, ValueError):
    """A setting or an input array a model or the simulator can't use.

    ``owner`` names what refused it (``WorldParams``, ``MoonshotOdds``, ``SpikeDetector``).
    """

    owner = "parameter"

    def __init__(self, field_name: str, value: object, expected: str) -> None:
        super().__init__(self._message(field_name, value, expected))
        self.args = (field_name, value, expected)  # so that it pickles
        self.field = field_name
        self.value = value
        self.expected = expected

    @classmethod
    def _message(cls, field_name: str, value: object, expected: str) -> str:
        return f"{cls.owner}: {field_name} = {value!r}: expected {expected}"


class InvalidWorldParameter(InvalidParameter):
    """A :class:`~rapport.simulate.WorldParams` field holds a value the world can't be built
    from."""

    @classmethod
    def _message(cls, field_name: str, value: object, expected: str) -> str:
        return f"WorldParams.{field_name} = {value!r}: expected {expected}"


class InvalidHistory(InvalidParameter):
    """Input to :class:`~rapport.models.rarity.MoonshotOdds` that can't be used (a negative
    count, a bad option)."""

    owner = "MoonshotOdds"


class InvalidSeries(InvalidParameter):
    """A series or setting :class:`~rapport.models.spike_detector.SpikeDetector` can't use (a
    negative count, a bad window)."""

    owner = "SpikeDetector"


class InvalidCascade(InputError):
    """A cascade built in code whose arrays can't be used (unsorted, negative, mismatched)."""

    def __init__(self, cascade_id: str, *, field: str, problem: str) -> None:
        super().__init__(cascade_id, field, problem)
        self.cascade_id = cascade_id
        self.field = field
        self.problem = problem

    def __str__(self) -> str:
        return f"cascade {self.cascade_id!r}: {self.field}: {self.problem}"


class BrokenRepository(InputError, ValueError):
    """A Bluesky repository export (.car) with no readable header or commit; the importer
    turns it into an :class:`UnreadableFile` naming the file."""


class RecordError(RapportError, ValueError):
    """One record inside a usable file that can't be used: ``field`` (the source's own field
    or column name) and ``reason``. Importers catch it and quarantine the record."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(field, reason)
        self.field = field
        self.reason = reason

    def __str__(self) -> str:
        return f"field {self.field!r}: {self.reason}"


class FieldProblem(RecordError):
    """A value that does not fit its canonical column."""


class CellError(RecordError):
    """A CSV cell that can't be used (``column`` is the CSV's own header)."""

    @property
    def column(self) -> str:
        return self.field


class TweetProblem(RecordError):
    """A tweet of an X archive that can't be imported."""


class RecordProblem(RecordError):
    """A Mastodon or Bluesky record (a status, an activity, a notification) that can't be
    used; ``field`` is the source's own field name, so quarantine rows point into the file or
    the API response, not into the canonical schema."""


class WorkspaceBusy(WorkspaceError):
    """Another process kept the store open longer than this one may wait for it."""


class RemoteNotFound(RemoteError):
    """The service answered 404 (a deleted status, an unknown handle): callers decide."""

    def __init__(self, what: str) -> None:
        super().__init__(what, problem="not found (404)", fix="check the id or the handle")


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()
MISSING: object = _MISSING
"""Marker for a config key that is required but absent."""
