"""Load on the web workplace: many people browsing one workspace while imports write to it.

    .venv/bin/python bench/serve.py [--users 50] [--seconds 60] [--workspace demo]
                                    [--writes server|cli|none]

Starts a real `rapport serve` (its own process, on 127.0.0.1) over a copy of the workspace
(by default a fresh demo of 3,000 people and 120 days), signs in ``--users`` people, and
has each browse the home page, the overview and the care inbox as fast as the server
answers, for ``--seconds``. Meanwhile a small batch of new replies is imported every 5
seconds: by default uploaded to the server, which imports it as a background job in its own
process, as a sync does (``--writes server``); ``--writes cli`` runs ``rapport import`` in
another process beside the server instead; ``--writes none`` browses without writes. It
prints, per page, the answers' p50, p95 and maximum, the errors (anything but 200), the
server's peak memory, and, as the baseline, the time the same page's library calls take in
this process, uncached. Not a timed test: compare the figures of one run. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import httpx

import rapport
from rapport.web.views import care_page, overview, summary

RAPPORT = [sys.executable, "-m", "rapport"]
PASSWORD = "bench password, long enough"
PAGES = {"home": "/", "overview": "/w/{ws}/", "care": "/w/{ws}/care"}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _run(*args: str, stdin: str | None = None) -> None:
    subprocess.run([*RAPPORT, *args], input=stdin, text=True, check=True,
                   capture_output=True)  # fmt: skip


def _baseline(workspace: Path) -> dict[str, float]:
    """Seconds the library calls behind each page take, uncached (median of 3)."""
    calls = {
        "home": lambda s: summary(s, workspace.name),
        "overview": overview,
        "care": care_page,
    }
    found = {}
    for page, call in calls.items():
        times = []
        for _ in range(3):
            started = time.perf_counter()
            with rapport.open(workspace) as session:
                call(session)
            times.append(time.perf_counter() - started)
        found[page] = statistics.median(times)
    return found


def _batches(folder: Path, count: int) -> list[Path]:
    """Small canonical folders of new replies to the demo's own account, one per import."""
    with rapport.open(folder.parent / "served" / "ws") as session:
        post = session.store.connection.execute(
            "SELECT p.post_id, p.account_id, a.platform FROM posts p JOIN accounts a "
            "USING (account_id) WHERE a.role = 'own' ORDER BY p.created_at DESC LIMIT 1"
        ).fetchone()
    found = []
    for index in range(count):
        batch = folder / f"batch{index}"
        batch.mkdir(parents=True)
        stamp = "2026-11-29T12:00:00Z"
        (batch / "manifest.json").write_text(json.dumps(
            {"format": "rapport-canonical/1", "generated_at": stamp, "source": "bench"}
        ))  # fmt: skip
        rows = [
            {"interaction_id": f"{post[2]}:bench-{index}-{i}", "platform": post[2],
             "kind": "reply", "account_id": post[1], "post_id": post[0],
             "person_id": f"{post[2]}:bench-p{i}", "occurred_at": stamp, "text": "lovely loaf"}
            for i in range(50)
        ]  # fmt: skip
        (batch / "interactions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
        with zipfile.ZipFile(batch.with_suffix(".zip"), "w") as zipped:  # as an upload
            for file in sorted(batch.iterdir()):
                zipped.write(file, file.name)
        found.append(batch)
    return found


async def _signed_in(client: httpx.AsyncClient, email: str) -> None:
    form = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token
    signed = await client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf": token.group(1), "next": "/"}
    )
    assert signed.status_code == 303, signed.text


async def _uploader(base: str, ws: str, until: float, batches: list[Path], errors: list[str],
                    jobs: list[str]) -> None:  # fmt: skip
    """A manager who uploads a batch every 5 s; the server imports each as a job."""
    async with httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False) as client:
        await _signed_in(client, "writer@example.com")
        for batch in batches:
            if time.monotonic() >= until:
                return
            page = await client.get(f"/w/{ws}/data")
            token = re.search(r'name="csrf" value="([^"]+)"', page.text)
            assert token
            answer = await client.post(
                f"/w/{ws}/uploads",
                data={"csrf": token.group(1)},
                files={"file": (f"{batch.name}.zip", batch.with_suffix(".zip").read_bytes())},
            )
            if answer.status_code != 303:
                errors.append(f"upload: {answer.status_code}")
            else:
                jobs.append(answer.headers["location"])
            await asyncio.sleep(5)


async def _user(base: str, ws: str, until: float, seen: dict[str, list[float]],
                errors: list[str], *, warm: bool = False) -> None:  # fmt: skip
    """One person: signs in, then opens pages at random until ``until`` (``warm``: each page
    once, in order)."""
    async with httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False) as client:
        await _signed_in(client, "bench@example.com")
        if warm:
            for path in PAGES.values():
                assert (await client.get(path.format(ws=ws))).status_code == 200
            return
        while time.monotonic() < until:
            page = random.choice(list(PAGES))
            started = time.perf_counter()
            try:
                answer = await client.get(PAGES[page].format(ws=ws))
                if answer.status_code != 200:
                    errors.append(f"{page}: {answer.status_code}")
            except httpx.HTTPError as error:
                errors.append(f"{page}: {type(error).__name__}")
            seen[page].append(time.perf_counter() - started)


def _peak_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workspace", type=Path, default=None)
    parser.add_argument(
        "--writes",
        choices=("server", "cli", "none"),
        default="server",
        help="how the imports come: uploaded to the server (a job in its "
        "process, as a sync), `rapport import` in another process, or none",
    )
    parser.add_argument("--no-writes", action="store_true", help="the same as --writes none")
    parser.add_argument(
        "--duckdb-memory",
        default=None,
        metavar="LIMIT",
        help="the server's RAPPORT_DUCKDB_MEMORY_LIMIT (e.g. 512MB)",
    )
    args = parser.parse_args()
    writes = "none" if args.no_writes else args.writes
    base_dir = Path(tempfile.mkdtemp(prefix="rapport-bench-serve-"))
    root = base_dir / "served"
    ws = root / "ws"
    try:
        if args.workspace:
            shutil.copytree(args.workspace, ws)
        else:
            print("making a demo workspace (3,000 people, 120 days)…", flush=True)
            _run("demo", "--people", "3000", "--days", "120", "--seed", "3", "--end",
                 "2026-11-30", "--workspace", str(ws))  # fmt: skip
        _run("user", "add", "bench@example.com", "--role", "analyst", "--workspace", "ws",
             "--password-stdin", "--root", str(root), stdin=PASSWORD + "\n")  # fmt: skip
        _run("user", "add", "writer@example.com", "--role", "manager", "--workspace", "ws",
             "--password-stdin", "--root", str(root), stdin=PASSWORD + "\n")  # fmt: skip
        baseline = _baseline(ws)
        batches = _batches(base_dir / "batches", int(args.seconds // 5) + 2)
        port = _port()
        env = {**os.environ, "COLUMNS": "200"}
        if args.duckdb_memory:
            env["RAPPORT_DUCKDB_MEMORY_LIMIT"] = args.duckdb_memory
        log = (base_dir / "server.log").open("w")  # read at the end: a pipe nobody reads fills
        server = subprocess.Popen([*RAPPORT, "serve", "--root", str(root), "--port", str(port)],
                                  stdout=log, stderr=subprocess.STDOUT, text=True,
                                  env=env)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                try:
                    httpx.get(f"{base}/login", timeout=5)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            warm = time.perf_counter()
            asyncio.run(_user(base, "ws", 0, {p: [] for p in PAGES}, [], warm=True))
            print(f"warm-up (first computation of each page): {time.perf_counter() - warm:.1f} s")
            seen: dict[str, list[float]] = {p: [] for p in PAGES}
            errors: list[str] = []
            until = time.monotonic() + args.seconds
            writer = subprocess.Popen(
                [sys.executable, "-c", "pass"] if writes != "cli" else [sys.executable, "-c",
                 "import subprocess, sys, time\n"
                 "for b in sys.argv[2:]:\n"
                 "    subprocess.run([sys.executable, '-m', 'rapport', 'import', b,"
                 " '--workspace', sys.argv[1]], capture_output=True)\n"
                 "    time.sleep(5)\n",
                 str(ws), *map(str, batches)],
            )  # fmt: skip

            jobs: list[str] = []

            async def crowd() -> None:
                people = [_user(base, "ws", until, seen, errors) for _ in range(args.users)]
                if writes == "server":
                    people.append(_uploader(base, "ws", until, batches, errors, jobs))
                await asyncio.gather(*people)

            asyncio.run(crowd())
            writer.terminate()
            writer.wait(timeout=60)
            peak = _peak_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=60)
        total = sum(len(v) for v in seen.values())
        said = {
            "none": "no imports",
            "cli": "`rapport import` every 5 s in another process",
            "server": f"an upload every 5 s imported by the server ({len(jobs)} jobs)",
        }
        print(f"{args.users} people for {args.seconds:.0f} s, {said[writes]}: "
              f"{total:,} pages ({total / args.seconds:,.1f}/s), {len(errors):,} errors; "
              f"server peak memory {peak / 1024:,.0f} MiB")  # fmt: skip
        print(f"{'page':10} {'p50':>9} {'p95':>9} {'max':>9} {'library call':>13} {'p95/lib':>8}")
        for page, times in seen.items():
            if not times:
                continue
            ordered = sorted(times)
            p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
            print(f"{page:10} {statistics.median(ordered) * 1000:8.0f}ms {p95 * 1000:8.0f}ms "
                  f"{ordered[-1] * 1000:8.0f}ms {baseline[page] * 1000:12.0f}ms "
                  f"{p95 / baseline[page]:8.3f}")  # fmt: skip
        if errors:
            print("errors:", ", ".join(sorted(set(errors))[:10]))
        logged = (base_dir / "server.log").read_text(errors="replace").splitlines()
        problems = [line for line in logged if "Traceback" in line or "ERROR" in line]
        print(f"server log: {len(logged):,} lines, {len(problems):,} errors")
        for line in problems[:5]:
            print("  ", line)
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
