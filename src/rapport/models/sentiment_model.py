"""The shipped three-class sentiment model: word n-grams weighed Naive-Bayes style, plus VADER.

Features: which word 1–2-grams a text contains (hashed, so no vocabulary is stored), and
VADER's compound, positive, negative and neutral scores of the text after rapport's emoji and
slang fix, with the compound also cut into nine bands so that a linear model can bend. Each
class has its own one-against-the-rest logistic regression over the n-grams scaled by their
Naive-Bayes log-count ratio for that class (NBSVM, Wang and Manning 2012), which does better
than plain TF-IDF on a few thousand labelled texts; the three scores become P(negative),
P(neutral) and P(positive) by a softmax. As the n-grams are 0 or 1, ratio × weight is stored
as one number per n-gram and class. The weights live in ``data/sentiment_model.npz`` (numbers
only, no pickle), loaded once per process; ``tools/train_sentiment.py`` rebuilds the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.model_selection import train_test_split

__all__ = [
    "MODEL_PATH",
    "SentimentModel",
    "default_model",
    "dense_features",
    "held_out_split",
    "load_tweeteval",
    "presence",
]

MODEL_PATH: Final = Path(__file__).parent / "data" / "sentiment_model.npz"
WORD_FEATURES: Final = 2**16
HELD_OUT_SHARE: Final = 0.25
HELD_OUT_SEED: Final = 16
COMPOUND_BANDS: Final = (-0.75, -0.5, -0.25, -0.05, 0.05, 0.25, 0.5, 0.75)
"""Edges of the nine bands of VADER's compound score given to the model as indicators."""

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")


def _normalise(text: str) -> str:
    return _MENTION.sub("@user", _URL.sub("http", text.lower()))


@cache
def _words() -> HashingVectorizer:
    return HashingVectorizer(
        preprocessor=_normalise,
        token_pattern=r"(?u)[#@]?\b\w+\b|[^\w\s]",
        ngram_range=(1, 2),
        n_features=WORD_FEATURES,
        alternate_sign=False,
        binary=True,
        norm=None,
    )


def presence(texts: list[str]) -> sp.csr_matrix:
    """1 where a text contains a word 1–2-gram (by its hash), else 0."""
    return _words().transform(texts).tocsr()


def dense_features(polarities: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """VADER's four scores (rows of :func:`~rapport.models.sentiment.vader_polarities`),
    an indicator of the compound's band, and whether any word was positive or negative."""
    bands = np.eye(len(COMPOUND_BANDS) + 1)[np.searchsorted(COMPOUND_BANDS, polarities[:, 0])]
    some = (polarities[:, 1:3] > 0).astype(np.float64)
    return np.hstack([polarities, bands, some])


@dataclass(frozen=True)
class SentimentModel:
    """Fitted weights; classes (rows) are 0 negative, 1 neutral, 2 positive."""

    words: npt.NDArray[np.float32]
    """Per class and hashed n-gram: the Naive-Bayes ratio times the regression's weight."""
    dense: npt.NDArray[np.float64]
    """Per class, the weights of :func:`dense_features`."""
    intercept: npt.NDArray[np.float64]
    cut_positive: float
    """P(positive) − P(negative) at or above this is positive."""
    cut_negative: float
    """P(positive) − P(negative) at or below this is negative."""
    neutral_at: float
    """P(neutral) at or above this is neutral whatever the other two say."""

    def probabilities(
        self, texts: list[str], polarities: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """P(negative), P(neutral), P(positive) per text (rows)."""
        return self.probabilities_of(presence(texts), polarities)

    def probabilities_of(
        self, words: sp.csr_matrix, polarities: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Probabilities from :func:`presence` and VADER's scores already computed."""
        logits = np.asarray(words @ self.words.T.astype(np.float64))
        logits += dense_features(polarities) @ self.dense.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def classes_of(self, probabilities: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        """0, 1 or 2 per row of probabilities: neutral where P(neutral) reaches
        :attr:`neutral_at`, else by the cut points on P(positive) − P(negative)."""
        margins = probabilities[:, 2] - probabilities[:, 0]
        by_margin = np.where(
            margins >= self.cut_positive, 2, np.where(margins <= self.cut_negative, 0, 1)
        )
        return np.where(probabilities[:, 1] >= self.neutral_at, 1, by_margin).astype(np.int64)

    def scores(
        self, probabilities: npt.NDArray[np.float64], positive_at: float, negative_at: float
    ) -> npt.NDArray[np.float64]:
        """P(positive) − P(negative) mapped piecewise-linearly onto −1 … +1 so that the
        fitted cut points land on ``positive_at`` and ``negative_at``, and held inside them
        where P(neutral) decides: labels by those fixed thresholds then agree with
        :meth:`classes_of`."""
        margins = probabilities[:, 2] - probabilities[:, 0]
        high, low = self.cut_positive, self.cut_negative
        above = positive_at + (1 - positive_at) * (margins - high) / (1 - high)
        below = negative_at - (1 + negative_at) * (low - margins) / (1 + low)
        between = negative_at + (positive_at - negative_at) * (
            np.clip(margins, low, high) - low
        ) / (high - low)
        # Keep the cut points exact despite rounding: ≥ high is positive, ≤ low negative.
        between = np.clip(between, np.nextafter(negative_at, 0), np.nextafter(positive_at, 0))
        result = np.where(margins >= high, above, np.where(margins <= low, below, between))
        result = np.where(probabilities[:, 1] >= self.neutral_at, between, result)
        return np.asarray(np.clip(result, -1.0, 1.0), dtype=np.float64)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            words=self.words.astype(np.float16),
            dense=self.dense,
            intercept=self.intercept,
            cuts=np.asarray([self.cut_positive, self.cut_negative, self.neutral_at]),
        )

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            cuts = data["cuts"]
            return cls(
                words=data["words"].astype(np.float32),
                dense=data["dense"].astype(np.float64),
                intercept=data["intercept"].astype(np.float64),
                cut_positive=float(cuts[0]),
                cut_negative=float(cuts[1]),
                neutral_at=float(cuts[2]),
            )


@cache
def default_model() -> SentimentModel:
    """The shipped model, loaded once per process."""
    return SentimentModel.load(MODEL_PATH)


def load_tweeteval(data: Path) -> tuple[list[str], npt.NDArray[np.int64]]:
    """TweetEval's sentiment validation tweets and labels (0 neg, 1 neu, 2 pos)."""
    folder = data / "tweeteval_val"
    texts = (folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    labels = np.loadtxt(folder / "val_labels.txt", dtype=np.int64)
    if len(texts) != len(labels):
        raise ValueError(f"{folder}: {len(texts)} texts but {len(labels)} labels")
    return [text.strip() for text in texts], labels


def held_out_split(
    labels: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Indices (train, held out): a fixed stratified 25 % is held out, never trained on."""
    train, held = train_test_split(
        np.arange(len(labels)),
        test_size=HELD_OUT_SHARE,
        stratify=labels,
        random_state=HELD_OUT_SEED,
    )
    return np.sort(train).astype(np.int64), np.sort(held).astype(np.int64)
