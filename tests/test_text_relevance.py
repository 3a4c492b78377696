"""Audience relevance: bakers match a baking audience, others don't; the world's target
segment scores higher than the rest."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import roc_auc_score

from rapport.errors import UsageError
from rapport.models.relevance import MODEL2VEC_PATH_VARIABLE, embedding_relevance, stem
from rapport.simulate import WorldParams
from rapport.simulate.truth import person_index
from rapport.text import TFIDF_THRESHOLD, relevance_scores
from tests.worlds import simulated

BIOS = Path(__file__).parent / "data" / "text" / "bios.jsonl"
BAKING_AUDIENCE = "home bakers and sourdough lovers who care about real, slow-fermented bread"

# Measured on the world below (see docs/text.md): AUC 0.710, mean relevance of the target
# segment 0.044 against 0.019 for everyone else. A bio names its person's first and second
# topics only, so even knowing the first topic exactly gives an AUC of just 0.79 here.
WORLD_AUC_AT_LEAST = 0.68
WORLD_MEAN_RATIO_AT_LEAST = 1.8


def hand_written_bios() -> list[dict[str, str]]:
    return [json.loads(line) for line in BIOS.read_text(encoding="utf-8").splitlines()]


def test_bakers_are_relevant_to_a_baking_audience_and_others_are_not() -> None:
    rows = hand_written_bios()
    result = relevance_scores([row["bio"] for row in rows], audience=BAKING_AUDIENCE)
    assert result.backend == "tfidf" and result.threshold == TFIDF_THRESHOLD
    bakers = np.array([row["group"] == "baker" for row in rows])
    assert {row["group"] for row in rows} == {"baker", "crypto", "gaming", "football"}
    assert result.relevant[bakers].all(), result.scores[bakers]
    assert not result.relevant[~bakers].any(), result.scores[~bakers]
    assert result.scores[bakers].min() > result.scores[~bakers].max()
    assert ((result.scores >= 0.0) & (result.scores <= 1.0)).all()


def test_scoring_one_bio_at_a_time_keeps_the_relevant_flags() -> None:
    """Import scores only new bios; IDF then comes from a small batch. Flags must hold."""
    bios = [row["bio"] for row in hand_written_bios()]
    together = relevance_scores(bios, audience=BAKING_AUDIENCE)
    alone = [relevance_scores([bio], audience=BAKING_AUDIENCE) for bio in bios]
    assert [one.relevant[0] for one in alone] == together.relevant.tolist()
    np.testing.assert_allclose([one.scores[0] for one in alone], together.scores, rtol=0.35)


def test_a_lover_who_cares_is_not_a_baker() -> None:
    """Filler words ("lover", "cares") say how much, not what about: they never match."""
    scores = relevance_scores(
        ["Gaming and pizza lover who cares about fair play", "Home baker"],
        audience=BAKING_AUDIENCE,
    ).scores
    assert scores[0] == 0.0 < scores[1]


@pytest.fixture(scope="module")
def world_bios() -> tuple[list[str], npt.NDArray[np.bool_], str]:
    world = simulated(WorldParams(people=3000, days=60, seed=1))
    people = world.tables["people"]
    bios = [str(bio) for bio in people["bio"].to_pylist()]
    segments = world.truth.segment[[person_index(p) for p in people["person_id"].to_pylist()]]
    target = segments == world.truth.segments.index("target")
    return bios, np.asarray(target, dtype=np.bool_), world.target_audience


def test_target_segment_bios_score_higher_than_the_rest(
    world_bios: tuple[list[str], npt.NDArray[np.bool_], str],
) -> None:
    bios, target, audience = world_bios
    assert 0 < target.sum() < len(target)
    scores = relevance_scores(bios, audience=audience).scores
    assert roc_auc_score(target, scores) >= WORLD_AUC_AT_LEAST
    assert scores[target].mean() >= WORLD_MEAN_RATIO_AT_LEAST * scores[~target].mean()
    assert result_share(scores[target]) > result_share(scores[~target])


def result_share(scores: npt.NDArray[np.float64]) -> float:
    return float((scores >= TFIDF_THRESHOLD).mean())


def test_missing_and_blank_texts_score_nan_not_zero() -> None:
    result = relevance_scores([None, "", "  ", "home baker"], audience=BAKING_AUDIENCE)
    assert all(math.isnan(value) for value in result.scores[:3])
    assert result.scores[3] > 0
    assert relevance_scores([], audience=BAKING_AUDIENCE).scores.shape == (0,)
    assert relevance_scores([None], audience=BAKING_AUDIENCE).scores.shape == (1,)


def test_texts_of_stop_words_only_score_zero() -> None:
    scores = relevance_scores(["the and of", "it is"], audience="the people who").scores
    assert scores.tolist() == [0.0, 0.0]


def test_an_empty_audience_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match=r"\[goal\] target_audience"):
        relevance_scores(["home baker"], audience="  ")


def test_auto_uses_tfidf_without_a_model_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MODEL2VEC_PATH_VARIABLE, raising=False)
    assert relevance_scores(["home baker"], audience=BAKING_AUDIENCE).backend == "tfidf"


@pytest.mark.skipif(
    importlib.util.find_spec("model2vec") is not None, reason="model2vec is installed here"
)
def test_model2vec_backend_without_the_package_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="pip install model2vec, or use backend='tfidf'"):
        relevance_scores(
            ["home baker"], audience=BAKING_AUDIENCE, backend="model2vec", model_path=tmp_path
        )
    result = relevance_scores(["home baker"], audience=BAKING_AUDIENCE, model_path=tmp_path)
    assert result.backend == "tfidf"


def test_unknown_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="expected 'auto', 'tfidf' or 'model2vec'"):
        relevance_scores(["x"], audience="y", backend="bert")  # type: ignore[arg-type]


class HashingEncoder:
    """A real (if crude) text encoder: hashed bag of words, as any ``encode`` provider."""

    def __init__(self) -> None:
        self.vectorizer = HashingVectorizer(n_features=256, alternate_sign=False)

    def encode(self, sentences: list[str]) -> npt.NDArray[np.float64]:
        return np.asarray(self.vectorizer.transform(sentences).toarray(), dtype=np.float64)


def test_embedding_relevance_is_a_clipped_cosine() -> None:
    scores = embedding_relevance(
        [BAKING_AUDIENCE, "home bakers", None, "crypto trader"],
        audience=BAKING_AUDIENCE,
        encoder=HashingEncoder(),
    )
    assert scores[0] == pytest.approx(1.0)
    assert 0.0 < scores[1] < 1.0
    assert math.isnan(scores[2])
    assert scores[3] == 0.0


@pytest.mark.parametrize(
    ("words", "stem_"),
    [
        (("bakers", "baker", "baking", "baked", "bakes"), "bake"),
        (("runners", "running"), "run"),
        (("gardeners", "gardening", "gardens"), "garden"),
        (("bakeries",), "bakery"),
        (("care",), "care"),
    ],
)
def test_stem(words: tuple[str, ...], stem_: str) -> None:
    assert {stem(word) for word in words} == {stem_}


def test_the_stop_words_are_scikit_learns_read_without_importing_it() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from rapport.models.relevance import FILLER_WORDS, dropped_words

    assert dropped_words() == frozenset(ENGLISH_STOP_WORDS) | FILLER_WORDS
