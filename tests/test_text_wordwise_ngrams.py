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


def test_words_are_cut_as_python_cuts_them_at_every_code_point() -> None:
    """Arrow's white-space split and Python's ``str.split`` agree on every code point."""
    points = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    texts = [f"a{p}b" for p in points]
    split = _wordwise_ngrams.split_texts(texts)
    per_text = np.bincount(split.rows, minlength=len(texts))
    expected = np.asarray([len(text.lower().split()) for text in texts])
    assert [points[i] for i in np.flatnonzero(per_text != expected)] == []


def test_the_split_keeps_the_order_and_repeats_of_words() -> None:
    split = _wordwise_ngrams.split_texts(["Bread  bread\tRYE", "", "rye"])
    assert split.count == 3
    assert [split.words[i] for i in split.word_ids] == ["bread", "bread", "rye", "rye"]
    assert split.rows.tolist() == [0, 0, 0, 2]


def test_the_product_without_rows_equals_the_rows_times_the_weights() -> None:
    vectorizer = _chars_vectorizer()
    ours = WordwiseCharNgrams.from_vectorizer(vectorizer)
    texts = _texts()[:300]
    weights = np.random.default_rng(1).normal(size=(len(vectorizer.vocabulary_), 4))
    split = _wordwise_ngrams.split_texts(texts)
    expected = ours.transform_split(split) @ weights
    np.testing.assert_allclose(ours.dot(split, weights), expected, rtol=0, atol=1e-12)


def test_word_trigrams_as_scikit_learn_reads_them() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = _texts()
    vectorizer = TfidfVectorizer(ngram_range=(2, 3), sublinear_tf=True).fit(texts[:400])
    expected = vectorizer.transform(texts).toarray()
    got = WordNgrams.from_vectorizer(vectorizer).transform(texts).toarray()
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
