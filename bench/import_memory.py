"""How much memory reading a large X archive needs, against a plain ``json.loads``.

Generates one ``tweets.js`` of about ``--megabytes`` (200 by default, one part, with
account.js, follower.js and manifest.js; the tweets of ``bench/import_x.py``), then runs,
each in a fresh child process whose peak resident memory comes from ``os.wait4``:

1. the baseline: the file read whole and parsed by ``json.loads`` (what a reader that does
   not stream needs at least: the text and every parsed record at once);
2. the importer: ``rapport.importers.run`` on the archive folder (files to a checked Batch);
3. with ``--store``, the whole import (``rapport.api.import_path`` into a new workspace).

For each it prints wall time, peak memory, and both as a ratio to the baseline.

    .venv/bin/python bench/import_memory.py                    # about 200 MB
    .venv/bin/python bench/import_memory.py --megabytes 50     # quicker
    .venv/bin/python bench/import_memory.py --store            # the store write too

This is a script, not a test: nothing asserts a figure (the tests bound memory on their own
inputs, see tests/test_hardening_resources.py).
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_x import generate

_BYTES_PER_TWEET = 1_150
"""About what one generated tweet takes in tweets.js."""

_BASELINE = """
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
print(len(json.loads(text[text.index("=") + 1 :])))
"""
_IMPORTER = """
import sys
from pathlib import Path
from rapport.importers import run
print(run(Path(sys.argv[1])).row_count)
"""
_STORE = """
import sys, tempfile
from pathlib import Path
from rapport.api import import_path
from rapport.workspace import Workspace
with tempfile.TemporaryDirectory(prefix="rapport-bench-ws-") as folder:
    print(import_path(Path(sys.argv[1]), workspace=Workspace(Path(folder))).total("received"))
"""


_LAUNCHER = """
import os, subprocess, sys, time
started = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""A process's peak memory counts the memory of the process it was forked from: the child is
started from this small launcher, not from this script (which generated the archive)."""


def _run(code: str, argument: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of ``python -c code argument``."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, sys.executable, "-c", code, str(argument)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"the child failed:\n{done.stderr}")
    seconds, kib = done.stdout.split()
    return float(seconds), int(kib) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--megabytes", type=int, default=200, help="size of tweets.js")
    parser.add_argument("--store", action="store_true", help="measure the whole import too")
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.system()}")
    with tempfile.TemporaryDirectory(prefix="rapport-bench-memory-") as folder:
        archive = Path(folder) / "twitter-archive"
        tweets = args.megabytes * 1_000_000 // _BYTES_PER_TWEET
        (tweets_js,) = generate(archive, tweets=tweets, parts=1, followers=1_000)
        size = tweets_js.stat().st_size
        print(f"tweets.js: {size / 2**20:,.0f} MiB, {tweets:,} tweets")
        runs = [("json.loads of tweets.js (baseline)", _BASELINE, tweets_js)]
        runs.append(("the importer (rapport.importers.run)", _IMPORTER, archive))
        if args.store:
            runs.append(("the whole import (rapport.api.import_path)", _STORE, archive))
        base_seconds = base_mib = 0.0
        for title, code, argument in runs:
            seconds, mib = _run(code, argument)
            if not base_seconds:
                base_seconds, base_mib = seconds, mib
            print(
                f"{title:45s} {seconds:7.1f} s ({seconds / base_seconds:4.1f}x)  "
                f"peak {mib:7,.0f} MiB ({mib / base_mib:4.2f}x, "
                f"{mib * 2**20 / size:4.2f} bytes per byte of tweets.js)"
            )


if __name__ == "__main__":
    main()
