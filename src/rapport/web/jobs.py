"""Background jobs: work that runs in the server's own process, recorded in the app database.

An import of an uploaded file (and later a pull or a what-if run) takes longer than a page
should: the page starts a job and answers at once, and the job runs in a thread of the
server, so the workspace's DuckDB file is only ever opened by this process (DuckDB lets no
other process open a file while one writes it). A job that writes waits for the workspace's
in-process writer lock (:meth:`~rapport.web.served.Served.exclusive`): one writer per
workspace at a time, while pages answer from their cache.

Each job is a row of ``jobs`` in the app database (:mod:`rapport.web.appdb`): queued, then
running with a line of progress, then done with its result (JSON) or failed with a message
for people. A server that stops mid-job (a crash, a restart) leaves rows that say running:
:meth:`Jobs.recover` marks them failed when the server starts again.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from rapport.errors import RapportError
from rapport.web.appdb import AppDB
from rapport.web.served import Served

__all__ = ["STOPPED", "Job", "JobStatus", "Jobs", "Report", "Work"]

JobStatus = Literal["queued", "running", "done", "failed"]
Report = Callable[[str], None]
"""How a job tells its progress: one line for people ("storing posts")."""
Work = Callable[[Report], Mapping[str, Any]]
"""What a job does: given where to report progress, its result (made of JSON values)."""

STOPPED = (
    "the server stopped before this job ended: start it again (an import that did not end "
    "changed nothing)"
)
"""The message of a job found queued or running when the server starts."""
UNEXPECTED = "the job stopped on an unexpected error (the server's log has the details)"

_log = logging.getLogger(__name__)
_COLUMNS = (
    "j.job_id, j.workspace, j.kind, j.title, j.status, j.progress, j.message, j.result, "
    "u.email, j.created_at, j.started_at, j.finished_at"
)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _moment(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Job:
    """One job as recorded."""

    job_id: str
    workspace: str
    kind: str
    title: str
    status: JobStatus
    progress: str
    message: str
    result: Mapping[str, Any] | None
    created_by: str | None
    """The email of who started it (None once that user is gone)."""
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def ended(self) -> bool:
        return self.status in ("done", "failed")


def _job(row: tuple[Any, ...]) -> Job:
    created = _moment(row[9])
    if created is None:
        raise ValueError(f"job {row[0]}: no creation time")
    return Job(
        job_id=row[0],
        workspace=row[1],
        kind=row[2],
        title=row[3],
        status=row[4],
        progress=row[5],
        message=row[6],
        result=json.loads(row[7]) if row[7] else None,
        created_by=row[8],
        created_at=created,
        started_at=_moment(row[10]),
        finished_at=_moment(row[11]),
    )


class Jobs:
    """The jobs of one served folder: started in threads, recorded in its app database."""

    def __init__(self, db: AppDB, served: Served) -> None:
        self.db = db
        self.served = served

    def recover(self) -> int:
        """Mark the jobs a stopped server left queued or running as failed; how many."""
        with self.db.connect() as con:
            cursor = con.execute(
                "UPDATE jobs SET status = 'failed', message = ?, finished_at = ? "
                "WHERE status IN ('queued', 'running')",
                (STOPPED, _now()),
            )
            return cursor.rowcount

    def start(
        self,
        *,
        workspace: str,
        kind: str,
        title: str,
        created_by: int | None,
        work: Work,
        writes: bool = True,
        hide: tuple[str, ...] = (),
        then: Callable[[Job], None] | None = None,
    ) -> Job:
        """Record a job and run ``work`` in a thread; the job as queued.

        A job that ``writes`` waits for the workspace's writer lock first. A
        :class:`~rapport.errors.RapportError` fails the job with its message (each string of
        ``hide``, such as a private folder, removed from it); any other error fails it with
        a general message and goes to the log. ``then`` runs after the job ended, whatever
        happened (to delete an uploaded file, to write the audit log)."""
        job_id = secrets.token_hex(8)
        with self.db.connect() as con:
            con.execute(
                "INSERT INTO jobs (job_id, workspace, kind, title, status, created_by, "
                "created_at) VALUES (?, ?, ?, ?, 'queued', ?, ?)",
                (job_id, workspace, kind, title, created_by, _now()),
            )
        queued = self.get(workspace, job_id)
        if queued is None:
            raise RuntimeError(f"job {job_id} was not recorded")
        thread = threading.Thread(
            target=self._run,
            args=(queued, work, writes, hide, then),
            name=f"job-{kind}-{job_id}",
            daemon=True,
        )
        thread.start()
        return queued

    def get(self, workspace: str, job_id: str) -> Job | None:
        """The job, only when it belongs to ``workspace``."""
        with self.db.connect(write=False) as con:
            row = con.execute(
                f"SELECT {_COLUMNS} FROM jobs j LEFT JOIN users u ON u.user_id = j.created_by "
                "WHERE j.job_id = ? AND j.workspace = ?",
                (job_id, workspace),
            ).fetchone()
        return _job(row) if row else None

    def recent(
        self, workspace: str, *, limit: int = 10, kinds: tuple[str, ...] | None = None
    ) -> list[Job]:
        """The workspace's latest jobs (of ``kinds``, or all), newest first."""
        where, args = "j.workspace = ?", [workspace]
        if kinds is not None:
            where += f" AND j.kind IN ({', '.join('?' * len(kinds))})"
            args.extend(kinds)
        with self.db.connect(write=False) as con:
            rows = con.execute(
                f"SELECT {_COLUMNS} FROM jobs j LEFT JOIN users u ON u.user_id = j.created_by "
                f"WHERE {where} ORDER BY j.rowid DESC LIMIT ?",
                (*args, limit),
            ).fetchall()
        return [_job(row) for row in rows]

    def failing(self, workspace: str) -> list[Job]:
        """The latest job of each kind, where it failed (a sync failing, an import refused)."""
        latest: dict[str, Job] = {}
        for job in self.recent(workspace, limit=50):
            latest.setdefault(job.kind, job)
        return [job for job in latest.values() if job.status == "failed"]

    def _set(self, job_id: str, **values: str | None) -> None:
        names = ", ".join(f"{name} = ?" for name in values)
        with self.db.connect() as con:
            con.execute(f"UPDATE jobs SET {names} WHERE job_id = ?", (*values.values(), job_id))

    def _run(
        self,
        job: Job,
        work: Work,
        writes: bool,
        hide: tuple[str, ...],
        then: Callable[[Job], None] | None,
    ) -> None:
        def report(line: str) -> None:
            self._set(job.job_id, progress=line)

        try:
            if writes:
                with self.served.exclusive(job.workspace, refresh=report):
                    self._set(job.job_id, status="running", started_at=_now())
                    result = work(report)
            else:
                self._set(job.job_id, status="running", started_at=_now())
                result = work(report)
            self._set(job.job_id, status="done", result=json.dumps(result), finished_at=_now())
        except RapportError as error:
            message = str(error)
            for private in hide:
                message = message.replace(private, "")
            self._set(job.job_id, status="failed", message=message, finished_at=_now())
        except Exception:
            _log.exception("job %s (%s of %s) failed", job.job_id, job.kind, job.workspace)
            self._set(job.job_id, status="failed", message=UNEXPECTED, finished_at=_now())
        finally:
            if then is not None:
                ended = self.get(job.workspace, job.job_id)
                try:
                    then(ended or job)
                except Exception:
                    _log.exception("after job %s", job.job_id)
