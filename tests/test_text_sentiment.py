"""The lexicon fix: VADER's misreadings of emoji and slang are fixed, nothing else moves.

Since the shipped model (tests/test_text_sentiment_model.py) these tests check
``vader_scores``, the fixed VADER that is one of the model's features; before, they checked
``sentiment_scores``, which was that scorer."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.models.sentiment import (
    MEANING_VALENCES,
    _analyzer,
    _token,
    rewrite_for_vader,
    vader_scores,
)
from rapport.text import sentiment_label, sentiment_labels, sentiment_scores

PLAIN_VADER = SentimentIntensityAnalyzer()
Scorer = Callable[[Iterable[str | None]], npt.NDArray[np.float64]]


def plain(text: str) -> float:
    return float(PLAIN_VADER.polarity_scores(text)["compound"])


def rapport_score(text: str) -> float:
    return float(vader_scores([text])[0])


# (text, the sign rapport must give) for what stack-notes.md lists as misread, and more.
MISREAD = [
    ("🔥", 1),
    ("this is fire 🔥", 1),
    ("🔥🔥🔥", 1),
    ("💀", 1),
    ("I'm dead 💀", 1),
    ("im dead lmao", 1),
    ("👍", 1),
    ("👍🏽", 1),
    ("❤️", 1),
    ("🙄", -1),
    ("the launch party was lit", 1),
    ("lit", 1),
    ("this track slaps", 1),
    ("sourdough slaps so hard", 1),
    ("the croissant was mid", -1),
    ("kinda mid tbh", -1),
    ("Mid.", -1),
    ("you killed it!!", 1),
    ("the new menu is fire", 1),
    ("that's fire", 1),
    ("no cap best bread in town", 1),
    ("🤮", -1),
    ("🤦‍♀️", -1),
]


@pytest.mark.parametrize(("text", "sign"), MISREAD)
def test_misread_emoji_and_slang_score_with_the_right_sign(text: str, sign: int) -> None:
    score = rapport_score(text)
    assert np.sign(score) == sign, (text, score)
    assert sentiment_label(score) == ("positive" if sign > 0 else "negative")


@pytest.mark.parametrize(
    "text", ["🔥", "💀", "👍", "❤️", "🙄", "lit", "this track slaps", "the croissant was mid"]
)
def test_plain_vader_misreads_what_stack_notes_says(text: str) -> None:
    """The reason for the fix: plain VADER gives 0 or the wrong sign."""
    expected = -1 if text in ("🙄", "the croissant was mid") else 1
    assert np.sign(plain(text)) != expected


def test_ngl_is_a_neutral_hedge_and_never_a_negation() -> None:
    assert rapport_score("ngl") == 0.0
    assert rapport_score("ngl this is good") == plain("this is good") > 0
    assert rapport_score("ngl this is bad") == plain("this is bad") < 0


ORDINARY = [
    "We had a fire in the kitchen",
    "There was a fire.",
    "there was fire in the bakery last night",
    "The kitchen is on fire!",
    "We lit the candles for the dinner service",
    "The path to the shop is well lit.",
    "She slaps the dough onto the bench",
    "In mid July we close for two weeks",
    "Please take out the trash bags",
    "The frost killed it",
    "Thanks so much, see you Saturday!",
    "This was the worst service I've ever had.",
    "Do you ship to Harbourside?",
    "The bread was fine but the coffee was cold",
    "Absolutely LOVE this place :)",
    "Not bad at all",
    "I am so disappointed, the order never arrived",
    "lol why is this on my feed",
    "😂😂 brilliant",
    "Best cinnamon bun in town 😍",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_sentences_score_exactly_as_plain_vader(text: str) -> None:
    assert rewrite_for_vader(text) == text
    assert rapport_score(text) == plain(text)


def test_a_kitchen_fire_is_still_bad_news() -> None:
    assert rapport_score("we had a fire in the kitchen") < -0.05
    assert rapport_score("we had a fire in the kitchen") == plain("we had a fire in the kitchen")


def test_private_tokens_are_unknown_to_plain_vader() -> None:
    for meaning in MEANING_VALENCES:
        assert _token(meaning) not in PLAIN_VADER.lexicon
        assert _token(meaning).isalpha()


def test_one_analyzer_per_process() -> None:
    assert _analyzer() is _analyzer()


@pytest.mark.parametrize("scorer", [vader_scores, sentiment_scores])
def test_scores_are_vectorised_with_nan_for_missing_text(scorer: Scorer) -> None:
    scores = scorer(["Love this!", None, "", "   ", "This is awful"])
    assert scores.dtype == np.float64
    assert scores.shape == (5,)
    assert scores[0] > 0.05 and scores[4] < -0.05
    assert all(math.isnan(value) for value in scores[1:4])
    assert scorer([]).shape == (0,)


def test_labels_use_vaders_cut_points() -> None:
    assert sentiment_labels([0.05, 0.0499, 0.0, -0.0499, -0.05, math.nan]) == [
        "positive",
        "neutral",
        "neutral",
        "neutral",
        "negative",
        None,
    ]


def test_fire_emoji_beside_a_real_fire_is_not_praise() -> None:
    text = "the kitchen is on fire 🔥 send help"
    assert "rapporthype" not in rewrite_for_vader(text)
    assert rapport_score(text) < 0.05
    assert "rapporthype" in rewrite_for_vader("this is fire 🔥")
