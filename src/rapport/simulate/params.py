"""Every knob of the synthetic world, in one frozen dataclass.

Fields are grouped by prefix: ``audience_*`` (how people behave), ``feed_*`` (how the
platform spreads a post), ``content_*`` (how each kind of post lands), ``brand_*`` (what the
own account does: the levers a what-if compares), ``conversion_*`` and ``competitor_*``.
Each field carries its documentation in ``metadata["doc"]`` and its allowed range in
``metadata["low"]``/``metadata["high"]``; :func:`parameter_table` lists them for the docs.

No parameter sets an outcome. Retention, unfollow rates, returning people and spikes emerge
from person-level mechanisms; each of the three switches in :data:`ABLATION_SWITCHES` turns
one mechanism off, so that a test can show its effect vanish.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from rapport.errors import InvalidWorldParameter
from rapport.simulate.vocab import CONTENT_KINDS, TOPICS

__all__ = [
    "ABLATION_SWITCHES",
    "CompetitorProfile",
    "InvalidWorldParameter",
    "WorldParams",
    "parameter_table",
    "parameters_markdown",
]


_DEFAULT_DAYS = 365


def _doc(doc: str, *, low: float | None = None, high: float | None = None) -> dict[str, Any]:
    """Field metadata: its documentation and its allowed range."""
    return {"doc": doc, "low": low, "high": high}


@dataclass(frozen=True)
class CompetitorProfile:
    """How one competitor behaves in the cheaper aggregate model (no people, only counts)."""

    label: str
    """What sets it apart, e.g. ``prolific_silent`` (also used in its handle)."""
    posts_per_day: float
    """Mean broadcast posts per day while active."""
    promo_share: float
    """Share of its posts that are promotions."""
    reply_prob: float
    """Probability that it answers one reply it receives."""
    follower_scale: float
    """Its follower count at the start, relative to the own account's."""
    engagement_rate: float
    """Likes, replies, reposts and quotes per impression, for an average post."""
    reach_share: float
    """Impressions per follower for an average post."""
    active_share: float = 1.0
    """Share of the window after which it stops posting (1.0: posts to the end)."""


_DEFAULT_COMPETITORS: tuple[CompetitorProfile, ...] = (
    CompetitorProfile("prolific_silent", 3.0, 0.30, 0.0, 2.2, 0.006, 0.25),
    CompetitorProfile("promo_heavy", 1.2, 0.70, 0.15, 1.5, 0.005, 0.30),
    CompetitorProfile("small_loved", 0.5, 0.10, 0.90, 0.35, 0.045, 0.55),
    CompetitorProfile("steady", 1.0, 0.20, 0.50, 1.2, 0.015, 0.35),
    CompetitorProfile("fading", 0.8, 0.30, 0.30, 1.0, 0.010, 0.30, active_share=0.5),
)

_DEFAULT_MIX: tuple[tuple[str, float], ...] = (
    ("educational", 0.30), ("question", 0.20), ("news", 0.15), ("throwback", 0.15),
    ("behind_the_scenes", 0.20),
)  # fmt: skip

# Per content kind: (base engagement logit, like, reply, repost, quote, click) — the action
# weights say what an engaged person does; a click needs a link (else it becomes a like).
KindModelRow = tuple[str, float, float, float, float, float, float]
"""(content kind, base engagement logit, like, reply, repost, quote, click weights)."""

_DEFAULT_KIND_MODEL: tuple[KindModelRow, ...] = (
    ("promo", -7.0, 0.50, 0.06, 0.06, 0.02, 0.36),
    ("educational", -6.5, 0.52, 0.10, 0.20, 0.06, 0.12),
    ("question", -6.4, 0.35, 0.53, 0.06, 0.06, 0.00),
    ("news", -6.7, 0.55, 0.10, 0.15, 0.05, 0.15),
    ("throwback", -6.4, 0.66, 0.16, 0.12, 0.06, 0.00),
    ("behind_the_scenes", -6.3, 0.64, 0.17, 0.13, 0.06, 0.00),
)

ABLATION_SWITCHES: tuple[str, ...] = (
    "audience_mismatch_erodes", "audience_promo_fatigue", "audience_answer_builds_affinity",
)  # fmt: skip
"""The switches that turn one claim's mechanism off (see docs/simulator.md)."""


@dataclass(frozen=True)
class WorldParams:
    """Everything the synthetic world is drawn from. Same params, same seed: same tables."""

    # fmt: off

    # -- the run ------------------------------------------------------------------------
    seed: int = field(default=0, metadata=_doc(
        "Seed of numpy's default_rng; the only source of randomness.", low=0, high=2**63 - 1))
    people: int = field(default=20_000, metadata=_doc(
        "People in the world (the whole population, not followers).", low=100, high=50_000_000))
    days: int = field(default=_DEFAULT_DAYS, metadata=_doc(
        "Length of the simulated window in days.", low=1, high=3650))
    start: dt.datetime = field(default=dt.datetime(2026, 1, 5, tzinfo=dt.UTC), metadata=_doc(
        "First instant of the window (UTC)."))

    # -- audience: who people are and how they behave ----------------------------------------
    audience_target_share: float = field(default=0.08, metadata=_doc(
        "Share of people in the target segment (interests centred on the brand's topic).",
        low=0.001, high=0.9))
    audience_irrelevant_share: float = field(default=0.40, metadata=_doc(
        "Share of people in irrelevant crowds (centred on one other topic); the rest are the "
        "general crowd with diffuse interests.", low=0.0, high=0.95))
    audience_following_mean: float = field(default=20.0, metadata=_doc(
        "Mean number of people each person follows (lognormal out-degree).", low=1.0, high=500.0))
    audience_following_sigma: float = field(default=0.9, metadata=_doc(
        "Spread (log scale) of the number of people followed.", low=0.0, high=3.0))
    audience_popularity_alpha: float = field(default=1.7, metadata=_doc(
        "Pareto tail index of popularity; lower means heavier-tailed follower counts.",
        low=1.05, high=10.0))
    audience_community_share: float = field(default=0.75, metadata=_doc(
        "Share of follow ties inside one's own interest community (block model).",
        low=0.0, high=1.0))
    audience_activity_sigma: float = field(default=1.0, metadata=_doc(
        "Spread of each person's engagement propensity (added to the engagement logit).",
        low=0.0, high=4.0))
    audience_match_weight: float = field(default=5.5, metadata=_doc(
        "Engagement logit gained per unit of interest match with a post.", low=0.0, high=20.0))
    audience_follow_prob_engaged: float = field(default=0.45, metadata=_doc(
        "Chance that a non-follower who engaged with a post and fully matches follows.",
        low=0.0, high=1.0))
    audience_follow_prob_viewer: float = field(default=0.01, metadata=_doc(
        "Chance that a fully matching non-follower who only saw a post follows.",
        low=0.0, high=1.0))
    audience_follow_match_floor: float = field(default=0.25, metadata=_doc(
        "Interest match added before scaling follow chances (mismatched people follow too, less "
        "often).", low=0.0, high=10.0))
    audience_discovery_rate: float = field(default=0.0008, metadata=_doc(
        "Daily chance that a fully matching non-follower finds the brand by itself (search, word "
        "of mouth); scales with match squared.", low=0.0, high=1.0))
    audience_unfollow_base: float = field(default=0.002, metadata=_doc(
        "Daily unfollow hazard of a follower whose discontent is zero.", low=0.0, high=1.0))
    audience_expected_relevance: float = field(default=0.3, metadata=_doc(
        "Relevance a follower expects from a post: a post seen adds (expected - its relevance to "
        "the follower) to discontent, so relevant posts build contentment.", low=0.0, high=1.0))
    audience_discontent_weight: float = field(default=0.8, metadata=_doc(
        "Unfollow hazard is multiplied by exp(weight * discontent).", low=0.0, high=10.0))
    audience_discontent_half_life_days: float = field(default=30.0, metadata=_doc(
        "Half-life of discontent: how long a post keeps (dis)pleasing.", low=0.1, high=10_000.0))
    audience_mismatch_erodes: bool = field(default=True, metadata=_doc(
        "Mechanism switch (claim 1): discontent follows each post's relevance to the follower. "
        "Off: posts leave discontent at zero, so the unfollow hazard no longer depends on "
        "interest match."))
    audience_fatigue_hazard: float = field(default=0.00015, metadata=_doc(
        "Daily unfollow hazard added per unit of promotion fatigue.", low=0.0, high=1.0))
    audience_fatigue_half_life_days: float = field(default=30.0, metadata=_doc(
        "Half-life of promotion fatigue.", low=0.1, high=10_000.0))
    audience_fatigue_engagement_weight: float = field(default=0.08, metadata=_doc(
        "Engagement logit lost per unit of promotion fatigue (tired followers engage less).",
        low=0.0, high=10.0))
    audience_promo_fatigue: bool = field(default=True, metadata=_doc(
        "Mechanism switch (claim 2): each promotion seen adds one unit of fatigue. Off: "
        "promotions tire nobody."))
    audience_affinity_weight: float = field(default=1.0, metadata=_doc(
        "Engagement logit gained per unit of affinity (relationship with the brand).",
        low=0.0, high=10.0))
    audience_affinity_half_life_days: float = field(default=120.0, metadata=_doc(
        "Half-life of affinity.", low=0.1, high=10_000.0))
    audience_answer_affinity_gain: float = field(default=1.2, metadata=_doc(
        "Affinity a person gains when the brand answers their reply.", low=0.0, high=10.0))
    audience_answer_builds_affinity: bool = field(default=True, metadata=_doc(
        "Mechanism switch (claim 3): being answered raises affinity. Off: answers change nothing "
        "in the person."))
    audience_on_topic_cut: float = field(default=0.2, metadata=_doc(
        "Interest match below which a person's replies are off-topic (stray-crowd text).",
        low=0.0, high=1.0))
    audience_question_share: float = field(default=0.3, metadata=_doc(
        "Share of replies to non-question posts that ask the brand something.", low=0.0, high=1.0))
    audience_thanks_prob: float = field(default=0.25, metadata=_doc(
        "Chance that an answered person replies again with thanks.", low=0.0, high=1.0))
    audience_reaction_delay_median_hours: float = field(default=1.5, metadata=_doc(
        "Median delay between seeing a post and reacting (lognormal).", low=0.01, high=1000.0))
    audience_reaction_delay_sigma: float = field(default=1.5, metadata=_doc(
        "Spread (log scale) of reaction delays; the tail runs over days.", low=0.0, high=4.0))

    # -- feed: how the platform spreads a post -------------------------------------------------
    feed_test_share: float = field(default=0.12, metadata=_doc(
        "Share of followers shown a new post first (the test sample).", low=0.0, high=1.0))
    feed_follower_reach: float = field(default=0.5, metadata=_doc(
        "Chance that each other follower sees a post once it passed the test.", low=0.0, high=1.0))
    feed_follower_threshold: float = field(default=0.02, metadata=_doc(
        "Engagement rate of the test sample needed to show a post to the other followers.",
        low=0.0, high=1.0))
    feed_matched_threshold: float = field(default=0.05, metadata=_doc(
        "Engagement rate of the followers round needed to widen to interest-matched non-"
        "followers.", low=0.0, high=1.0))
    feed_broad_lift: float = field(default=3.0, metadata=_doc(
        "To widen to broad crowds, the interest-matched round's engagement rate must beat its "
        "moving average over the account's recent posts by this factor.", low=0.0, high=1000.0))
    feed_spiral_threshold: float = field(default=0.02, metadata=_doc(
        "Engagement rate of a broad round needed to widen again (the momentum spiral).",
        low=0.0, high=1.0))
    feed_min_sample: int = field(default=30, metadata=_doc(
        "People a round must reach for the feed to judge it: a smaller test round lets the post "
        "through, a smaller matched round stops it before broad crowds.", low=1, high=1_000_000))
    feed_widen_factor: float = field(default=2.5, metadata=_doc(
        "Each widening round shows the post to this many times the previous round's people.",
        low=1.0, high=100.0))
    feed_matched_power: float = field(default=2.0, metadata=_doc(
        "The interest-matched round draws non-followers with probability proportional to match **"
        " power.", low=0.0, high=20.0))
    feed_max_broad_rounds: int = field(default=4, metadata=_doc(
        "Most broad-crowd rounds one post can get.", low=0, high=20))
    feed_repost_reach: float = field(default=0.35, metadata=_doc(
        "Chance that each follower of a reposter sees the repost.", low=0.0, high=1.0))
    feed_max_generations: int = field(default=8, metadata=_doc(
        "Most repost generations followed in one cascade.", low=1, high=100))
    feed_external_share_prob: float = field(default=0.008, metadata=_doc(
        "Chance per post that an outside account shares it to a broad crowd.", low=0.0, high=1.0))
    feed_external_audience_share: float = field(default=0.25, metadata=_doc(
        "Share of the population an outside share reaches.", low=0.0, high=1.0))

    # -- content: how each kind of post lands -------------------------------------------------
    content_kind_model: tuple[KindModelRow, ...] = field(
        default=_DEFAULT_KIND_MODEL, metadata=_doc(
        "Per kind: base engagement logit, then the weights of like, reply, repost, quote and "
        "click among engaged people."))
    content_quality_sigma: float = field(default=0.8, metadata=_doc(
        "Spread of a post's appeal (added to the engagement logit of everyone who sees it); the "
        "upper tail is what the feed widens.", low=0.0, high=5.0))
    content_novelty_decay_per_day: float = field(default=0.8, metadata=_doc(
        "Appeal lost per day since publication (hot in the moment, soon forgotten).",
        low=0.0, high=50.0))

    # -- brand: what the own account does (the what-if levers) -------------------------------
    brand_topic: str = field(default="baking", metadata=_doc(
        "The brand's topic, one of the world's topics."))
    brand_initial_follower_share: float = field(default=0.03, metadata=_doc(
        "Followers at the start, as a share of the population (drawn by interest match).",
        low=0.0, high=0.5))
    brand_posts_per_active_day: float = field(default=1.0, metadata=_doc(
        "Mean posts per weekday in an active spell.", low=0.0, high=50.0))
    brand_posts_per_lull_day: float = field(default=0.1, metadata=_doc(
        "Mean posts per weekday in a lull (quiet weeks).", low=0.0, high=50.0))
    brand_weekend_factor: float = field(default=0.5, metadata=_doc(
        "Posting rate on weekends relative to weekdays.", low=0.0, high=5.0))
    brand_lull_start_prob: float = field(default=0.025, metadata=_doc(
        "Daily chance that an active spell turns into a lull.", low=0.0, high=1.0))
    brand_lull_end_prob: float = field(default=0.12, metadata=_doc(
        "Daily chance that a lull ends.", low=0.0, high=1.0))
    brand_promo_share: float = field(default=0.25, metadata=_doc(
        "Share of broadcast posts that are promotions.", low=0.0, high=1.0))
    brand_content_mix: tuple[tuple[str, float], ...] = field(default=_DEFAULT_MIX, metadata=_doc(
        "Relative weights of the non-promo kinds."))
    brand_link_share: float = field(default=0.4, metadata=_doc(
        "Share of educational and news posts that carry a link (promos always do; questions, "
        "throwbacks and behind-the-scenes posts never).", low=0.0, high=1.0))
    brand_reply_prob: float = field(default=0.4, metadata=_doc(
        "Chance that the brand answers a reply that asks nothing.", low=0.0, high=1.0))
    brand_question_reply_prob: float = field(default=0.6, metadata=_doc(
        "Chance that the brand answers a reply that asks a question.", low=0.0, high=1.0))
    brand_reply_delay_median_hours: float = field(default=4.0, metadata=_doc(
        "Median delay of the brand's answers (lognormal).", low=0.01, high=10_000.0))
    brand_reply_delay_sigma: float = field(default=1.0, metadata=_doc(
        "Spread (log scale) of the brand's answer delays.", low=0.0, high=4.0))

    # -- conversions -------------------------------------------------------------------------
    conversion_click_rate: float = field(default=0.15, metadata=_doc(
        "Chance that a click by a fully matching person converts.", low=0.0, high=1.0))
    conversion_match_floor: float = field(default=0.05, metadata=_doc(
        "Interest match added before scaling conversion chances.", low=0.0, high=10.0))
    conversion_promo_purchase_share: float = field(default=0.7, metadata=_doc(
        "Share of conversions from promos that are purchases (the rest sign up).",
        low=0.0, high=1.0))
    conversion_order_value_median: float = field(default=32.0, metadata=_doc(
        "Median purchase value (lognormal).", low=0.01, high=1e9))
    conversion_order_value_sigma: float = field(default=0.5, metadata=_doc(
        "Spread (log scale) of purchase values.", low=0.0, high=4.0))
    conversion_currency: str = field(default="EUR", metadata=_doc(
        "ISO 4217 currency of purchases."))
    conversion_unattributed_share: float = field(default=0.08, metadata=_doc(
        "Share of conversions that lose their UTM tags (direct traffic).", low=0.0, high=1.0))
    conversion_person_known_share: float = field(default=0.5, metadata=_doc(
        "Share of attributed conversions tied to a person.", low=0.0, high=1.0))

    # -- competitors (aggregate model) ----------------------------------------------------------
    competitor_count: int = field(default=4, metadata=_doc(
        "Closest competitors tracked (3 to 5).", low=3, high=5))
    competitor_profiles: tuple[CompetitorProfile, ...] = field(
        default=_DEFAULT_COMPETITORS, metadata=_doc(
        "How each competitor behaves; the first competitor_count are used."))
    competitor_gain_per_engagement: float = field(default=0.1, metadata=_doc(
        "New followers per engagement a competitor's post receives.", low=0.0, high=10.0))
    competitor_discovery_rate: float = field(default=0.0004, metadata=_doc(
        "Daily new followers per follower from search and word of mouth.", low=0.0, high=1.0))
    competitor_churn_base: float = field(default=0.0005, metadata=_doc(
        "Daily share of a competitor's followers who leave anyway.", low=0.0, high=1.0))
    competitor_promo_churn: float = field(default=0.0008, metadata=_doc(
        "Daily share who leave per promotion the competitor posts that day.", low=0.0, high=1.0))
    # fmt: on

    def __post_init__(self) -> None:
        validate(self)

    @classmethod
    def ending(cls, end: dt.date, **values: Any) -> WorldParams:
        """The world whose window closes as ``end`` begins (00:00 UTC), so that its last
        simulated day is the day before, whatever ``days`` is: ``start`` is ``days`` days
        before ``end``. The other fields are ``values`` (``start`` is not one of them).

        The default ``start`` is a fixed date, for tests and research that must give the same
        tables on any day; ``rapport demo`` ends its world yesterday with this instead.
        """
        if "start" in values:
            raise InvalidWorldParameter("start", values["start"], "no start: the end sets it")
        if isinstance(end, dt.datetime) or not isinstance(end, dt.date):
            raise InvalidWorldParameter("end", end, "a date (datetime.date)")
        days = values.get("days", _DEFAULT_DAYS)
        _check_number("days", days, cls.__dataclass_fields__["days"].metadata, "int")
        closes = dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC)
        return cls(start=closes - dt.timedelta(days=days), **values)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the window: ``start`` plus ``days`` (the closing follower
        and post counts are observed at this instant)."""
        return self.start + dt.timedelta(days=self.days)

    @property
    def brand_posts_per_week(self) -> float:
        """Expected broadcast posts per week (from the cadence fields; not a field itself).

        The long-run share of active days of the active/lull chain is
        ``lull_end / (lull_start + lull_end)``; a week has five weekdays and two weekend days.
        """
        switching = self.brand_lull_start_prob + self.brand_lull_end_prob
        active = self.brand_lull_end_prob / switching if switching > 0 else 1.0
        per_day = active * self.brand_posts_per_active_day + (1 - active) * (
            self.brand_posts_per_lull_day
        )
        return per_day * (5 + 2 * self.brand_weekend_factor)

    @property
    def mix(self) -> dict[str, float]:
        """Probability of each content kind for one broadcast post."""
        total = sum(weight for _, weight in self.brand_content_mix)
        mix = {"promo": self.brand_promo_share}
        for kind, weight in self.brand_content_mix:
            mix[kind] = (1.0 - self.brand_promo_share) * weight / total
        return mix


def _check_number(name: str, value: Any, meta: Any, annotation: str) -> None:
    integral = annotation == "int"
    if integral:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidWorldParameter(name, value, "a whole number")
    elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidWorldParameter(name, value, "a finite number")
    low, high = meta["low"], meta["high"]
    if low is not None and high is not None and not low <= value <= high:
        raise InvalidWorldParameter(name, value, f"a value from {low:g} to {high:g}")


def validate(params: WorldParams) -> None:
    """Raise :class:`InvalidWorldParameter` naming the first field that can't be used."""
    for spec in dataclasses.fields(params):
        value = getattr(params, spec.name)
        annotation = str(spec.type)
        if annotation in ("int", "float"):
            _check_number(spec.name, value, spec.metadata, annotation)
        elif annotation == "bool" and not isinstance(value, bool):
            raise InvalidWorldParameter(spec.name, value, "true or false")
        elif annotation == "str" and not isinstance(value, str):
            raise InvalidWorldParameter(spec.name, value, "text")
    if not isinstance(params.start, dt.datetime) or params.start.tzinfo is None:
        raise InvalidWorldParameter("start", params.start, "a timezone-aware datetime (UTC)")
    if params.audience_target_share + params.audience_irrelevant_share > 0.99:
        raise InvalidWorldParameter(
            "audience_irrelevant_share",
            params.audience_irrelevant_share,
            f"at most {0.99 - params.audience_target_share:g} so that target + irrelevant "
            "shares leave a general crowd",
        )
    topics = [topic.name for topic in TOPICS]
    if params.brand_topic not in topics:
        raise InvalidWorldParameter(
            "brand_topic", params.brand_topic, f"one of {', '.join(topics)}"
        )
    _validate_mix(params)
    _validate_kind_model(params)
    if len(params.competitor_profiles) < params.competitor_count:
        raise InvalidWorldParameter(
            "competitor_profiles",
            len(params.competitor_profiles),
            f"at least competitor_count = {params.competitor_count} profiles",
        )
    for profile in params.competitor_profiles:
        shares = (profile.promo_share, profile.reply_prob, profile.active_share)
        if (
            not all(0.0 <= share <= 1.0 for share in shares)
            or min(
                profile.posts_per_day,
                profile.follower_scale,
                profile.engagement_rate,
                profile.reach_share,
            )
            < 0
        ):
            raise InvalidWorldParameter(
                "competitor_profiles",
                profile.label,
                "shares from 0 to 1 and non-negative rates in every profile",
            )
    if len(params.conversion_currency) != 3 or not params.conversion_currency.isupper():
        raise InvalidWorldParameter(
            "conversion_currency",
            params.conversion_currency,
            "a three-letter ISO 4217 code such as EUR",
        )


def _validate_mix(params: WorldParams) -> None:
    kinds = [kind for kind, _ in params.brand_content_mix]
    allowed = [kind for kind in CONTENT_KINDS if kind != "promo"]
    if sorted(kinds) != sorted(allowed):
        raise InvalidWorldParameter(
            "brand_content_mix", kinds, f"one weight for each of {', '.join(allowed)}"
        )
    weights = [weight for _, weight in params.brand_content_mix]
    if any(not math.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise InvalidWorldParameter(
            "brand_content_mix", weights, "non-negative weights with a positive sum"
        )


def _validate_kind_model(params: WorldParams) -> None:
    kinds = [row[0] for row in params.content_kind_model]
    if sorted(kinds) != sorted(CONTENT_KINDS):
        raise InvalidWorldParameter(
            "content_kind_model", kinds, f"one row for each of {', '.join(CONTENT_KINDS)}"
        )
    for row in params.content_kind_model:
        weights = row[2:]
        if len(row) != 7 or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise InvalidWorldParameter(
                "content_kind_model",
                row,
                "(kind, base logit, like, reply, repost, quote, click) with non-negative weights",
            )


def parameters_markdown() -> str:
    """The parameter table of docs/simulator.md (a test keeps the docs in step with it)."""
    lines = ["| parameter | default | meaning |", "|---|---|---|"]
    for name, default, doc in parameter_table():
        lines.append(f"| `{name}` | `{default}` | {doc} |")
    return "\n".join(lines) + "\n"


def parameter_table() -> list[tuple[str, str, str]]:
    """(name, default, documentation) of every field, in declaration order."""
    rows = []
    for spec in dataclasses.fields(WorldParams):
        default = spec.default
        shown = (
            f"{len(default)} profiles"
            if spec.name == "competitor_profiles" and isinstance(default, tuple)
            else f"{len(default)} rows"
            if isinstance(default, tuple)
            else default.isoformat()
            if isinstance(default, dt.datetime)
            else repr(default)
        )
        rows.append((spec.name, shown, str(spec.metadata["doc"])))
    return rows
