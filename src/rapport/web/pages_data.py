"""The Data page: the import history, the quarantine, and uploading an export to import.

An upload is streamed to a private folder of the served root (:data:`UPLOADS`, never served
back), refused past :func:`max_upload` bytes, and imported by a background job
(:mod:`rapport.web.jobs`) with :func:`rapport.api.import_path`, exactly as ``rapport
import`` does: the importers recognise the format from the file's content, and a file they
can't use changes nothing (its message is shown on the page). The uploaded file is deleted
when the import ends. The page follows the job with HTMX polling of a fragment
(``/w/<workspace>/jobs/<job id>`` every second) that stops once the job has ended.

The page also lists the workspace's connected accounts (:mod:`rapport.web.pages_connections`
has their forms): their syncs are jobs too, shown with the same fragment.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import Field, File, FormParser, parse_options_header
from starlette.requests import ClientDisconnect

from rapport.api import import_path
from rapport.credentials import DEFAULT_BLUESKY_SERVICE, SCHEDULES, Connection, Connections
from rapport.errors import RapportError, UsageError
from rapport.session import Session
from rapport.store import ImportRecord
from rapport.web.guard import Member, access, check_csrf, db_of, member, served_of
from rapport.web.jobs import Job, Jobs, Report, Work
from rapport.web.render import render
from rapport.web.served import Served
from rapport.web.syncs import Syncs
from rapport.workspace import Workspace

__all__ = [
    "DEFAULT_MAX_UPLOAD",
    "MAX_UPLOAD_VAR",
    "UPLOADS",
    "ConnectForm",
    "ConnectionsView",
    "DataView",
    "ImportShown",
    "data_page",
    "max_upload",
    "register",
    "safe_file_name",
    "syncs_of",
    "token_refused",
]

UPLOADS = ".rapport-uploads"
"""The private folder of the served root where uploads wait for their import (its name can't
be a workspace's, so no URL reaches it)."""
MAX_UPLOAD_VAR = "RAPPORT_MAX_UPLOAD"
DEFAULT_MAX_UPLOAD = 512 * 1024**2
"""The largest file accepted (512 MiB) unless ``$RAPPORT_MAX_UPLOAD`` says otherwise."""
FORM_OVERHEAD = 64 * 1024
"""Room in a request for the form around the file (boundaries, headers, the CSRF field)."""
DRAIN = 64 * 1024**2
"""How much of a refused upload is still read (and thrown away), so that the browser gets
the page saying why; past it, the connection is closed."""
HISTORY = 20
JOBS_SHOWN = 5
DATA_JOBS = ("import", "sync")
"""The jobs the Data page lists: what brought data in."""


def max_upload() -> int:
    """The upload limit in bytes: ``$RAPPORT_MAX_UPLOAD`` (bytes, or with K, M or G), or
    :data:`DEFAULT_MAX_UPLOAD`."""
    raw = os.environ.get(MAX_UPLOAD_VAR, "").strip()
    if not raw:
        return DEFAULT_MAX_UPLOAD
    found = re.fullmatch(r"(\d+)\s*([KMG]?)(?:i?B)?", raw, re.IGNORECASE)
    if found is None or int(found[1]) == 0:
        raise UsageError(
            f"{MAX_UPLOAD_VAR}={raw!r}: expected a size in bytes, like 536870912 or 512M"
        )
    power = " KMG".index(found[2].upper() or " ")
    return int(found[1]) << (10 * power)


def _size(n: int) -> str:
    for unit, factor in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= factor:
            return f"{n / factor:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{n:,} bytes"


def safe_file_name(given: str) -> str:
    """The uploaded file's name as kept on disk: its last part only, letters, digits, dots,
    dashes and underscores (others become ``_``), at most 100 characters."""
    base = re.split(r"[\\/]", given)[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", base).lstrip("._-")
    if len(cleaned) > 100:
        cleaned = cleaned[:80] + cleaned[-20:]
    return cleaned or "upload"


@dataclass(frozen=True)
class DataView:
    """What the store says about its data: the latest imports and the quarantine."""

    has_store: bool
    imports: tuple[ImportRecord, ...]
    quarantined: int


def data_view(session: Session) -> DataView:
    store = session.store
    return DataView(True, tuple(store.recent_imports(limit=HISTORY)), store.quarantine_count())


@dataclass(frozen=True)
class TableLine:
    name: str
    received: int
    added: int
    updated: int
    unchanged: int
    rejected: int


@dataclass(frozen=True)
class ImportShown:
    """An import job's result (the :class:`~rapport.store.ImportSummary` it stored as JSON)."""

    source: str
    origin: str
    seconds: float
    added: int
    updated: int
    unchanged: int
    rejected: int
    tables: tuple[TableLine, ...]
    rejections: tuple[str, ...]
    notices: tuple[str, ...]

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> ImportShown:
        def line(name: str, counts: Mapping[str, Any]) -> TableLine:
            kinds = ("received", "added", "updated", "unchanged", "rejected")
            return TableLine(name, *(int(counts.get(k, 0)) for k in kinds))

        rejections = tuple(
            f"{r['count']:,} from {r['source']}"
            + (f" (field {r['field']!r})" if r.get("field") else "")
            + f": {r['reason']}"
            for r in result.get("rejected_by_reason", [])[:10]
        )
        return cls(
            source=str(result.get("source", "")),
            origin=str(result.get("origin", "")),
            seconds=float(result.get("seconds", 0.0)),
            added=int(result.get("added", 0)),
            updated=int(result.get("updated", 0)),
            unchanged=int(result.get("unchanged", 0)),
            rejected=int(result.get("rejected", 0)),
            tables=tuple(line(n, c) for n, c in result.get("tables", {}).items()),
            rejections=rejections,
            notices=tuple(str(n) for n in result.get("notices", [])),
        )


@dataclass(frozen=True)
class JobShown:
    """A job with, for a finished import, its summary."""

    job: Job
    summary: ImportShown | None


def _shown(job: Job) -> JobShown:
    done = job.status == "done" and job.kind in ("import", "sync") and job.result is not None
    return JobShown(job, ImportShown.of(job.result) if done and job.result else None)


def jobs_of(request: Request) -> Jobs:
    jobs: Jobs = request.app.state.jobs
    return jobs


@dataclass(frozen=True)
class ConnectForm:
    """What was typed in a connect form that was refused, shown again (never a secret)."""

    platform: str = ""
    instance: str = ""
    handle: str = ""
    service: str = ""
    every: str = ""
    account_id: str = ""
    channel: str = ""
    api_url: str = ""


@dataclass(frozen=True)
class ConnectionsView:
    """The workspace's connected accounts (no secret), those syncing now, or why the
    connections file can't be read."""

    items: tuple[Connection, ...]
    syncing: frozenset[str]
    problem: str | None = None
    refused: frozenset[str] = frozenset()
    """The connections whose token or app password was refused: they offer "Reconnect"."""


REFUSAL_WORDS = (
    "refused",
    "not allowed with this token",
    "revoked",
    "expired",
    "invalid_token",
    "lacks a permission",
)


def token_refused(connection: Connection) -> bool:
    """True when the connection's last sync failed because its token or app password was
    refused (revoked, expired, wrong): the Data page offers "Reconnect"."""
    error = (connection.last_error or "").lower()
    return bool(error) and any(word in error for word in REFUSAL_WORDS)


def syncs_of(request: Request) -> Syncs:
    syncs: Syncs = request.app.state.syncs
    return syncs


def _connections(request: Request, name: str) -> ConnectionsView:
    try:
        items = Connections(Workspace(served_of(request).root / name)).all()
    except RapportError as unreadable:
        return ConnectionsView((), frozenset(), str(unreadable))
    refused = frozenset(c.connection_id for c in items if token_refused(c))
    return ConnectionsView(items, frozenset(syncs_of(request).syncing(name)), refused=refused)


def data_page(
    request: Request,
    who: Member,
    *,
    status: int = 200,
    error: str | None = None,
    connect_error: str | None = None,
    form: ConnectForm | None = None,
) -> Response:
    """The Data page. While a job writes to the workspace it shows what it last read (or
    says the history will follow), never waiting for the job."""
    served = served_of(request)
    name = who.workspace
    view: DataView | None
    problem = None
    if served.arriving(name):
        view = served.peek(name, "data", DataView)
    elif Workspace(served.root / name).has_store():
        try:
            view = served.cached(name, "data", data_view)
        except RapportError as unreadable:  # a broken rapport.toml: the page still uploads
            view, problem = DataView(False, (), 0), str(unreadable)
    else:
        view = DataView(False, (), 0)
    recent = jobs_of(request).recent(name, limit=JOBS_SHOWN, kinds=DATA_JOBS)
    jobs = [_shown(j) for j in recent]
    return render(request, "data.html.jinja2", status=status, member=who, view=view, jobs=jobs,
                  error=error, problem=problem, limit=_size(max_upload()),
                  connections=_connections(request, name), schedules=SCHEDULES,
                  connect_error=connect_error, form=form or ConnectForm(),
                  default_service=DEFAULT_BLUESKY_SERVICE)  # fmt: skip


@dataclass
class _Received:
    csrf: str | None = None
    file: Path | None = None
    file_name: str = ""
    size: int = 0
    files: int = 0
    fields: int = 0
    too_large: bool = False


async def _receive(request: Request, folder: Path | None, *, limit: int) -> _Received:
    """Stream the request's form into ``folder`` (the file under its safe name); with no
    folder (a refused upload), read up to :data:`DRAIN` bytes of it and throw them away."""
    got = _Received(too_large=folder is None)
    parser: FormParser | None = None
    parts: list[File] = []
    if folder is not None:
        header = request.headers.get("content-type", "")
        kind, options = parse_options_header(header)
        content_type = kind.decode("latin-1")
        if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
            raise UsageError("send the file with the upload form of the Data page")

        def on_field(field: Field) -> None:
            got.fields += 1
            if got.fields > 20:
                raise FormParserError("too many fields")
            if field.field_name == b"csrf" and field.value is not None:
                got.csrf = field.value.decode("utf-8", "replace")

        def on_file(part: File) -> None:
            got.files += 1
            parts.append(part)

        config = {"UPLOAD_DIR": str(folder), "UPLOAD_DELETE_TMP": False,
                  "MAX_MEMORY_FILE_SIZE": 0, "MAX_FIELDS": 20, "MAX_FIELD_SIZE": 4096}  # fmt: skip
        parser = FormParser(content_type, on_field, on_file, boundary=options.get(b"boundary"),
                            config=config)  # fmt: skip
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit + FORM_OVERHEAD:
            got.too_large = True
        if got.too_large:
            if total > limit + FORM_OVERHEAD + DRAIN:
                break
            continue
        if parser is not None:
            await run_in_threadpool(parser.write, chunk)
    if parser is not None and not got.too_large:
        parser.finalize()
    for index, part in enumerate(parts):
        part.close()
        if index > 0 or part.actual_file_name is None:
            continue
        got.size = part.size
        got.file_name = (part.file_name or b"").decode("utf-8", "replace")
        kept = folder / safe_file_name(got.file_name) if folder else None
        if kept is not None:
            Path(os.fsdecode(part.actual_file_name)).replace(kept)
            got.file = kept
    if got.size > limit:
        got.too_large = True
    return got


def _import_work(path: Path, workspace: Workspace) -> Work:
    def work(report: Report) -> Mapping[str, Any]:
        report("reading the file")
        summary = import_path(path, workspace=workspace,
                              progress=lambda label: report(f"storing {label}"))  # fmt: skip
        return summary.to_dict()

    return work


def register(app: FastAPI) -> None:
    """Add the Data page, uploads and jobs to ``app``; mark the jobs a stopped server left
    unfinished as failed, and remove the uploads they left."""
    max_upload()  # a wrong $RAPPORT_MAX_UPLOAD stops the server at start, with its message
    served: Served = app.state.served
    jobs = Jobs(app.state.db, served)
    jobs.recover()
    shutil.rmtree(served.root / UPLOADS, ignore_errors=True)
    app.state.jobs = jobs

    @app.get("/w/{workspace}/data", response_class=HTMLResponse, openapi_extra=access("work"))
    def data(request: Request, workspace: str) -> Response:
        return data_page(request, member(request, workspace))

    @app.get(
        "/w/{workspace}/jobs/{job_id}", response_class=HTMLResponse, openapi_extra=access("work")
    )
    def job(request: Request, workspace: str, job_id: str) -> Response:
        who = member(request, workspace)
        found = jobs_of(request).get(workspace, job_id)
        if found is None:
            raise HTTPException(404, "no such job")
        return render(request, "job.html.jinja2", member=who, shown=_shown(found))

    @app.post("/w/{workspace}/uploads", response_class=HTMLResponse, openapi_extra=access("write"))
    async def upload(request: Request, workspace: str) -> Response:
        who = await run_in_threadpool(member, request, workspace)
        limit = max_upload()
        length = request.headers.get("content-length", "")
        refused = length.isdigit() and int(length) > limit + FORM_OVERHEAD
        folder = None if refused else served_of(request).root / UPLOADS / secrets.token_hex(16)
        if folder is not None:
            folder.mkdir(parents=True, mode=0o700)
            folder.parent.chmod(0o700)
        try:
            got = await _receive(request, folder, limit=limit)
        except (UsageError, FormParserError, ClientDisconnect) as error:
            _discard(folder)
            message = (
                str(error)
                if isinstance(error, UsageError)
                else "the upload could not be read: send the file with the form below"
            )
            return await run_in_threadpool(data_page, request, who, status=400, error=message)
        if got.too_large:
            _discard(folder)
            return await run_in_threadpool(
                data_page, request, who, status=413,
                error=f"the file is larger than the limit of {_size(limit)}: nothing was imported",
            )  # fmt: skip
        try:
            check_csrf(request, who.session, got.csrf)
        except HTTPException:
            _discard(folder)
            raise
        if got.file is None or folder is None or got.size == 0:
            _discard(folder)
            message = "the file is empty" if got.files else "choose a file to upload"
            return await run_in_threadpool(data_page, request, who, status=400, error=message)
        started = await run_in_threadpool(_start_import, request, who, got, folder)
        return RedirectResponse(f"/w/{workspace}/data#job-{started.job_id}", status_code=303)


def _discard(folder: Path | None) -> None:
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


def _start_import(request: Request, who: Member, got: _Received, folder: Path) -> Job:
    if got.file is None:
        raise ValueError("no file to import")
    db = db_of(request)
    user_id = who.session.user.user_id
    name = got.file.name
    workspace = Workspace(served_of(request).root / who.workspace)

    def then(job: Job) -> None:
        _discard(folder)
        outcome = (
            f"{name}: {ImportShown.of(job.result).added:,} added"
            if job.status == "done" and job.result
            else f"{name}: {job.message or job.status}"
        )
        db.audit(user_id=user_id, workspace=who.workspace, action=f"import {job.status}",
                 detail=outcome)  # fmt: skip

    job = jobs_of(request).start(
        workspace=who.workspace,
        kind="import",
        title=f"Import of {name}",
        created_by=user_id,
        work=_import_work(got.file, workspace),
        hide=(f"{folder}{os.sep}", str(folder)),
        then=then,
    )
    db.audit(user_id=user_id, workspace=who.workspace, action="upload",
             detail=f"{name} ({_size(got.size)}), job {job.job_id}")  # fmt: skip
    return job
