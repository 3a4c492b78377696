"""How long ``rapport whatif`` takes on the demo world, and how much memory it needs.

In a fresh subprocess (so peak memory is that run's alone) this imports the demo world
(20,000 people, 365 days, seed 7) into a DuckDB store, then times what ``rapport whatif``
does at its defaults: ``calibrate`` (measure the workspace, search the world that reproduces
it, check it on three more seeds) and ``run_whatif`` (20 runs over 12 months for each of the
six strategies, in worker processes). It prints, with the machine it ran on:

* the import of the world (not part of the command: the workspace already has its data);
* calibrate: seconds and simulated runs; run_whatif: seconds, runs and workers;
* a plain baseline in the same process: one bare ``rapport.simulate.run.run_world`` of the
  world a what-if run simulates (the calibrated world at simulation scale, 12 months, as
  now), i.e. the least any run can cost; and the total over it: how many bare runs the
  command is worth. Also one bare ``run_world`` of the demo world itself (20,000 x 365);
* peak resident memory of the main process and of the largest worker process;
* beside each step's seconds, its CPU seconds (this process and its finished workers): on a
  machine shared with other work the seconds stretch with the load, the CPU seconds much
  less; CPU seconds over the cores is what the step would take on an idle machine.

    .venv/bin/python bench/whatif.py
    .venv/bin/python bench/whatif.py --runs 5 --months 6 --workers 1

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _child(args: argparse.Namespace) -> None:
    from rapport.canonical import Batch
    from rapport.config import Config
    from rapport.session import Session
    from rapport.simulate import WorldParams, simulate
    from rapport.simulate.run import run_world
    from rapport.store import Store
    from rapport.strategy.whatif import STRATEGY_NAMES, calibrate, run_whatif, strategy_params
    from rapport.strategy.whatif.runs import default_workers, run_seed

    demo = WorldParams(people=args.people, days=args.days, seed=args.seed)
    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        store = Store(Path(folder) / "rapport.duckdb")
        store.apply(Batch.from_tables(simulate(demo).tables, source="synthetic", origin="bench"))
        figures["import_s"] = time.perf_counter() - started

        calibration_runs = [0]
        started, cpu = time.perf_counter(), _cpu()
        with Session.over(store, config=Config()) as session:
            calibration = calibrate(
                session, seed=0, progress=lambda n: calibration_runs.__setitem__(0, n)
            )
        figures["calibrate_s"] = time.perf_counter() - started
        figures["calibrate_cpu"] = _cpu() - cpu
        figures["calibrate_runs"] = calibration_runs[0]
        store.close()

    tasks = args.runs * len(STRATEGY_NAMES)
    workers = default_workers(tasks) if args.workers is None else args.workers
    started, cpu = time.perf_counter(), _cpu()
    result = run_whatif(calibration, months=args.months, runs=args.runs, seed=0, workers=workers)
    figures["whatif_s"] = time.perf_counter() - started
    figures["whatif_cpu"] = _cpu() - cpu
    figures["whatif_runs"] = tasks
    figures["workers"] = workers

    one_run = dataclasses.replace(
        strategy_params(calibration, "as_now", months=args.months), seed=run_seed(0, 0)
    )
    started, cpu = time.perf_counter(), _cpu()
    run_world(one_run)
    figures["baseline_s"] = time.perf_counter() - started
    figures["baseline_cpu"] = _cpu() - cpu
    started = time.perf_counter()
    run_world(demo)
    figures["demo_run_s"] = time.perf_counter() - started

    figures["simulated_people"] = one_run.people
    figures["simulated_days"] = one_run.days
    figures["scale"] = calibration.scale
    figures["calibration_ok"] = calibration.ok
    figures["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker_peak_mib"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures["medians"] = {
        s.name: {name: s.bands[name].median for name in s.bands} for s in result.strategies
    }
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--workers", type=int, default=None, help="default: as the command")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, numpy {np.__version__}")  # fmt: skip
    load = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", *sys.argv[1:]]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    r = json.loads(done.stdout.strip().splitlines()[-1])
    total = r["calibrate_s"] + r["whatif_s"]
    total_cpu = r["calibrate_cpu"] + r["whatif_cpu"]
    print(f"demo world {args.people:,} people x {args.days} days, seed {args.seed}; what-if "
          f"{args.runs} runs x {args.months} months x 6 strategies, simulated at "
          f"{r['simulated_people']:,} people x {r['simulated_days']} days "
          f"(scale {r['scale']:.2f}); calibration ok: {r['calibration_ok']}")  # fmt: skip
    print(f"load average at the start: {load:.2f}")
    print(f"{'step':<34} {'seconds':>8} {'runs':>5} {'CPU s':>8}")
    print(f"{'import the world (not timed below)':<34} {r['import_s']:>8.2f}")
    print(f"{'calibrate':<34} {r['calibrate_s']:>8.2f} {r['calibrate_runs']:>5} "
          f"{r['calibrate_cpu']:>8.2f}")  # fmt: skip
    print(f"{'run_whatif (' + str(r['workers']) + ' workers)':<34} {r['whatif_s']:>8.2f} "
          f"{r['whatif_runs']:>5} {r['whatif_cpu']:>8.2f}")  # fmt: skip
    print(f"{'calibrate + run_whatif':<34} {total:>8.2f} {'':>5} {total_cpu:>8.2f}")
    print(f"{'baseline: one bare run_world':<34} {r['baseline_s']:>8.3f}     1 "
          f"{r['baseline_cpu']:>8.3f}")  # fmt: skip
    print(f"{'x baseline':<34} {total / r['baseline_s']:>8.1f} {'':>5} "
          f"{total_cpu / r['baseline_cpu']:>8.1f}")  # fmt: skip
    print(f"{'(one bare run_world of the demo)':<34} {r['demo_run_s']:>8.3f}")
    print(f"peak memory: main process {r['peak_mib']:.0f} MiB, largest worker "
          f"{r['worker_peak_mib']:.0f} MiB")  # fmt: skip
    print("medians: " + json.dumps(r["medians"]))


if __name__ == "__main__":
    main()
