"""The content_kind_rules' cheap hints skip work but never change a decision."""

from __future__ import annotations

import json
import random
from pathlib import Path

from rapport.models import content_kind_rules
from rapport.models.content_kind import load_labelled_posts

HOLDOUT = Path(__file__).parent / "data" / "text" / "labelled_posts_holdout.jsonl"


def _ungated(text: str) -> content_kind_rules.ContentKindRule | None:
    for rule in content_kind_rules.CONTENT_KIND_RULES:
        if rule.pattern.search(text):
            return rule
    return None


def test_hints_never_change_a_decision() -> None:
    texts, _ = load_labelled_posts()
    corpus = list(texts) + [json.loads(line)["text"] for line in HOLDOUT.open()]
    words = " ".join(corpus).split()
    rng = random.Random(7)
    corpus += [" ".join(rng.choice(words) for _ in range(rng.randint(3, 30)))
               for _ in range(3000)]  # fmt: skip
    decided = [content_kind_rules.match_rule(text) for text in corpus]
    assert decided == [_ungated(text) for text in corpus]
    assert sum(rule is not None for rule in decided) > 300  # the content_kind_rules do fire


def test_every_rule_has_hints() -> None:
    for rule in content_kind_rules.CONTENT_KIND_RULES:
        assert isinstance(rule.hints, tuple) and rule.hints, rule.name
        assert all(isinstance(h, str) and h == h.lower() for h in rule.hints), rule.name
