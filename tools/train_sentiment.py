"""Rebuild ``src/rapport/models/data/sentiment_model.npz`` from ``../shared/data/sentiment``.

Usage: ``PYTHONPATH=src python tools/train_sentiment.py [--data DIR] [--out FILE] [--cv]``.
The shipped file was built with ``--with-vader-sets`` and the other defaults (C 1.0, weight
0.3 for the VADER snippets, ±0.5 rating band for their neutral class). In cross-validation
on the 1,500 training tweets: 0.618 without the VADER sets, 0.626 with them, 0.626 with C 3
and without them, 0.622 with C 3 and with them.

- Held out, never used for training or model selection: a stratified 25 % of the TweetEval
  validation tweets (:func:`rapport.models.sentiment_model.held_out_split`, seed 16).
- Trained on the other 75 % of the tweets, plus (``--with-vader-sets``) VADER's non-tweet
  ground-truth snippets. Model selection (``--cv``) is 5-fold cross-validation on those 75 %.
- The label cut points on P(positive) − P(negative) are chosen by cross-validation too.
- Prints the held-out macro-averaged recall with a bootstrap 95 % interval (2,000 resamples).

The weights are saved as a compressed ``.npz`` of numbers only (no pickle).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold

from rapport.models import sentiment_model as sm

SEED = 16
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


def fit(
    texts: list[str],
    labels: npt.NDArray[np.int64],
    c: float,
    weights: npt.NDArray[np.float64] | None = None,
) -> sm.SentimentModel:
    features = sm.Featurizer()
    raw = features.counts(texts)
    idf = sm.fit_idf(raw)
    matrix = sm.weigh(raw, idf, features.dense(texts))
    model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=SEED)
    model.fit(matrix, labels, sample_weight=weights)
    return sm.SentimentModel(
        coef=model.coef_.astype(np.float32),
        intercept=model.intercept_.astype(np.float64),
        idf=idf,
        cut_positive=0.0,
        cut_negative=0.0,
    )


def choose_cuts(
    margins: npt.NDArray[np.float64], labels: npt.NDArray[np.int64]
) -> tuple[float, float, float]:
    """Cut points on P(pos) − P(neg) that maximise macro recall of out-of-fold margins."""
    grid = np.round(np.arange(-0.6, 0.61, 0.02), 2)
    best = (-1.0, 0.0, 0.0)
    for low in grid:
        for high in grid[grid > low]:
            predicted = np.where(margins >= high, 2, np.where(margins <= low, 0, 1))
            value = float(recall_score(labels, predicted, average="macro"))
            if value > best[0]:
                best = (value, float(high), float(low))
    return best


def out_of_fold(
    texts: list[str],
    labels: npt.NDArray[np.int64],
    extra: tuple[list[str], npt.NDArray[np.int64]] | None,
    extra_weight: float,
    c: float,
) -> npt.NDArray[np.float64]:
    margins = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
    for train, test in folds.split(texts, labels):
        fit_texts = [texts[i] for i in train]
        fit_labels = labels[train]
        weights = np.ones(len(fit_texts))
        if extra is not None:
            fit_texts += extra[0]
            fit_labels = np.concatenate([fit_labels, extra[1]])
            weights = np.concatenate([weights, np.full(len(extra[0]), extra_weight)])
        model = fit(fit_texts, fit_labels, c, weights)
        margins[test] = model.margins([texts[i] for i in test])
    return margins


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
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--with-vader-sets", action="store_true")
    parser.add_argument("--vader-weight", type=float, default=0.3)
    parser.add_argument("--vader-band", type=float, default=0.5)
    parser.add_argument("--cv", action="store_true", help="only cross-validate, save nothing")
    args = parser.parse_args(argv)

    texts, labels = sm.load_tweeteval(args.data)
    train_index, held_index = sm.held_out_split(labels)
    train_texts = [texts[i] for i in train_index]
    train_labels = labels[train_index]
    extra = load_vader_sets(args.data, args.vader_band) if args.with_vader_sets else None

    margins = out_of_fold(train_texts, train_labels, extra, args.vader_weight, args.c)
    cv_recall, cut_positive, cut_negative = choose_cuts(margins, train_labels)
    print(
        f"5-fold CV on {len(train_texts)} tweets: macro recall {cv_recall:.4f} "
        f"with cuts positive >= {cut_positive:+.2f}, negative <= {cut_negative:+.2f}"
    )
    if args.cv:
        return 0

    fit_texts = list(train_texts)
    fit_labels = train_labels
    weights = np.ones(len(fit_texts))
    if extra is not None:
        fit_texts += extra[0]
        fit_labels = np.concatenate([fit_labels, extra[1]])
        weights = np.concatenate([weights, np.full(len(extra[0]), args.vader_weight)])
    model = fit(fit_texts, fit_labels, args.c, weights)
    model = sm.SentimentModel(
        coef=model.coef,
        intercept=model.intercept,
        idf=model.idf,
        cut_positive=cut_positive,
        cut_negative=cut_negative,
    )
    model.save(args.out)
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)")

    held_texts = [texts[i] for i in held_index]
    held_labels = labels[held_index]
    predicted = model.classes(held_texts)
    figure = float(recall_score(held_labels, predicted, average="macro"))
    low, high = bootstrap(held_labels, predicted)
    print(
        f"held out ({len(held_texts)} tweets, never trained on): macro recall "
        f"{figure:.4f}, bootstrap 95 % interval {low:.4f} to {high:.4f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
