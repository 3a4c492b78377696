"""Render a report in Debian's Chromium and save the top of it as PNGs at 1,400 and 390
pixels wide (for the README and docs/).

.venv/bin/rapport demo --workspace demo && .venv/bin/rapport plan --workspace demo
.venv/bin/rapport report --workspace demo
.venv/bin/python tools/screenshot.py demo/report.html docs/report

writes docs/report-1400.png and docs/report-390.png. The charts are inline SVG, so nothing
needs to finish drawing before the picture is taken.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

WIDTHS = {1400: 1500, 390: 2400}  # width -> height of the picture


def main(report: Path, stem: Path) -> list[Path]:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("Chromium is not installed (apt-get install chromium)")
    written = []
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
        for width, height in WIDTHS.items():
            page = browser.new_page(
                viewport={"width": width, "height": height}, device_scale_factor=1
            )
            page.goto(report.resolve().as_uri())
            target = stem.with_name(f"{stem.name}-{width}.png")
            page.screenshot(path=str(target))
            page.close()
            written.append(target)
        browser.close()
    return written


if __name__ == "__main__":
    for path in main(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
