"""The web shows the library's numbers: every card on the overview equals what `rapport metrics
--json` prints for the same workspace, and the downloaded report is the report."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import time

import pytest

from tests.conftest import invoke_json
from tests.web_support import Web, email

_CARD = re.compile(
    r'<div class="metric [^"]*" data-metric="([a-z_]+)">\s*<div class="label">[^<]*</div>\s*'
    r'<div class="value">([^<]*)</div>\s*<div class="detail">([^<]*)</div>'
)


def _number(text: str) -> float:
    """A card's value as a number (``38%`` → 0.38, ``1,780`` → 1780)."""
    found = re.search(r"-?[\d,]+(?:\.\d+)?", text)
    assert found, text
    value = float(found.group(0).replace(",", ""))
    return value / 100 if "%" in text else value


def test_the_overview_cards_equal_the_metrics_json(web: Web) -> None:
    page = web.login(email("client")).get("/w/alpha/")
    assert page.status_code == 200
    cards = {m: (html.unescape(v), html.unescape(d)) for m, v, d in _CARD.findall(page.text)}
    assert set(cards) == {"reach", "likes", "followers", "returning_people", "reply_rate",
                          "conversions"}  # fmt: skip
    expected = {r["id"]: r for r in invoke_json("metrics", "--workspace", web.root / "alpha")}
    for metric, (value, detail) in cards.items():
        result = expected[metric]
        assert result["status"] == "ok", metric
        shown = _number(value)
        digits = 2 if result["unit"] in ("fraction", "share") else 0
        assert shown == pytest.approx(result["value"], abs=0.5 * 10**-digits), metric
        assert result["denominator"] in detail, metric  # every rate names its denominator
    computable = sum(1 for r in expected.values() if r["status"] == "ok")
    assert f"{computable:,} of {len(expected):,} metrics computable" in page.text


def test_the_report_download_is_the_report(web: Web) -> None:
    answer = web.login(email("client")).get("/w/alpha/report")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="alpha-report.html"'
    assert answer.text.startswith("<!DOCTYPE html>") and "This week" in answer.text


_HOLD_WRITER = """
import sys, time
from rapport.workspace import Workspace
session = Workspace(sys.argv[1]).session(read_only=False, purpose="an import")
print("open", flush=True)
time.sleep(float(sys.argv[2]))
session.close()
"""


def test_pages_are_served_while_another_process_writes(web: Web) -> None:
    """A CLI import beside the server: the overview answers at once from what it had, says
    new data is arriving, and never shows a lock error."""
    owner = web.login(email("owner", "beta"))
    warm = owner.get("/w/beta/")
    assert warm.status_code == 200 and "New data is arriving" not in warm.text
    writer = subprocess.Popen(
        [sys.executable, "-c", _HOLD_WRITER, str(web.root / "beta"), "20"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        started = time.monotonic()
        during = owner.get("/w/beta/")
        assert time.monotonic() - started < 5  # not queued behind the write
        assert during.status_code == 200
        assert "New data is arriving" in during.text
        assert "the store is in use" not in during.text and "Traceback" not in during.text
    finally:
        writer.wait(timeout=120)
    after = owner.get("/w/beta/")
    assert after.status_code == 200
