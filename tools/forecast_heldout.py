"""The held-out backtest table of docs/forecasting.md: every shared cascade whose end is known,
in two halves (alternate ids); each half forecast by a forecaster, point and intervals, learned
from the other half only.

    PYTHONPATH=src python tools/forecast_heldout.py [SHARED_FOLDER]
"""

from __future__ import annotations

import sys
from pathlib import Path

from rapport.models.backtest import Backtest, summarise
from rapport.models.cascades import Cascade, read_cascades
from rapport.models.forecast import seismic_forecasts
from rapport.models.forecast_intervals import fit_with_intervals

TIMES = ((600.0, "10 min"), (3600.0, "1 h"), (21600.0, "6 h"))


def _cascades(shared: Path) -> list[Cascade]:
    paths = [
        shared / "samples/reshare_cascades/seismic_subset/training",
        shared / "data/casflow_weibo_sample_cascades.txt",
        shared / "data/seismic_tweet.csv",
        shared / "samples/reshare_cascades/seismic_subset/sample_file.txt",
        shared / "samples/reshare_cascades/featuredriven_hawkes/example.csv",
    ]
    cascades = [c for p in paths for c in read_cascades(p) if c.eventual_size > 0]
    return sorted(cascades, key=lambda c: c.id)


def held_out(cascades: list[Cascade], observe: float) -> tuple[Backtest, Backtest, Backtest]:
    """(the forecaster held out, the same on the cascades with follower counts, plain SEISMIC
    on those)."""
    forecasts, ordered = [], []
    for half in (0, 1):
        train = [c for i, c in enumerate(cascades) if i % 2 != half]
        test = [c for i, c in enumerate(cascades) if i % 2 == half]
        forecasts.extend(fit_with_intervals(train).forecast_many(test, observe=observe))
        ordered.extend(test)
    auto = summarise(forecasts, ordered, model="auto (held out)", observe=observe)
    keep = [i for i, c in enumerate(ordered) if c.followers is not None]
    with_counts = [ordered[i] for i in keep]
    auto_counts = summarise(
        [forecasts[i] for i in keep], with_counts, model="auto", observe=observe
    )
    seismic = summarise(
        seismic_forecasts(with_counts, observe=observe),
        with_counts,
        model="seismic",
        observe=observe,
    )
    return auto, auto_counts, seismic


def _f(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _row(name: str, scores: dict[str, object]) -> str:
    cov = scores["coverage"]
    base = scores["baselines"]
    assert isinstance(cov, dict) and isinstance(base, dict)
    nfg, dbl = base["no_further_growth"], base["double_what_is_seen"]
    return (
        f"| {name} | {scores['n']} | **{_f(scores['median_ape'])}** / {_f(scores['p95_ape'])} "
        f"| {_f(cov['50'])} | {_f(cov['90'])} | {_f(nfg['median_ape'])} / {_f(nfg['p95_ape'])} "
        f"| {_f(dbl['median_ape'])} / {_f(dbl['p95_ape'])} |"
    )


def main() -> int:
    shared = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared"
    cascades = _cascades(shared)
    head = (
        "| {} | cascades | forecaster median / p95 APE | in 50 % interval | in 90 % interval "
        "| no further growth median / p95 | double what is seen median / p95 |\n"
        "|---|---|---|---|---|---|---|"
    )
    for observe, label in TIMES:
        auto, auto_counts, seismic = held_out(cascades, observe)
        data = auto.to_dict()
        print(f"\n### Observed for {label}\n")
        print(head.format("final size"))
        print(_row("all", data))
        for band, scores in data["bands"].items():
            print(_row(band, scores))
        print(
            f"\nWith follower counts ({auto_counts.n} cascades): forecaster "
            f"{_f(auto_counts.median_ape)} / {_f(auto_counts.p95_ape)}, plain SEISMIC "
            f"{_f(seismic.median_ape)} / {_f(seismic.p95_ape)} "
            f"({seismic.supercritical} supercritical), 90 % coverage forecaster "
            f"{_f(auto_counts.coverage['90'])}, SEISMIC {_f(seismic.coverage['90'])}."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
