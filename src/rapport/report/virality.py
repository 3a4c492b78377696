"""The report's "virality reality" part: forecasts of recent posts, the odds of going viral,
the spike audit and who to care for first (issue 5), each from the library function the
CLI uses, each degrading to its reason on its own."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from rapport.analyses.forecasts import forecast_posts
from rapport.analyses.odds import account_odds, one_in
from rapport.analyses.seeds import care_first
from rapport.analyses.spike_audit import Measured, Measures, audit_spikes
from rapport.charts import specs
from rapport.charts.figure import Cell, Figure, Link
from rapport.report.blocks import Block, Part, count, guarded, number, pct, unavailable

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["CARE_FIRST_K", "FORECASTS", "chance", "virality_part"]

FORECASTS = 10
"""Recent posts forecast in the report (``rapport forecast post ID`` for any other)."""
CARE_FIRST_K = 20
"""People chosen in the report: the choice takes about half a second on the demo (20,000
people); ``rapport seeds --k 50`` chooses more."""
TITLE = "Virality reality"
"""The part's title (its page and its heading)."""
PRINCIPLE = (
    "Going viral is rare and mostly luck: forecast what your posts will do, know the odds, "
    "check what spikes left behind, and look after the people whose care spreads."
)


def chance(p: Any) -> str:
    """A probability as a percentage with two significant digits, however small."""
    if not isinstance(p, int | float) or not math.isfinite(p):
        return ""
    percent = float(p) * 100
    if percent <= 0:
        return "0%"
    if percent < 1e-6:
        return "below 0.000001%"
    digits = max(1, 1 - math.floor(math.log10(percent)))  # two significant digits
    return f"{percent:.{digits}f}%"


def _one_in(p: Any) -> str:
    if not isinstance(p, int | float) or not math.isfinite(p) or p <= 0:
        return "never seen"
    return one_in(float(p))


def _finite(value: float | None) -> float | None:
    """A finite number, or None (as ``rapport forecast --json`` gives them)."""
    return float(value) if value is not None and math.isfinite(value) else None


def _duration(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


# -- forecasts -------------------------------------------------------------------------------
def _forecasts(s: Session) -> Block:
    title = "Forecasts of recent posts"
    found = forecast_posts(s, limit=FORECASTS)
    if not found:
        return unavailable(
            "forecasts",
            title,
            "not computable: needs reposts or quotes of your own original posts, with who and "
            "when (interactions of kind repost or quote); none of your posts has any",
        )
    posts = s.tables.posts
    ids = [f.id for f in found]
    known = s.frame(
        posts.filter(posts.post_id.isin(ids)).select("post_id", "created_at", "text")
    ).set_index("post_id")
    rows: list[list[Cell]] = []
    points = []
    level = ""
    methods: list[str] = []
    models: dict[str, int] = {}
    for f in found:
        pid = f.id
        posted = known["created_at"].get(pid) if pid in known.index else None
        text = known["text"].get(pid) if pid in known.index else None
        day = pd.Timestamp(posted).strftime("%Y-%m-%d") if pd.notna(posted) else ""
        excerpt = "" if text is None or pd.isna(text) else str(text)
        excerpt = excerpt if len(excerpt) <= 60 else excerpt[:59] + "…"
        low, high = (
            (_finite(f.interval[0]), _finite(f.interval[1]))
            if f.interval is not None
            else (None, None)
        )
        level = f"{f.interval_level:.0%}"
        predicted = _finite(f.predicted_final)
        if predicted is None:
            forecast, span = "none: still spreading faster than it fades", ""
        elif high is None:
            forecast, span = count(predicted), f"{count(low)} or more (no upper end)"
        else:
            forecast, span = count(predicted), f"{count(low)} to {count(high)}"
        flags = ["close to spreading without end: fragile"] if f.near_critical else []
        if f.notes:
            flags.append("less sure: fewer reshares yet than the forecaster learnt from")
            methods.extend(f"{pid}: {note}." for note in f.notes)
        models[f.model] = models.get(f.model, 0) + 1
        rows.append(
            [
                pid,
                day,
                excerpt,
                _duration(f.observe),
                count(f.observed),
                forecast,
                span,
                number(_finite(f.r), 2),
                "; ".join(flags),
            ]
        )
        points.append(
            {
                "label": f"{pid} ({day})" if day else pid,
                "observed": float(f.observed),
                "predicted": math.nan if predicted is None else float(predicted),
                "low": math.nan if low is None or predicted is None else float(low),
                "high": math.nan if high is None or predicted is None else float(high),
            }
        )
    figure = Figure(
        "forecasts",
        title,
        specs.forecast_chart(pd.DataFrame(points)),
        [
            "Post",
            "Posted",
            "Text",
            "Watched for",
            "Reshares so far",
            "Forecast final",
            f"Interval ({level})",
            "Reshares per reshare (r)",
            "Notes",
        ],
        rows,
        note="Reshares are reposts and quotes, never counting the post itself. Each forecast "
        "uses only what happened up to the end of the data.",
        newest_first=False,
        stacked=True,
        order="newest first",
    )
    return Block(
        "forecasts",
        title,
        lines=[
            f"The {len(found)} most recent of your posts that were reshared, newest first: "
            "how many reshares each has and how many it will end with. Any other post: "
            "`rapport forecast post ID`."
        ],
        figures=[figure],
        methods=[
            "Models used: "
            + ", ".join(
                f"{name} for {count(n)} post{'' if n == 1 else 's'}"
                for name, n in sorted(models.items())
            )
            + " (SEISMIC: a self-exciting point process read from the reshares' times and "
            "the resharers' followers, Zhao et al. 2015; Hawkes: a fitted marked Hawkes "
            "process; see docs/forecasting.md). A post whose reshares bring more than one "
            "reshare each on average is supercritical and gets no finite forecast.",
            *methods,
        ],
    )


# -- odds ------------------------------------------------------------------------------------
def _odds(s: Session) -> Block:
    title = "The odds of going viral"
    odds = account_odds(s)
    rows: list[list[Cell]] = [
        [count(k), chance(p), _one_in(p), f"{chance(low)} to {chance(high)}", _one_in(q)]
        for k, p, (low, high), q in zip(
            odds.thresholds, odds.probabilities, odds.intervals, odds.prior_probabilities,
            strict=True,
        )
    ]  # fmt: skip
    mixture = odds.mixture
    weights: list[list[Cell]] = [
        [number(r, 3), chance(w), chance(q)]
        for r, w, q in zip(
            mixture.reproduction_numbers, mixture.weights, mixture.prior_weights, strict=True
        )
    ]
    return Block(
        "odds",
        title,
        lines=[odds.summary],
        figures=[
            Figure(
                "odds",
                "Chance that one post reaches each number of reshares",
                None,
                ["Reshares", "Chance per post", "That is", "95 % interval", "Published average"],
                rows,
                order="fewest reshares first",
            ),
            Figure(
                "odds-mixture",
                "The mixture of reproduction numbers behind the odds",
                None,
                ["Reproduction number R", "Weight for this account", "Prior weight"],
                weights,
                order="smallest reproduction number first",
            ),
        ],
        notes=[
            f"It rests on {count(odds.posts)} of your posts; how it is made is under "
            "“How these numbers are made”."
        ],
        methods=[f"What this rests on: {odds.rests_on}"]
        + ([] if mixture.prior in odds.rests_on else [f"Prior: {mixture.prior}"]),
    )


# -- spikes ----------------------------------------------------------------------------------
_MEASURES = {
    "followers_gained": "Followers gained",
    "still_following_30d": "Still following at 30 days",
    "still_following_90d": "Still following at 90 days",
    "new_core_members": "New core members",
    "conversions": "Conversions",
}


def _measure(name: str, m: Measured) -> str:
    if not m.ok:
        return "not computable"
    if name == "followers_gained":
        return count(m.value)
    if name.startswith("still_following"):
        return f"{pct(m.value)} of {count(m.n)}"
    if name == "new_core_members":
        share = f" ({pct(m.share, 1)})" if m.share is not None else ""
        return f"{count(m.value)} of {count(m.newcomers)} newcomers{share}"
    return f"{count(m.value)} ({number(m.per_post, 2)} a post)"


def _spikes(s: Session) -> Block:
    title = "The spike audit: did the spikes leave anything that lasted?"
    audit = audit_spikes(s)
    signals = audit.signals
    if audit.ordinary is None or all(not v.ok for v in signals.values()):
        return unavailable("spikes", title, audit.verdict)
    rows: list[list[Cell]] = []
    reasons: set[str] = set()

    def measures(found: Measures) -> list[Cell]:
        cells: list[Cell] = []
        for name, label in _MEASURES.items():
            m: Measured = getattr(found, name)
            if not m.ok:
                reasons.add(f"{label}, where not computable: {m.reason}")
            cells.append(_measure(name, m))
        return cells

    for spike in audit.spikes:
        days = spike.day if spike.day == spike.last_day else f"{spike.day} to {spike.last_day}"
        size = f"{count(spike.size)} against about {count(spike.baseline)} {spike.unit}"
        rows.append(
            [days, spike.kind.replace("+", ", "), size, ", ".join(spike.post_ids),
             *measures(spike.measures)]
        )  # fmt: skip
    for label, together in (
        ("all spikes together", audit.in_spikes),
        ("ordinary days", audit.ordinary),
    ):
        if together is not None and together.days:
            rows.append([label, "", f"{count(together.days)} days", "", *measures(together)])
    period = audit.period
    lines = [audit.verdict]
    if period is not None:
        lines.append(
            f"Period {period.first} to {period.last}; each spike's window runs "
            f"{period.tail_days} days past it, for the follows that keep coming."
        )
    skipped = [f"{k}: {v.reason}" for k, v in signals.items() if not v.ok]
    notes = sorted(reasons)
    if skipped:
        notes.append("Signals not searched for spikes: " + "; ".join(skipped))
    return Block(
        "spikes",
        title,
        lines=lines,
        figures=[
            Figure(
                "spikes",
                "Each spike, what it left, and ordinary days for comparison",
                None,
                ["Spike", "Seen in", "Size", "Posts", *_MEASURES.values()],
                rows,
                order="in date order, then all spikes together and ordinary days",
            )
        ],
        notes=notes,
    )


# -- care first ------------------------------------------------------------------------------
def _people_known(s: Session) -> int:
    rows = s.context.interactions(s.tables)
    found = s.backend.execute(rows.filter(rows.person_id.notnull()).person_id.nunique())
    return int(found or 0)


def _care_first(s: Session) -> Block:
    title = "Who to care for first"
    k = max(1, min(CARE_FIRST_K, _people_known(s)))
    result = care_first(s, k=k)
    choice = result.choice
    if choice is None:
        return unavailable("care-first", title, f"not computable: {result.reason}")
    seeds = choice.seeds
    curve = choice.points()
    rows: list[list[Cell]] = []
    for person, point in zip(choice.people(), curve, strict=True):
        who = person.handle or str(person.id)
        shown: Cell = Link.to(person.link, who) if person.link else who
        rows.append([str(point.k), shown, count(point.spread), count(point.gain)])
    baselines = [
        (name, choice.baselines[key].estimated_spread)
        for key, name in (("by_followers", "by follower count"), ("by_random", "at random"))
        if key in choice.baselines
    ]
    frame = pd.DataFrame([{"k": p.k, "spread": p.spread} for p in curve], columns=["k", "spread"])
    others = pd.DataFrame(
        [{"k": len(seeds), "spread": spread, "rule": name} for name, spread in baselines]
    )
    compared = "; ".join(f"{name}: {count(spread)}" for name, spread in baselines)
    line = (
        f"Looking after these {len(seeds)} people first spreads your care to an estimated "
        f"{count(choice.estimated_spread)} people"
    )
    return Block(
        "care-first",
        title,
        lines=[line + (f" (the same number chosen {compared})." if compared else ".")],
        figures=[
            Figure(
                "care-first",
                f"The {len(seeds)} people whose care spreads furthest, in the order chosen",
                specs.spread_curve(frame, others) if len(others) else None,
                ["#", "Who", "Reach of the first k", "Added by this person"],
                rows,
                newest_first=False,
                order="in the order chosen",
            )
        ],
        notes=[
            *result.notes,
            f"The report chooses at most {CARE_FIRST_K} people, to stay quick; "
            "`rapport seeds --k 50` chooses more.",
        ],
        methods=[f"Method: {choice.method}."],
    )


def virality_part(s: Session) -> Part:
    """The "virality reality" section: each block on its own, with its reason when it fails."""
    return Part(
        "virality",
        TITLE,
        PRINCIPLE,
        [
            guarded("forecasts", "Forecasts of recent posts", lambda: _forecasts(s)),
            guarded("odds", "The odds of going viral", lambda: _odds(s)),
            guarded("spikes", "The spike audit", lambda: _spikes(s)),
            guarded("care-first", "Who to care for first", lambda: _care_first(s)),
        ],
    )
