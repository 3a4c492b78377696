"""The odds of going viral for this account (``rapport odds``, feature F22).

Reshares of a post are people's reposts and quotes of it (interactions), counted for each
own original post; where the data has no interactions aimed at posts, the platforms' latest
counts are used instead (post_stats reposts + quotes), and the result says which. Posts
younger than ``min_age_days`` at the data's end are left out: their cascades may still grow.
The counts go to :class:`~rapport.models.rarity.MoonshotOdds`, whose prior is calibrated to
the published rarity figures.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np

from rapport.models.rarity import PRIOR_WEIGHTS, PUBLISHED, MoonshotOdds, model_figures
from rapport.query.common import data_end, latest_post_stats, to_python
from rapport.query.context import FACTS

if TYPE_CHECKING:
    from rapport.session import Session

__all__ = ["Mixture", "Odds", "account_odds", "one_in", "reshare_history"]

_BASIS = {
    "interactions": "people's reposts and quotes of each post, counted one by one (interactions)",
    "post_stats": "the platforms' latest repost and quote counts per post (post_stats; an "
    "unknown quote count counts as none)",
}


@dataclass(frozen=True)
class Mixture:
    """The mixture of reproduction numbers behind the odds: the account's weights beside the
    prior's (calibrated to the published rarity figures)."""

    reproduction_numbers: tuple[float, ...]
    weights: tuple[float, ...]
    prior_weights: tuple[float, ...]
    prior_strength: float
    audience_spread: float
    prior: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reproduction_numbers": list(self.reproduction_numbers),
            "weights": list(self.weights),
            "prior_weights": list(self.prior_weights),
            "prior_strength": self.prior_strength,
            "audience_spread": self.audience_spread,
            "prior": self.prior,
        }


@dataclass(frozen=True)
class Odds:
    """P(a post of this account reaches k reshares), per threshold, and what it rests on."""

    thresholds: tuple[int, ...]
    probabilities: tuple[float, ...]
    intervals: tuple[tuple[float, float], ...]
    prior_probabilities: tuple[float, ...]
    posts: int
    history: Mapping[str, Any]
    mixture: Mixture
    rests_on: str
    summary: str = ""
    calibration: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        rows = [
            {
                "reshares": k,
                "probability": p,
                "one_in": (1 / p) if p > 0 else None,
                "interval": list(interval),
                "published_average": q,
            }
            for k, p, interval, q in zip(
                self.thresholds,
                self.probabilities,
                self.intervals,
                self.prior_probabilities,
                strict=True,
            )
        ]
        return {
            "thresholds": rows,
            "posts": self.posts,
            "history": dict(self.history),
            "mixture": self.mixture.to_dict(),
            "calibration": dict(self.calibration),
            "rests_on": self.rests_on,
            "summary": self.summary,
        }


def reshare_history(
    session: Session, *, min_age_days: int = 7
) -> tuple[np.ndarray[Any, np.dtype[np.int64]], dict[str, Any]]:
    """Reshares per own original post old enough to judge, and where the counts came from."""
    backend, tables, context = session.backend, session.tables, session.context
    t, c = tables, context
    posts = c.original_posts(t).select("post_id", "created_at")
    checks = ibis.struct(
        {
            "interactions": FACTS["interactions.engagement"](t, c).as_scalar(),
            "stats": FACTS["post_stats"](t, c).as_scalar(),
        }
    )
    found = backend.execute(checks)
    source = "interactions" if found["interactions"] else "post_stats" if found["stats"] else None
    info: dict[str, Any] = {"source": source, "basis": _BASIS.get(source or "")}
    info["min_age_days"] = min_age_days
    if source is None:
        info["reason"] = (
            "needs reposts and quotes of your original posts (interactions of kind repost or "
            "quote, or post_stats reposts)"
        )
        return np.zeros(0, dtype=np.int64), info
    if source == "interactions":
        rows = c.interactions(t)
        shares = rows.filter(rows.kind.isin(["repost", "quote"]) & rows.post_id.notnull())
        per_post = shares.group_by(s_post="post_id").aggregate(n=shares.count())
        joined = posts.left_join(per_post, posts.post_id == per_post.s_post)
        counted: ir.Table = joined.select("created_at", reshares=joined.n.fill_null(0))
    else:
        stats = latest_post_stats(t)
        joined = posts.join(stats, posts.post_id == stats.post_id)
        joined = joined.filter(joined.reposts.notnull())
        counted = joined.select("created_at", reshares=joined.reposts + joined.quotes.fill_null(0))
    cutoff = data_end(t, c) - ibis.interval(days=min_age_days)
    counted = counted.mutate(old=counted.created_at <= cutoff)
    frame = backend.execute(counted.order_by("created_at"))
    old = frame["old"].fillna(False).to_numpy(dtype=bool)
    reshares = frame["reshares"].to_numpy(dtype=np.int64)[old]
    info["too_recent"] = int((~old).sum())
    info["posts"] = int(reshares.size)
    if reshares.size:
        info["first_post"] = to_python(frame["created_at"][old].iloc[0])
        info["last_post"] = to_python(frame["created_at"][old].iloc[-1])
    return reshares, info


@functools.cache
def _calibration() -> dict[str, Any]:
    modelled = model_figures(PRIOR_WEIGHTS)
    return {
        f.name: {
            "what": f.what,
            "published": f.value,
            "prior": modelled[f.name],
            "source": f.source,
        }
        for f in PUBLISHED
    } | {"beyond_one_degree": {"prior": modelled["beyond_one_degree"], "published": "1–4 %"}}


def account_odds(
    session: Session,
    *,
    thresholds: Sequence[int] = (100, 1000, 10000),
    min_age_days: int = 7,
) -> Odds:
    """The odds that a post of the own accounts reaches each number of reshares."""
    reshares, info = reshare_history(session, min_age_days=min_age_days)
    model = MoonshotOdds(thresholds=tuple(thresholds)).fit(reshares)
    history = dict(info)
    if model.source_ == "history":
        history.update(
            largest=model.largest_,
            mean=model.mean_,
            median=float(np.median(reshares)),
            reshared_posts=model.reshared_posts_,
            audience=model.audience_,
            audience_interval=list(model.audience_interval_ or ()),
            first_generation=model.first_generation_,
        )
    mixture = Mixture(
        reproduction_numbers=tuple(model.reproduction_numbers_.tolist()),
        weights=tuple(model.weights_.tolist()),
        prior_weights=tuple(model.prior_weights_.tolist()),
        prior_strength=model.prior_strength,
        audience_spread=model.audience_spread,
        prior=model.prior_source_,
    )
    probabilities = tuple(float(p) for p in model.probabilities_)
    prior = tuple(float(p) for p in model.prior_probabilities_)
    return Odds(
        thresholds=tuple(int(k) for k in model.thresholds_),
        probabilities=probabilities,
        intervals=tuple((float(lo), float(hi)) for lo, hi in model.intervals_),
        prior_probabilities=prior,
        posts=model.n_posts_,
        history=history,
        mixture=mixture,
        rests_on=_rests_on(model, info),
        summary=_summary(model.thresholds_[0], probabilities[0], prior[0], model.source_),
        calibration=_calibration(),
    )


def one_in(p: float | None) -> str:
    """A probability as "1 in N", rounded to what a model of rare events can support: two
    significant digits, and "fewer than 1 in a million" below one in a million (not
    "1 in 14,431,096")."""
    if p is None or not math.isfinite(p) or p <= 0:
        return "never (below floating-point precision)"
    if p < 1e-6:
        return "fewer than 1 in a million"
    n = 1 / p
    if n < 10:
        return f"1 in {n:,.0f}"
    digits = math.floor(math.log10(n)) - 1  # keep two significant digits
    return f"1 in {round(n, -digits):,.0f}"


def _summary(k: int, p: float, prior: float, source: str) -> str:
    if source == "prior":
        return (
            f"With no history to go on, a post reaches {k:,} reshares {one_in(p)} times: "
            "the published average, not yet this account's own odds."
        )
    return (
        f"A post of this account reaches {k:,} reshares about {one_in(p)} times "
        f"(the published average is {one_in(prior)})."
    )


def _rests_on(model: MoonshotOdds, info: Mapping[str, Any]) -> str:
    prior = f"Prior: {model.prior_source_}."
    if model.source_ == "prior":
        why = info.get("reason") or (
            f"no original post at least {info['min_age_days']} days old with a reshare count"
        )
        return f"No history of this account ({why}): these are the published odds. {prior}"
    recent = info.get("too_recent", 0)
    left_out = f" ({recent} newer ones left out: they may still grow)" if recent else ""
    m_low, m_high = model.audience_interval_ or (model.audience_, model.audience_)
    return (
        f"{model.n_posts_:,} original posts at least {info['min_age_days']} days old{left_out}; "
        f"reshares from {info['basis']}: {model.reshared_posts_:,} posts reshared, "
        f"{model.mean_:.1f} reshares per post on average, {model.largest_:,} at most. "
        f"The account's audience multiplies a post's direct reshares by {model.audience_:.2g} "
        f"(95 % {m_low:.2g}–{m_high:.2g}) against the published population, with "
        f"{model.prior_strength:g} posts' worth of prior on the mixture. {prior}"
    )
