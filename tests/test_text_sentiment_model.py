"""The shipped sentiment model, measured on tweets it never saw, through the public path."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import recall_score

from rapport.models.sentiment_model import MODEL_PATH, held_out_split, load_tweeteval
from rapport.text import sentiment_labels, sentiment_scores

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sentiment"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "text.md"
TOLERANCE = 0.005
LABELS = {0: "negative", 1: "neutral", 2: "positive"}


def stated_figure() -> float:
    """The held-out macro recall docs/text.md states."""
    match = re.search(r"held-out macro-averaged recall \*\*(0\.\d+)\*\*", DOCS.read_text())
    assert match is not None, "docs/text.md must state the held-out figure"
    return float(match.group(1))


@pytest.mark.skipif(not DATA.is_dir(), reason="labelled data in ../shared/data is not here")
def test_held_out_macro_recall_is_what_the_docs_state() -> None:
    texts, labels = load_tweeteval(DATA)
    _, held = held_out_split(labels)
    predicted = sentiment_labels(sentiment_scores([texts[i] for i in held]))
    truth = [LABELS[int(labels[i])] for i in held]
    figure = float(recall_score(truth, predicted, average="macro"))
    assert figure >= stated_figure() - TOLERANCE, figure
    if stated_figure() >= 0.63:
        assert figure >= 0.63


def test_model_file_is_small_numbers_only() -> None:
    assert MODEL_PATH.stat().st_size < 5_000_000
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        assert set(data.files) == {"words", "dense", "intercept", "cuts"}


def test_a_kitchen_fire_is_not_positive() -> None:
    assert sentiment_labels(sentiment_scores(["the kitchen is on fire 🔥 send help"])) != [
        "positive"
    ]


NEUTRAL = [
    "The shop opens at 9 on Saturday.",
    "Do you ship to Harbourside?",
    "The new menu goes live next week.",
    pytest.param(
        "We moved to 12 Mill Street.",
        marks=pytest.mark.xfail(
            strict=True,
            reason="known weakness (docs/text.md): P(neutral) 0.58 is under the 0.60 rule "
            "and P(pos) - P(neg) is under the 0.00 cut, so the label is negative",
        ),
    ),
    "Is the bakery open on Monday?",
]


@pytest.mark.parametrize("text", NEUTRAL)
def test_plain_neutral_sentences_stay_neutral(text: str) -> None:
    assert sentiment_labels(sentiment_scores([text])) == ["neutral"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Absolutely love this place, best bread in town!", "positive"),
        ("This was the worst service I've ever had.", "negative"),
    ],
)
def test_clear_cases(text: str, label: str) -> None:
    assert sentiment_labels(sentiment_scores([text])) == [label]


def test_labels_agree_with_the_model_classes() -> None:
    from rapport.models.sentiment import vader_polarities
    from rapport.models.sentiment_model import default_model

    texts = ["I love it", "meh", "awful, never again", "see you at 5", "not bad at all"]
    model = default_model()
    classes = model.classes_of(model.probabilities(texts, vader_polarities(texts)))
    assert sentiment_labels(sentiment_scores(texts)) == [LABELS[int(c)] for c in classes]
