"""The Data page on the real server: uploads imported as background jobs, their progress and
summary, bad and oversized files, the import history, and jobs a stopped server left behind.

Uploads go into workspaces made for these tests (alpha and beta stay as they are); the X
archive is the shared sample of a real 2026 archive, zipped here.
"""

from __future__ import annotations

import hashlib
import io
import random
import re
import secrets
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

import rapport
from rapport.errors import UsageError
from rapport.web.app import create_app
from rapport.web.appdb import AppDB
from rapport.web.jobs import STOPPED, Jobs, Report
from rapport.web.pages_data import (
    DEFAULT_MAX_UPLOAD,
    MAX_UPLOAD_VAR,
    UPLOADS,
    max_upload,
    safe_file_name,
)
from rapport.workspace import Workspace
from tests.web_support import PARAM_EXAMPLES, PASSWORD, Web, csrf_of, email, until_ended

UPLOADER = "uploader@example.com"
ARCHIVE = "milahu104_2026-02-10"


@pytest.fixture(scope="module")
def archive(shared: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The shared 2026 X archive, zipped as X ships it (its files under ``data/``)."""
    folder = shared / "samples" / "twitter_archive" / ARCHIVE
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for file in sorted(folder.iterdir()):
            zipped.write(file, f"data/{file.name}")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def uploader(web: Web) -> int:
    found = web.app_db.user_by_email(UPLOADER)
    if found is not None:
        return found[0].user_id
    from rapport.web.auth import hash_password

    return web.app_db.add_user(UPLOADER, hash_password(PASSWORD)).user_id


def _fresh(web: Web, user_id: int) -> str:
    """A new, empty workspace owned by the uploader."""
    name = f"data-{secrets.token_hex(4)}"
    Workspace(web.root / name).create()
    web.app_db.grant(user_id, name, "owner")
    return name


def _upload(
    client: httpx.Client, workspace: str, name: str, content: bytes, *, csrf: str | None = None
) -> httpx.Response:
    token = csrf if csrf is not None else csrf_of(client.get(f"/w/{workspace}/data").text)
    return client.post(
        f"/w/{workspace}/uploads",
        data={"csrf": token},
        files={"file": (name, content, "application/octet-stream")},
    )


def _job_of(answer: httpx.Response, workspace: str) -> str:
    assert answer.status_code == 303, answer.text[:500]
    found = re.fullmatch(rf"/w/{workspace}/data#job-([0-9a-f]+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _until_ended(client: httpx.Client, workspace: str, job_id: str) -> tuple[str, list[str]]:
    return until_ended(client, f"/w/{workspace}/jobs/{job_id}", within=180)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _uploads_left(web: Web) -> list[Path]:
    folder = web.root / UPLOADS
    return sorted(folder.rglob("*")) if folder.exists() else []


@dataclass(frozen=True)
class Imported:
    workspace: str
    fragment: str
    states: list[str]


@pytest.fixture(scope="module")
def imported(web: Web, uploader: int, archive: bytes) -> Imported:
    """A fresh workspace into which the X archive was uploaded through the web."""
    workspace = _fresh(web, uploader)
    client = web.login(UPLOADER)
    answer = _upload(client, workspace, "twitter-2026-02-10.zip", archive)
    fragment, states = _until_ended(client, workspace, _job_of(answer, workspace))
    return Imported(workspace, fragment, states)


def test_an_uploaded_x_archive_is_imported_with_its_summary(web: Web, imported: Imported) -> None:
    fragment = imported.fragment
    assert imported.states[-1] == "done", fragment
    with rapport.open(web.root / imported.workspace) as session:
        (last,) = session.store.recent_imports()
        posts = session.store.row_counts()["posts"]
        quarantined = session.store.quarantine_count()
    assert (last.source, last.origin) == ("x_archive", "twitter-2026-02-10.zip")
    assert posts == 1190  # as the sample holds (tests/test_import_x_samples.py)
    assert (
        "Imported twitter-2026-02-10.zip (x_archive) in" in fragment
        and f"{last.added:,} added, {last.updated:,} updated, {last.unchanged:,} unchanged, "
        f"{last.rejected:,} rejected."
        in fragment
    )
    row = re.search(r'<td data-label="Table">posts</td>(.*?)</tr>', fragment, re.S)
    assert row and '<td data-label="Added" class="num">1,190</td>' in row.group(1)
    assert "Note: like.js: 4,254 like(s)" in fragment  # the importer's notices
    assert _uploads_left(web) == []  # the uploaded file is deleted after the import

    client = web.login(UPLOADER)
    page = client.get(f"/w/{imported.workspace}/data").text
    assert f"Quarantined records: {quarantined:,}" in page
    history = re.search(r'<table class="stack-narrow history">(.*?)</table>', page, re.S)
    assert history and "twitter-2026-02-10.zip" in history.group(1)
    assert f'<td data-label="Added" class="num">{last.added:,}</td>' in history.group(1)
    assert 'hx-trigger="every 1s"' not in page  # nothing left running: no polling
    log = web.app_db.audit_log(imported.workspace)
    assert [e.action for e in log[:2]] == ["import done", "upload"]
    assert all(e.email == UPLOADER for e in log[:2])


def _truncated_archive(archive: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(archive))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "data/tweets.js":
                content = content[: len(content) // 2]
            zipped.writestr(info.filename, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("twitter-truncated.zip", "tweets.js"),
        ("random.bin", "random.bin"),
    ],
)
def test_a_bad_file_shows_its_message_and_changes_nothing(
    web: Web, imported: Imported, archive: bytes, name: str, expected: str
) -> None:
    store = web.root / imported.workspace / "rapport.duckdb"
    before = _digest(store)
    content = (
        _truncated_archive(archive) if name.endswith(".zip") else random.Random(7).randbytes(40_000)
    )
    client = web.login(UPLOADER)
    answer = _upload(client, imported.workspace, name, content)
    fragment, states = _until_ended(client, imported.workspace, _job_of(answer, imported.workspace))
    assert states[-1] == "failed", fragment
    message = re.search(r'<p class="error">(.*?)</p>', fragment, re.S)
    assert message and expected in message.group(1), fragment
    assert UPLOADS not in fragment and str(web.root) not in fragment  # no private path shown
    assert "Nothing was imported: the workspace's data is as it was." in fragment
    assert _digest(store) == before  # the store is byte for byte as it was
    assert _uploads_left(web) == []
    page = client.get(f"/w/{imported.workspace}/data").text
    assert message.group(1) in page  # the page shows the message too
    home = client.get("/").text  # and the workspace's card says the last import failed
    told = message.group(1).removeprefix("This file could not be imported: ")
    assert f"The last import failed: {told}" in home


def test_an_oversized_upload_is_refused_with_a_message(
    web: Web, uploader: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = _fresh(web, uploader)
    client = web.login(UPLOADER)
    csrf = csrf_of(client.get(f"/w/{workspace}/data").text)
    monkeypatch.setenv(MAX_UPLOAD_VAR, "4K")  # read by the server's process at each upload
    jobs_before = web.app.state.jobs.recent(workspace)
    for size in (5_000, 200_000):  # past the limit, and past it with the form around it too
        answer = _upload(client, workspace, "big.zip", b"x" * size, csrf=csrf)
        assert answer.status_code == 413
        assert "The file is larger than the limit of 4 KiB: nothing was imported." in answer.text
        assert '<label for="export-file">Export file</label>' in answer.text  # the form again
    assert web.app.state.jobs.recent(workspace) == jobs_before  # no job started
    assert not Workspace(web.root / workspace).has_store()
    assert _uploads_left(web) == []
    fits = _upload(client, workspace, "fits.zip", b"x" * 3_000, csrf=csrf)
    fragment, _ = _until_ended(client, workspace, _job_of(fits, workspace))
    assert '<p class="error">' in fragment  # accepted, then refused by the importers


def test_an_upload_needs_the_form_token_a_file_and_the_write_permission(
    web: Web, uploader: int
) -> None:
    workspace = _fresh(web, uploader)
    client = web.login(UPLOADER)
    forged = _upload(client, workspace, "a.zip", b"PK", csrf="forged")
    assert forged.status_code == 403
    nothing = client.post(f"/w/{workspace}/uploads", data={"csrf": csrf_of(client.get("/").text)})
    assert nothing.status_code == 400 and "Choose a file to upload." in nothing.text
    empty = _upload(client, workspace, "empty.zip", b"")
    assert empty.status_code == 400 and "The file is empty." in empty.text
    assert web.app.state.jobs.recent(workspace) == []
    assert _uploads_left(web) == []
    assert web.login(email("client")).get("/w/alpha/data").status_code == 403  # overview only
    client_role = web.login(email("analyst"))
    page = client_role.get("/w/alpha/data")
    assert page.status_code == 200 and "Import history" in page.text
    assert 'action="/w/alpha/uploads"' not in page.text  # no form for a role that can't write
    refused = _upload(client_role, "alpha", "a.zip", b"PK", csrf=csrf_of(page.text))
    assert refused.status_code == 403


def test_a_job_is_found_only_in_its_own_workspace(web: Web) -> None:
    job_id = PARAM_EXAMPLES["job_id"]
    owner = web.login(email("owner"))
    assert owner.get(f"/w/alpha/jobs/{job_id}").status_code == 200
    stranger = web.login(email("owner", "beta"))
    assert stranger.get(f"/w/beta/jobs/{job_id}").status_code == 404
    assert stranger.get(f"/w/alpha/jobs/{job_id}").status_code == 404
    assert owner.get("/w/alpha/jobs/0123456789abcdef").status_code == 404


def test_jobs_a_stopped_server_left_fail_when_it_starts_again(tmp_path: Path) -> None:
    app = create_app(tmp_path)
    jobs: Jobs = app.state.jobs
    Workspace(tmp_path / "shop").create()
    release = threading.Event()

    def work(report: Report) -> dict[str, str]:
        release.wait(60)
        return {}

    job = jobs.start(workspace="shop", kind="import", title="Import of a.zip", created_by=None,
                     work=work, writes=False)  # fmt: skip
    left = tmp_path / UPLOADS / "abc"
    left.mkdir(parents=True)
    (left / "a.zip").write_bytes(b"PK")
    with AppDB(tmp_path).connect() as db:  # what a crash leaves: the row says running
        db.execute("UPDATE jobs SET status = 'running' WHERE job_id = ?", (job.job_id,))
    again = create_app(tmp_path)  # the server starts again
    found = again.state.jobs.get("shop", job.job_id)
    assert found is not None and found.status == "failed" and found.message == STOPPED
    assert found.finished_at is not None
    assert not (tmp_path / UPLOADS).exists()
    release.set()


def test_file_names_and_the_upload_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    assert safe_file_name("twitter-2026-02-10.zip") == "twitter-2026-02-10.zip"
    assert safe_file_name("../../etc/passwd") == "passwd"
    assert safe_file_name("C:\\Users\\ana\\my export (1).zip") == "my_export_1_.zip"
    assert safe_file_name("..") == "upload"
    assert safe_file_name("<script>.zip") == "script_.zip"
    assert len(safe_file_name("a" * 300 + ".zip")) == 100
    monkeypatch.delenv(MAX_UPLOAD_VAR, raising=False)
    assert max_upload() == DEFAULT_MAX_UPLOAD == 512 * 1024**2
    for given, expected in (("1000", 1000), ("4K", 4096), ("2 MiB", 2 * 1024**2), ("1g", 1024**3)):
        monkeypatch.setenv(MAX_UPLOAD_VAR, given)
        assert max_upload() == expected
    monkeypatch.setenv(MAX_UPLOAD_VAR, "lots")
    with pytest.raises(UsageError, match="expected a size in bytes"):
        max_upload()


# -- in Chromium ----------------------------------------------------------------------------------
@pytest.mark.browser
def test_upload_an_archive_and_watch_it_import_in_chromium(
    browser: Any, web: Web, uploader: int, archive: bytes, tmp_path: Path
) -> None:
    workspace = _fresh(web, uploader)
    file = tmp_path / "twitter-archive.zip"
    file.write_bytes(archive)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto(f"{web.url}/")
    page.get_by_label("Email").fill(UPLOADER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web.url}/")
    page.get_by_role("link", name=workspace, exact=True).click()
    page.get_by_role("link", name="Data", exact=True).click()
    page.wait_for_url(f"{web.url}/w/{workspace}/data")
    assert "No data yet." in page.locator("main").inner_text()
    page.get_by_label("Export file").set_input_files(str(file))
    served = web.app.state.served
    with served.exclusive(workspace):  # another job writes: this one waits its turn
        page.get_by_role("button", name="Upload and import").click()
        page.wait_for_url(re.compile(rf".*/w/{workspace}/data#job-[0-9a-f]+$"))
        assert page.locator(".job.queued").is_visible()
        assert "Waiting for another job" in page.locator(".job").first.inner_text()
        assert "New data is arriving" in page.locator("main").inner_text()
    page.locator(".job.done").wait_for(timeout=180_000)  # HTMX polled it to its end
    summary = page.locator(".job.done .summary").inner_text()
    assert summary.startswith("Imported twitter-archive.zip (x_archive) in")
    assert page.locator(".job.done table.counts").is_visible()
    assert "1,190" in page.locator(".job.done table.counts").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391  # usable at 390 px wide
    page.reload()
    assert "twitter-archive.zip" in page.locator("table.history").inner_text()
    assert [e for e in errors if "Content Security Policy" in e] == []
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    context.close()
