"""How long each read command takes on a demo workspace, against `rapport status`.

The script makes a demo workspace (`rapport demo`, 20,000 people over 365 days by default),
stores one plan (`rapport plan`, so that `plan --progress` has one to compare with), then runs
every read command as a whole process, as a user would (start-up included, the output
thrown away), ``--runs`` times each (3 by default), in turn so that a burst of load on the
machine hits every command alike. It prints each command's median time, its ratio to the
median of `rapport status` measured in the same run, and its peak memory (the largest
resident set of the process over the runs). The goal set for them is every read command
under 3× `rapport status`.

This is a script, not a test: nothing asserts a duration.

    .venv/bin/python bench/commands.py                        # 20,000 people, 365 days
    .venv/bin/python bench/commands.py --people 3000 --days 120
    .venv/bin/python bench/commands.py --workspace demo       # an existing demo workspace
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL = 3.0
"""Every read command under this many times `rapport status`."""
END = "2026-12-01"
"""The demo's end date: the same world on any day (give --end to change it)."""
COMMANDS: tuple[tuple[str, ...], ...] = (
    ("status",),
    ("metrics",),
    ("report",),
    ("care",),
    ("calendar",),
    ("benchmark",),
    ("plan", "--progress"),
    ("odds",),
    ("spikes",),
    ("seeds",),
)
"""The read commands timed, `rapport status` first (the yardstick)."""

_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "seconds = time.perf_counter() - t\n"
    "if done.returncode:\n"
    "    sys.exit(done.stderr.decode(errors='replace') or f'exit code {done.returncode}')\n"
    "print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of ``command``, measured by a fresh watcher process."""
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()}")
    seconds, kib = done.stdout.split()
    return float(seconds), float(kib) / 1024


def _rapport() -> str:
    return str(Path(sys.executable).parent / "rapport")


def _memory() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return "memory unknown"
    return f"{pages / 2**30:.0f} GiB"


def make_demo(workspace: Path, *, people: int, days: int, end: str) -> None:
    """`rapport demo` into ``workspace``, then one stored plan (timed, for information)."""
    seconds, mib = _timed(
        [_rapport(), "demo", "--people", str(people), "--days", str(days), "--end", end,
         "--workspace", str(workspace)]
    )  # fmt: skip
    print(f"demo: {people:,} people × {days} days (ending {end}): {seconds:.1f} s, {mib:.0f} MiB")
    seconds, _ = _timed([_rapport(), "plan", "--workspace", str(workspace)])
    print(f"plan (stored, so that plan --progress has one): {seconds:.1f} s")


def measure(workspace: Path, *, runs: int) -> dict[str, tuple[list[float], float]]:
    """Each command's times over ``runs`` rounds and its peak memory (MiB)."""
    found: dict[str, tuple[list[float], float]] = {}
    for _ in range(runs):
        for command in COMMANDS:
            label = " ".join(command)
            seconds, mib = _timed([_rapport(), *command, "--workspace", str(workspace)])
            times, peak = found.get(label, ([], 0.0))
            found[label] = ([*times, seconds], max(peak, mib))
    return found


def report(found: dict[str, tuple[list[float], float]]) -> None:
    """The table: median time, ratio to `rapport status`, peak memory, the goal met or not."""
    base = statistics.median(found["status"][0])
    print(f"{'command':<16} {'median s':>9} {'runs (s)':>22} {'× status':>9} {'peak MiB':>9}")
    for label, (times, peak) in found.items():
        median = statistics.median(times)
        ratio = median / base
        mark = "" if ratio < GOAL else f"  above {GOAL:g}×"
        shown = ", ".join(f"{t:.1f}" for t in times)
        print(f"{label:<16} {median:9.2f} {shown:>22} {ratio:9.1f} {peak:9.0f}{mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--end", default=END, help="the demo's end date (YYYY-MM-DD)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workspace", type=Path, help="time an existing demo workspace")
    parser.add_argument("--keep", type=Path, help="make the demo in this folder and keep it")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {_memory()}, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the start"
    )
    folder = args.keep or Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    try:
        workspace = args.workspace
        if workspace is None:
            workspace = folder / "demo"
            make_demo(workspace, people=args.people, days=args.days, end=args.end)
        started = time.perf_counter()
        found = measure(workspace, runs=args.runs)
        report(found)
        print(
            f"{len(COMMANDS)} commands × {args.runs} runs in {time.perf_counter() - started:.0f} s"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
