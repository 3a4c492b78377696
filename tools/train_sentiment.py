"""Rebuild ``src/rapport/models/data/sentiment_model.npz`` from ``../shared/data/sentiment``.

Usage: ``PYTHONPATH=src python tools/train_sentiment.py [--data DIR] [--out FILE] [--cv]``.
The shipped file was built with the defaults: word NBSVM (one logistic regression per class
over the n-grams scaled by their Naive-Bayes log-count ratio), C 0.1, VADER's snippets at weight
0.1 with a ±0.5 rating band for their neutral class. 5-fold cross-validation on the 1,500
training tweets, macro recall: 0.626 for hashed TF-IDF of words and 2–5-letter fragments with
one logistic regression; 0.625 without the fragments; 0.618 with static MiniLM embeddings
(model2vec) added; NBSVM 0.634 (C 0.3), 0.634 (C 0.1), 0.623 (C 1), 0.636 (C 0.1, no VADER
snippets), 0.638 (C 0.1, snippets at 0.1, shipped), 0.628 (smoothing 0.5), 0.632 (words only,
no pairs).

- Held out, never used for training or model selection: a stratified 25 % of the TweetEval
  validation tweets (:func:`rapport.models.sentiment_model.held_out_split`, seed 16).
- Trained on the other 75 % of the tweets, plus (unless ``--without-vader-sets``) VADER's
  non-tweet ground-truth snippets. Model selection (``--cv``) is 5-fold cross-validation on
  those 75 %.
- The label rule (a P(neutral) threshold, then cut points on P(positive) − P(negative)) is
  chosen by cross-validation too.
- Prints the held-out macro-averaged recall with a bootstrap 95 % interval (2,000 resamples).

The weights are saved as a compressed ``.npz`` of numbers only (no pickle).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold

from rapport.models import sentiment_model as sm
from rapport.models.sentiment import vader_polarities

SEED = 16
ALPHA = 1.0
"""Naive-Bayes smoothing of the n-gram counts."""
DEFAULT_DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sentiment"


def load_vader_sets(data: Path, band: float) -> tuple[list[str], npt.NDArray[np.int64]]:
    """VADER's non-tweet snippets; mean rating > band positive, < −band negative."""
    texts: list[str] = []
    labels: list[int] = []
    for path in sorted((data / "vader_icwsm2014_nontweets").glob("*_GroundTruth.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) < 3:
                continue
            rating = float(parts[1])
            texts.append(parts[2])
            labels.append(2 if rating > band else 0 if rating < -band else 1)
    return texts, np.asarray(labels, dtype=np.int64)


class Corpus:
    """Labelled texts with their n-gram presence and VADER scores, computed once."""

    def __init__(self, texts: list[str], labels: npt.NDArray[np.int64], weight: float) -> None:
        self.labels = labels
        self.presence = sm.presence(texts)
        self.polarities = vader_polarities(texts)
        self.weights = np.full(len(texts), weight)

    def take(self, index: npt.NDArray[np.int64]) -> Rows:
        return Rows(
            self.presence[index], self.polarities[index], self.labels[index], self.weights[index]
        )

    def all(self) -> Rows:
        return self.take(np.arange(len(self.labels)))


class Rows:
    def __init__(
        self,
        presence: sp.csr_matrix,
        polarities: npt.NDArray[np.float64],
        labels: npt.NDArray[np.int64],
        weights: npt.NDArray[np.float64],
    ) -> None:
        self.presence = presence
        self.polarities = polarities
        self.labels = labels
        self.weights = weights

    def plus(self, other: Rows | None) -> Rows:
        if other is None:
            return self
        return Rows(
            sp.vstack([self.presence, other.presence], format="csr"),
            np.vstack([self.polarities, other.polarities]),
            np.concatenate([self.labels, other.labels]),
            np.concatenate([self.weights, other.weights]),
        )


def fit(rows: Rows, c: float) -> sm.SentimentModel:
    """One NBSVM-style logistic regression per class against the rest."""
    presence, weights = rows.presence, rows.weights
    dense = sm.dense_features(rows.polarities)
    words = presence.shape[1]
    word_weights = np.zeros((3, words), dtype=np.float32)
    dense_weights = np.zeros((3, dense.shape[1]))
    intercept = np.zeros(3)
    for k in range(3):
        member = rows.labels == k
        inside = ALPHA + np.asarray(presence[member].T @ weights[member]).ravel()
        outside = ALPHA + np.asarray(presence[~member].T @ weights[~member]).ravel()
        ratio = np.log((inside / inside.sum()) / (outside / outside.sum()))
        matrix = sp.hstack([presence @ sp.diags(ratio), sp.csr_matrix(dense)], format="csr")
        model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED)
        model.fit(matrix, member.astype(np.int64), sample_weight=weights)
        coef = model.coef_.ravel()
        word_weights[k] = (ratio * coef[:words]).astype(np.float32)
        dense_weights[k] = coef[words:]
        intercept[k] = float(model.intercept_[0])
    return sm.SentimentModel(
        words=word_weights,
        dense=dense_weights,
        intercept=intercept,
        cut_positive=0.0,
        cut_negative=0.0,
        neutral_at=1.01,
    )


NEUTRAL_AT = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.9, 1.01)
"""P(neutral) thresholds tried; 1.01 is "never by P(neutral) alone"."""
TIED = 0.002
"""Rules within this much macro recall of the best count as tied; the one keeping the most
neutral tweets neutral wins."""


def choose_rule(
    probabilities: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]
) -> tuple[float, float, float, float]:
    """(macro recall, cut positive, cut negative, neutral at) for out-of-fold probabilities."""
    margins = probabilities[:, 2] - probabilities[:, 0]
    grid = np.round(np.arange(-0.6, 0.61, 0.02), 2)
    found = []
    for neutral_at in NEUTRAL_AT:
        neutral = probabilities[:, 1] >= neutral_at
        best = (-1.0, 0.0, 0.0)
        for low in grid:
            for high in grid[grid > low]:
                by_margin = np.where(margins >= high, 2, np.where(margins <= low, 0, 1))
                predicted = np.where(neutral, 1, by_margin)
                value = float(recall_score(labels, predicted, average="macro"))
                if value > best[0]:
                    best = (value, float(high), float(low))
        predicted = np.where(
            neutral, 1, np.where(margins >= best[1], 2, np.where(margins <= best[2], 0, 1))
        )
        kept = float(np.mean(predicted[labels == 1] == 1))
        found.append((best[0], best[1], best[2], neutral_at, kept))
    top = max(row[0] for row in found)
    chosen = max((row for row in found if row[0] >= top - TIED), key=lambda row: row[4])
    return chosen[0], chosen[1], chosen[2], chosen[3]


def out_of_fold(
    tweets: Corpus, train: npt.NDArray[np.int64], extra: Rows | None, c: float
) -> npt.NDArray[np.float64]:
    probabilities = np.zeros((len(train), 3))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for inside, outside in folds.split(train, tweets.labels[train]):
        model = fit(tweets.take(train[inside]).plus(extra), c)
        rows = tweets.take(train[outside])
        probabilities[outside] = model.probabilities_of(rows.presence, rows.polarities)
    return probabilities


def bootstrap(
    labels: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64], resamples: int = 2000
) -> tuple[float, float]:
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(resamples):
        pick = rng.integers(0, len(labels), len(labels))
        values.append(recall_score(labels[pick], predicted[pick], average="macro"))
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=sm.MODEL_PATH)
    parser.add_argument("--c", type=float, default=0.1)
    parser.add_argument("--without-vader-sets", action="store_true")
    parser.add_argument("--vader-weight", type=float, default=0.1)
    parser.add_argument("--vader-band", type=float, default=0.5)
    parser.add_argument("--cv", action="store_true", help="only cross-validate, save nothing")
    args = parser.parse_args(argv)

    texts, labels = sm.load_tweeteval(args.data)
    tweets = Corpus(texts, labels, 1.0)
    train, held = sm.held_out_split(labels)
    extra = None
    if not args.without_vader_sets:
        extra = Corpus(*load_vader_sets(args.data, args.vader_band), args.vader_weight).all()

    probabilities = out_of_fold(tweets, train, extra, args.c)
    cv_recall, cut_positive, cut_negative, neutral_at = choose_rule(probabilities, labels[train])
    print(
        f"5-fold CV on {len(train)} tweets: macro recall {cv_recall:.4f} with neutral where "
        f"P(neutral) >= {neutral_at:.2f}, else positive >= {cut_positive:+.2f}, "
        f"negative <= {cut_negative:+.2f} on P(positive) - P(negative)"
    )
    if args.cv:
        return 0

    fitted = fit(tweets.take(train).plus(extra), args.c)
    model = sm.SentimentModel(
        words=fitted.words,
        dense=fitted.dense,
        intercept=fitted.intercept,
        cut_positive=cut_positive,
        cut_negative=cut_negative,
        neutral_at=neutral_at,
    )
    model.save(args.out)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")

    held_texts = [texts[i] for i in held]
    shipped = sm.SentimentModel.load(args.out)
    predicted = shipped.classes_of(shipped.probabilities(held_texts, vader_polarities(held_texts)))
    figure = float(recall_score(labels[held], predicted, average="macro"))
    low, high = bootstrap(labels[held], predicted)
    print(
        f"held out ({len(held)} tweets, never trained on): macro recall "
        f"{figure:.4f}, bootstrap 95 % interval {low:.4f} to {high:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
