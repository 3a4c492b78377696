"""The served folder: its workspaces, one reader-writer lock each, and a cache per workspace.

A workspace is a folder directly under the root that holds a ``rapport.toml``; its name in
URLs is the folder's name, accepted only when it is one of those folders (so no path in a
URL can point anywhere else).

The server keeps no DuckDB file open between operations: every page opens a short
read-only session. Inside the server's process a reader-writer lock per workspace keeps
DuckDB from seeing a read-only and a writing connection to one file at once (it refuses
that); between processes the store's own lock does the same (a CLI command beside the
server waits its turn). What a page computes is cached per workspace under the stamp of its
last write (the store's and rapport.toml's size and modification time), so a page is
computed once per change of the data, however many people look at it.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rapport.config import CONFIG_FILE
from rapport.errors import UsageError
from rapport.session import Session
from rapport.store.locking import writing_now
from rapport.workspace import Workspace

__all__ = ["NAME", "REFRESHING", "Served", "Stamp"]

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""A workspace name the app accepts: a folder name with no path in it."""

NAMES_FOR = 1.0
"""Seconds the list of workspaces is kept before the root folder is read again (a workspace
made by ``rapport init`` beside the server appears within this)."""
QUICK = 1.0
"""Seconds: a view computed in less is brought up to date as soon as a job has written (a
care list, the import history); a slower one (the overview, the report's sections) when it
is next asked for, at most every :data:`REFRESH_AFTER` seconds, so that imports arriving
every few seconds don't keep the processor recomputing it."""
REFRESH_AFTER = 15.0
"""Seconds a cached page is kept at least before a background refresh: while imports arrive
every few seconds, pages are brought up to date at most this often (and one at a time per
workspace), so that refreshing never takes the processor from the people browsing."""

REFRESHING = "bringing the pages up to date"
"""A job's last line of progress while the pages are computed again from its new data."""

T = TypeVar("T")
_log = logging.getLogger(__name__)
Stamp = tuple[int, int, int]
"""(store size, store modification time, rapport.toml modification time) in nanoseconds."""


class _ReadWriteLock:
    """Many readers or one writer."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and self._readers == 0)
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()

    @property
    def busy_writing(self) -> bool:
        return self._writing


@dataclass
class _Entry:
    stamp: Stamp
    value: Any
    compute: Callable[[Session], Any]
    """How it was computed (to compute it again after a job writes)."""
    seconds: float = 0.0
    """How long computing it took."""
    made: float = field(default_factory=time.monotonic)
    """When it was computed (monotonic seconds)."""


class Served:
    """The root folder the app serves."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._locks: dict[str, _ReadWriteLock] = {}
        self._cache: dict[tuple[str, str], _Entry] = {}
        self._computing: dict[tuple[str, str], threading.Lock] = {}
        self._refreshes: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._names: tuple[float, tuple[str, ...]] = (-math.inf, ())

    def names(self) -> list[str]:
        """The workspaces under the root, by name (looked up at most every
        :data:`NAMES_FOR` seconds: every page asks, the home page once per card)."""
        seen, names = self._names
        if time.monotonic() - seen < NAMES_FOR:
            return list(names)
        found = (
            sorted(
                child.name
                for child in self.root.iterdir()
                if NAME.match(child.name) and child.is_dir() and (child / CONFIG_FILE).is_file()
            )
            if self.root.is_dir()
            else []
        )
        self._names = (time.monotonic(), tuple(found))
        return found

    def rescan(self) -> None:
        """Look the workspaces up again at the next :meth:`names` (one was just created)."""
        self._names = (-math.inf, ())

    def workspace(self, name: str) -> Workspace | None:
        """The workspace called ``name``, or None when there is no such workspace."""
        if not NAME.match(name) or not self.exists(name):
            return None
        return Workspace(self.root / name)

    def exists(self, name: str) -> bool:
        """True when a workspace called ``name`` is served (one made a moment ago included:
        a name not seen is looked up again)."""
        if name in self.names():
            return True
        self.rescan()
        return name in self.names()

    def new_workspace_path(self, name: str) -> Path:
        """Where a workspace called ``name`` would be created (refused when the name can't be
        a folder name or is taken)."""
        if not NAME.match(name):
            raise UsageError(
                "a workspace name is 1 to 64 letters, digits, dots, dashes or underscores, "
                "starting with a letter or digit"
            )
        path = self.root / name
        if path.exists():
            raise UsageError(f"a workspace or file called {name!r} exists already")
        return path

    def _lock(self, name: str) -> _ReadWriteLock:
        with self._guard:
            return self._locks.setdefault(name, _ReadWriteLock())

    def arriving(self, name: str) -> bool:
        """True while something writes to the workspace: this server, or another process (an
        import from the CLI). Pages then show what they have, and say new data is coming."""
        lock = self._locks.get(name)
        if lock is not None and lock.busy_writing:
            return True
        return writing_now(Workspace(self.root / name).store_path) is not None

    def stamp(self, name: str) -> Stamp:
        ws = Workspace(self.root / name)
        store = ws.store_path.stat() if ws.store_path.exists() else None
        config = ws.config_path.stat() if ws.config_path.exists() else None
        return (
            store.st_size if store else -1,
            store.st_mtime_ns if store else -1,
            config.st_mtime_ns if config else -1,
        )

    @contextmanager
    def reading(self, name: str) -> Iterator[Session]:
        """A short read-only session on the workspace."""
        workspace = Workspace(self.root / name)
        with self._lock(name).reading(), workspace.session() as session:
            yield session

    @contextmanager
    def writing(self, name: str, *, purpose: str) -> Iterator[Session]:
        """A short writing session (one writer per workspace in this process; another
        process writing makes it fail at once with "the store is in use")."""
        workspace = Workspace(self.root / name)
        with (
            self._lock(name).writing(),
            workspace.session(read_only=False, purpose=purpose) as session,
        ):
            yield session
        self.forget(name)

    @contextmanager
    def exclusive(
        self, name: str, *, refresh: Callable[[str], None] | None = None
    ) -> Iterator[Workspace]:
        """The workspace held as this process's one writer, for a library operation that opens
        its own sessions (``rapport.api.make_plan``): no page of this server reads it
        meanwhile. Another process is kept out by the store's own lock, as for
        :meth:`writing`.

        Afterwards what is cached for it is dropped, so that the next page shows the change
        (a plan made a moment ago); or, with ``refresh`` (a background job: an import, a
        sync), computed again from the new data while pages keep answering with what they
        had (:meth:`refresh_all`; ``refresh`` is told when it starts), so that nobody waits
        for a slow page once the job has ended."""
        with self._lock(name).writing():
            try:
                yield Workspace(self.root / name)
            finally:
                if refresh is None:
                    self.forget(name)
        if refresh is not None:
            self.refresh_all(name, progress=refresh)

    def refresh_all(self, name: str, *, progress: Callable[[str], None] | None = None) -> None:
        """Compute again every view cached for the workspace whose data changed since, and
        swap each in when it is ready (a view that now fails is dropped: the next page that
        asks for it computes it, and shows its message)."""
        stamp = self.stamp(name)
        changed = [
            (k, e) for k, e in list(self._cache.items()) if k[0] == name and e.stamp != stamp
        ]
        if changed and progress is not None:
            progress(REFRESHING)
        for key, entry in changed:
            with self._key_lock(key):
                try:
                    self._store(key, entry.compute)
                except Exception:
                    _log.exception("refreshing %s of %s failed", key[1], name)
                    self._cache.pop(key, None)

    def peek(self, name: str, kind: str, of: type[T]) -> T | None:
        """What is cached for ``kind`` (of type ``of``), however old, without opening the
        store: for a page that must not wait while a job writes."""
        entry = self._cache.get((name, kind))
        return entry.value if entry is not None and isinstance(entry.value, of) else None

    def cached(self, name: str, kind: str, compute: Callable[[Session], T]) -> T:
        """``compute(session)`` for the workspace, computed once per change of its data.

        Once a page has been computed it is always answered at once: when the data has
        changed since (another process imported, or is importing), the old value is
        returned and one background thread computes the new one (stale while it
        revalidates), so that many people looking at once never queue behind a slow page.
        The first computation is made once however many ask at the same moment."""
        key = (name, kind)
        stamp = self.stamp(name)
        entry = self._cache.get(key)
        if entry is not None:
            due = time.monotonic() - entry.made >= REFRESH_AFTER
            if entry.stamp != stamp and due and not self.arriving(name):
                self._refresh(key, compute)
            value: T = entry.value
            return value
        with self._key_lock(key):
            entry = self._cache.get(key)
            if entry is None:
                self._store(key, compute)
                entry = self._cache[key]
        found: T = entry.value
        return found

    def stale(self, name: str, kind: str) -> bool:
        """True when what :meth:`cached` gives for ``kind`` predates the data's last change."""
        entry = self._cache.get((name, kind))
        return entry is not None and (entry.stamp != self.stamp(name) or self.arriving(name))

    def _refreshing(self, name: str) -> threading.Lock:
        with self._guard:
            return self._refreshes.setdefault(name, threading.Lock())

    def _key_lock(self, key: tuple[str, str]) -> threading.Lock:
        with self._guard:
            return self._computing.setdefault(key, threading.Lock())

    def _store(self, key: tuple[str, str], compute: Callable[[Session], Any]) -> None:
        stamp = self.stamp(key[0])
        with self.reading(key[0]) as session:
            started = time.perf_counter()  # the computation, not the wait for a writer
            value = compute(session)
            seconds = time.perf_counter() - started
        self._cache[key] = _Entry(stamp, value, compute, seconds)

    def _refresh(self, key: tuple[str, str], compute: Callable[[Session], Any]) -> None:
        lock = self._key_lock(key)
        if not lock.acquire(blocking=False):
            return  # already being computed

        def run() -> None:
            try:
                with self._refreshing(key[0]):  # one refresh of a workspace at a time
                    self._store(key, compute)
            except Exception:  # the old value stays; the next request tries again
                _log.exception("refreshing %s of %s failed", key[1], key[0])
            finally:
                lock.release()

        threading.Thread(target=run, name=f"refresh-{key[0]}-{key[1]}", daemon=True).start()

    def forget(self, name: str) -> None:
        """Drop what is cached for the workspace (after this server wrote to it)."""
        for key in [k for k in self._cache if k[0] == name]:
            self._cache.pop(key, None)
