"""Plain-language findings, each carrying the numbers it rests on, ranked by the goal.

A finding is written from metric results only (no extra queries). Its ``strength`` (0–1)
says how much it matters on its own: an effect whose interval excludes "no difference", or a
target clearly missed, is strong; a weak or uncertain one is shown but ranked lower. The rank
multiplies strength by how much the finding's area matters for the workspace's objective
(each :class:`~rapport.metrics.spec.Area` declares its weights): changing the objective in
rapport.toml reorders the findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rapport.config import Config
from rapport.metrics.run import MetricResult
from rapport.metrics.spec import objective_weights

__all__ = ["Finding", "findings"]

Tone = Literal["good", "warning", "info"]


@dataclass(frozen=True)
class Finding:
    """A plain-language finding with the numbers it rests on, its strength and its rank
    for the goal."""

    id: str
    area: str
    text: str
    tone: Tone
    strength: float
    numbers: Mapping[str, Any] = field(default_factory=dict)
    n: int | None = None
    score: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "area": self.area,
            "text": self.text,
            "tone": self.tone,
            "strength": round(self.strength, 3),
            "score": round(self.score, 3),
            "n": self.n,
            "numbers": dict(self.numbers),
        }


def _pct(value: float) -> str:
    return f"{value:.0%}" if abs(value) >= 0.1 else f"{value:.1%}"


def _ok(m: Mapping[str, MetricResult], key: str) -> MetricResult | None:
    result = m.get(key)
    return result if result is not None and result.ok and result.value is not None else None


Rule = Callable[[Mapping[str, MetricResult], Config], Finding | None]
_RULES: list[Rule] = []


def _rule(function: Rule) -> Rule:
    _RULES.append(function)
    return function


@_rule
def _answered_come_back(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "answered_return_ratio")
    if r is None or r.interval is None:
        return None
    a, u = r.extra.get("answered_return_rate"), r.extra.get("unanswered_return_rate")
    if a is None or u is None:
        return None
    clear = r.interval[0] > 1
    text = (
        f"People whose first reply you answered came back {float(r.value):.1f}× as often as "
        f"people you did not answer ({_pct(a)} vs {_pct(u)} within 60 days; "
        f"{r.extra.get('answered_people')} answered, {r.extra.get('unanswered_people')} not; "
        f"95 % interval {r.interval[0]:.1f}× to {r.interval[1]:.1f}×)."
    )
    if not clear:
        text += " The data does not yet show a clear difference."
    return Finding(
        "answered_come_back",
        "reciprocity",
        text,
        "good" if clear else "info",
        1.0 if clear else 0.4,
        {"ratio": r.value, "answered": a, "unanswered": u},
        r.n,
    )


@_rule
def _reply_rate(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "reply_rate")
    if r is None:
        return None
    target = config.targets.reply_rate
    gap = target - float(r.value)
    t = _ok(m, "time_to_first_reply")
    timing = (
        f"; the median answer came after {float(t.value):.1f} h (target "
        f"{config.targets.reply_time_hours:g} h)"
        if t
        else ""
    )
    if gap > 0.05:
        return Finding(
            "reply_rate",
            "reciprocity",
            f"You answered {_pct(float(r.value))} of {r.n:,} replies and mentions, "
            f"below your target of {_pct(target)}{timing}. The table of unanswered replies "
            "shows who is waiting.",
            "warning",
            min(1.0, 0.4 + gap),
            {"reply_rate": r.value, "target": target},
            r.n,
        )
    return Finding(
        "reply_rate",
        "reciprocity",
        f"You answered {_pct(float(r.value))} of {r.n:,} replies and mentions "
        f"(target {_pct(target)}){timing}.",
        "good",
        0.3,
        {"reply_rate": r.value, "target": target},
        r.n,
    )


@_rule
def _promo_cost(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "promo_engagement_ratio")
    if r is None or r.interval is None:
        return None
    ratio = float(r.value)
    clear = r.interval[1] < 1 or r.interval[0] > 1
    direction = "less" if ratio < 1 else "more"
    text = (
        f"Promotional posts drew {abs(1 - ratio):.0%} {direction} engagement than your other "
        f"posts ({r.extra.get('promo_posts')} promotions vs {r.extra.get('other_posts')} "
        f"others; ratio {ratio:.2f}, 95 % interval {r.interval[0]:.2f} to "
        f"{r.interval[1]:.2f})."
    )
    return Finding(
        "promo_cost",
        "promotion",
        text,
        "warning" if clear and ratio < 1 else "info",
        0.9 if clear else 0.3,
        {"ratio": ratio},
        r.n,
    )


@_rule
def _promo_share(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "promotional_share")
    if r is None:
        return None
    ceiling = config.targets.max_promotional_share
    share = float(r.value)
    if share > ceiling:
        return Finding(
            "promo_share",
            "promotion",
            f"{_pct(share)} of your {r.n} original posts were promotions, above your "
            f"ceiling of {_pct(ceiling)}: don't clog feeds with offers.",
            "warning",
            min(1.0, 0.5 + (share - ceiling) * 2),
            {"share": share, "ceiling": ceiling},
            r.n,
        )
    return Finding(
        "promo_share",
        "promotion",
        f"{_pct(share)} of your original posts were promotions, within your ceiling "
        f"of {_pct(ceiling)}.",
        "good",
        0.2,
        {"share": share, "ceiling": ceiling},
        r.n,
    )


@_rule
def _cadence(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    ppw, idle = _ok(m, "posts_per_week"), _ok(m, "days_since_last_post")
    if idle is not None and idle.extra.get("alert"):
        return Finding(
            "inactivity",
            "consistency",
            f"Inactivity alert: no post for {float(idle.value):.0f} days at the end of "
            f"the data (your alert is at {config.targets.max_gap_days} days).",
            "warning",
            1.0,
            {"days": idle.value},
            idle.n,
        )
    if ppw is None:
        return None
    target = config.targets.posts_per_week
    value = float(ppw.value)
    if value < target * 0.9:
        return Finding(
            "cadence",
            "consistency",
            f"You posted {value:.1f} original posts a week, below your target of {target:g}.",
            "warning",
            min(1.0, 0.4 + (target - value) / target),
            {"posts_per_week": value, "target": target},
            ppw.n,
        )
    return Finding(
        "cadence",
        "consistency",
        f"You posted {value:.1f} original posts a week (target {target:g}).",
        "good",
        0.2,
        {"posts_per_week": value, "target": target},
        ppw.n,
    )


@_rule
def _top_kind(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "top_content_kind")
    if r is None or r.interval is None:
        return None
    kind = str(r.extra.get("kind", "")).replace("_", "-")
    clear = r.interval[0] > 1
    text = (
        f"{kind.capitalize()} posts drew {float(r.value):.1f}× your average engagement "
        f"({r.n} posts; 95 % interval {r.interval[0]:.1f}× to {r.interval[1]:.1f}×)"
    )
    text += "." if not r.extra.get("small_sample") else ", but that rests on few posts."
    return Finding(
        "top_kind",
        "content",
        text,
        "good" if clear else "info",
        0.8 if clear else 0.3,
        {"kind": kind, "lift": r.value},
        r.n,
    )


@_rule
def _audience(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "relevant_engagement_share")
    if r is None:
        return None
    share = float(r.value)
    tone: Tone = "good" if share >= 0.5 else "warning"
    return Finding(
        "audience_fit",
        "audience",
        f"{_pct(share)} of your engagement comes from people whose bio matches your "
        f"target audience ({r.n:,} engagements by people with a bio).",
        tone,
        0.9 if share < 0.3 else 0.6,
        {"share": share},
        r.n,
    )


@_rule
def _conversions(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    per_k, attributed = (
        _ok(m, "conversions_per_1000_engagements"),
        _ok(m, "conversions_from_social"),
    )
    if per_k is None:
        return None
    text = f"Your posts turned every 1,000 engagements into {float(per_k.value):.1f} conversions"
    if attributed is not None:
        text += f"; {_pct(float(attributed.value))} of all conversions were traced to a post"
    return Finding(
        "conversions", "conversions", text + ".", "info", 0.7, {"per_1000": per_k.value}, per_k.n
    )


@_rule
def _core(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    core, adv = _ok(m, "core_community"), _ok(m, "advocates")
    if core is None:
        return None
    text = (
        f"{int(core.value):,} people form your core community (engaged in at least "
        f"{core.extra.get('min_active_weeks')} weeks of the last "
        f"{core.extra.get('window_days')} days)"
    )
    if adv is not None:
        text += f"; {int(adv.value):,} of everyone who engaged are advocates"
    return Finding(
        "core",
        "community",
        text + ". Take care of them first.",
        "info",
        0.6,
        {"core": core.value},
        core.n,
    )


@_rule
def _retention(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "follower_retention_90d")
    if r is None:
        return None
    value = float(r.value)
    return Finding(
        "follower_retention",
        "retention",
        f"{_pct(value)} of new followers still followed after 90 days ({r.n:,} "
        "follows old enough to tell).",
        "good" if value >= 0.7 else "warning",
        0.5 if value >= 0.7 else 0.8,
        {"retention_90d": value},
        r.n,
    )


@_rule
def _mood(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    pos, neg = _ok(m, "positive_reply_share"), _ok(m, "negative_reply_share")
    if pos is None or neg is None:
        return None
    tone: Tone = "good" if float(pos.value) > float(neg.value) * 2 else "warning"
    return Finding(
        "mood",
        "sentiment",
        f"{_pct(float(pos.value))} of what people wrote to you reads as positive and "
        f"{_pct(float(neg.value))} as negative ({pos.n:,} replies).",
        tone,
        0.5,
        {"positive": pos.value, "negative": neg.value},
        pos.n,
    )


@_rule
def _timing(m: Mapping[str, MetricResult], config: Config) -> Finding | None:
    r = _ok(m, "best_hour")
    if r is None:
        return None
    hour = int(r.value)
    if r.extra.get("clearly_better"):
        return Finding(
            "timing",
            "timing",
            f"Posts at {hour:02d}:00 UTC drew more engagement than your average, and "
            f"the difference holds up ({r.n} posts at that hour).",
            "good",
            0.6,
            {"hour": hour},
            r.n,
        )
    return Finding(
        "timing",
        "timing",
        f"No hour of the day clearly beats the others yet ({hour:02d}:00 UTC looks "
        "best but its interval overlaps your average): post when you can answer.",
        "info",
        0.2,
        {"hour": hour},
        r.n,
    )


def findings(results: list[MetricResult], config: Config) -> list[Finding]:
    """Every finding the results support, ranked for the workspace's objective."""
    by_id = {r.id: r for r in results}
    weights = objective_weights(config.goal.objective)
    found = []
    for rule in _RULES:
        finding = rule(by_id, config)
        if finding is None:
            continue
        score = finding.strength * weights.get(finding.area, 0.6)
        found.append(Finding(**{**finding.__dict__, "score": score}))
    if config.goal.objective is None:
        found.append(
            Finding(
                "no_goal",
                "engagement",
                "Set your goal in rapport.toml ([goal] objective): which way to go "
                "depends on where you want to get to.",
                "warning",
                1.0,
                score=1.0,
            )
        )
    return sorted(found, key=lambda f: (-f.score, f.id))
