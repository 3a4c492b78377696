"""Forecasts of a post's final reshares: the functions the CLI and the report call.

``model`` is ``auto`` (rapport's forecaster, :mod:`rapport.models.forecaster`), ``seismic``
(plain SEISMIC, science.md §3.1) or ``hawkes`` (the marked Hawkes process, §3.2, kernel
chosen by held-out likelihood). Every model sees only the events up to the observation time.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from rapport.errors import UsageError
from rapport.models._cascade_core import Cascade
from rapport.models._cascade_forecast import Forecast
from rapport.models.forecaster import Forecaster
from rapport.models.hawkes import MarkedHawkes, select_kernel
from rapport.models.seismic import SeismicParams, seismic_predict

__all__ = [
    "MODELS",
    "Forecast",
    "check_options",
    "forecast",
    "hawkes_forecast",
    "parse_duration",
    "seismic_forecasts",
]

MODELS = ("auto", "seismic", "hawkes")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"(?P<value>\d+(?:\.\d+)?|\.\d+)\s*(?P<unit>[smhd])")


def parse_duration(text: str) -> float:
    """``600s``, ``10m``, ``1h``, ``1.5h`` (or ``2d``) → seconds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise UsageError(
            f"can't read the duration {text!r}: use a number and a unit, "
            "like 600s, 10m, 1h or 1.5h (s, m, h or d)"
        )
    return float(match["value"]) * _UNITS[match["unit"]]


def check_options(observe: float, model: str) -> None:
    """UsageError for an unknown model or a negative or infinite observation time."""
    if model not in MODELS:
        raise UsageError(f"unknown model {model!r}; use one of {', '.join(MODELS)}", option="model")
    if not (math.isfinite(observe) and observe >= 0):
        raise UsageError(f"the observation time must be a duration >= 0, got {observe!r}")


def seismic_forecasts(cascades: Sequence[Cascade], *, observe: float) -> list[Forecast]:
    """Plain SEISMIC with the R package's defaults (n* = 100, 90 % interval), vectorised."""
    for cascade in cascades:
        if cascade.followers is None or cascade.poster_followers is None:
            raise UsageError(
                f"cascade {cascade.id!r} has no follower counts, which SEISMIC needs; "
                "use the model hawkes or auto",
                option="model",
            )
    params = SeismicParams()
    seen = [c.until(observe) for c in cascades]
    flat = seismic_predict(seen, [observe], params=params).column(0)
    results = []
    for k, cascade in enumerate(cascades):
        declined = bool(flat.supercritical[k])
        results.append(
            Forecast(
                id=cascade.id,
                observe=observe,
                observed=int(flat.observed[k]),
                predicted_final=None if declined else float(flat.final[k]),
                interval=None
                if declined
                else (float(flat.final_low[k]), float(flat.final_high[k])),
                interval_level=params.interval_level,
                supercritical=declined,
                r=float(flat.r[k]),
                model="seismic",
                notes=("unpredictable (supercritical): p̂·n* >= 1",) if declined else (),
            )
        )
    return results


def hawkes_forecast(
    cascade: Cascade, *, observe: float, n_starts: int = 4, seed: int = 0
) -> Forecast:
    """Marked Hawkes: the kernel with the better held-out likelihood, refitted on the whole
    window; a near-critical fit is refitted with the shipped forecaster's prior on n* (a MAP
    fit) and flagged (``near_critical``), its interval left without an upper end.

    The shipped prior is the weak logit n* ~ N(0, 1.5²) unless the forecaster was refitted
    with ``--hawkes-prior``, which learns it from maximum-likelihood fits to RT1–RT50; the
    note says which."""
    seen = cascade.until(observe)
    options: dict[str, Any] = {"n_starts": n_starts, "seed": seed}
    kernel, _ = select_kernel(seen, observe=observe, **options)
    model = MarkedHawkes(kernel=kernel, **options).fit([seen], observe=observe)
    result = model.predict(seen, observe=observe)
    notes = [f"{kernel} kernel (better held-out likelihood)"]
    if result.near_critical:
        shipped = Forecaster.shipped()
        prior = shipped.hawkes_prior_
        source = (
            f"learned from {shipped.hawkes_prior_fits_} fits to the training cascades"
            if shipped.hawkes_prior_fits_
            else "a weak prior, not learned"
        )
        notes.append(
            f"maximum-likelihood n* = {model.n_star_:.3f} is near-critical (interval of n* up "
            f"to {model.n_star_interval_[1]:.3g}); refitted with the prior logit n* ~ "
            f"N({prior[0]:.2f}, {prior[1]:.2f}²) ({source}); the forecast is fragile"
        )
        model = MarkedHawkes(kernel=kernel, n_star_prior=prior, **options).fit(
            [seen], observe=observe
        )
        result = replace(model.predict(seen, observe=observe), near_critical=True)
    interval: tuple[float, float | None] | None = None
    if result.interval is not None:
        low, high = result.interval
        unbounded = result.near_critical or math.isinf(high)
        interval = (low, None if unbounded else high)
    return Forecast(
        id=cascade.id,
        observe=observe,
        observed=result.observed,
        predicted_final=None if result.supercritical else result.final,
        interval=interval,
        interval_level=model.interval_level,
        supercritical=result.supercritical,
        r=result.n_star,
        model=f"hawkes-{kernel}",
        near_critical=result.near_critical,
        notes=tuple(notes),
    )


def forecast(cascade: Cascade, *, observe: float, model: str = "auto") -> Forecast:
    """The final-size forecast of ``cascade`` seen for ``observe`` seconds."""
    check_options(observe, model)
    if model == "seismic":
        return seismic_forecasts([cascade], observe=observe)[0]
    if model == "hawkes":
        return hawkes_forecast(cascade, observe=observe)
    return Forecaster.shipped().forecast(cascade, observe=observe)
