"""Audience relevance: how well a bio or a reply matches the target audience, 0 … 1.

The workspace describes its audience in plain words (``[goal] target_audience`` in
``rapport.toml``, e.g. "home bakers and sourdough lovers who care about real bread"). A
text's relevance is the cosine similarity between it and that description:

- ``tfidf`` (always available): TF-IDF vectors of word 1- and 2-grams after English stop
  words and :data:`FILLER_WORDS` ("lovers", "fans", "care") are dropped and words are cut
  to a crude stem (``bakers``, ``baker``, ``baking`` → ``bake``), with sublinear term
  frequency, fitted on the texts being scored plus the audience text, so words every bio
  uses weigh little. Both vectors are non-negative, so
  the cosine is already in [0, 1]. A text is *relevant* at :data:`TFIDF_THRESHOLD` or more.
- ``model2vec`` (optional): the cosine of static sentence embeddings from a model2vec model
  on local disk, clipped at 0. It also matches words the description does not use
  ("croissant" for bakers). It needs the ``model2vec`` package and a model folder; nothing
  is ever downloaded. Its threshold :data:`EMBEDDING_THRESHOLD` is a starting point, not a
  measured one: rapport's tests run without the package.

``backend="auto"`` uses model2vec when the package imports and a model folder is given
(``model_path=`` or the ``RAPPORT_MODEL2VEC_PATH`` environment variable), else TF-IDF.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal, Protocol

import numpy as np
import numpy.typing as npt

from rapport.errors import UsageError

__all__ = [
    "EMBEDDING_THRESHOLD",
    "FILLER_WORDS",
    "MODEL2VEC_PATH_VARIABLE",
    "TFIDF_THRESHOLD",
    "RelevanceBackend",
    "RelevanceScores",
    "TextEncoder",
    "dropped_words",
    "embedding_relevance",
    "relevance_scores",
    "stem",
    "tfidf_relevance",
]

RelevanceBackend = Literal["auto", "tfidf", "model2vec"]

TFIDF_THRESHOLD: Final = 0.02
"""TF-IDF relevance at or above this is "relevant" (see ``docs/text.md`` for the measurement)."""
EMBEDDING_THRESHOLD: Final = 0.35
"""model2vec relevance at or above this is "relevant" (a starting point, not measured here)."""
MODEL2VEC_PATH_VARIABLE: Final = "RAPPORT_MODEL2VEC_PATH"
"""Environment variable naming a local model2vec model folder for ``backend="auto"``."""

FILLER_WORDS: Final = frozenset({
    "love", "loves", "lover", "lovers", "loving", "fan", "fans", "enthusiast", "enthusiasts",
    "people", "person", "folk", "folks", "care", "cares", "caring", "interested", "passionate",
    "obsessed", "community", "like", "likes", "enjoy", "enjoys", "real", "proud", "happy",
    "lifelong", "aspiring", "occasional", "ask", "hi", "opinions", "views",
})  # fmt: skip
"""Words that say *how much* someone cares, not *what about*: "pizza lover who cares about
fair play" must not match "sourdough lovers who care about real bread". They are dropped
before stemming, like stop words."""

_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_DOUBLE_CONSONANT = re.compile(r"([bcdfghjkmnprtvwxz])\1$")
_SHORT_STEM = re.compile(r"^[^aeiou]*[aeiou][^aeiouwxy]$")
"""One vowel and one consonant at the end (``bak``, ``lov``): the word had an ``e``."""


class TextEncoder(Protocol):
    """Anything that turns texts into one vector each (model2vec's ``StaticModel`` does)."""

    def encode(self, sentences: list[str]) -> npt.NDArray[np.floating]: ...


@dataclass(frozen=True)
class RelevanceScores:
    """Relevance of each text (NaN where the text is missing or blank) and how it was made."""

    scores: npt.NDArray[np.float64]
    backend: Literal["tfidf", "model2vec"]
    threshold: float

    @property
    def relevant(self) -> npt.NDArray[np.bool_]:
        """Whether each score reaches the threshold (False for NaN: use ``scores`` to tell)."""
        with np.errstate(invalid="ignore"):
            return np.asarray(self.scores >= self.threshold, dtype=np.bool_)


def stem(word: str) -> str:
    """A crude English stem, enough to match plurals and -er/-ing/-ed forms of one word.

    ``bakers``/``baker``/``baking``/``baked``/``bakes`` → ``bake``; ``runners`` → ``run``;
    ``gardeners`` → ``garden``. Words of four letters or fewer are kept as they are.
    """
    if len(word) <= 4:
        return word
    if word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "er", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            undoubled = _DOUBLE_CONSONANT.sub(r"\1", word)
            if undoubled != word:  # runn(er) -> run
                return undoubled
            if _SHORT_STEM.match(word):  # bak(er) -> bake, lov(ing) -> love
                return word + "e"
            return word
    return word


@cache
def dropped_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow list) plus :data:`FILLER_WORDS`.

    The list is read from scikit-learn's ``_stop_words.py`` as data, without importing
    scikit-learn: the package's import takes a second, which read commands (benchmark,
    plan) would pay for a word list. Where the file can't be read, it is imported.
    """
    spec = importlib.util.find_spec("sklearn")
    origin = Path(spec.origin).parent if spec and spec.origin else None
    words: frozenset[str] | None = None
    if origin is not None:
        try:
            tree = ast.parse((origin / "feature_extraction" / "_stop_words.py").read_text())
            for node in tree.body:
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "ENGLISH_STOP_WORDS" for t in node.targets
                ):
                    call = node.value
                    if isinstance(call, ast.Call) and call.args:
                        words = frozenset(ast.literal_eval(call.args[0]))
        except (OSError, SyntaxError, ValueError):
            words = None
    if not words:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

        words = frozenset(ENGLISH_STOP_WORDS)
    return words | FILLER_WORDS


def _tokens(text: str) -> list[str]:
    dropped = dropped_words()
    words = (word.replace("’", "'") for word in _WORD.findall(text.lower()))
    return [stem(word) for word in words if word not in dropped]


def _present(texts: Sequence[str | None]) -> tuple[list[int], list[str]]:
    rows = [i for i, text in enumerate(texts) if text is not None and text.strip()]
    return rows, [str(texts[i]) for i in rows]


def tfidf_relevance(texts: Sequence[str | None], *, audience: str) -> npt.NDArray[np.float64]:
    """TF-IDF cosine of each text with ``audience`` (NaN for a missing or blank text)."""
    _check_audience(audience)
    from sklearn.feature_extraction.text import TfidfVectorizer

    scores = np.full(len(texts), np.nan, dtype=np.float64)
    rows, present = _present(texts)
    if not present:
        return scores
    vectorizer = TfidfVectorizer(
        tokenizer=_tokens,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
    )
    try:
        matrix = vectorizer.fit_transform([audience, *present])
    except ValueError:  # no word survives stop words anywhere: nothing matches
        scores[rows] = 0.0
        return scores
    similarity = (matrix[1:] @ matrix[0].T).toarray().ravel()
    scores[rows] = np.clip(similarity, 0.0, 1.0)
    return scores


def embedding_relevance(
    texts: Sequence[str | None], *, audience: str, encoder: TextEncoder
) -> npt.NDArray[np.float64]:
    """Cosine of each text's embedding with the audience's, clipped to [0, 1]."""
    _check_audience(audience)
    scores = np.full(len(texts), np.nan, dtype=np.float64)
    rows, present = _present(texts)
    if not present:
        return scores
    vectors = np.asarray(encoder.encode([audience, *present]), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1)
    norms[norms == 0.0] = 1.0
    unit = vectors / norms[:, None]
    scores[rows] = np.clip(unit[1:] @ unit[0], 0.0, 1.0)
    return scores


def _check_audience(audience: str) -> None:
    if not audience or not audience.strip():
        raise UsageError(
            "audience relevance needs a target audience in words; set [goal] target_audience "
            'in rapport.toml, e.g. target_audience = "home bakers who love sourdough"'
        )


def _model_folder(model_path: str | Path | None) -> Path | None:
    chosen = model_path if model_path is not None else os.environ.get(MODEL2VEC_PATH_VARIABLE)
    return Path(chosen) if chosen else None


def _load_model2vec(folder: Path) -> TextEncoder:
    if importlib.util.find_spec("model2vec") is None:
        raise UsageError(
            "relevance backend 'model2vec' needs the model2vec package, which is not "
            "installed; pip install model2vec, or use backend='tfidf'"
        )
    if not (folder / "config.json").is_file():
        raise UsageError(
            f"{folder}: not a model2vec model folder (no config.json); point model_path or "
            f"{MODEL2VEC_PATH_VARIABLE} at a folder saved with StaticModel.save_pretrained"
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder only: never download
    module = importlib.import_module("model2vec")
    load: Callable[[str], TextEncoder] = module.StaticModel.from_pretrained
    return load(str(folder))


_ENCODERS: dict[Path, TextEncoder] = {}


def relevance_scores(
    texts: Sequence[str | None],
    *,
    audience: str,
    backend: RelevanceBackend = "auto",
    model_path: str | Path | None = None,
) -> RelevanceScores:
    """Relevance of each text to ``audience`` with the chosen backend and its threshold."""
    if backend not in ("auto", "tfidf", "model2vec"):
        raise UsageError(
            f"relevance backend: expected 'auto', 'tfidf' or 'model2vec', found {backend!r}"
        )
    folder = _model_folder(model_path)
    use_embeddings = backend == "model2vec" or (
        backend == "auto"
        and folder is not None
        and folder.is_dir()
        and importlib.util.find_spec("model2vec") is not None
    )
    if not use_embeddings:
        scores = tfidf_relevance(texts, audience=audience)
        return RelevanceScores(scores, "tfidf", TFIDF_THRESHOLD)
    if folder is None:
        raise UsageError(
            f"relevance backend 'model2vec' needs a local model folder: pass model_path= or "
            f"set {MODEL2VEC_PATH_VARIABLE}"
        )
    encoder = _ENCODERS.get(folder)
    if encoder is None:
        encoder = _ENCODERS[folder] = _load_model2vec(folder)
    scores = embedding_relevance(texts, audience=audience, encoder=encoder)
    return RelevanceScores(scores, "model2vec", EMBEDDING_THRESHOLD)
