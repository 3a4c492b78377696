"""Many seeded runs of the calibrated world, in worker processes, and their bands.

Run ``i`` of every strategy uses the same seed, derived from the what-if's seed and ``i``:
the strategies of one seed share their people, their follow graph and every random draw
that does not depend on the account's behaviour (see rapport.simulate.run), so comparisons
between strategies are paired. Each run depends only on its parameters, so the results do
not depend on how many processes ran them or in which order they finished.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np

from rapport.simulate import WorldParams
from rapport.simulate.run import run_world
from rapport.strategy.whatif.measure import RunMeasures, measure_run

__all__ = ["OUTCOMES", "Band", "RunTask", "band", "run_all", "run_seed"]

OUTCOMES = ("followers", "core_community", "conversions", "hours", "peak_reach")
"""What the what-if reports for each strategy, each as a band over runs."""
_MAX_WORKERS = 8


@dataclass(frozen=True)
class Band:
    """Median and the 10th and 90th percentiles over runs (linear interpolation)."""

    median: float
    p10: float
    p90: float

    def to_dict(self) -> dict[str, float]:
        return {"median": self.median, "p10": self.p10, "p90": self.p90}


def band(values: Sequence[float], *, digits: int = 1) -> Band:
    array = np.asarray(values, dtype=np.float64)
    p10, median, p90 = np.percentile(array, [10, 50, 90])
    return Band(median=round(float(median), digits), p10=round(float(p10), digits),
                p90=round(float(p90), digits))  # fmt: skip


def run_seed(seed: int, index: int) -> int:
    """The world seed of run ``index`` of a what-if seeded ``seed``."""
    state = np.random.SeedSequence([seed, index]).generate_state(1, dtype=np.uint64)[0]
    return int(state >> np.uint64(1))


@dataclass(frozen=True)
class RunTask:
    strategy: str
    index: int
    params: WorldParams
    scale: float
    window_days: int
    min_active_weeks: int


def _run(task: RunTask) -> RunMeasures:
    return measure_run(
        run_world(task.params),
        scale=task.scale,
        window_days=task.window_days,
        min_active_weeks=task.min_active_weeks,
    )


def _start_method() -> str:
    """``fork`` on Linux: workers start at once and don't re-run the caller's ``__main__``
    (a script without a ``__main__`` guard would run again under ``spawn``). Workers only
    run numpy code, never the store, so the parent's DuckDB threads don't matter to them."""
    methods = multiprocessing.get_all_start_methods()
    return "fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn"


def default_workers(tasks: int) -> int:
    return max(1, min(os.cpu_count() or 1, tasks, _MAX_WORKERS))


def run_all(
    tasks: Sequence[RunTask], *, workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RunMeasures]:  # fmt: skip
    """Every task's measures, in the order of ``tasks``; ``progress(done, total)`` per run."""
    workers = default_workers(len(tasks)) if workers is None else max(1, workers)
    total = len(tasks)
    results: list[RunMeasures | None] = [None] * total
    if workers == 1:
        for position, task in enumerate(tasks):
            results[position] = _run(task)
            if progress is not None:
                progress(position + 1, total)
    else:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[Future[RunMeasures], int] = {
                pool.submit(_run, task): position for position, task in enumerate(tasks)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                results[futures[future]] = future.result()
                if progress is not None:
                    progress(done, total)
    return [r for r in results if r is not None]
