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
     │    ├── WrongFormat             a file or folder that is not what the command expects
     │    ├── SchemaMismatch          a table with a missing column or a column of the wrong type
     │    ├── ConfigError             rapport.toml: an unknown key or a wrong value
     │    ├── UsageError              options that contradict each other, an unknown id
     │    └── AuthenticationError     a token or app password the service refused
     ├── WorkspaceError               the workspace or its store is missing or unusable (exit 2)
     ├── RemoteError                  a service could not be reached or answered nonsense (exit 1)
     ├── NotFittedError               a model asked to predict before ``fit``
     └── StoreError                   the store refused a write (a migration, a broken file)

Record-level problems inside a usable file are *not* exceptions: they become quarantine rows
(``rapport.canonical.Rejection``) and the rest of the file is imported.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AuthenticationError",
    "ConfigError",
    "InputError",
    "InputNotFound",
    "NotFittedError",
    "RapportError",
    "RemoteError",
    "SchemaMismatch",
    "StoreError",
    "UnreadableFile",
    "UsageError",
    "WorkspaceError",
    "WrongFormat",
]


class RapportError(Exception):
    """Root of every exception rapport raises on purpose."""


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
    def __init__(self, path: Path | str, *, reason: str, fix: str = "") -> None:
        super().__init__(path, reason, fix)
        self.path = Path(path)
        self.reason = reason
        self.fix = fix

    def __str__(self) -> str:
        fix = self.fix or "re-export the file or replace it with a complete copy"
        return f"{self.path}: can't be read: {self.reason}; {fix}"


class WrongFormat(InputError):
    def __init__(self, path: Path | str, *, expected: str, found: str, fix: str = "") -> None:
        super().__init__(path, expected, found, fix)
        self.path = Path(path)
        self.expected = expected
        self.found = found
        self.fix = fix

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

    def __init__(self, path: Path | str, *, key: str, value: object, fix: str) -> None:
        super().__init__(path, key, value, fix)
        self.path = Path(path)
        self.key = key
        self.value = value
        self.fix = fix

    def __str__(self) -> str:
        shown = "(missing)" if self.value is _MISSING else repr(self.value)
        return f"{self.path}: {self.key} = {shown}: {self.fix}"


class UsageError(InputError):
    """Options or arguments that can't be used together, or refer to nothing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class AuthenticationError(InputError):
    """A service refused the credentials given (wrong token, revoked app password)."""

    def __init__(self, service: str, *, problem: str, fix: str) -> None:
        super().__init__(service, problem, fix)
        self.service = service
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.service}: {self.problem}; {self.fix}"


class RemoteError(RapportError):
    """A service could not be reached, or answered something rapport can't use.

    Nothing is written: a pull stores its data and its cursor together, or neither.
    """

    def __init__(self, service: str, *, problem: str, fix: str = "try again later") -> None:
        super().__init__(service, problem, fix)
        self.service = service
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.service}: {self.problem}; {self.fix}"


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


class _Missing:
    def __repr__(self) -> str:
        return "(missing)"


_MISSING = _Missing()
MISSING: object = _MISSING
"""Marker for a config key that is required but absent."""
