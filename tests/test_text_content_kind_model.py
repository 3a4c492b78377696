"""The shipped content-kind numbers: the refitted classifier's, deciding as it does, and
scored without importing scikit-learn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from rapport.models.content_kind_model import MODEL_PATH, ShippedContentKind, main
from rapport.text import default_classifier, load_labelled_posts

HOLDOUT = Path(__file__).parent / "data" / "text" / "labelled_posts_holdout.jsonl"


def _texts() -> list[str]:
    texts, _ = load_labelled_posts()
    held = [json.loads(line)["text"] for line in HOLDOUT.read_text().splitlines() if line]
    odd = ["?", "🔥🔥🔥", "NEW  menu\tout\n\nnow!!", "x" * 300, "ÉTÉ été #Été @someone"]
    return texts + held + odd


def test_the_shipped_file_is_the_refitted_classifier(tmp_path: Path) -> None:
    assert main([str(tmp_path / "refit.npz")]) == 0
    shipped = ShippedContentKind.load(MODEL_PATH)
    refit = ShippedContentKind.load(tmp_path / "refit.npz")
    for name in ("word_vocabulary", "char_vocabulary", "classes", "rule_names"):
        assert getattr(shipped, name).tolist() == getattr(refit, name).tolist(), name
    for name in ("word_idf", "char_idf", "coef", "intercept", "rule_precision"):
        np.testing.assert_allclose(getattr(shipped, name), getattr(refit, name), atol=1e-9)
    assert (shipped.threshold, shipped.use_rules) == (refit.threshold, refit.use_rules)


def test_decides_as_the_fitted_classifier() -> None:
    texts = _texts()
    fitted = default_classifier()
    shipped = ShippedContentKind.load(MODEL_PATH)
    expected = fitted.decide(texts)
    got = shipped.decide(texts)
    assert [(d.kind, d.source, d.rule) for d in got] == [
        (d.kind, d.source, d.rule) for d in expected
    ]
    np.testing.assert_allclose(
        [d.confidence for d in got], [d.confidence for d in expected], atol=1e-9
    )
    direct = fitted.model_.predict_proba(fitted.vectorizer_.transform(texts))
    np.testing.assert_allclose(shipped.predict_proba(texts), direct, atol=1e-9)


def test_post_features_score_without_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from rapport.text import post_features\n"
        "table = post_features(['a', 'b'], ['20% off all week', 'Meet Sam, our new baker'])\n"
        "assert table.column('content_kind').to_pylist()[0] == 'promo'\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]"
