"""What one simulated run measured, by the same definitions as rapport's metrics.

The calibration compares a workspace's metrics with the same quantities in the synthetic
world, and the what-if reports outcomes of many runs. Both need those quantities from a
finished :class:`rapport.simulate.run.Run` without building canonical tables and a store
(about twice the cost of the run itself), so they are computed here with numpy, following
the metric definitions of docs/metrics.md:

* ``posts_per_week``: broadcast posts / weeks from the first one to the data's end (at least
  one week); the data's end is the latest own post, answer or interaction;
* ``engagement_per_post``: the median over broadcast posts of likes + reposts + replies +
  quotes (as ``post_engagement``); ``engagement_rate``: the median of that over reach;
* ``reply_rate``: answered replies / all replies (people's thank-you replies to an answer
  are replies too, as in the store); ``reply_hours``: median delay of the answers given;
* ``promotional_share``, ``weeks_with_posts`` (complete 7-day weeks counted back from the
  end, as far as the first post, with at least one broadcast post: as the metric counts);
* ``follower_growth``: (followers at the end − at the start) / followers at the start;
* ``core_community``: people who engaged (like, reply, repost, quote) in at least
  ``min_active_weeks`` distinct calendar weeks of the last ``window_days`` days;
* ``conversions``, ``answers`` given, ``peak_reach`` (the largest reach of one post).

Counts are multiplied by ``scale`` (people in the workspace's world per simulated person,
see :mod:`rapport.strategy.whatif.calibrate`); posts are the account's own and are not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from rapport.simulate.log import LIKE, QUOTE, REPLY, REPOST
from rapport.simulate.run import Run
from rapport.simulate.vocab import CONTENT_KINDS

__all__ = ["RunMeasures", "measure_run"]

DAY = 86_400
_ENGAGING = (LIKE, REPLY, REPOST, QUOTE)
_PROMO = CONTENT_KINDS.index("promo")


@dataclass(frozen=True)
class RunMeasures:
    """One run's quantities; counts already multiplied by the scale."""

    posts: int
    posts_per_week: float
    weeks_with_posts: float
    promotional_share: float | None
    engagement_per_post: float | None
    engagement_rate: float | None
    reply_rate: float | None
    reply_hours: float | None
    follower_growth: float | None
    followers_start: float
    followers_end: float
    core_community: float
    conversions: float
    answers: float
    peak_reach: float

    def to_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def _weeks(epoch_seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Calendar week numbers (week 0 starts Monday 1969-12-29), as ``week_number``."""
    return np.floor((epoch_seconds / DAY + 3.0) / 7.0).astype(np.int64)


def _core(
    person: npt.NDArray[np.int64], time: npt.NDArray[np.int64], *, end: int, start_epoch: int,
    window_days: int, min_weeks: int,
) -> int:  # fmt: skip
    recent = time > end - window_days * DAY
    if not np.any(recent):
        return 0
    week = _weeks(time[recent] + start_epoch)
    people = person[recent].astype(np.int64)
    pairs = np.unique(people * 1_000_000 + (week - week.min()))
    per_person = np.unique(pairs // 1_000_000, return_counts=True)[1]
    return int(np.count_nonzero(per_person >= min_weeks))


def measure_run(
    run: Run, *, scale: float = 1.0, window_days: int = 90, min_active_weeks: int = 2
) -> RunMeasures:
    """The quantities of one finished run (see the module docstring)."""
    events = run.events.columns()
    kind = events["kind"].astype(np.int64)
    time = events["time"].astype(np.int64)
    post = events["post"].astype(np.int64)
    replies = run.replies.columns()
    happened = replies["answer_time"] >= 0
    schedule_time = run.schedule.time.astype(np.int64)
    count = run.schedule.count
    start_epoch = int(run.params.start.timestamp())
    ends = [t.max() for t in (time, schedule_time, replies["answer_time"]) if len(t)]
    data_end = int(max(ends)) if ends else run.end

    if count:
        span_days = max((data_end - int(schedule_time.min())) / DAY, 7.0)
        complete = (data_end - int(schedule_time.min())) // (7 * DAY)
        block = (data_end - schedule_time) // (7 * DAY)  # 0: the last 7 days
        active = len(np.unique(block[block < complete]))
        weeks_with = active / complete if complete > 0 else 0.0
        promo: float | None = float(np.mean(run.kinds == _PROMO))
    else:
        span_days, weeks_with, promo = 7.0, 0.0, None

    engaging = np.isin(kind, _ENGAGING)
    on_post = engaging & (post >= 0)
    per_post = np.bincount(post[on_post], minlength=count)[:count]
    reach = np.array([o.reach_end for o in run.outcomes], dtype=np.float64)
    rates = per_post[reach > 0] / reach[reach > 0]
    all_replies = int(np.count_nonzero(kind == REPLY))
    answered = int(np.count_nonzero(happened))
    initial = run.state.initial_followers
    final = int(run.follower_history[-1]) if len(run.follower_history) else initial
    core = _core(
        events["person"].astype(np.int64)[engaging], time[engaging], end=data_end,
        start_epoch=start_epoch, window_days=window_days, min_weeks=min_active_weeks,
    )  # fmt: skip
    return RunMeasures(
        posts=count,
        posts_per_week=count / (span_days / 7.0),
        weeks_with_posts=weeks_with,
        promotional_share=promo,
        engagement_per_post=float(np.median(per_post)) * scale if count else None,
        engagement_rate=float(np.median(rates)) if len(rates) else None,
        reply_rate=answered / all_replies if all_replies else None,
        reply_hours=float(np.median(replies["delay_hours"][happened])) if answered else None,
        follower_growth=(final - initial) / initial if initial else None,
        followers_start=initial * scale,
        followers_end=final * scale,
        core_community=core * scale,
        conversions=len(run.conversions.columns()["time"]) * scale,
        answers=answered * scale,
        peak_reach=float(reach.max()) * scale if len(reach) else 0.0,
    )
