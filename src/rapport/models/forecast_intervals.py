"""Learning the default forecaster's intervals from cascades whose end is known.

:func:`learn_intervals` cross-fits: the cascades are dealt into ``folds`` folds; each fold is
forecast (at every time of the interval grid, from the events up to that time only) by a
forecaster whose calibration was learned from the cascades of the other folds that have
follower counts, and the log ratios of final to forecast give the intervals
(:mod:`rapport.models._forecast_intervals`). :func:`fit_with_intervals` returns a forecaster
learned from all of them, with those intervals.

The shipped intervals (``rapport/models/data/forecast_intervals.json``, its ``fitted_on``
list names every cascade) are learned from the shared cascades; regenerate them with
``python -m rapport.models.forecast_intervals OUT.json FOLDER_OR_FILE ...``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

from rapport.errors import UsageError
from rapport.models._cascade_core import Cascade
from rapport.models._forecast_intervals import (
    INTERVAL_GRID,
    IntervalCalibration,
    fit_intervals,
)
from rapport.models.forecaster import Forecaster

__all__ = ["fit_with_intervals", "learn_intervals", "point_trainable"]


def point_trainable(cascade: Cascade) -> bool:
    """Whether the point calibration can learn from ``cascade``: follower counts and a known
    final size above 0."""
    return (
        cascade.followers is not None
        and cascade.poster_followers is not None
        and cascade.final_size is not None
        and cascade.final_size > 0
    )


def _scorable(cascades: Sequence[Cascade]) -> list[Cascade]:
    return [c for c in cascades if c.eventual_size > 0]


def learn_intervals(
    cascades: Sequence[Cascade],
    *,
    folds: int = 5,
    grid: tuple[float, ...] = INTERVAL_GRID,
    sources: Sequence[str] = (),
) -> IntervalCalibration:
    """The intervals from out-of-fold forecasts of ``cascades`` (every one with a final size
    above 0; the final is the stated one, else the reshares listed)."""
    scored = sorted(_scorable(cascades), key=lambda c: c.id)
    if len(scored) < 2 * folds:
        raise UsageError(f"learning the intervals needs at least {2 * folds} cascades")
    residuals: list[list[tuple[int, float]]] = [[] for _ in grid]
    errors: list[list[tuple[int, float, float]]] = [[] for _ in grid]
    for k in range(folds):
        held = [c for i, c in enumerate(scored) if i % folds == k]
        train = [c for i, c in enumerate(scored) if i % folds != k and point_trainable(c)]
        model = Forecaster(loo_intervals=False).fit(train)
        for t, observe in enumerate(grid):
            for cascade, result in zip(
                held, model.forecast_many(held, observe=observe), strict=True
            ):
                if result.predicted_final is None or not math.isfinite(result.predicted_final):
                    continue
                ratio = math.log((cascade.eventual_size + 1.0) / (result.predicted_final + 1.0))
                residuals[t].append((result.observed, ratio))
                final = float(cascade.eventual_size)
                ape = abs(result.predicted_final - final) / final
                errors[t].append((result.observed, ape, abs(final - result.observed) / final))
    return fit_intervals(
        residuals, grid=grid, fitted_on=[c.id for c in scored], sources=sources, errors=errors
    )


def fit_with_intervals(cascades: Sequence[Cascade], *, folds: int = 5) -> Forecaster:
    """A forecaster learned from ``cascades``: the point calibration from those with follower
    counts, the intervals cross-fitted on all of them."""
    intervals = learn_intervals(cascades, folds=folds)
    model = Forecaster(loo_intervals=False).fit([c for c in cascades if point_trainable(c)])
    return model.with_intervals(intervals)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m rapport.models.forecast_intervals OUT.json PATH ...``"""
    from rapport.models.cascades import read_cascades

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m rapport.models.forecast_intervals OUT.json PATH [PATH ...]")
        return 2
    cascades = [c for path in args[1:] for c in read_cascades(Path(path))]
    sources = [Path(p).name for p in args[1:]]
    intervals = learn_intervals(cascades, sources=sources)
    Path(args[0]).write_text(json.dumps(intervals.to_json(), indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
