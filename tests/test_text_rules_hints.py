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


AWKWARD = [
    "İN STOCK NOW",  # Python's ignore-case reads İ as i; RE2's does not
    "ın stock now",
    "Spring SALE\u00a0now, 50\u2009% off",
    "order\u3000now!",
    "top tips\u2028for bakers",
    "What's\u205fyour favourite?\n",
    "is it good?\n",
    "a sneak peek\ninto the kitchen",
    "ＳＨＯＰ ＮＯＷ",
    "",
]


def _corpus() -> list[str]:
    texts, _ = load_labelled_posts()
    corpus = list(texts) + [json.loads(line)["text"] for line in HOLDOUT.open()]
    pieces = [*" ".join(corpus).split(), "İ", "ı", "\u00a0", "?", "%", "🧵", "\u2028", "\n"]
    rng = random.Random(11)

    def joined() -> str:
        count = rng.randint(1, 25)
        return "".join(rng.choice(pieces) + rng.choice(" \t\n\u3000") for _ in range(count))

    corpus += [joined() for _ in range(3000)]
    return corpus + AWKWARD


def test_matching_many_texts_at_once_gives_the_same_rules() -> None:
    corpus = _corpus()
    assert content_kind_rules.match_rules(corpus) == [
        content_kind_rules.match_rule(text) for text in corpus
    ]


def test_each_rules_re2_prefilter_matches_wherever_the_rule_does() -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    corpus = _corpus()
    array = pa.array(corpus, pa.large_string())
    for rule, prefilter in zip(
        content_kind_rules.CONTENT_KIND_RULES, content_kind_rules._PREFILTERS, strict=True
    ):
        maybe = pc.match_substring_regex(array, prefilter).to_pylist()
        matched = [rule.pattern.search(text) is not None for text in corpus]
        assert sum(matched) > 0, rule.name
        missed = [t for t, m, p in zip(corpus, matched, maybe, strict=True) if m and not p]
        assert missed == [], rule.name


def test_the_prefilter_drops_assertions_and_widens_classes() -> None:
    superset = content_kind_rules.re2_superset
    assert superset(r"^\W*\bnews\b$") == r"(?s:.)*news"
    assert superset(r"\bhow\s+to\b(?![^.!?]*\?)") == r"how[\t-\r\x1c-\x1f\x85\p{Z}]+to"
    assert superset(r"[^\w\s]\d[\w-]") == r"(?s:.)[\p{Nd}][\p{L}\p{N}_-]"
    assert superset(r"[^.!?]{0,40}") == r"[^.!?]{0,40}"
