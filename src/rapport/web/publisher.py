"""Publishing planned posts from the server's process, when their time comes.

Bluesky has no scheduled posts, so rapport's own scheduler makes each one at its time:
:meth:`Publisher.run`, an asyncio task of the server's lifespan, looks every
:func:`~rapport.web.syncs.check_seconds` (30 s, or ``$RAPPORT_SYNC_CHECK_SECONDS``) for
workspaces with a post due, and starts one job of kind ``publish`` per such workspace
(:func:`rapport.api.publishing.publish_due`: it creates each due record under the key chosen
when the post was drafted, so a retry never posts twice; a post more than
:data:`~rapport.api.publishing.GRACE` late is held, not backdated, and a person is asked).
``rapport publish --due`` from cron does the same for those who run no server.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import AsyncIterator, Mapping
from typing import Any

from fastapi import FastAPI

from rapport.api.publishing import publish_due
from rapport.errors import RapportError
from rapport.store.scheduled import scheduled_posts
from rapport.web.appdb import AppDB
from rapport.web.jobs import Job, Jobs, Report
from rapport.web.served import Served
from rapport.web.syncs import check_seconds
from rapport.workspace import Workspace

__all__ = ["KIND", "Publisher", "scheduled"]

KIND = "publish"
_log = logging.getLogger(__name__)


class Publisher:
    """The publishing runs of one served folder: one per workspace at a time."""

    def __init__(self, *, jobs: Jobs, db: AppDB, served: Served) -> None:
        self.jobs = jobs
        self.db = db
        self.served = served
        self._running: dict[str, str] = {}
        self._guard = threading.Lock()

    def _busy(self, workspace: str) -> bool:
        job_id = self._running.get(workspace)
        found = self.jobs.get(workspace, job_id) if job_id else None
        if found is None or found.ended:
            self._running.pop(workspace, None)
            return False
        return True

    def waiting(self, workspace: str, now: dt.datetime) -> bool:
        """True when a post of the workspace is due and rapport (not the platform) sends it."""
        if self.served.arriving(workspace):
            return False  # a writer holds it; the next round looks again
        with self.served.reading(workspace) as session:
            planned = scheduled_posts(session.store, states=("scheduled", "sending", "failed"))
        return any(p.scheduled_at <= now and p.remote_scheduled_id is None for p in planned)

    def start(
        self, workspace: str, *, user_id: int | None = None, now: dt.datetime | None = None
    ) -> Job:
        """A publishing run for the workspace (the one queued or running, if there is one);
        ``now``: the moment it publishes as of (the clock, unless a test says otherwise)."""
        with self._guard:
            if self._busy(workspace):
                found = self.jobs.get(workspace, self._running[workspace])
                assert found is not None
                return found
            folder = Workspace(self.served.root / workspace)

            def work(report: Report) -> Mapping[str, Any]:
                report("publishing what is due")
                return publish_due(workspace=folder, now=now).to_dict()

            def then(job: Job) -> None:
                result = job.result or {}
                done = len(result.get("published", []))
                held = len(result.get("held", []))
                failed = len(result.get("failed", []))
                detail = f"{done} published, {held} held, {failed} failed"
                if job.status != "done":
                    detail = job.message or job.status
                self.db.audit(user_id=user_id, workspace=workspace,
                              action=f"publishing {job.status}", detail=detail)  # fmt: skip

            job = self.jobs.start(workspace=workspace, kind=KIND, title="Publishing due posts",
                                  created_by=user_id, work=work, then=then)  # fmt: skip
            self._running[workspace] = job.job_id
            return job

    def due(self, now: dt.datetime | None = None) -> list[Job]:
        """Start a run for every workspace with a post due (as of ``now``); the jobs
        started."""
        moment = now or dt.datetime.now(dt.UTC)
        started = []
        for name in self.served.names():
            with self._guard:
                if self._busy(name):
                    continue
            try:
                if not self.waiting(name, moment):
                    continue
            except RapportError as error:  # an unreadable store: its pages say why
                _log.info("workspace %s: planned posts unreadable (%s)", name, error)
                continue
            _log.info("workspace %s: publishing due posts", name)
            started.append(self.start(name, now=now))
        return started

    async def run(self, every: float) -> None:
        """Look for due posts every ``every`` seconds until cancelled."""
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(self.due)
            except Exception:  # the next round tries again
                _log.exception("looking for due posts failed")


@contextlib.asynccontextmanager
async def scheduled(app: FastAPI) -> AsyncIterator[None]:
    """While the server runs: publish due posts (the server's lifespan)."""
    publisher: Publisher = app.state.publisher
    task = asyncio.create_task(publisher.run(check_seconds()), name="rapport-publish-schedule")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
