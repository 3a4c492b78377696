"""Screenshots of the web workplace for the README and docs/web.md, in Debian's Chromium.

    .venv/bin/rapport demo --workspace demo
    .venv/bin/python tools/screenshot_web.py demo docs/

serves a copy of the workspace on 127.0.0.1 with a throwaway user, and writes
``web-overview.png`` (the overview, 1,400 px wide) and ``web-care-390.png`` (the care inbox
at phone width) into the folder given.
"""

from __future__ import annotations

import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from rapport.web.app import create_app
from rapport.web.appdb import AppDB
from rapport.web.auth import hash_password

PASSWORD = "screenshot password"


def main(workspace: Path, out: Path) -> list[Path]:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Debian's chromium is needed: apt-get install chromium")
    root = Path(tempfile.mkdtemp(prefix="rapport-shots-"))
    try:
        shutil.copytree(workspace, root / workspace.name)
        db = AppDB(root)
        user = db.add_user("owner@example.com", hash_password(PASSWORD), is_admin=True)
        db.grant(user.user_id, workspace.name, "owner")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(create_app(root), host="127.0.0.1", port=port, log_level="warning")
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        written = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for width, height, path, name in (
                (1400, 1100, f"/w/{workspace.name}/", "web-overview.png"),
                (390, 1400, f"/w/{workspace.name}/care", "web-care-390.png"),
            ):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(f"{base}/login")
                page.get_by_label("Email").fill("owner@example.com")
                page.get_by_label("Password").fill(PASSWORD)
                page.get_by_role("button", name="Log in").click()
                page.wait_for_url(f"{base}/")
                page.goto(f"{base}{path}", timeout=300_000)
                target = out / name
                page.screenshot(path=str(target))
                written.append(target)
                page.close()
            browser.close()
        server.should_exit = True
        return written
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    for made in main(Path(sys.argv[1]), Path(sys.argv[2])):
        print(made)
