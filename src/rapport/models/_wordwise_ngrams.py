"""TF-IDF rows of word and character n-grams without scikit-learn, as its vectorizers give them.

scikit-learn's ``TfidfVectorizer`` takes over a second to import and about 185 MiB, and its
``char_wb`` analyzer cuts every text into its words and each word into n-grams, text after
text: most of the time of content-kind scoring went there (about 45 % of an X archive's
import). Here:

- :class:`WordwiseCharNgrams` keeps each word's character n-gram columns in a cache and only
  adds them up per text (the n-grams of a word do not depend on the text around it, and posts
  share most of their words);
- :class:`WordNgrams` reads words and word pairs as scikit-learn's default word analyzer does.

Both take a fitted vocabulary and idf and give the fitted vectorizer's own matrix (sublinear
tf, idf, L2 norm); the tests compare them with scikit-learn's on the labelled corpus and on
awkward texts, so nothing a classifier learned changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]

__all__ = ["CACHE_WORDS", "WordNgrams", "WordwiseCharNgrams", "char_wb_ngrams", "word_ngrams"]

CACHE_WORDS: Final = 200_000
"""Distinct words kept at most; the cache starts again when full, so memory stays bounded
however many distinct words an archive holds (about 20 MB at the limit)."""

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's, so the words are the same
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


def char_wb_ngrams(word: str, low: int, high: int) -> list[str]:
    """The ``char_wb`` n-grams of one word, padded with a space each side, as scikit-learn
    counts them (a word shorter than n gives itself once)."""
    padded = f" {word} "
    size = len(padded)
    grams = []
    for n in range(low, high + 1):
        if size <= n:
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Words of two or more word characters, then runs of them joined by a space."""
    tokens = _TOKEN.findall(text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return grams


def _tfidf(
    pieces: list[npt.NDArray[np.int32]],
    ends: npt.NDArray[np.int64],
    idf: npt.NDArray[np.float64],
    *,
    sublinear: bool,
) -> sp.csr_matrix:
    """Counts of the columns in ``pieces`` (row ``r`` is ``ends[r]:ends[r + 1]``) turned into
    TF-IDF rows with an L2 norm."""
    rows = len(ends) - 1
    indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    matrix = sp.csr_matrix(
        (np.ones(indices.size, dtype=np.float64), indices, ends), shape=(rows, idf.size)
    )
    matrix.sum_duplicates()
    if sublinear:
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
    matrix.data *= idf[matrix.indices]
    lengths = np.diff(matrix.indptr)
    norms = np.sqrt(
        np.bincount(np.repeat(np.arange(rows), lengths), weights=matrix.data**2, minlength=rows)
    )
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, lengths)
    return matrix


def _fitted(vectorizer: Any, analyzer: str) -> tuple[dict[str, int], npt.NDArray[np.float64]]:
    if vectorizer.analyzer != analyzer or vectorizer.norm != "l2" or not vectorizer.lowercase:
        raise ValueError(f"needs a fitted, lower-casing {analyzer!r} vectorizer with an L2 norm")
    return dict(vectorizer.vocabulary_), np.asarray(vectorizer.idf_, dtype=np.float64)


class WordwiseCharNgrams:
    """``char_wb`` TF-IDF rows, one word at a time (texts are lower-cased first)."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        idf: npt.NDArray[np.float64],
        *,
        ngram_range: tuple[int, int],
        sublinear: bool,
    ) -> None:
        self._vocabulary = dict(vocabulary)
        self._idf = np.asarray(idf, dtype=np.float64)
        self._range = ngram_range
        self._sublinear = sublinear
        self._words: dict[str, npt.NDArray[np.int32]] = {}

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> WordwiseCharNgrams:
        """From a fitted scikit-learn ``TfidfVectorizer(analyzer="char_wb")``."""
        vocabulary, idf = _fitted(vectorizer, "char_wb")
        return cls(
            vocabulary,
            idf,
            ngram_range=tuple(vectorizer.ngram_range),
            sublinear=bool(vectorizer.sublinear_tf),
        )

    def _columns(self, word: str) -> npt.NDArray[np.int32]:
        found = self._words.get(word)
        if found is None:
            vocabulary = self._vocabulary
            grams = char_wb_ngrams(word, *self._range)
            found = np.fromiter((vocabulary[g] for g in grams if g in vocabulary), np.int32)
            if len(self._words) >= CACHE_WORDS:
                self._words.clear()
            self._words[word] = found
        return found

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``, as the fitted vectorizer's ``transform`` gives them."""
        pieces: list[npt.NDArray[np.int32]] = []
        ends = np.zeros(len(texts) + 1, dtype=np.int64)
        total = 0
        columns = self._columns
        for row, text in enumerate(texts):
            for word in _WHITE_SPACES.sub(" ", text.lower()).split():
                found = columns(word)
                pieces.append(found)
                total += found.size
            ends[row + 1] = total
        return _tfidf(pieces, ends, self._idf, sublinear=self._sublinear)


class WordNgrams:
    """Word n-gram TF-IDF rows, as scikit-learn's default word analyzer reads texts."""

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        idf: npt.NDArray[np.float64],
        *,
        ngram_range: tuple[int, int],
        sublinear: bool,
    ) -> None:
        self._vocabulary = dict(vocabulary)
        self._idf = np.asarray(idf, dtype=np.float64)
        self._range = ngram_range
        self._sublinear = sublinear

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> WordNgrams:
        """From a fitted scikit-learn ``TfidfVectorizer`` with the default token pattern."""
        if vectorizer.token_pattern != _TOKEN.pattern or vectorizer.tokenizer is not None:
            raise ValueError("needs scikit-learn's default token pattern")
        vocabulary, idf = _fitted(vectorizer, "word")
        return cls(
            vocabulary,
            idf,
            ngram_range=tuple(vectorizer.ngram_range),
            sublinear=bool(vectorizer.sublinear_tf),
        )

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``, as the fitted vectorizer's ``transform`` gives them."""
        pieces: list[npt.NDArray[np.int32]] = []
        ends = np.zeros(len(texts) + 1, dtype=np.int64)
        total = 0
        vocabulary = self._vocabulary
        low, high = self._range
        for row, text in enumerate(texts):
            grams = word_ngrams(text.lower(), low, high)
            found = np.fromiter((vocabulary[g] for g in grams if g in vocabulary), np.int32)
            pieces.append(found)
            total += found.size
            ends[row + 1] = total
        return _tfidf(pieces, ends, self._idf, sublinear=self._sublinear)


Transform = Callable[[Sequence[str]], sp.csr_matrix]
