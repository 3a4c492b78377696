"""How fast the synthetic world is, and how much memory it needs.

Runs each size in a fresh subprocess (so peak memory is that run's alone) and prints, per
size: wall time of ``simulate()``, peak resident memory, rows produced, and the ratio of the
wall time to a plain baseline in the same process: drawing one float32 uniform per person
and day with numpy (the least any per-person-per-day model has to do).

    .venv/bin/python bench/simulate.py                 # 10k, 100k, 1M people x 180 days
    .venv/bin/python bench/simulate.py --people 20000 --days 365   # the default demo

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np


def _child(people: int, days: int, seed: int) -> None:
    from rapport.simulate import WorldParams, simulate

    started = time.perf_counter()
    world = simulate(WorldParams(people=people, days=days, seed=seed))
    elapsed = time.perf_counter() - started

    rng = np.random.default_rng(seed)
    baseline_started = time.perf_counter()
    for _ in range(days):
        rng.random(people, dtype=np.float32)
    baseline = time.perf_counter() - baseline_started

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "people": people, "days": days, "seconds": elapsed, "baseline": baseline,
        "peak_mib": peak_kib / 1024,
        "rows": {name: table.num_rows for name, table in world.tables.items()},
    }))  # fmt: skip


def _run(people: int, days: int, seed: int) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", "--people", str(people), "--days",
               str(days), "--seed", str(seed)]  # fmt: skip
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, nargs="*", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.people[0], args.days, args.seed)
        return
    cores = os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}")  # fmt: skip
    print(f"{'people':>10} {'days':>5} {'seconds':>8} {'peak MiB':>9} {'rows':>10} "
          f"{'interactions':>12} {'baseline s':>10} {'x baseline':>10}")  # fmt: skip
    for people in args.people:
        result = _run(people, args.days, args.seed)
        rows = result["rows"]
        assert isinstance(rows, dict)
        seconds = float(str(result["seconds"]))
        baseline = float(str(result["baseline"]))
        peak = float(str(result["peak_mib"]))
        print(f"{people:>10,} {args.days:>5} {seconds:>8.2f} {peak:>9.0f} "
              f"{sum(rows.values()):>10,} {rows['interactions']:>12,} {baseline:>10.3f} "
              f"{seconds / baseline:>10.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
