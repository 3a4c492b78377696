"""SEISMIC, vectorised against a plain per-cascade loop of the same closed forms.

Two workloads (science.md §3.1; issue 5 "Speed"):

* **shared**: the 50 cascades of ``seismic_subset/training`` (RT1–RT50) at 10 observation
  times, 5 min to 1 day;
* **synthetic**: ``--synthetic`` cascades (default 100,000) drawn with a fixed seed, observed
  at ``--observe`` (default 1 h). Sizes follow a power law, P(size >= n) = n^-0.8 up to
  20,000 reshares; each reshare's delay is drawn from SEISMIC's own memory kernel φ (inverse
  CDF) and each follower count from the power law of density (α − 1) m^-α, α = 2.016, m >= 1.

For each it prints the wall and CPU time of the vectorised engine (``seismic_predict``, from
``Cascade`` objects, packing included; best of ``--repeat``, with 1 thread and with the
default thread count) and of the plain loop (``seismic_predict_loop``: per cascade, per
observation time, per event, scalar ``math``; one run), the peak memory each allocates
(tracemalloc, in a separate untimed run), the speed-up, and the largest absolute and
relative differences between the two over every output; it fails unless they agree to 1e-9
(|vectorised − loop| <= 1e-9 · max(1, |loop|)) and flag the same cascades supercritical.

    .venv/bin/python bench/seismic.py
    .venv/bin/python bench/seismic.py --synthetic 10000 --repeat 3

This is a script, not a test: nothing asserts a duration.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rapport.models.cascades import Cascade, read_cascades
from rapport.models.seismic import (
    SeismicArrays,
    SeismicParams,
    seismic_predict,
    seismic_predict_loop,
)

SHARED = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "samples"
    / "reshare_cascades"
    / "seismic_subset"
    / "training"
)
TIMES = (300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0)
FIELDS = (
    "observed",
    "infectiousness",
    "infectiousness_low",
    "infectiousness_high",
    "window_reshares",
    "window",
    "exposure",
    "r",
    "final",
    "final_low",
    "final_high",
)
TOLERANCE = 1e-9


def synthetic(count: int, *, seed: int, max_size: int = 20_000) -> list[Cascade]:
    """``count`` cascades drawn as the module docstring says (vectorised, then split)."""
    p = SeismicParams()
    rng = np.random.default_rng(seed)
    sizes = np.minimum(np.floor((1.0 - rng.random(count)) ** (-1.0 / 0.8)), max_size)
    sizes = sizes.astype(np.int64)
    total = int(sizes.sum())
    # inverse CDF of φ: Φ̄(s) = 1 − c s on [0, s0], (c s0^(1+θ)/θ) s^-θ beyond
    u = 1.0 - rng.random(total)  # a draw of Φ̄(delay), in (0, 1]
    knee = 1.0 - p.c * p.s0
    tail_scale = p.c * p.s0 ** (1.0 + p.theta) / p.theta
    delays = np.where(u >= knee, (1.0 - u) / p.c, (u / tail_scale) ** (-1.0 / p.theta))
    alpha = 2.016
    followers = np.floor((1.0 - rng.random(total)) ** (-1.0 / (alpha - 1.0)))
    posters = np.floor((1.0 - rng.random(count)) ** (-1.0 / (alpha - 1.0))) * 100.0
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    return [
        Cascade.from_events(
            f"s{k}",
            delays[bounds[k] : bounds[k + 1]],
            followers[bounds[k] : bounds[k + 1]],
            poster_followers=float(posters[k]),
        )
        for k in range(count)
    ]


def _timed(run: Callable[[], SeismicArrays], repeat: int) -> tuple[SeismicArrays, float, float]:
    """The result, and the best wall and CPU seconds of ``repeat`` runs."""
    walls, cpus = [], []
    result = run()
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    return result, min(walls), min(cpus)


def _peak_mib(run: Callable[[], SeismicArrays]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _differences(fast: SeismicArrays, slow: SeismicArrays) -> tuple[float, float, bool]:
    """Largest |fast − slow|, largest |fast − slow| / max(1, |slow|), and whether the
    supercritical flags and the positions of the infinities and NaNs are the same."""
    same = bool(np.array_equal(fast.supercritical, slow.supercritical))
    worst_abs = worst_rel = 0.0
    for name in FIELDS:
        a = np.asarray(getattr(fast, name), dtype=np.float64)
        b = np.asarray(getattr(slow, name), dtype=np.float64)
        finite = np.isfinite(b)
        same &= bool(np.array_equal(np.isfinite(a), finite))
        same &= bool(np.array_equal(a[~finite], b[~finite], equal_nan=True))
        if finite.any():
            gap = np.abs(a[finite] - b[finite])
            worst_abs = max(worst_abs, float(gap.max()))
            worst_rel = max(worst_rel, float((gap / np.maximum(1.0, np.abs(b[finite]))).max()))
    return worst_abs, worst_rel, same


def _workload(name: str, cascades: list[Cascade], times: tuple[float, ...], repeat: int) -> None:
    events = sum(c.size + 1 for c in cascades)
    seen = sum(c.observed(t) + 1 for c in cascades for t in times)
    print(
        f"\n{name}: {len(cascades):,} cascades x {len(times)} observation times = "
        f"{len(cascades) * len(times):,} forecasts; {events:,} events, {seen:,} (query, event) "
        "pairs at or before the observation time"
    )
    threads = min(4, os.cpu_count() or 1)
    runs: dict[str, Callable[[], SeismicArrays]] = {
        "vectorised, 1 thread": lambda: seismic_predict(cascades, times, threads=1),
        f"vectorised, {threads} threads": lambda: seismic_predict(cascades, times),
        "plain loop": lambda: seismic_predict_loop(cascades, times),
    }
    rows = []
    for label, run in runs.items():
        result, wall, cpu = _timed(run, 1 if label == "plain loop" else repeat)
        rows.append((label, result, wall, cpu, _peak_mib(run)))
    loop_wall = rows[-1][2]
    loop_cpu = rows[-1][3]
    print(
        f"  {'path':<24} {'wall s':>9} {'CPU s':>9} {'peak MiB':>9} {'x loop (wall)':>14} "
        f"{'x loop (CPU)':>13} {'max |diff|':>11} {'max rel diff':>13}"
    )
    for label, result, wall, cpu, peak in rows:
        worst_abs, worst_rel, same = _differences(result, rows[-1][1])
        agrees = same and worst_rel <= TOLERANCE
        print(
            f"  {label:<24} {wall:>9.4f} {cpu:>9.4f} {peak:>9.1f} {loop_wall / wall:>14.1f} "
            f"{loop_cpu / cpu:>13.1f} {worst_abs:>11.2e} {worst_rel:>13.2e}"
        )
        if not agrees:
            raise SystemExit(f"{label}: the numbers differ from the loop's beyond {TOLERANCE}")
    supercritical = int(rows[-1][1].supercritical.sum())
    print(
        f"  agree to {TOLERANCE:g} (relative to max(1, |loop|)) on every output; "
        f"{supercritical:,} forecasts supercritical in both"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folder", type=Path, default=SHARED, help="the shared cascades")
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic cascades")
    parser.add_argument("--observe", type=float, default=3600.0, help="seconds (synthetic)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the vectorised path")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    _workload("shared (RT1-RT50)", read_cascades(args.folder), TIMES, args.repeat)
    started = time.perf_counter()
    cascades = synthetic(args.synthetic, seed=args.seed)
    print(f"\n(synthetic cascades drawn in {time.perf_counter() - started:.2f} s, seed {args.seed})")
    _workload("synthetic", cascades, (args.observe,), args.repeat)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak resident memory: {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
