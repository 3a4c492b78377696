"""Reshare cascades: the value type, the readers of the research formats, and the store.

>>> from rapport.models.cascades import Cascade
>>> c = Cascade.from_events("p", [30.0, 10.0], [5, 7], poster_followers=100)
>>> c.times.tolist(), c.followers.tolist(), c.observed(15.0)
([10.0, 30.0], [7.0, 5.0], 1)

Counts are reshares, never including the original post. Formats read by
:func:`read_cascades`:

``seismic``  SEISMIC/TiDeH text: line 1 ``<total_retweets> <start_time_days>``, line 2 the
             original post ``0 <followers>``, then ``<seconds_since_post> <followers>``
             (files whose times all carry a decimal point, like TiDeH's ``sample_file.txt``,
             are in hours);
``csv``      the R-written CSVs: ``relative_time_second,number_of_followers`` or
             ``"",magnitude,time``, row 1 the original post;
``casflow``  CasFlow retweet paths (:mod:`rapport.models.cascade_trees`), no follower counts;
``auto``     decided from the first line of each file.
"""

from __future__ import annotations

from pathlib import Path

from rapport.errors import InputNotFound, UsageError, WrongFormat
from rapport.models._cascade_core import (
    Cascade,
    CascadeBatch,
    FloatArray,
    IntArray,
    InvalidCascade,
    MalformedCascadeFile,
)
from rapport.models._cascade_readers import (
    detect_format,
    natural_key,
    read_csv_cascade,
    read_seismic_text,
    read_text,
)

__all__ = [
    "FORMATS",
    "Cascade",
    "CascadeBatch",
    "FloatArray",
    "IntArray",
    "InvalidCascade",
    "MalformedCascadeFile",
    "read_cascades",
]

FORMATS = ("auto", "seismic", "csv", "casflow")
FOLDER_SUFFIXES = (".txt", ".csv", ".tsv")


def read_cascades(path: Path, *, format: str = "auto", time_unit: str = "auto") -> list[Cascade]:
    """The cascades in a file, or in every ``.txt``/``.csv``/``.tsv`` file of a folder (in
    natural order: RT2 before RT10; hidden files skipped).

    ``time_unit`` (``auto``, ``seconds``, ``hours``) applies to SEISMIC/TiDeH text only.
    """
    if format not in FORMATS:
        raise UsageError(
            f"unknown cascade format {format!r}; use one of {', '.join(FORMATS)}",
            option="cascade_format",
        )
    path = Path(path)
    if not path.exists():
        raise InputNotFound(path, what="cascade file or folder")
    if path.is_dir():
        files = sorted(
            (
                p
                for p in path.iterdir()
                if p.is_file() and not p.name.startswith(".") and p.suffix in FOLDER_SUFFIXES
            ),
            key=natural_key,
        )
        if not files:
            raise WrongFormat(
                path,
                expected="a folder of cascade files (.txt, .csv, .tsv)",
                found="no such file in it",
            )
        return [c for p in files for c in _read_file(p, format, time_unit)]
    return _read_file(path, format, time_unit)


def _read_file(path: Path, format: str, time_unit: str) -> list[Cascade]:
    if format == "casflow":
        return _read_casflow(path)
    text = read_text(path)
    found = detect_format(path, text) if format == "auto" else format
    if found == "casflow":
        return _read_casflow(path)
    if found == "csv":
        return [read_csv_cascade(path, text)]
    return [read_seismic_text(path, text, time_unit=time_unit)]


def _read_casflow(path: Path) -> list[Cascade]:
    from rapport.models.cascade_trees import read_casflow  # written beside this module

    return [tree.to_cascade() for tree in read_casflow(path)]
