"""Syncs of connected accounts as background jobs, now or every few hours.

A sync is a job of kind ``sync`` (:mod:`rapport.web.jobs`): it waits for the workspace's
writer lock like an import, then calls :func:`rapport.api.sync_connection`, which opens the
stored credentials with the key, pulls the account and notes the outcome on the connection.
One sync per connection runs at a time: asking again while one is queued or running gives
that one.

:class:`Syncs` also keeps the schedule: :meth:`Syncs.run`, an asyncio task of the server's
lifespan, looks every :func:`check_seconds` (30 s, or ``$RAPPORT_SYNC_CHECK_SECONDS``) for
connections whose "sync every N hours" has come round, and starts one of them per workspace
whose syncs have all ended (:meth:`Syncs.due`). A sync due when the server was stopped runs
at its next start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import threading
from collections.abc import Mapping
from typing import Any

from rapport.api.connections import sync_connection, sync_new_credentials
from rapport.credentials import Connection, Connections, Credentials
from rapport.errors import RapportError, UsageError
from rapport.web.appdb import AppDB
from rapport.web.jobs import Job, Jobs, Report
from rapport.web.served import Served
from rapport.workspace import Workspace

__all__ = ["CHECK_VAR", "DEFAULT_CHECK_SECONDS", "Syncs", "check_seconds"]

CHECK_VAR = "RAPPORT_SYNC_CHECK_SECONDS"
DEFAULT_CHECK_SECONDS = 30.0
"""How often the server looks for connections due to sync by themselves."""

_log = logging.getLogger(__name__)


def check_seconds() -> float:
    """``$RAPPORT_SYNC_CHECK_SECONDS`` (a number of seconds, at least 0.1), or 30."""
    raw = os.environ.get(CHECK_VAR, "").strip()
    if not raw:
        return DEFAULT_CHECK_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0.0
    if not 0.1 <= seconds <= 86_400:
        raise UsageError(f"{CHECK_VAR}={raw!r}: expected a number of seconds from 0.1 to 86400")
    return seconds


class Syncs:
    """The syncs of one served folder: started now or on schedule, one per connection."""

    def __init__(self, *, jobs: Jobs, db: AppDB, served: Served) -> None:
        self.jobs = jobs
        self.db = db
        self.served = served
        self._running: dict[tuple[str, str], str] = {}
        """(workspace, connection id) -> the id of its sync job not ended yet."""
        self._guard = threading.Lock()

    def _current(self, workspace: str, connection_id: str) -> Job | None:
        job_id = self._running.get((workspace, connection_id))
        found = self.jobs.get(workspace, job_id) if job_id else None
        if found is None or found.ended:
            self._running.pop((workspace, connection_id), None)
            return None
        return found

    def busy(self, workspace: str) -> bool:
        """True while a sync of the workspace is queued or running."""
        with self._guard:
            keys = [k for k in self._running if k[0] == workspace]
            return any(self._current(*key) is not None for key in keys)

    def syncing(self, workspace: str) -> set[str]:
        """The ids of the workspace's connections with a sync queued or running."""
        with self._guard:
            keys = [k for k in self._running if k[0] == workspace]
            return {key[1] for key in keys if self._current(*key) is not None}

    def start(self, workspace: str, connection: Connection, *, user_id: int | None) -> Job:
        """A sync job for the connection (the one queued or running, if there is one)."""
        with self._guard:
            running = self._current(workspace, connection.connection_id)
            if running is not None:
                return running
            job = self._start(workspace, connection, user_id=user_id)
            self._running[(workspace, connection.connection_id)] = job.job_id
            return job

    def _start(self, workspace: str, connection: Connection, *, user_id: int | None) -> Job:
        folder = Workspace(self.served.root / workspace)
        title = connection.title
        connection_id = connection.connection_id

        def work(report: Report) -> Mapping[str, Any]:
            report("connecting")
            result = sync_connection(connection_id, workspace=folder, progress=report)
            return result.summary.to_dict() | {"connection_id": connection_id}

        def then(job: Job) -> None:
            with self._guard:
                if self._running.get((workspace, connection_id)) == job.job_id:
                    del self._running[(workspace, connection_id)]
            if job.status == "done":
                detail = f"{title}: {int((job.result or {}).get('added', 0)):,} added"
            else:
                detail = f"{title}: {job.message or job.status}"
            self.db.audit(user_id=user_id, workspace=workspace, action=f"sync {job.status}",
                          detail=detail)  # fmt: skip

        return self.jobs.start(workspace=workspace, kind="sync", title=f"Sync of {title}",
                               created_by=user_id, work=work, then=then)  # fmt: skip

    def check(
        self,
        workspace: str,
        credentials: Credentials,
        *,
        replace: Connection | None,
        every_hours: int | None,
        user_id: int | None,
        title: str,
    ) -> Job:
        """A sync job that checks new credentials before keeping them
        (:func:`~rapport.api.sync_new_credentials`): a new connection (Mastodon by OAuth),
        or new credentials for ``replace`` (reconnecting after a refused token). They live in
        the job's memory only until the sync went well; a failure keeps nothing of them."""
        folder = Workspace(self.served.root / workspace)
        replaced = replace.connection_id if replace is not None else None

        def work(report: Report) -> Mapping[str, Any]:
            report("connecting")
            result = sync_new_credentials(credentials, workspace=folder, replace=replaced,
                                          every_hours=every_hours, progress=report)  # fmt: skip
            connection_id = result.connection.connection_id
            return result.summary.to_dict() | {"connection_id": connection_id}

        def then(job: Job) -> None:
            action = "reconnect" if replace is not None else "connect"
            if job.status == "done":
                detail = f"{title}: {int((job.result or {}).get('added', 0)):,} added"
            else:
                detail = f"{title}: {job.message or job.status}"
            self.db.audit(user_id=user_id, workspace=workspace, action=f"{action} {job.status}",
                          detail=detail)  # fmt: skip

        return self.jobs.start(workspace=workspace, kind="sync", title=title,
                               created_by=user_id, work=work, then=then)  # fmt: skip

    def due(self, now: dt.datetime | None = None) -> list[Job]:
        """Start the syncs that are due: per workspace with no sync queued or running, the
        connection due the longest. The jobs started."""
        moment = now or dt.datetime.now(dt.UTC)
        started = []
        for name in self.served.names():
            if self.busy(name):
                continue
            workspace = Workspace(self.served.root / name)
            try:
                connections = Connections(workspace).all()
            except RapportError as error:  # shown on the Data page; nothing to start
                _log.info("workspace %s: connections unreadable (%s)", name, type(error).__name__)
                continue
            due = [c for c in connections if c.due(moment)]
            if not due:
                continue
            first = min(due, key=lambda c: c.last_sync_at or dt.datetime.min.replace(tzinfo=dt.UTC))
            _log.info("workspace %s: a scheduled sync of connection %s", name, first.connection_id)
            started.append(self.start(name, first, user_id=None))
        return started

    async def run(self, every: float) -> None:
        """Look for due syncs every ``every`` seconds until cancelled."""
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(self.due)
            except Exception:  # the next round tries again
                _log.exception("looking for due syncs failed")
