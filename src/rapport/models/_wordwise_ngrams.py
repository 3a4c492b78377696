"""Character n-grams within words, worked out once per distinct word.

scikit-learn's ``TfidfVectorizer(analyzer="char_wb")`` cuts every text into its words and
each word into n-grams, text after text: most of the time of content-kind scoring went there
(about 45 % of an X archive's import). The n-grams of a word do not depend on the text
around it, and posts share most of their words, so :class:`WordwiseCharNgrams` keeps each
word's columns in a cache and only adds them up per text. The matrix is the fitted
vectorizer's own (same vocabulary, idf, sublinear tf and L2 norm; the tests compare them
on the labelled corpus and on generated posts), so nothing the classifier learned changes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["CACHE_WORDS", "WordwiseCharNgrams"]

CACHE_WORDS: Final = 200_000
"""Distinct words kept at most; the cache starts again when full, so memory stays bounded
however many distinct words an archive holds (about 20 MB at the limit)."""

_WHITE_SPACES = re.compile(r"\s\s+")  # as scikit-learn's, so the words are the same


class WordwiseCharNgrams:
    """The transform of a fitted ``char_wb`` ``TfidfVectorizer``, one word at a time."""

    def __init__(self, vectorizer: TfidfVectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or vectorizer.norm != "l2":
            raise ValueError("WordwiseCharNgrams needs a fitted char_wb vectorizer, L2 norm")
        self._vocabulary: dict[str, int] = vectorizer.vocabulary_
        self._idf: npt.NDArray[np.float64] = np.asarray(vectorizer.idf_, dtype=np.float64)
        self._sublinear = bool(vectorizer.sublinear_tf)
        self._lowercase = bool(vectorizer.lowercase)
        self._analyze = vectorizer.build_analyzer()
        self._words: dict[str, npt.NDArray[np.int32]] = {}

    def _columns(self, word: str) -> npt.NDArray[np.int32]:
        found = self._words.get(word)
        if found is None:
            vocabulary = self._vocabulary
            found = np.fromiter(
                (vocabulary[g] for g in self._analyze(word) if g in vocabulary), dtype=np.int32
            )
            if len(self._words) >= CACHE_WORDS:
                self._words.clear()
            self._words[word] = found
        return found

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``, as ``vectorizer.transform(texts)`` gives them."""
        pieces: list[npt.NDArray[np.int32]] = []
        ends = np.zeros(len(texts) + 1, dtype=np.int64)
        total = 0
        for row, text in enumerate(texts):
            if self._lowercase:
                text = text.lower()
            for word in _WHITE_SPACES.sub(" ", text).split():
                columns = self._columns(word)
                pieces.append(columns)
                total += columns.size
            ends[row + 1] = total
        indices = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        matrix = sp.csr_matrix(
            (np.ones(indices.size, dtype=np.float64), indices, ends),
            shape=(len(texts), self._idf.size),
        )
        matrix.sum_duplicates()
        if self._sublinear:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1.0
        matrix.data *= self._idf[matrix.indices]
        lengths = np.diff(matrix.indptr)
        rows = np.repeat(np.arange(len(texts)), lengths)
        norms = np.sqrt(np.bincount(rows, weights=matrix.data**2, minlength=len(texts)))
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, lengths)
        return matrix
