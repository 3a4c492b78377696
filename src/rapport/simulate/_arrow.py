"""Small typed helpers around pyarrow string kernels (the stubs reject mixed arguments)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ids", "indices", "join", "strings", "take"]

_JOIN: Callable[..., Any] = pc.binary_join_element_wise


def join(*parts: pa.Array[Any] | str, separator: str = "") -> pa.StringArray:
    """Element-wise concatenation of string arrays and constant strings."""
    return cast(pa.StringArray, _JOIN(*parts, separator))


def indices(values: npt.ArrayLike) -> pa.Int64Array:
    """An Arrow int64 array (for ``take``)."""
    return pa.array(np.asarray(values, dtype=np.int64), type=pa.int64())


def strings(words: list[str] | tuple[str, ...]) -> pa.StringArray:
    """An Arrow string array of ``words``."""
    return pa.array(list(words), type=pa.string())


def take(words: pa.StringArray, positions: npt.ArrayLike) -> pa.StringArray:
    """``words[positions]``."""
    return words.take(indices(positions))


def ids(prefix: str, numbers: npt.ArrayLike) -> pa.StringArray:
    """``prefix`` followed by each number, e.g. ``synthetic:u17``."""
    return join(prefix, pc.cast(indices(numbers), pa.string()))
