"""The what-if gives the results it gave before it was made faster (issue 17).

``tests/data/whatif_reference.json`` holds every run's outcomes of a small what-if (a world of
2,000 simulated people, 3 months, 8 runs of each of the six strategies, seed 0) as the code
before the speed-up computed them (commit d7a3b1c). The test runs the same what-if with the
code as it is and asks that its results be statistically indistinguishable from those: each
strategy's median of each outcome within half the reference's 10th-90th percentile spread of
the same outcome, and the reference's median inside the new 10th-90th band. A simulation that
returned zeros, or lost its posts, answers or follows, fails. (The speed-up kept every random
draw, so today the runs are equal too; the test asks only for what a user can tell apart.)

Regenerate the file (with the code whose results it should hold) with
``python tests/test_whatif_same_results.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rapport.config import Config
from rapport.strategy.whatif import OUTCOMES, STRATEGY_NAMES, Calibration, run_whatif
from rapport.strategy.whatif.calibrate import Knobs, calibrated_params
from rapport.strategy.whatif.strategies import plan_from_config

REFERENCE = Path(__file__).parent / "data" / "whatif_reference.json"
PEOPLE, DAYS, MONTHS, RUNS, SEED = 2_000, 120, 3, 8, 0
FOLLOWERS = 80.0
"""Today's followers of the small world (4 % of its people)."""


def small_calibration() -> Calibration:
    """A calibration made directly (no store): the default world at 2,000 people."""
    config = Config()
    return Calibration(
        params=calibrated_params(Knobs(), people=PEOPLE, scale=1.0, days=DAYS, seed=SEED),
        people=PEOPLE,
        scale=1.0,
        followers_now=FOLLOWERS,
        quantities=(),
        fallbacks={},
        plan=plan_from_config(config),
        costs=config.costs,
        community=config.community,
        knobs=Knobs(),
        steps=0,
        seconds=0.0,
    )


def outcomes(*, workers: int) -> dict[str, dict[str, list[float]]]:
    """Each strategy's runs, by outcome (and ``posts``, ``answers``)."""
    result = run_whatif(small_calibration(), months=MONTHS, runs=RUNS, seed=SEED, workers=workers)
    return {s.name: {k: list(v) for k, v in s.values.items()} for s in result.strategies}


def test_the_medians_are_those_of_before_within_their_spread() -> None:
    reference: dict[str, Any] = json.loads(REFERENCE.read_text())
    now = outcomes(workers=2)
    assert set(now) == set(STRATEGY_NAMES) == set(reference["runs"])
    for name in STRATEGY_NAMES:
        for outcome in (*OUTCOMES, "posts", "answers"):
            before = np.asarray(reference["runs"][name][outcome], dtype=np.float64)
            after = np.asarray(now[name][outcome], dtype=np.float64)
            assert len(after) == len(before) == RUNS
            p10, median, p90 = np.percentile(before, [10, 50, 90])
            n10, new_median, n90 = np.percentile(after, [10, 50, 90])
            where = (name, outcome, float(median), float(new_median))
            assert median > 0, where  # the reference itself is a world that does something
            assert abs(new_median - median) <= max((p90 - p10) / 2, 1e-9 * median), where
            assert n10 <= median <= n90 or n10 == n90 == median, where
    # paired seeds: relationship-first converts more than chase-viral in most runs, as before
    first = np.asarray(now["relationship_first"]["conversions"])
    viral = np.asarray(now["chase_viral"]["conversions"])
    assert np.count_nonzero(first > viral) >= 0.75 * RUNS


def _record() -> None:
    data = {
        "about": __doc__.splitlines()[0] if __doc__ else "",
        "world": dict(
            people=PEOPLE, days=DAYS, months=MONTHS, runs=RUNS, seed=SEED, followers_now=FOLLOWERS
        ),
        "runs": outcomes(workers=1),
    }
    REFERENCE.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {REFERENCE}", file=sys.stderr)


if __name__ == "__main__":
    _record()
