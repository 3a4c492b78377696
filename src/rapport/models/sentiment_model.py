"""The shipped three-class sentiment model: hashed word and character n-grams plus VADER.

Features: TF-IDF of word 1–2-grams and character 2–5-grams (hashed, so no vocabulary is
stored), and VADER's compound, positive, negative and neutral scores of the text after
rapport's emoji and slang fix. A multinomial logistic regression over them gives P(negative),
P(neutral) and P(positive). The weights live in ``data/sentiment_model.npz`` (numbers only,
no pickle), loaded once per process; ``tools/train_sentiment.py`` rebuilds the file.
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
    "Featurizer",
    "SentimentModel",
    "default_model",
    "fit_idf",
    "held_out_split",
    "load_tweeteval",
    "weigh",
]

MODEL_PATH: Final = Path(__file__).parent / "data" / "sentiment_model.npz"
WORD_FEATURES: Final = 2**16
CHAR_FEATURES: Final = 2**17
HELD_OUT_SHARE: Final = 0.25
HELD_OUT_SEED: Final = 16

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")


def _normalise(text: str) -> str:
    return _MENTION.sub("@user", _URL.sub("http", text.lower()))


class Featurizer:
    """Hashed n-gram counts and VADER scores; stateless, so it is built, not loaded."""

    def __init__(self) -> None:
        self.words = HashingVectorizer(
            preprocessor=_normalise,
            token_pattern=r"(?u)[#@]?\b\w+\b|[^\w\s]",
            ngram_range=(1, 2),
            n_features=WORD_FEATURES,
            alternate_sign=False,
            norm=None,
        )
        self.chars = HashingVectorizer(
            preprocessor=_normalise,
            analyzer="char_wb",
            ngram_range=(2, 5),
            n_features=CHAR_FEATURES,
            alternate_sign=False,
            norm=None,
        )

    def counts(self, texts: list[str]) -> sp.csr_matrix:
        """Raw n-gram counts, words then characters."""
        return sp.hstack([self.words.transform(texts), self.chars.transform(texts)], format="csr")

    @staticmethod
    def dense(texts: list[str]) -> npt.NDArray[np.float64]:
        """VADER's compound, pos, neg and neu of each text, after rapport's fixes."""
        from rapport.models.sentiment import vader_polarities

        return vader_polarities(texts)


def fit_idf(counts: sp.csr_matrix) -> npt.NDArray[np.float32]:
    """Smoothed inverse document frequency, as scikit-learn's ``TfidfTransformer``."""
    documents = counts.shape[0]
    frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf: npt.NDArray[np.float32] = (np.log((1 + documents) / (1 + frequency)) + 1).astype(
        np.float32
    )
    return idf


def weigh(
    counts: sp.csr_matrix, idf: npt.NDArray[np.float32], dense: npt.NDArray[np.float64]
) -> sp.csr_matrix:
    """Sublinear TF × IDF, L2-normalised per text, with the dense columns appended."""
    matrix = counts.astype(np.float64)
    matrix.data = 1.0 + np.log(matrix.data)
    matrix = matrix @ sp.diags(idf.astype(np.float64))
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix = sp.diags(1.0 / norms) @ matrix
    return sp.hstack([matrix, sp.csr_matrix(dense)], format="csr")


@dataclass(frozen=True)
class SentimentModel:
    """Fitted weights; classes are 0 negative, 1 neutral, 2 positive."""

    coef: npt.NDArray[np.float32]
    intercept: npt.NDArray[np.float64]
    idf: npt.NDArray[np.float32]
    cut_positive: float
    """P(positive) − P(negative) at or above this is positive."""
    cut_negative: float
    """P(positive) − P(negative) at or below this is negative."""

    def probabilities(
        self, texts: list[str], dense: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.float64]:
        """P(negative), P(neutral), P(positive) per text (rows)."""
        if dense is None:
            dense = Featurizer.dense(texts)
        matrix = weigh(_featurizer().counts(texts), self.idf, dense)
        logits = np.asarray(matrix @ self.coef.T.astype(np.float64)) + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def margins(
        self, texts: list[str], dense: npt.NDArray[np.float64] | None = None
    ) -> npt.NDArray[np.float64]:
        """P(positive) − P(negative) per text."""
        probabilities = self.probabilities(texts, dense)
        return np.asarray(probabilities[:, 2] - probabilities[:, 0], dtype=np.float64)

    def classes(self, texts: list[str]) -> npt.NDArray[np.int64]:
        """0, 1 or 2 per text by the fitted cut points."""
        margins = self.margins(texts)
        return np.where(
            margins >= self.cut_positive, 2, np.where(margins <= self.cut_negative, 0, 1)
        ).astype(np.int64)

    def scores(
        self, margins: npt.NDArray[np.float64], positive_at: float, negative_at: float
    ) -> npt.NDArray[np.float64]:
        """Margins mapped piecewise-linearly onto −1 … +1 so that the fitted cut points land
        on ``positive_at`` and ``negative_at``: labels by those fixed thresholds then agree
        with the model's classes."""
        high, low = self.cut_positive, self.cut_negative
        above = positive_at + (1 - positive_at) * (margins - high) / (1 - high)
        below = negative_at - (1 + negative_at) * (low - margins) / (1 + low)
        between = negative_at + (positive_at - negative_at) * (margins - low) / (high - low)
        # Keep the cut points exact despite rounding: ≥ high is positive, ≤ low negative.
        between = np.clip(between, np.nextafter(negative_at, 0), np.nextafter(positive_at, 0))
        result = np.where(margins >= high, above, np.where(margins <= low, below, between))
        return np.asarray(np.clip(result, -1.0, 1.0), dtype=np.float64)

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            coef=self.coef.astype(np.float16),
            intercept=self.intercept,
            idf=self.idf.astype(np.float16),
            cuts=np.asarray([self.cut_positive, self.cut_negative]),
        )

    @classmethod
    def load(cls, path: Path) -> SentimentModel:
        with np.load(path, allow_pickle=False) as data:
            cuts = data["cuts"]
            return cls(
                coef=data["coef"].astype(np.float32),
                intercept=data["intercept"].astype(np.float64),
                idf=data["idf"].astype(np.float32),
                cut_positive=float(cuts[0]),
                cut_negative=float(cuts[1]),
            )


@cache
def _featurizer() -> Featurizer:
    return Featurizer()


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
