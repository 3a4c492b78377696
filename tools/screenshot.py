"""Render a report in Debian's Chromium and save the top of it as a PNG (for the README).

.venv/bin/rapport demo --workspace demo
.venv/bin/python tools/screenshot.py demo/report.html docs/report.png
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright


def main(report: Path, target: Path, *, height: int = 1500) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": height}, device_scale_factor=1)
        page.goto(report.resolve().as_uri())
        page.wait_for_function(
            "document.body.dataset.chartsRendered === document.body.dataset.chartsTotal",
            timeout=30_000,
        )
        page.screenshot(path=str(target))
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
