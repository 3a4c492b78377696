"""The Vega, Vega-Lite and vega-embed JavaScript, inlined into every report.

The bundle comes from vl-convert (no network). Building it takes about two seconds, so it is
cached per vl-convert version under the user's cache folder when that folder is writable.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import vl_convert

__all__ = ["vega_bundle"]


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "rapport"


@cache
def vega_bundle() -> str:
    """The JavaScript bundle, safe to place inside a <script> element."""
    version = getattr(vl_convert, "__version__", "unknown")
    cached = _cache_dir() / f"vega-bundle-{version}.js"
    try:
        return cached.read_text(encoding="utf-8")
    except OSError:
        pass
    converter: Any = vl_convert  # its stub wrongly makes the optional snippet required
    bundle = str(converter.javascript_bundle()).replace("</script", "<\\/script")
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(bundle, encoding="utf-8")
        temporary.replace(cached)
    except OSError:
        pass  # a read-only home only costs the two seconds again next time
    return bundle
