"""Many seeded runs of the calibrated world, in worker processes, and their bands.

Run ``i`` of every strategy uses the same seed, derived from the what-if's seed and ``i``:
the strategies of one seed share their people, their follow graph and every random draw
that does not depend on the account's behaviour (see rapport.simulate.run), so comparisons
between strategies are paired. The runs of one seed go to one process together, which draws
their people and graph once. Each run depends only on its parameters, so the results do
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
from rapport.simulate.run import Population, draw_population, population_key, run_world
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


def _run(task: RunTask, population: Population | None = None) -> RunMeasures:
    return measure_run(
        run_world(task.params, population=population),
        scale=task.scale,
        window_days=task.window_days,
        min_active_weeks=task.min_active_weeks,
    )


def _run_group(tasks: Sequence[RunTask]) -> list[RunMeasures]:
    """Runs of worlds that share their people (one seed): the people are drawn once."""
    population = draw_population(tasks[0].params) if len(tasks) > 1 else None
    return [_run(task, population) for task in tasks]


def _groups(tasks: Sequence[RunTask]) -> list[list[int]]:
    """Positions of ``tasks`` by the people they run on (their seed), in order of first run."""
    groups: dict[tuple[object, ...], list[int]] = {}
    for position, task in enumerate(tasks):
        groups.setdefault(population_key(task.params), []).append(position)
    return list(groups.values())


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
    """Every task's measures, in the order of ``tasks``; ``progress(done, total)`` after each
    seed's runs (each run's, when there are fewer seeds than workers)."""
    workers = default_workers(len(tasks)) if workers is None else max(1, workers)
    groups = _groups(tasks)
    if len(groups) < workers:
        groups = [[position] for position in range(len(tasks))]
    total = len(tasks)
    results: list[RunMeasures | None] = [None] * total
    done = 0

    def finished(group: list[int], measures: list[RunMeasures]) -> None:
        nonlocal done
        for position, measured in zip(group, measures, strict=True):
            results[position] = measured
        done += len(group)
        if progress is not None:
            progress(done, total)

    if workers == 1:
        for group in groups:
            finished(group, _run_group([tasks[i] for i in group]))
    else:
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures: dict[Future[list[RunMeasures]], list[int]] = {
                pool.submit(_run_group, [tasks[i] for i in group]): group for group in groups
            }
            for future in as_completed(futures):
                finished(futures[future], future.result())
    return [r for r in results if r is not None]
