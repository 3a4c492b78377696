"""TF-IDF rows of word and character n-grams without scikit-learn, as its vectorizers give them.

scikit-learn's ``TfidfVectorizer`` takes over a second to import and about 185 MiB, and its
analyzers cut every text into n-gram strings, text after text: most of the time of
content-kind scoring went there (about 45 % of an X archive's import). Here texts are cut
once, in Arrow, into their white-space words (:func:`split_texts`), each distinct word is
read once and remembered, and everything per text is array arithmetic:

- :class:`WordwiseCharNgrams`: a word's ``char_wb`` n-grams do not depend on the text around
  it, so a text's counts are its words' counts added up: a sparse product of "which words
  does each text hold" and "which n-grams does each word hold";
- :class:`WordNgrams`: scikit-learn's default tokens (runs of two or more word characters)
  never cross white space, so a text's tokens are its words' tokens in order; word pairs are
  then neighbouring tokens of the same text, looked up as pairs of numbers.

Both take a fitted vocabulary and idf and give the fitted vectorizer's own matrix (sublinear
tf, idf, L2 norm); the tests compare them with scikit-learn's on the labelled corpus and on
awkward texts, so nothing a classifier learned changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Self

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]

__all__ = [
    "CACHE_WORDS",
    "SplitTexts",
    "WordNgrams",
    "WordwiseCharNgrams",
    "char_wb_ngrams",
    "split_texts",
    "tfidf_dot",
    "word_ngrams",
]

CACHE_WORDS: Final = 200_000
"""Distinct words remembered at most per featuriser; the cache starts again when full, so
memory stays bounded however many distinct words an archive holds (about 20 MB at the limit)."""

_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern
_NO_TOKEN: Final = -1


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


@dataclass(frozen=True)
class SplitTexts:
    """Texts lower-cased and cut at white space (as ``str.lower().split()``), every
    occurrence of a word pointing at its distinct word."""

    count: int
    """How many texts."""
    rows: npt.NDArray[np.int64]
    """The text of each word occurrence, in text order then word order."""
    word_ids: npt.NDArray[np.int64]
    """The distinct word of each occurrence (an index into :attr:`words`)."""
    words: list[str]
    """The distinct words."""


def split_texts(texts: Sequence[str]) -> SplitTexts:
    """Cut ``texts`` into words once, for every featuriser of a model.

    Lower-casing is Python's (as scikit-learn's); Arrow's white-space split is the same as
    ``str.split()``'s for every code point (a test checks them all).
    """
    lowered = pa.array([text.lower() for text in texts], pa.large_string())
    lists = pc.utf8_split_whitespace(lowered)
    rows = pc.list_parent_indices(lists)
    words = pc.list_flatten(lists)
    if words.null_count or not pc.all(pc.greater(pc.binary_length(words), 0)).as_py():
        # Arrow keeps an empty word where a text starts or ends with white space (or is
        # empty); str.split() does not
        kept = pc.greater(pc.binary_length(words), 0)
        rows, words = rows.filter(kept), words.filter(kept)
    encoded = words.dictionary_encode()
    return SplitTexts(
        len(texts),
        np.asarray(rows.to_numpy(), dtype=np.int64),
        np.asarray(encoded.indices.to_numpy(), dtype=np.int64),
        encoded.dictionary.to_pylist(),
    )


def _ragged(
    pieces: list[npt.NDArray[np.int64]], picks: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``pieces[picks[0]]``, ``pieces[picks[1]]``… concatenated, and each one's length."""
    sizes = np.fromiter((piece.size for piece in pieces), np.int64, len(pieces))
    flat = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
    starts = np.cumsum(sizes) - sizes
    lengths = sizes[picks]
    total = int(lengths.sum())
    offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return flat[np.repeat(starts[picks], lengths) + offsets], lengths


def _tfidf(
    counts: sp.csr_matrix, idf: npt.NDArray[np.float64], *, sublinear: bool
) -> sp.csr_matrix:
    """Term counts (no duplicate entries) turned into TF-IDF rows with an L2 norm, in place."""
    data = counts.data
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    data *= idf[counts.indices]
    lengths = np.diff(counts.indptr)
    squares = sp.csr_matrix((data * data, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(squares @ np.ones(counts.shape[1]))
    norms[norms == 0] = 1.0
    data /= np.repeat(norms, lengths)
    return counts


def tfidf_dot(
    counts: sp.csr_matrix,
    idf: npt.NDArray[np.float64],
    weights: npt.NDArray[np.float64],
    *,
    sublinear: bool,
) -> npt.NDArray[np.float64]:
    """The TF-IDF rows of ``counts`` times ``weights`` (one row per column of the counts),
    without making the rows: each row's norm is a matrix-vector product of the squared terms,
    and the division comes after the product (a few times less memory and time than
    :func:`_tfidf` on character n-grams, where a text holds some 200 terms)."""
    data = counts.data
    if sublinear:
        np.log(data, out=data)
        data += 1.0
    squares = sp.csr_matrix((data * data, counts.indices, counts.indptr), shape=counts.shape)
    norms = np.sqrt(squares @ (idf * idf))
    norms[norms == 0] = 1.0
    product = np.asarray(counts @ (idf[:, None] * weights))
    product /= norms[:, None]
    return product


class _Ngrams:
    """A fitted vocabulary and idf, and a cache of what each distinct word gives."""

    ANALYZER: ClassVar[str]

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
        self._words: dict[str, npt.NDArray[np.int64]] = {}

    @classmethod
    def from_vectorizer(cls, vectorizer: Any) -> Self:
        """From a fitted scikit-learn ``TfidfVectorizer`` of this analyzer."""
        if (
            vectorizer.analyzer != cls.ANALYZER
            or vectorizer.norm != "l2"
            or not vectorizer.lowercase
        ):
            raise ValueError(
                f"needs a fitted, lower-casing {cls.ANALYZER!r} vectorizer with an L2 norm"
            )
        cls._check(vectorizer)
        return cls(
            dict(vectorizer.vocabulary_),
            np.asarray(vectorizer.idf_, dtype=np.float64),
            ngram_range=tuple(vectorizer.ngram_range),
            sublinear=bool(vectorizer.sublinear_tf),
        )

    @classmethod
    def _check(cls, vectorizer: Any) -> None:
        """Refuse settings the featuriser does not reproduce."""

    def _read(self, word: str) -> npt.NDArray[np.int64]:
        raise NotImplementedError

    def _per_word(self, words: list[str]) -> list[npt.NDArray[np.int64]]:
        """What each of ``words`` gives, read once per distinct word and remembered."""
        cache = self._words
        found: list[npt.NDArray[np.int64]] = []
        for word in words:
            given = cache.get(word)
            if given is None:
                given = self._read(word)
                if len(cache) >= CACHE_WORDS:
                    cache.clear()
                cache[word] = given
            found.append(given)
        return found

    def counts(self, split: SplitTexts) -> sp.csr_matrix:
        """Each text's count of each vocabulary n-gram (no duplicate entries)."""
        raise NotImplementedError

    def dot(self, split: SplitTexts, weights: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """:meth:`transform_split` times ``weights``, computed without the rows."""
        return tfidf_dot(self.counts(split), self._idf, weights, sublinear=self._sublinear)

    def transform_split(self, split: SplitTexts) -> sp.csr_matrix:
        """TF-IDF rows of texts already cut by :func:`split_texts`."""
        return _tfidf(self.counts(split), self._idf, sublinear=self._sublinear)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``texts``, as the fitted vectorizer's ``transform`` gives them."""
        return self.transform_split(split_texts(texts))


class WordwiseCharNgrams(_Ngrams):
    """``char_wb`` TF-IDF rows: each distinct word's n-grams counted once."""

    ANALYZER = "char_wb"

    def _read(self, word: str) -> npt.NDArray[np.int64]:
        vocabulary = self._vocabulary
        grams = char_wb_ngrams(word, *self._range)
        return np.fromiter((vocabulary[g] for g in grams if g in vocabulary), np.int64)

    def counts(self, split: SplitTexts) -> sp.csr_matrix:
        per_word = self._per_word(split.words)
        sizes = np.fromiter((columns.size for columns in per_word), np.int64, len(per_word))
        columns = np.concatenate(per_word) if per_word else np.zeros(0, np.int64)
        word_grams = sp.csr_matrix(
            (np.ones(columns.size), columns, np.concatenate([[0], np.cumsum(sizes)])),
            shape=(len(per_word), self._idf.size),
        )
        text_words = sp.csr_matrix(
            (
                np.ones(split.word_ids.size),
                split.word_ids,
                np.concatenate([[0], np.cumsum(np.bincount(split.rows, minlength=split.count))]),
            ),
            shape=(split.count, len(per_word)),
        )
        counts: sp.csr_matrix = text_words @ word_grams
        return counts


class WordNgrams(_Ngrams):
    """Word n-gram TF-IDF rows, as scikit-learn's default word analyzer reads texts."""

    ANALYZER = "word"

    def __init__(
        self,
        vocabulary: Mapping[str, int],
        idf: npt.NDArray[np.float64],
        *,
        ngram_range: tuple[int, int],
        sublinear: bool,
    ) -> None:
        super().__init__(vocabulary, idf, ngram_range=ngram_range, sublinear=sublinear)
        tokens: dict[str, int] = {}
        for gram in self._vocabulary:
            for token in gram.split(" "):
                tokens.setdefault(token, len(tokens))
        self._tokens = tokens
        """Every token some vocabulary n-gram holds; other tokens can be in none."""
        self._base = max(len(tokens), 1)
        if self._base ** ngram_range[1] >= 2**62:
            raise ValueError(f"n-grams up to {ngram_range[1]} words are too long to number")
        self._columns: dict[int, tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]] = {}
        for n in range(ngram_range[0], ngram_range[1] + 1):
            grams = [(g, c) for g, c in self._vocabulary.items() if g.count(" ") == n - 1]
            numbers = np.asarray(
                [self._number([tokens[t] for t in g.split(" ")]) for g, _ in grams], np.int64
            )
            order = np.argsort(numbers)
            columns = np.asarray([c for _, c in grams], np.int64)
            self._columns[n] = (numbers[order], columns[order])

    @classmethod
    def _check(cls, vectorizer: Any) -> None:
        if vectorizer.token_pattern != _TOKEN.pattern or vectorizer.tokenizer is not None:
            raise ValueError("needs scikit-learn's default token pattern")

    def _number(self, ids: list[int]) -> int:
        number = 0
        for token in ids:
            number = number * self._base + token
        return number

    def _read(self, word: str) -> npt.NDArray[np.int64]:
        tokens = self._tokens
        return np.fromiter((tokens.get(t, _NO_TOKEN) for t in _TOKEN.findall(word)), np.int64)

    def counts(self, split: SplitTexts) -> sp.csr_matrix:
        tokens, lengths = _ragged(self._per_word(split.words), split.word_ids)
        rows = np.repeat(split.rows, lengths)
        found_rows: list[npt.NDArray[np.int64]] = []
        found_columns: list[npt.NDArray[np.int64]] = []
        for n, (numbers, columns) in self._columns.items():
            if tokens.size < n or numbers.size == 0:
                continue
            last = tokens.size - n + 1
            number = tokens[:last].copy()
            known = tokens[:last] != _NO_TOKEN
            for step in range(1, n):
                following = tokens[step : last + step]
                known &= (following != _NO_TOKEN) & (rows[step : last + step] == rows[:last])
                number = number * self._base + following
            where = np.searchsorted(numbers, number).clip(max=numbers.size - 1)
            hit = known & (numbers[where] == number)
            found_rows.append(rows[:last][hit])
            found_columns.append(columns[where[hit]])
        row = np.concatenate(found_rows) if found_rows else np.zeros(0, np.int64)
        column = np.concatenate(found_columns) if found_columns else np.zeros(0, np.int64)
        counts = sp.csr_matrix(
            (np.ones(row.size), (row, column)), shape=(split.count, self._idf.size)
        )
        counts.sum_duplicates()
        return counts
