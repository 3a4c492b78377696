"""High-precision cues for a post's content kind, tried before the model.

Each rule is one regular expression and the kind it implies. The first rule that matches,
in the order of :data:`CONTENT_KIND_RULES`, decides; a post no rule matches goes to the
model. The order puts the cue that says most about a post's purpose first: an offer makes a
post promotional even when it also asks a question, and a post that looks back is a
throwback even when it ends with "spot anyone you know?". The closing question mark comes
last because any kind of post may end with one.

The rules are tuned for precision, not coverage: a cue that is right only most of the time
("our team", a price) is left to the model, which weighs it against the rest of the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["CONTENT_KIND_RULES", "ContentKindRule", "match_rule", "match_rules", "re2_superset"]


@dataclass(frozen=True)
class ContentKindRule:
    """A named cue: where ``pattern`` matches, the post is of ``kind``."""

    name: str
    kind: str
    pattern: re.Pattern[str]
    hints: tuple[str, ...] = ()
    """Lower-case fragments at least one of which every match contains: a text holding none
    of them is skipped without running the (much slower) regular expression. A test checks
    that the hints never change a decision."""


def _rule(name: str, kind: str, hints: tuple[str, ...], *alternatives: str) -> ContentKindRule:
    pattern = re.compile("|".join(f"(?:{a})" for a in alternatives), re.IGNORECASE)
    return ContentKindRule(name, kind, pattern, hints)


_URL = r"(?:https?://)?[\w-]+(?:\.[\w-]+)+"

CONTENT_KIND_RULES: tuple[ContentKindRule, ...] = (
    _rule(
        "discount",
        "promo",
        ("%", "half", "code", "for", "buy", "sale", "free"),
        r"\b\d{1,2}\s?%\s?off\b",
        r"\bhalf[- ]price\b",
        r"\b(?:discount|promo|voucher|coupon)\s+code\b",
        r"\b(?:use|with|enter)\s+(?:the\s+)?code\s+[A-Z0-9]{3,}\b",
        r"\b(?:two|2)[- ]for[- ](?:one|1)\b",
        r"\b(?:3|three)\s+for\s+(?:2|two)\b",
        r"\bbuy\s+(?:one|two|three|\d+)\b[^.!?]{0,40}\bget\b",
        r"\b(?:flash|summer|winter|spring|january|clearance|black friday)\s+sale\b",
        r"\bfree\s+(?:delivery|shipping|p&p)\b",
    ),
    _rule(
        "call_to_buy",
        "promo",
        ("order", "shop", "book", "stock", "gift", "quote", "bio"),
        r"\bpre-?orders?\s+(?:are\s+|is\s+)?(?:now\s+)?open\b",
        r"\b(?:order|buy)\s+(?:yours\s+)?(?:now|today|online)\b",
        # "shop" and "book" are nouns as often as verbs ("the farm shop now stands"): only
        # where they open a clause or follow "or", "and", "to" are they a call to buy.
        r"(?:^|[^\w\s]\s*|\b(?:or|and|to)\s+)(?:shop|book)\s+(?:now|today|online)\b",
        r"\bshop\s+the\s+(?:new|sale|collection)\b",
        r"\b(?:back\s+)?in\s+stock\s+(?:now|again)\b",
        r"\bwhile\s+stocks?\s+lasts?\b",
        r"\bgift\s+(?:cards?|vouchers?)\s+(?:are\s+)?(?:now\s+)?(?:available|on\s+sale)\b",
        r"\bget\s+(?:a|your)\s+free\s+quote\b",
        r"\blink\s+in\s+(?:our\s+)?bio\b",
    ),
    _rule(
        "shop_link", "promo", ("/",), _URL + r"/(?:shop|store|book|booking|order|products?|gift)\b"
    ),
    _rule(
        "throwback",
        "throwback",
        (
            "throwback",
            "tbt",
            "flashback",
            "years",
            "back",
            "circa",
            "remember",
            "archive",
            "last",
            "lane",
        ),
        r"#?\bthrowback(?:thursday)?\b",
        r"#tbt\b",
        r"\b#?flashback(?:friday)?\b",
        r"\b(?:\d+|a few|many|two|three|four|five|six|seven|eight|nine|ten|twenty)\s+years\s+ago\b",
        r"\bback\s+in\s+(?:the\s+day|(?:19|20)\d\d)\b",
        r"\b(?:way\s+back|circa)\s+(?:in\s+)?(?:19|20)\d\d\b",
        r"\bremember\s+(?:when|our|the\s+old)\b",
        r"\bfrom\s+the\s+archives?\b",
        r"\bthis\s+time\s+last\s+year\b",
        r"\bmemory\s+lane\b",
    ),
    _rule(
        "behind_the_scenes",
        "behind_the_scenes",
        ("behind", "bts", "peek", "glimpse", "look", "day", "meet", "today"),
        r"\bbehind[- ]the[- ]scenes\b",
        r"#bts\b",
        r"#behindthescenes\b",
        r"\ba\s+(?:sneak\s+)?(?:peek|glimpse|look)\s+(?:into|inside|behind)\b",
        r"\ba\s+day\s+in\s+the\s+life\b",
        r"\bmeet\s+the\s+team\b",
        r"\bon\s+the\s+(?:bench|job|tools)\s+today\b",
    ),
    _rule(
        "announcement",
        "news",
        (
            "news",
            "update",
            "announc",
            "moved",
            "moving",
            "relocat",
            "opening",
            "hiring",
            "job",
            "welcome",
            "shortlisted",
            "nominated",
            "press",
            "close",
            "reopen",
        ),
        r"^\W*(?:big|exciting|great|some|important|breaking|happy)?\s*(?:news|update)\b",
        r"\bannounc(?:ing|ement|es|ed)\b",
        r"\b(?:we've|we\s+have|we're|we\s+are)\s+(?:moved|moving|relocat\w+)\b",
        r"\b(?:new|changes\s+to\s+our|holiday|christmas|summer)\s+opening\s+(?:hours|times)\b",
        r"\b(?:we're|we\s+are|now)\s+hiring\b",
        r"\bjob\s+alert\b",
        r"\bwelcome\s+to\s+the\s+team\b",
        r"\b(?:shortlisted|nominated)\s+for\b",
        r"\bpress\s+release\b",
        r"\bwill\s+(?:be\s+closed|reopen|close\s+early)\b",
    ),
    _rule(
        "how_to",
        "educational",
        ("how", "tip", "guide", "🧵", "tutorial", "did", "explained", "101", "myth", "here"),
        r"\bhow\s+to\b(?![^.!?]*\?)",
        r"\b(?:top\s+)?tips?\s+(?:for|on|to)\b",
        r"^\W*(?:\d+|three|five|ten)\s+tips\b",
        r"\b(?:beginner's|complete|quick|step-by-step|our)\s+guide\b",
        r"\bguide\s+to\b",
        r"🧵",
        r"\btutorial\b",
        r"\bdid\s+you\s+know\b",
        r"\bexplained\b",
        r"\b101\b",
        r"^\W*myth\b",
        r"\bhere's\s+why\b",
    ),
    _rule(
        "asks_audience",
        "question",
        ("?", "what", "tell", "drop", "leave", "help", "rather", "poll"),
        r"\?\s*(?:[#@][\w-]+\s*|[^\w\s]\s*)*$",
        r"\bwhat's\s+your\b",
        r"\btell\s+us\b",
        r"\b(?:drop|leave)\s+(?:your|a)\b[^.!?]{0,30}\b(?:below|comments?)\b",
        r"\bhelp\s+us\s+(?:choose|decide|name|pick)\b",
        r"\bwould\s+you\s+rather\b",
        r"\bquick\s+poll\b",
    ),
)
"""Every rule, in the order they are tried."""


def match_rule(text: str) -> ContentKindRule | None:
    """The first rule that matches ``text``, or None."""
    return _first_rule(text, CONTENT_KIND_RULES)


def _first_rule(text: str, rules: Sequence[ContentKindRule]) -> ContentKindRule | None:
    lower = text.lower()
    for rule in rules:
        if rule.hints and not any(hint in lower for hint in rule.hints):
            continue
        if rule.pattern.search(text):
            return rule
    return None


# Python's classes (Unicode, as of the Python running) within the classes RE2 knows: Python's
# \w, \s and \d each match a subset of these (a test checks every code point).
_WORD_CHARACTERS: Final = r"\p{L}\p{N}_"
_SPACES: Final = r"\t-\r\x1c-\x1f\x85\p{Z}"
_ANY: Final = r"(?s:.)"
_SPECIAL_CASE: Final = "[\u0130\u0131]"
"""Python's ignore-case also matches İ and ı to i; RE2's does not: texts with them are
always candidates."""


def re2_superset(pattern: str) -> str:
    """An RE2 pattern (Arrow's regular expressions) that matches wherever the Python
    ``pattern`` of a rule does, and maybe elsewhere.

    Word boundaries, anchors and negative look-aheads are dropped (an assertion dropped only
    lets more text match); ``\\w``, ``\\s`` and ``\\d`` become Unicode classes at least as
    large as Python's, and a negated class holding them becomes "any character".
    """
    out: list[str] = []
    index = 0
    in_class = False
    class_start = out_start = 0
    while index < len(pattern):
        char = pattern[index]
        pair = pattern[index : index + 2]
        if char == "\\":
            escaped = {"w": _WORD_CHARACTERS, "s": _SPACES, "d": r"\p{Nd}"}.get(pair[1:])
            if in_class:
                out.append(escaped or pair)
            elif pair == r"\b":
                pass
            elif pair == r"\W":
                out.append(_ANY)
            else:
                out.append(f"[{escaped}]" if escaped else pair)
            index += 2
            continue
        if in_class:
            out.append(char)
            if char == "]" and index > class_start + 1:
                in_class = False
                body = "".join(out[out_start:])
                if body.startswith("[^") and (_WORD_CHARACTERS in body or _SPACES in body):
                    del out[out_start:]
                    out.append(_ANY)
        elif char == "[":
            in_class, class_start, out_start = True, index, len(out)
            out.append(char)
            if pattern[index + 1 : index + 2] == "^":
                out.append("^")
                index += 1
                class_start += 1
        elif pattern.startswith("(?!", index):
            depth = 0
            while True:
                depth += {"(": 1, ")": -1}.get(pattern[index], 0)
                index += 2 if pattern[index] == "\\" else 1
                if depth == 0:
                    break
            continue
        elif char not in "^$":
            out.append(char)
        index += 1
    return "".join(out)


_PREFILTERS: Final = tuple(
    "(?i)" + re2_superset(rule.pattern.pattern) + "|" + _SPECIAL_CASE for rule in CONTENT_KIND_RULES
)
_ANY_PREFILTER: Final = "(?i)" + "|".join(f"(?:{p.removeprefix('(?i)')})" for p in _PREFILTERS)


def _may_match(array: pa.Array, pattern: str) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False))


def match_rules(texts: Sequence[str]) -> list[ContentKindRule | None]:
    """:func:`match_rule` of each text, the same answers, for many texts at once.

    Arrow's RE2 (C++) first finds the texts any rule may match (:func:`re2_superset`, all
    rules in one pass), then which rules may match each of those; Python's regular
    expressions then decide only those texts, trying only those rules.
    """
    found: list[ContentKindRule | None] = [None] * len(texts)
    if not texts:
        return found
    array = pa.array(texts, pa.large_string())
    candidates = np.flatnonzero(_may_match(array, _ANY_PREFILTER))
    if not candidates.size:
        return found
    subset = array.take(pa.array(candidates))
    maybe = np.column_stack([_may_match(subset, pattern) for pattern in _PREFILTERS])
    for row, index in enumerate(candidates.tolist()):
        rules = [CONTENT_KIND_RULES[r] for r in np.flatnonzero(maybe[row]).tolist()]
        found[index] = _first_rule(texts[index], rules)
    return found
