"""Opening a DuckDB file that other processes may hold: wait, say so, or give up clearly.

DuckDB lets any number of processes open a file read-only at once, but while one process has
it open for writing no other process can open it at all, and no process can open it for
writing while readers have it open. rapport therefore never keeps a workspace's file open
between operations: a writer opens, writes in one transaction and closes; a reader opens
read-only for one piece of work. When the file is held, :func:`connect` waits (saying so once
through ``on_wait``) and retries until ``wait_seconds`` have passed, then raises
:class:`~rapport.errors.WorkspaceBusy` naming who holds it and how to free it.

Who waits for whom:

- a reader waits for a writer (an import ends in seconds or minutes, then the reader reads
  the new data) and never for another reader;
- a writer waits for readers (each holds the file for one piece of work);
- a writer never waits for another writer: it fails at once with "the store is in use", so
  two imports are never queued behind each other unseen. It tells a writer from a reader by
  the marker below, checked again at every retry (a writer that has just opened the file and
  not yet left its marker is recognised at the next one).

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
    "refuse_if_writing",
    "remove_marker",
    "wait_seconds",
    "write_marker",
    "writing_now",
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


def writing_now(path: Path) -> str | None:
    """What a live process is writing to the store ``path`` for ("an import"), from its
    marker; None when nobody writes. Cheap (one small file read): for a server that serves
    what it has while new data arrives."""
    try:
        data = json.loads(_marker(path).read_text(encoding="utf-8"))
        pid = int(data.get("pid", -1))
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return str(data.get("purpose") or "a rapport process") if _alive(pid) else None


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
    behind_writer: bool | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open ``path``, waiting while another process holds it (see the module docstring).

    ``behind_writer``: whether to wait while another process writes (default: readers do,
    writers don't; a reader that briefly writes, to upgrade an old store, passes True).
    """
    queue = read_only if behind_writer is None else behind_writer
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
            if holder.writing and not queue:
                raise _in_use(path, holder) from None
            if time.monotonic() >= deadline:
                raise _gave_up(path, holder, read_only=read_only, waited=limit) from None
            if not told and on_wait is not None:
                on_wait(f"{holder.describe()}; waiting (up to {limit:g} s)…")
                told = True
            time.sleep(_POLL_SECONDS)


def refuse_if_writing(path: Path) -> None:
    """Raise "the store is in use" at once if another process is writing to ``path``.

    For commands that read before they write (an import reads the own accounts, then the
    input): the second of two imports is told at once, rather than waiting as a reader
    behind the first. Cheap when nobody writes: only the marker is read.
    """
    try:
        data = json.loads(_marker(path).read_text(encoding="utf-8"))
        pid = int(data.get("pid", -1))
    except (OSError, ValueError, TypeError, AttributeError):
        return
    if pid == os.getpid() or not _alive(pid):
        return  # this process's own session, or a marker a crashed writer left
    try:  # the marker says so; the file's lock confirms it
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as error:
        if _busy(error):
            holder = _holder(path, error)
            if holder.writing:
                raise _in_use(path, holder) from None


def _in_use(path: Path, holder: Holder) -> WorkspaceBusy:
    return WorkspaceBusy(
        path,
        problem=f"the store is in use: {holder.describe()}",
        fix="wait for it to finish, then run this again (one writer at a time)",
    )


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
