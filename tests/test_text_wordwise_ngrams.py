"""Word and character n-grams read without scikit-learn give its fitted vectorizers' matrix."""

from __future__ import annotations

import random

import numpy as np
import pytest

from rapport.models import _wordwise_ngrams
from rapport.models._wordwise_ngrams import WordNgrams, WordwiseCharNgrams
from rapport.text import default_classifier, load_labelled_posts

AWKWARD = [
    "",
    " ",
    "a",
    "Ça  va\u00a0bien?  NEW\tmenu\n\n#Bakery 🔥🔥 https://x.example/ab?c=1",
    "ÉCOLE  école ÉCOLE",
    "I\u2028LOVE\u3000it",
    "word " * 50,
]


def _texts() -> list[str]:
    texts, _ = load_labelled_posts()
    rng = random.Random(3)
    shuffled = [
        " ".join(rng.choice(text.split()) for _ in range(rng.randint(1, 30)))
        for text in texts
        for _ in range(2)
    ]
    return texts + AWKWARD + shuffled


def _chars_vectorizer():  # type: ignore[no-untyped-def]
    return dict(default_classifier().vectorizer_.transformer_list)["chars"]


def _words_vectorizer():  # type: ignore[no-untyped-def]
    return dict(default_classifier().vectorizer_.transformer_list)["words"]


@pytest.mark.parametrize(
    ("fitted", "ours"),
    [(_chars_vectorizer, WordwiseCharNgrams), (_words_vectorizer, WordNgrams)],
    ids=["characters", "words"],
)
def test_same_matrix_as_the_fitted_vectorizer(fitted, ours) -> None:  # type: ignore[no-untyped-def]
    texts = _texts()
    vectorizer = fitted()
    expected = vectorizer.transform(texts).toarray()
    got = ours.from_vectorizer(vectorizer).transform(texts).toarray()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_the_classifier_scores_through_it() -> None:
    classifier = default_classifier()
    texts = _texts()[:200]
    direct = classifier.model_.predict_proba(classifier.vectorizer_.transform(texts))
    np.testing.assert_allclose(classifier.predict_proba(texts), direct, atol=1e-12)


def test_the_word_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wordwise_ngrams, "CACHE_WORDS", 50)
    vectorizer = _chars_vectorizer()
    wordwise = WordwiseCharNgrams.from_vectorizer(vectorizer)
    texts = [f"word{i} other{i} again{i}" for i in range(400)]
    got = wordwise.transform(texts).toarray()
    assert len(wordwise._words) <= 50
    np.testing.assert_allclose(got, vectorizer.transform(texts).toarray(), rtol=0, atol=1e-12)


def test_refuses_a_vectorizer_of_another_kind() -> None:
    with pytest.raises(ValueError, match="char_wb"):
        WordwiseCharNgrams.from_vectorizer(_words_vectorizer())
    with pytest.raises(ValueError, match="'word'"):
        WordNgrams.from_vectorizer(_chars_vectorizer())
