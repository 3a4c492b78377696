"""Opening a DuckDB file that other processes may hold: wait, say so, or give up clearly.

DuckDB lets any number of processes open a file read-only at once, but while one process has
it open for writing no other process can open it at all, and no process can open it for
writing while readers have it open. rapport therefore never keeps a workspace's file open
between operations: a writer opens, writes in one transaction and closes; a reader opens
read-only for one piece of work. When the file is held, :func:`connect` waits (saying so once
through ``on_wait``) and retries until ``wait_seconds`` have passed, then raises
:class:`~rapport.errors.WorkspaceBusy` naming who holds it and how to free it.

A writer leaves a small marker beside the store (``rapport.duckdb.writer``: its process id and
what it is doing) for as long as it holds the file, so a waiting reader can say "an import is
writing to this workspace" rather than only "the file is locked".
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from rapport.errors import WorkspaceBusy

__all__ = [
    "DEFAULT_WAIT_SECONDS",
    "WAIT_VAR",
    "Holder",
    "connect",
    "remove_marker",
    "wait_seconds",
    "write_marker",
]

WAIT_VAR = "RAPPORT_WAIT_SECONDS"
"""Environment variable: how long to wait for a store another process holds (seconds)."""
DEFAULT_WAIT_SECONDS = 120.0
_POLL_SECONDS = 0.2
_PID = re.compile(r"\(PID (\d+)\)")


@dataclass(frozen=True)
class Holder:
    """Who holds the store, as far as can be told."""

    pid: int | None
    writing: str | None
    """What the writer said it is doing ("an import", "a pull" …), or None for readers (or an
    unknown holder)."""
    here: bool = False
    """Whether the holder is another session of this very process."""

    def describe(self) -> str:
        if self.here:
            return "this workspace is open in another session of this process"
        who = f" (process {self.pid})" if self.pid else ""
        if self.writing:
            return f"{self.writing}{who} is writing to this workspace"
        return f"this workspace is open in another process{who}"


def wait_seconds(value: float | None = None) -> float:
    """``value``, else ``$RAPPORT_WAIT_SECONDS``, else :data:`DEFAULT_WAIT_SECONDS`."""
    if value is not None:
        return max(0.0, float(value))
    text = os.environ.get(WAIT_VAR, "").strip()
    if not text:
        return DEFAULT_WAIT_SECONDS
    try:
        return max(0.0, float(text))
    except ValueError:
        raise WorkspaceBusy(
            Path(text),
            problem=f"{WAIT_VAR}={text!r} is not a number of seconds",
            fix=f"set {WAIT_VAR} to a number such as 60, or unset it",
        ) from None


def _marker(path: Path) -> Path:
    return path.with_name(path.name + ".writer")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_marker(path: Path, purpose: str) -> None:
    """Say, beside the store, that this process is writing to it and why."""
    data = {"pid": os.getpid(), "purpose": purpose, "since": time.time()}
    with contextlib.suppress(OSError):  # only a courtesy to waiting readers
        _marker(path).write_text(json.dumps(data), encoding="utf-8")


def remove_marker(path: Path) -> None:
    marker = _marker(path)
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
        if int(data.get("pid", -1)) == os.getpid():
            marker.unlink()
    except (OSError, ValueError, TypeError):
        pass


def _holder(path: Path, error: Exception) -> Holder:
    match = _PID.search(str(error))
    pid = int(match.group(1)) if match else None
    try:
        data = json.loads(_marker(path).read_text(encoding="utf-8"))
        writer = int(data.get("pid", -1))
        if _alive(writer) and (pid is None or pid == writer):
            return Holder(writer, str(data.get("purpose") or "another rapport process"))
    except (OSError, ValueError, TypeError):
        pass
    if pid == os.getpid() or isinstance(error, duckdb.ConnectionException):
        return Holder(None, None, here=True)
    return Holder(pid, None)


def _busy(error: Exception) -> bool:
    text = str(error).lower()
    if isinstance(error, duckdb.IOException):
        return "lock" in text
    # In one process, DuckDB refuses a second connection to a file open with another mode.
    return isinstance(error, duckdb.ConnectionException) and "different configuration" in text


def connect(
    path: Path,
    *,
    read_only: bool,
    wait: float | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting while another process holds it (see the module docstring)."""
    limit = wait_seconds(wait)
    deadline = time.monotonic() + limit
    told = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as error:
            if not _busy(error):
                raise
            holder = _holder(path, error)
            if time.monotonic() >= deadline:
                raise _gave_up(path, holder, read_only=read_only, waited=limit) from None
            if not told and on_wait is not None:
                on_wait(f"{holder.describe()}; waiting (up to {limit:g} s)…")
                told = True
            time.sleep(_POLL_SECONDS)


def _gave_up(path: Path, holder: Holder, *, read_only: bool, waited: float) -> WorkspaceBusy:
    if holder.writing:
        fix = f"wait for it to finish and try again, or give it longer with {WAIT_VAR}=SECONDS"
    elif read_only:
        fix = "close the other process's session and try again"
    else:
        fix = (
            "close the sessions that have it open (session.close() in a notebook, or use "
            "rapport.open(path, snapshot=True) there, which blocks nothing), then try again"
        )
    return WorkspaceBusy(path, problem=f"{holder.describe()}, still after {waited:g} s", fix=fix)
