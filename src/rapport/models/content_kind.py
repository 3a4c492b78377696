"""Content kind of a post whose source did not say: rules first, then a TF-IDF linear model.

:class:`ContentKindClassifier` follows the estimator contract (``STYLE.md`` §5): the
constructor stores keyword hyper-parameters and nothing else, :meth:`~ContentKindClassifier.fit`
validates its input, learns attributes whose names end in ``_`` and returns ``self``, and
every prediction method raises :class:`~rapport.errors.NotFittedError` before ``fit``.

A post is decided by the first of three steps that applies:

1. ``rules``: a high-precision cue (:mod:`rapport.models.content_kind_rules`) such as
   "20% off", "#tbt" or a closing question mark;
2. ``model``: a logistic regression on TF-IDF word 1–2-grams and character 2–5-grams,
   when its most probable kind has probability at least ``threshold``;
3. ``threshold``: otherwise the post is ``other``: the model is not sure enough to say.

:func:`default_classifier` fits one on the labelled corpus shipped as reviewable text in
``rapport/models/data/labelled_posts.jsonl`` (well under a second, deterministic, no pickle).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits

from rapport.canonical.schema import CONTENT_KINDS
from rapport.errors import NotFittedError, UsageError
from rapport.models._wordwise_ngrams import WordNgrams, WordwiseCharNgrams, split_texts
from rapport.models.base import Estimator
from rapport.models.content_kind_rules import CONTENT_KIND_RULES, match_rule, match_rules

if TYPE_CHECKING:  # scikit-learn takes seconds to import: only where a model is fitted
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

__all__ = [
    "CORPUS_RESOURCE",
    "ContentKindClassifier",
    "ContentKindDecision",
    "DecisionSource",
    "decide",
    "default_classifier",
    "load_labelled_posts",
]

DecisionSource = Literal["rules", "model", "threshold"]
CORPUS_RESOURCE = "data/labelled_posts.jsonl"
"""The labelled corpus, relative to the ``rapport.models`` package."""

OTHER = "other"


@dataclass(frozen=True)
class ContentKindDecision:
    """The kind of one post, which step decided it, and how sure that step is.

    ``confidence`` estimates the probability that ``kind`` is right: for a rule, the share
    of the training posts it matched whose label agreed (Laplace-smoothed); for the model,
    the probability of ``kind``; for the threshold, the model's probability of ``other``.
    ``rule`` names the rule that matched (None for the other sources).
    """

    kind: str
    source: DecisionSource
    confidence: float
    rule: str | None = None


class ContentKindClassifier(Estimator):
    """Rules, then TF-IDF + logistic regression, then ``other`` below ``threshold``.

    Parameters are keyword-only and stored as given:

    - ``threshold``: the least model probability for a kind other than ``other``; below it
      the answer is ``other`` (source ``threshold``).
    - ``use_rules``: try the rules of :mod:`rapport.models.content_kind_rules` first.
    - ``regularization``: the inverse regularization strength ``C`` of the regression.
    - ``char_ngrams``: add character 2–5-grams (within word boundaries) to the word 1–2-grams;
      they carry plurals, hashtags and emoji that whole words miss.
    """

    def __init__(
        self,
        *,
        threshold: float = 0.3,
        use_rules: bool = True,
        regularization: float = 10.0,
        char_ngrams: bool = True,
    ) -> None:
        self.threshold = threshold
        self.use_rules = use_rules
        self.regularization = regularization
        self.char_ngrams = char_ngrams

    # -- fitting -----------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> ContentKindClassifier:
        """Learn from ``texts`` labelled with kinds of ``CONTENT_KINDS``; returns ``self``."""
        texts, labels = list(texts), list(labels)
        _validate_training_data(texts, labels)
        if not 0.0 <= self.threshold <= 1.0:
            raise UsageError(
                f"ContentKindClassifier: threshold must be between 0 and 1, found "
                f"{self.threshold!r}"
            )
        from sklearn.linear_model import LogisticRegression

        features = self._vectorizer()
        model = LogisticRegression(C=self.regularization, max_iter=1000, tol=1e-3)
        # One BLAS/OpenMP thread: on a small problem, more threads only fight each other
        # (measured 0.4 s with one thread, 3-8 s with two on a busy two-core machine).
        with threadpool_limits(limits=1):
            model.fit(features.fit_transform(texts), labels)
        self.vectorizer_: FeatureUnion = features
        self.model_: LogisticRegression = model
        self.classes_: npt.NDArray[np.str_] = np.asarray(model.classes_, dtype=np.str_)
        self.rule_precision_: dict[str, float] = _rule_precision(texts, labels)
        self.n_training_texts_: int = len(texts)
        return self

    def _vectorizer(self) -> FeatureUnion:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        parts: list[tuple[str, TfidfVectorizer]] = [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
        ]
        if self.char_ngrams:
            parts.append((
                "chars",
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ))  # fmt: skip
        return FeatureUnion(parts)

    def _check_fitted(self) -> None:
        if not hasattr(self, "model_"):
            raise NotFittedError(
                type(self).__name__,
                hint="call fit(texts, labels) first, or use rapport.text.default_classifier()",
            )

    # -- prediction --------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The model's probability of each kind of ``classes_``, one row per text.

        These are the model's own, before rules and threshold: :meth:`predict` may say
        otherwise where a rule matched or no kind reached the threshold.
        """
        self._check_fitted()
        if not texts:
            return np.zeros((0, len(self.classes_)), dtype=np.float64)
        with threadpool_limits(limits=1):
            return np.asarray(self.model_.predict_proba(self._features(texts)), dtype=np.float64)

    def _features(self, texts: Sequence[str]) -> Any:
        """The fitted features of ``texts``, computed without scikit-learn's analyzers (the
        same matrix, :mod:`rapport.models._wordwise_ngrams`): much faster on many texts."""
        import scipy.sparse as sp  # type: ignore[import-untyped, unused-ignore]

        if not hasattr(self, "transforms_"):
            self.transforms_: list[WordNgrams | WordwiseCharNgrams] = [
                WordwiseCharNgrams.from_vectorizer(vectorizer)
                if name == "chars"
                else WordNgrams.from_vectorizer(vectorizer)
                for name, vectorizer in self.vectorizer_.transformer_list
            ]
        split = split_texts(texts)
        return sp.hstack([t.transform_split(split) for t in self.transforms_], format="csr")

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The content kind of each text (rules, model, then threshold)."""
        return [decision.kind for decision in self.decide(texts)]

    def decide(self, texts: Sequence[str]) -> list[ContentKindDecision]:
        """Kind, deciding step and confidence of each text."""
        self._check_fitted()
        return decide(
            texts,
            probabilities=self.predict_proba,
            classes=self.classes_,
            rule_precision=self.rule_precision_,
            threshold=self.threshold,
            use_rules=self.use_rules,
        )


def decide(
    texts: Sequence[str],
    *,
    probabilities: Callable[[list[str]], npt.NDArray[np.float64]],
    classes: npt.NDArray[np.str_],
    rule_precision: dict[str, float],
    threshold: float,
    use_rules: bool,
) -> list[ContentKindDecision]:
    """Rules, then the model's ``probabilities`` over ``classes``, then ``other`` under
    ``threshold``: the decision of every content-kind model."""
    texts = list(texts)
    decisions: list[ContentKindDecision | None] = [None] * len(texts)
    undecided: list[int] = []
    rules = match_rules(texts) if use_rules else [None] * len(texts)
    for index, rule in enumerate(rules):
        if rule is None:
            undecided.append(index)
        else:
            confidence = rule_precision.get(rule.name, 0.5)
            decisions[index] = ContentKindDecision(rule.kind, "rules", confidence, rule.name)
    if undecided:
        rows = probabilities([texts[i] for i in undecided])
        found = np.flatnonzero(classes == OTHER)
        other_column = int(found[0]) if found.size else None
        bests = rows.argmax(axis=1)
        kinds = [str(kind) for kind in classes[bests].tolist()]
        best_probabilities = rows[np.arange(len(undecided)), bests].tolist()
        others = rows[:, other_column].tolist() if other_column is not None else None
        for row, index in enumerate(undecided):
            kind = kinds[row]
            probability = best_probabilities[row]
            if kind == OTHER or probability >= threshold:
                decisions[index] = ContentKindDecision(kind, "model", probability)
            else:
                other = others[row] if others is not None else 0.0
                decisions[index] = ContentKindDecision(OTHER, "threshold", other)
    return [decision for decision in decisions if decision is not None]


def _validate_training_data(texts: list[str], labels: list[str]) -> None:
    if len(texts) != len(labels):
        raise UsageError(
            f"ContentKindClassifier.fit: {len(texts)} texts but {len(labels)} labels; "
            "give one label per text"
        )
    if not texts:
        raise UsageError("ContentKindClassifier.fit: no texts; give at least two labelled posts")
    for index, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if not isinstance(text, str) or not text.strip():
            raise UsageError(
                f"ContentKindClassifier.fit: text {index}: expected a non-empty string, "
                f"found {text!r}"
            )
        if label not in CONTENT_KINDS:
            raise UsageError(
                f"ContentKindClassifier.fit: label {index}: expected one of "
                f"{', '.join(CONTENT_KINDS)}, found {label!r}"
            )
    if len(set(labels)) < 2:
        raise UsageError(
            f"ContentKindClassifier.fit: every label is {labels[0]!r}; give at least two kinds"
        )


def _rule_precision(texts: Iterable[str], labels: Iterable[str]) -> dict[str, float]:
    """Per rule: (agreeing + 1) / (matched + 2) over the training posts it matched first."""
    matched = {rule.name: 0 for rule in CONTENT_KIND_RULES}
    agreeing = dict(matched)
    for text, label in zip(texts, labels, strict=True):
        rule = match_rule(text)
        if rule is not None:
            matched[rule.name] += 1
            agreeing[rule.name] += int(rule.kind == label)
    return {name: (agreeing[name] + 1) / (matched[name] + 2) for name in matched}


def load_labelled_posts() -> tuple[list[str], list[str]]:
    """The texts and kinds of the corpus shipped with rapport (``CORPUS_RESOURCE``)."""
    source = resources.files("rapport.models").joinpath(CORPUS_RESOURCE)
    texts: list[str] = []
    labels: list[str] = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            texts.append(str(record["text"]))
            labels.append(str(record["kind"]))
    return texts, labels


@cache
def default_classifier() -> ContentKindClassifier:
    """A classifier with default parameters, fitted on the shipped corpus (once per process)."""
    texts, labels = load_labelled_posts()
    return ContentKindClassifier().fit(texts, labels)
