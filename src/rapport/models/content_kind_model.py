"""The default content-kind classifier, shipped as numbers: scoring without scikit-learn.

:func:`~rapport.models.content_kind.default_classifier` fits a classifier on the labelled
corpus with scikit-learn, which takes about 3 s and 185 MiB once per process (the import of
scikit-learn is most of it). Import only needs to *score*, so the fitted numbers (the two
vocabularies, their idf, the regression's weights and the rules' precision) ship in
``data/content_kind_model.npz`` (numbers and strings only, no pickle), and
:class:`ShippedContentKind` scores with NumPy and SciPy alone. Its decisions are the fitted
classifier's, text for text; the tests refit the classifier and compare the file and the
decisions. Rebuild the file after changing the corpus, the rules or the defaults::

    python -m rapport.models.content_kind_model src/rapport/models/data/content_kind_model.npz
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

from rapport.models._wordwise_ngrams import WordNgrams, WordwiseCharNgrams, split_texts
from rapport.models.content_kind import ContentKindDecision, decide

if TYPE_CHECKING:
    from rapport.models.content_kind import ContentKindClassifier

__all__ = ["MODEL_PATH", "ShippedContentKind", "default_content_kind", "main"]

MODEL_PATH: Final = Path(__file__).parent / "data" / "content_kind_model.npz"
WORD_NGRAMS: Final = (1, 2)
CHAR_NGRAMS: Final = (2, 5)


@dataclass(frozen=True)
class ShippedContentKind:
    """A fitted :class:`~rapport.models.content_kind.ContentKindClassifier`'s numbers."""

    word_vocabulary: npt.NDArray[np.str_]
    """Word 1–2-grams, in column order."""
    word_idf: npt.NDArray[np.float64]
    char_vocabulary: npt.NDArray[np.str_]
    """Character 2–5-grams within words, in column order."""
    char_idf: npt.NDArray[np.float64]
    coef: npt.NDArray[np.float64]
    intercept: npt.NDArray[np.float64]
    classes: npt.NDArray[np.str_]
    rule_names: npt.NDArray[np.str_]
    rule_precision: npt.NDArray[np.float64]
    threshold: float
    use_rules: bool

    @classmethod
    def from_classifier(cls, classifier: ContentKindClassifier) -> ShippedContentKind:
        """The numbers of a fitted classifier with word and character n-grams."""
        parts = dict(classifier.vectorizer_.transformer_list)
        if set(parts) != {"words", "chars"}:
            raise ValueError("ShippedContentKind needs a classifier with char_ngrams=True")
        for name, expected in (("words", WORD_NGRAMS), ("chars", CHAR_NGRAMS)):
            if tuple(parts[name].ngram_range) != expected or not parts[name].sublinear_tf:
                raise ValueError(f"ShippedContentKind: {name} must be sublinear {expected}-grams")

        def ordered(vocabulary: dict[str, int]) -> npt.NDArray[np.str_]:
            return np.asarray(sorted(vocabulary, key=vocabulary.__getitem__), dtype=np.str_)

        names = sorted(classifier.rule_precision_)
        return cls(
            word_vocabulary=ordered(parts["words"].vocabulary_),
            word_idf=np.asarray(parts["words"].idf_, dtype=np.float64),
            char_vocabulary=ordered(parts["chars"].vocabulary_),
            char_idf=np.asarray(parts["chars"].idf_, dtype=np.float64),
            coef=np.asarray(classifier.model_.coef_, dtype=np.float64),
            intercept=np.asarray(classifier.model_.intercept_, dtype=np.float64),
            classes=np.asarray(classifier.classes_, dtype=np.str_),
            rule_names=np.asarray(names, dtype=np.str_),
            rule_precision=np.asarray([classifier.rule_precision_[n] for n in names]),
            threshold=float(classifier.threshold),
            use_rules=bool(classifier.use_rules),
        )

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path,
            word_vocabulary=self.word_vocabulary,
            word_idf=self.word_idf,
            char_vocabulary=self.char_vocabulary,
            char_idf=self.char_idf,
            coef=self.coef,
            intercept=self.intercept,
            classes=self.classes,
            rule_names=self.rule_names,
            rule_precision=self.rule_precision,
            settings=np.asarray([self.threshold, float(self.use_rules)]),
        )

    @classmethod
    def load(cls, path: Path) -> ShippedContentKind:
        with np.load(path, allow_pickle=False) as data:
            settings = data["settings"]
            return cls(
                word_vocabulary=data["word_vocabulary"],
                word_idf=data["word_idf"],
                char_vocabulary=data["char_vocabulary"],
                char_idf=data["char_idf"],
                coef=data["coef"],
                intercept=data["intercept"],
                classes=data["classes"],
                rule_names=data["rule_names"],
                rule_precision=data["rule_precision"],
                threshold=float(settings[0]),
                use_rules=bool(settings[1]),
            )

    @cached_property
    def _transforms(self) -> tuple[WordNgrams, WordwiseCharNgrams]:
        """The featurisers, built once (the vocabularies as dicts, and the word cache)."""
        words = WordNgrams(
            {g: i for i, g in enumerate(self.word_vocabulary.tolist())},
            self.word_idf,
            ngram_range=WORD_NGRAMS,
            sublinear=True,
        )
        chars = WordwiseCharNgrams(
            {g: i for i, g in enumerate(self.char_vocabulary.tolist())},
            self.char_idf,
            ngram_range=CHAR_NGRAMS,
            sublinear=True,
        )
        return words, chars

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The model's probability of each kind of :attr:`classes`, one row per text."""
        if not texts:
            return np.zeros((0, self.classes.size), dtype=np.float64)
        words, chars = self._transforms
        split = split_texts(texts)
        columns = self.word_idf.size
        logits = words.dot(split, self.coef[:, :columns].T)
        logits += chars.dot(split, self.coef[:, columns:].T)
        logits += self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)

    def decide(self, texts: Sequence[str]) -> list[ContentKindDecision]:
        """Kind, deciding step and confidence of each text, as the fitted classifier's."""
        return decide(
            texts,
            probabilities=self.predict_proba,
            classes=self.classes,
            rule_precision=dict(
                zip(self.rule_names.tolist(), self.rule_precision.tolist(), strict=True)
            ),
            threshold=self.threshold,
            use_rules=self.use_rules,
        )


@cache
def default_content_kind() -> ShippedContentKind:
    """The shipped model, loaded once per process."""
    return ShippedContentKind.load(MODEL_PATH)


def main(argv: list[str] | None = None) -> int:
    """Refit the default classifier on the shipped corpus and write its numbers."""
    from rapport.models.content_kind import ContentKindClassifier, load_labelled_posts

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m rapport.models.content_kind_model OUT.npz", file=sys.stderr)
        return 2
    texts, labels = load_labelled_posts()
    ShippedContentKind.from_classifier(ContentKindClassifier().fit(texts, labels)).save(
        Path(args[0])
    )
    print(f"wrote {args[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
