"""Reply sentiment: the shipped model, over VADER plus fixes for the emoji and slang it misreads.

:func:`sentiment_scores` is the shipped model of :mod:`rapport.models.sentiment_model`
(hashed TF-IDF n-grams and the fixed VADER's scores, logistic regression); its score is
mapped so that :func:`sentiment_label`'s ±0.05 cut points give the model's classes.
:func:`vader_scores` is the fixed VADER alone, described below.

VADER (``vaderSentiment`` 3.3.2) turns each emoji into its English name and scores the
words, so 🔥 becomes "fire" (−0.34), and 💀 👍 🙄 score 0 because "skull", "thumbs up"
and "face with rolling eyes" are not in its lexicon. ❤️ scores 0 only because the
invisible variation selector U+FE0F sticks to "heart". Slang such as "lit", "slaps" and
"mid" is missing from the lexicon altogether.

The fix never edits an ordinary word. Before VADER sees a text, each emoji of
:data:`EMOJI_MEANINGS` and each slang use of :data:`SLANG_RULES` is replaced by a private
token (``rapporthype``, ``rapportlaugh`` …) that only rapport's copy of the lexicon knows,
with the valence of :data:`MEANING_VALENCES`. 🔥 stays as VADER reads it ("fire") where the
reply is about a real fire (:data:`_LITERAL_FIRE`). "We had a fire in the kitchen" still scores
as plain VADER scores it; "this is fire 🔥" scores positive. Texts with none of these
emoji or slang pass through unchanged, so they score exactly as with plain VADER.

Slang is only rewritten where it is used as slang: "lit", "mid", "fire" and "trash" as a
complement ("the gig was lit", "honestly mid", "this is fire") or a whole reply; "slaps"
with no object after it ("this track slaps", not "she slaps the dough"). The rules are
heuristics, listed and tested example by example in ``docs/text.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

__all__ = [
    "EMOJI_MEANINGS",
    "MEANING_VALENCES",
    "NEGATIVE_AT_MOST",
    "POSITIVE_AT_LEAST",
    "SLANG_RULES",
    "SentimentLabel",
    "SlangRule",
    "rewrite_for_vader",
    "sentiment_label",
    "sentiment_labels",
    "sentiment_scores",
    "vader_polarities",
    "vader_scores",
]

SentimentLabel = Literal["positive", "neutral", "negative"]

POSITIVE_AT_LEAST: Final = 0.05
"""A compound score at or above this is ``positive`` (VADER's own convention)."""
NEGATIVE_AT_MOST: Final = -0.05
"""A compound score at or below this is ``negative``; in between is ``neutral``."""

MEANING_VALENCES: Mapping[str, float] = {
    # On VADER's scale (−4 … +4): "great" is 3.1, "good" 1.9, "lol" 1.8, "meh" −0.3.
    "hype": 2.0,  # 🔥, "this is fire", lit, slaps, goated, "killed it"
    "laugh": 1.5,  # 💀 ☠️, "I'm dead": laughing, as "lol" (1.8) and "haha" (2.0)
    "approval": 1.5,  # 👍 👏 🙌 💯 💪
    "love": 2.5,  # 🤍 🫶 (VADER already reads ❤ 💙 💜 … through "heart", 3.2)
    "thanks": 1.5,  # 🙏, like "thanks" (1.9) a little weaker
    "touched": 1.5,  # 🥹
    "yum": 2.0,  # 😋 🤤, like "yummy" (2.4)
    "delight": 2.5,  # 🤩
    "disapproval": -1.5,  # 👎
    "eye_roll": -1.5,  # 🙄 😒
    "mockery": -1.5,  # 🤡
    "facepalm": -1.2,  # 🤦
    "disgust": -2.5,  # 🤢 🤮, like "gross" (−2.1)
    "anger": -2.5,  # 😡 🤬, like "angry" (−2.3)
    "meh": -1.5,  # "mid", "cringe": worse than VADER's "meh" (−0.3), milder than "bad" (−2.5)
    "trash": -2.0,  # "this is trash"
    "hedge": 0.0,  # "no cap": "honestly"; without the fix VADER reads "no" as −1.2
}
"""What each private token means and the valence rapport gives it."""

EMOJI_MEANINGS: Mapping[str, str] = {
    "🔥": "hype",
    "💀": "laugh",
    "☠": "laugh",
    "👍": "approval",
    "👏": "approval",
    "🙌": "approval",
    "💯": "approval",
    "💪": "approval",
    "🤍": "love",
    "🫶": "love",
    "🙏": "thanks",
    "🥹": "touched",
    "😋": "yum",
    "🤤": "yum",
    "🤩": "delight",
    "👎": "disapproval",
    "🙄": "eye_roll",
    "😒": "eye_roll",
    "🤡": "mockery",
    "🤦": "facepalm",
    "🤢": "disgust",
    "🤮": "disgust",
    "😡": "anger",
    "🤬": "anger",
}
"""Emoji VADER misreads (🔥) or does not read (the rest score 0), and what they mean here.

Left as VADER reads them on purpose: 😭 (−0.48; joy as often as grief in replies, so no
guess is better than VADER's), 😂 🤣 😍 🥰 ✨ 🎉 and the coloured hearts (already right).
"""

_CLAUSE_END = (
    r"(?=\s*(?:$|[^\w\s'’]|(?:ngl|tbh|fr|af|lol|lmao|tho|though|honestly|imo|rn|too|"
    r"and|but|bro|fam|today|tonight)\b))"
)
"""Lookahead: the word ends its clause (end, punctuation or emoji, or a trailing hedge)."""

_COMPLEMENT_BEFORE: Final = frozenset({
    "is", "are", "was", "were", "be", "been", "being", "so", "too", "very", "pretty", "kinda",
    "lowkey", "highkey", "literally", "honestly", "absolutely", "straight", "pure", "looks",
    "look", "looked", "looking", "sounds", "sound", "sounded", "tastes", "taste", "tasted",
    "smells", "smelled", "feels", "felt",
})  # fmt: skip
"""Words after which "lit", "mid", "fire" or "trash" is a complement ("this is fire")."""


class SlangRule:
    """One slang pattern: where it matches, and the meaning its slang use takes."""

    def __init__(self, name: str, pattern: str, meaning: str, *, complement: bool) -> None:
        self.name = name
        self.pattern = re.compile(pattern, re.IGNORECASE)
        self.meaning = meaning
        self.complement = complement
        """Only a complement ("was lit", or the whole reply) counts as slang."""

    def replacement(self, match: re.Match[str]) -> str:
        """The private token for a slang use; the words unchanged for any other use."""
        if self.complement and not _is_complement(match.string, match.start()):
            return match.group()
        return _token(self.meaning)

    def __repr__(self) -> str:
        return f"SlangRule({self.name!r}, meaning={self.meaning!r})"


SLANG_RULES: tuple[SlangRule, ...] = (
    SlangRule("lit", r"\blit\b" + _CLAUSE_END, "hype", complement=True),
    SlangRule("fire", r"\bfire\b" + _CLAUSE_END, "hype", complement=True),
    SlangRule("mid", r"\bmid\b" + _CLAUSE_END, "meh", complement=True),
    SlangRule("trash", r"\btrash\b" + _CLAUSE_END, "trash", complement=True),
    SlangRule(
        "slaps", r"\bslaps\b(?:\s+(?:so\s+)?hard\b)?" + _CLAUSE_END, "hype", complement=False
    ),
    SlangRule(
        "killed it",
        r"\b(?:you|u|ya|y['’]?all|guys|they|we|she|he|totally|absolutely|really|seriously|"
        r"just|keep|truly)\s+(?:killed|killing|smashed|smashing|nailed|nailing)\s+it\b",
        "hype",
        complement=False,
    ),
    SlangRule(
        "goated", r"\b(?:goated|bussin'?|slay(?:ed|ing)?|banger)\b", "hype", complement=False
    ),
    SlangRule("cringe", r"\bcringe(?:y)?\b", "meh", complement=False),
    SlangRule(
        "i'm dead",
        r"\b(?:i['’]?m|i\s+am)\s+(?:so\s+|literally\s+|actually\s+)?dead\b" + _CLAUSE_END,
        "laugh",
        complement=False,
    ),
    SlangRule("no cap", r"\bno\s+cap\b", "hedge", complement=False),
)
"""Slang VADER misreads ("fire" −1.4, "killed" −3.5, "dead" −3.3, "no" −1.2) or does not
know ("lit", "slaps", "mid", "goated": 0). "ngl", "tbh", "fr" and "lowkey" are neutral
hedges and stay out of the lexicon, as in plain VADER; "ngl" is never expanded to "not gonna
lie", whose "not" would flip the sentiment of the words after it."""

_TOKEN_PREFIX: Final = "rapport"
_EMOJI_PATTERN = re.compile(
    "(?:"
    + "|".join(re.escape(emoji) for emoji in sorted(EMOJI_MEANINGS, key=len, reverse=True))
    + ")[\U0001f3fb-\U0001f3ff\ufe0f\u200d♀♂]*"
)
"""An emoji of the table with its skin tone, variation selector or gender sign."""
_VARIATION_SELECTOR = "\ufe0f"


def _token(meaning: str) -> str:
    return f"{_TOKEN_PREFIX}{meaning.replace('_', '')}"


def _is_complement(text: str, start: int) -> bool:
    before = text[:start].rstrip()
    if not before or before[-1] in ".!?,;:":
        return True  # the whole reply or clause is the word: "Mid." "fire 🔥"
    words = [word.lower().strip("\"'“”()") for word in before.split()[-2:]]
    previous = words[-1]
    if len(words) == 2 and words[0] == "there":
        return False  # "there was fire", "there's trash": a thing, not a verdict
    if previous.endswith(("'s", "’s", "'re", "’re")):
        return previous not in ("there's", "there’s")  # "it's fire", "they're mid"
    return previous in _COMPLEMENT_BEFORE


_LITERAL_FIRE = re.compile(
    r"\b(?:fire|help|smoke|smoky|smoking|burning|burnt|burned|alarm|emergency|evacuat\w*|"
    r"firefighters?|flames?|911|extinguisher|blaze)\b",
    re.IGNORECASE,
)
"""Words that make 🔥 a real fire: "fire" not used as slang (slang uses are rewritten
first), a call for help, smoke, alarms. "the kitchen is on fire 🔥 send help" is not praise."""


def _emoji_replacement(emoji: str, literal_fire: bool) -> str:
    if literal_fire and emoji[0] == "🔥":
        return emoji  # as VADER reads it: "fire", −0.34
    return f" {_token(EMOJI_MEANINGS[emoji[0]])} "


def rewrite_for_vader(text: str) -> str:
    """``text`` with rapport's emoji and slang replaced by private lexicon tokens.

    Text without them comes back unchanged (apart from U+FE0F, which VADER chokes on).
    """
    for rule in SLANG_RULES:  # before emoji, which count as the end of a clause here
        if rule.pattern.search(text) is not None:
            text = rule.pattern.sub(rule.replacement, text)
    if not text.isascii():
        literal_fire = "🔥" in text and _LITERAL_FIRE.search(text) is not None
        text = _EMOJI_PATTERN.sub(lambda m: _emoji_replacement(m.group(), literal_fire), text)
        text = text.replace(_VARIATION_SELECTOR, "")
    return text


@cache
def _analyzer() -> SentimentIntensityAnalyzer:
    """One analyzer per process, with rapport's private tokens in its lexicon."""
    analyzer = SentimentIntensityAnalyzer()
    for meaning, valence in MEANING_VALENCES.items():
        if valence != 0.0:
            analyzer.lexicon[_token(meaning)] = valence
    return analyzer


def vader_polarities(texts: Iterable[str]) -> npt.NDArray[np.float64]:
    """VADER's compound, pos, neg and neu of each text after :func:`rewrite_for_vader`."""
    analyzer = _analyzer()
    rows = []
    for text in texts:
        scores = analyzer.polarity_scores(rewrite_for_vader(text))
        rows.append((scores["compound"], scores["pos"], scores["neg"], scores["neu"]))
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def vader_scores(texts: Iterable[str | None]) -> npt.NDArray[np.float64]:
    """VADER compound scores (−1 … +1) with rapport's fixes, one per text; NaN if blank.

    The lexicon-fix scorer on its own; :func:`sentiment_scores` uses it as a feature.
    """
    analyzer = _analyzer()
    scores = [
        float(analyzer.polarity_scores(rewrite_for_vader(text))["compound"])
        if text is not None and text.strip()
        else math.nan
        for text in texts
    ]
    return np.asarray(scores, dtype=np.float64)


def sentiment_scores(texts: Iterable[str | None]) -> npt.NDArray[np.float64]:
    """Sentiment (−1 … +1) from the shipped model, one per text; NaN for a blank text.

    The score is P(positive) − P(negative) of :mod:`rapport.models.sentiment_model`, mapped
    piecewise-linearly so that the model's fitted cut points fall on ±0.05: the labels of
    :func:`sentiment_label` are then the model's classes. A missing or blank text scores NaN:
    there is nothing to read, which is not neutral.
    """
    from rapport.models.sentiment_model import default_model

    values = list(texts)
    scores = np.full(len(values), math.nan, dtype=np.float64)
    present = [i for i, text in enumerate(values) if text is not None and text.strip()]
    if present:
        model = default_model()
        chosen = [str(values[i]) for i in present]
        probabilities = model.probabilities(chosen, vader_polarities(chosen))
        scores[present] = model.scores(probabilities, POSITIVE_AT_LEAST, NEGATIVE_AT_MOST)
    return scores


def sentiment_label(score: float) -> SentimentLabel | None:
    """``positive`` (≥ 0.05), ``negative`` (≤ −0.05) or ``neutral``; None for NaN."""
    if math.isnan(score):
        return None
    if score >= POSITIVE_AT_LEAST:
        return "positive"
    if score <= NEGATIVE_AT_MOST:
        return "negative"
    return "neutral"


def sentiment_labels(scores: Iterable[float]) -> list[SentimentLabel | None]:
    """:func:`sentiment_label` of each score."""
    return [sentiment_label(float(score)) for score in scores]
