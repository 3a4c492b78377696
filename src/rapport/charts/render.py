"""Charts drawn to SVG in-process (vl-convert), so a page needs no JavaScript to show them.

A Vega-Lite spec becomes one ``<svg>`` element with a ``viewBox``: the report (and the web
workplace) place it inline and scale it to the width they have, so a chart fits a phone's
screen and a printed page alike. Text from platforms (a post, a handle) is escaped by the
renderer; the result is checked to hold no script before it is used.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import vl_convert

__all__ = ["FONT", "svg"]

_SIZE = re.compile(r'^(<svg\b[^>]*?)\s(width|height)="[^"]*"', re.S)


FONT = "Liberation Sans, Arimo, Arial, Helvetica, sans-serif"
"""The charts' font: vl-convert lays text out with Liberation Sans's metrics whatever the
font named, so the page is asked for it or a font with the same metrics (Arimo, Arial) and
then for Helvetica; legends and labels then end where the layout put them."""


@functools.lru_cache(maxsize=256)
def _draw(spec_json: str) -> str:
    converter: Any = vl_convert
    spec = json.loads(spec_json)
    spec["config"] = {**spec.get("config", {}), "font": FONT}
    drawn = str(converter.vegalite_to_svg(spec))
    if re.search(r"<\s*script|<[^>]*\son\w+\s*=|<[^>]*javascript:", drawn, flags=re.I):
        raise ValueError("a chart's SVG holds script: refusing to place it in a page")
    # drop the fixed size: the viewBox keeps the proportions, the page sets the width
    for _ in range(2):
        drawn = _SIZE.sub(r"\1", drawn, count=1)
    return drawn


def svg(spec: dict[str, Any]) -> str:
    """The chart ``spec`` (Vega-Lite) as one inline ``<svg>`` element, sized by its page."""
    return _draw(json.dumps(spec, sort_keys=True, ensure_ascii=False))
