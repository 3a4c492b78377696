"""The content plan's words: why each slot is where it is, what it is, and an idea for it."""

from __future__ import annotations

from rapport.strategy.calendar.model import WEEKDAYS, Evidence, SlotStat

__all__ = [
    "KIND_LABELS",
    "MIX_WEIGHTS",
    "WEEKDAYS",
    "hour_reason",
    "idea_for",
    "kind_reason",
    "weekday_reason",
]

MIX_WEIGHTS: dict[str, float] = {
    "question": 1.5, "educational": 1.5, "news": 1.0, "behind_the_scenes": 1.0,
}  # fmt: skip
"""Base weights of the mix, before each kind's measured lift: useful resources and
questions lead (the seeds: "high-quality, useful information ... at the top of your list";
"ask questions and request feedback")."""
KIND_LABELS = {
    "question": "a question", "educational": "an evergreen resource", "news": "a news share",
    "behind_the_scenes": "behind the scenes", "throwback": "Throwback Thursday",
    "promo": "a promotion",
}  # fmt: skip
_NOUNS = {
    "question": "question", "educational": "resource", "news": "news share",
    "behind_the_scenes": "behind-the-scenes post", "throwback": "throwback",
    "promo": "promotion",
}  # fmt: skip
_WHAT = {
    "question": "A question: social means social, so ask, then answer everyone who replies",
    "educational": "An evergreen resource: useful information people save and come back to",
    "news": "A news share: a relevant story from your field, with your take",
    "behind_the_scenes": "Behind the scenes: people connect with the people behind a business",
    "throwback": "The weekly throwback: an old photo or story for Throwback Thursday",
}
_IDEAS = {
    "question": (
        "Ask which of two things people prefer: answerable in one word.",
        "Ask for feedback on something you are planning, and say what you will do with it.",
        "Ask people to share how they use what you make.",
    ),
    "educational": (
        "A how-to answering a question customers often ask you.",
        "A short guide or checklist worth saving.",
        "Three tips from your trade, one line each.",
    ),
    "news": (
        "A story from your field this week, with one line on what it means for your customers.",
        "A local event or change your customers should know about.",
    ),
    "behind_the_scenes": (
        "Show how something is made, start to finish.",
        "Introduce someone on the team and what they care about.",
        "A mistake you made and what you learned from it.",
    ),
    "throwback": (
        "An old photo of the business, the team or an early product, and the story behind it.",
        "How something you make looked in your first year, beside today's.",
    ),
    "promo": (
        "One offer and one link, tagged with `rapport utm` so the conversions it brings count.",
        "A product shown in use by a customer (with their permission), and where to get it.",
    ),
}


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _stat(stats: list[SlotStat], slot: int) -> SlotStat | None:
    return next((s for s in stats if s.slot == slot), None)


def weekday_reason(weekday: int, kind: str, best: list[SlotStat], evidence: Evidence) -> str:
    stat = _stat(best, weekday)
    overall = evidence.overall_rate
    if stat is not None and overall is not None:
        text = (
            f"your posts on {WEEKDAYS[weekday]}s drew {_percent(stat.mean_rate)} engagement "
            f"against {_percent(overall)} overall ({stat.posts} posts, 95 % interval "
            f"{_percent(stat.low or 0.0)} to {_percent(stat.high or 0.0)})."
        )
    elif kind == "throwback":
        text = "Thursday is Throwback Thursday."
    elif evidence.missing:
        text = f"posts are spread across the week ({evidence.missing})."
    elif best:
        text = "posts are spread across the rest of the week."
    else:
        text = "no weekday clearly does better in your data, so posts are spread across the week."
    if kind == "throwback" and stat is not None:
        text += " Thursday is Throwback Thursday."
    return text


def hour_reason(hour: int, best: list[SlotStat], evidence: Evidence) -> str:
    stat = _stat(best, hour)
    overall = evidence.overall_rate
    if stat is not None and overall is not None:
        return (
            f"{hour:02d}:00 is one of your best hours: posts then drew "
            f"{_percent(stat.mean_rate)} against {_percent(overall)} overall ({stat.posts} posts)."
        )
    if evidence.missing:
        why = evidence.missing
    elif best:
        why = "your best hours are already taken that day"
    else:
        why = "no hour clearly does better in your data"
    return f"{hour:02d}:00 is a sensible default ({why}); move it to suit your audience."


def _evidence(kind: str, evidence: Evidence) -> str:
    lifted = evidence.lift(kind)
    if lifted is not None:
        lift, stat = lifted
        return f"; yours drew {lift:.1f}× your average engagement ({stat.posts} posts)"
    few = next((k for k in evidence.kinds if k.kind == kind), None)
    if few is not None:
        return f"; only {few.posts} so far, too few to judge"
    if evidence.missing:
        return ""
    return "; none in your data yet, worth a try"


def kind_reason(kind: str, evidence: Evidence, *, promo: int, posts: int, ceiling: float) -> str:
    if kind == "promo":
        return (
            f"A promotion: {promo} of {posts} posts this week ({100 * promo / posts:.0f} %), "
            f"within your {100 * ceiling:.0f} % ceiling"
        )
    return _WHAT[kind] + _evidence(kind, evidence)


def idea_for(kind: str, index: int, evidence: Evidence) -> str:
    """An idea for the ``index``-th slot of ``kind``: first the best example, then others."""
    ideas = list(_IDEAS[kind])
    example = evidence.examples.get(kind)
    if example is not None:
        if example.answers:
            ideas.insert(
                0,
                f"Follow up on your question '{example.text}', which drew {example.answers} "
                "answers: ask the next thing.",
            )
        elif example.rate:  # never a post with 0 % engagement as "your best"
            ideas.insert(
                0,
                f"Another like your best {_NOUNS[kind]} so far, '{example.text}' "
                f"({_percent(example.rate)} engagement).",
            )
    return ideas[index % len(ideas)]
