"""SEISMIC, vectorised against a plain per-cascade loop of the same closed forms.

Two workloads (science.md §3.1; issue 5 "Speed"):

* **shared**: the 50 cascades of ``seismic_subset/training`` (RT1–RT50) at 10 observation
  times, 5 min to 1 day;
* **synthetic**: ``--synthetic`` cascades (default 100,000) drawn with a fixed seed, observed
  at ``--observe`` (default 1 h). Sizes follow a power law, P(size >= n) = n^-0.8 up to
  20,000 reshares; each reshare's delay is drawn from SEISMIC's own memory kernel φ (inverse
  CDF) and each follower count from the power law of density (α − 1) m^-α, α = 2.016, m >= 1.

For each it prints four paths, their wall and CPU time (best of ``--repeat`` runs after a
warm-up; the loop best of ``--loop-repeat``), the peak memory each allocates (tracemalloc,
in a separate untimed run), the speed-up over the loop, and the largest absolute and
relative differences from the loop over every output:

* ``vectorised, 1 thread`` and ``vectorised, N threads``: ``seismic_predict`` on the
  cascades already packed into a ``CascadeBatch`` (the engine itself; N = CPU count, <= 4);
* ``vectorised + packing``: ``seismic_predict`` on the ``Cascade`` objects, packing included;
* ``plain loop``: ``seismic_predict_loop``, per cascade, per observation time, per event,
  scalar ``math`` on Python lists.

It fails unless every path agrees with the loop to 1e-9 (|difference| <= 1e-9 ·
max(1, |loop value|)) and flags the same forecasts supercritical. CPU time is the steadier
figure on a shared machine.

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

from rapport.models.cascades import Cascade, CascadeBatch, read_cascades
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
    """The result, and the best wall and CPU seconds of ``repeat`` runs (the first one
    untimed when there are several: a warm-up)."""
    walls, cpus = [], []
    result = run() if repeat > 1 else None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = run()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - started_cpu)
    assert result is not None
    return result, min(walls), min(cpus)


def _peak_mib(run: Callable[[], SeismicArrays]) -> float:
    tracemalloc.start()
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def _differences(fast: SeismicArrays, slow: SeismicArrays) -> tuple[float, float, str, bool]:
    """Largest |fast − slow|, largest |fast − slow| / max(1, |slow|), the output where the
    latter is largest, and whether the supercritical flags and the positions and values of
    the infinities and NaNs are the same."""
    same = bool(np.array_equal(fast.supercritical, slow.supercritical))
    worst_abs = worst_rel = 0.0
    worst_name = "-"
    for name in FIELDS:
        a = np.asarray(getattr(fast, name), dtype=np.float64)
        b = np.asarray(getattr(slow, name), dtype=np.float64)
        finite = np.isfinite(b)
        same &= bool(np.array_equal(np.isfinite(a), finite))
        same &= bool(np.array_equal(a[~finite], b[~finite], equal_nan=True))
        if finite.any():
            gap = np.abs(a[finite] - b[finite])
            rel = float((gap / np.maximum(1.0, np.abs(b[finite]))).max())
            worst_abs = max(worst_abs, float(gap.max()))
            if rel > worst_rel:
                worst_rel, worst_name = rel, name
    return worst_abs, worst_rel, worst_name, same


def _workload(
    name: str, cascades: list[Cascade], times: tuple[float, ...], repeat: int, loop_repeat: int
) -> None:
    events = sum(c.size + 1 for c in cascades)
    seen = sum(c.observed(t) + 1 for c in cascades for t in times)
    print(
        f"\n{name}: {len(cascades):,} cascades x {len(times)} observation times = "
        f"{len(cascades) * len(times):,} forecasts; {events:,} events, {seen:,} (forecast, event) "
        "pairs at or before the observation time"
    )
    batch = CascadeBatch.from_cascades(cascades)
    threads = min(4, os.cpu_count() or 1)
    runs: dict[str, tuple[Callable[[], SeismicArrays], int]] = {
        "vectorised, 1 thread": (lambda: seismic_predict(batch, times, threads=1), repeat),
        f"vectorised, {threads} threads": (lambda: seismic_predict(batch, times), repeat),
        "vectorised + packing": (lambda: seismic_predict(cascades, times, threads=1), repeat),
        "plain loop": (lambda: seismic_predict_loop(cascades, times), loop_repeat),
    }
    rows = []
    for label, (run, count) in runs.items():
        result, wall, cpu = _timed(run, count)
        rows.append((label, result, wall, cpu, _peak_mib(run)))
    loop = rows[-1]
    print(
        f"  {'path':<22} {'wall s':>8} {'CPU s':>8} {'peak MiB':>8} {'x loop wall':>11} "
        f"{'x loop CPU':>10} {'max |diff|':>10} {'max rel diff':>12}  (output)"
    )
    for label, result, wall, cpu, peak in rows:
        worst_abs, worst_rel, worst_name, same = _differences(result, loop[1])
        print(
            f"  {label:<22} {wall:>8.4f} {cpu:>8.4f} {peak:>8.1f} {loop[2] / wall:>11.1f} "
            f"{loop[3] / cpu:>10.1f} {worst_abs:>10.2e} {worst_rel:>12.2e}  ({worst_name})"
        )
        if not (same and worst_rel <= TOLERANCE):
            raise SystemExit(f"{label}: the numbers differ from the loop's beyond {TOLERANCE}")
    supercritical = int(loop[1].supercritical.sum())
    print(
        f"  all paths agree with the loop to {TOLERANCE:g} (|difference| <= {TOLERANCE:g} x "
        f"max(1, |loop value|), every output); {supercritical:,} forecasts supercritical in all"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--folder", type=Path, default=SHARED, help="the shared cascades")
    parser.add_argument("--synthetic", type=int, default=100_000, help="synthetic cascades")
    parser.add_argument("--observe", type=float, default=3600.0, help="seconds (synthetic)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of the vectorised path")
    parser.add_argument("--loop-repeat", type=int, default=2, help="timed runs of the loop")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}"
    )
    shared = read_cascades(args.folder)
    _workload("shared (RT1-RT50)", shared, TIMES, args.repeat, args.loop_repeat)
    started = time.perf_counter()
    cascades = synthetic(args.synthetic, seed=args.seed)
    print(
        f"\n(synthetic cascades drawn in {time.perf_counter() - started:.2f} s, seed {args.seed})"
    )
    _workload("synthetic", cascades, (args.observe,), args.repeat, args.loop_repeat)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak resident memory: {peak_rss:.0f} MiB")


if __name__ == "__main__":
    main()
