"""Readers of the research cascade formats: SEISMIC/TiDeH text files and the R-written CSVs.

Every bad field is one :class:`MalformedCascadeFile` naming the file, the line and the field;
a file that is not a cascade at all is :class:`~rapport.errors.WrongFormat`.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np

from rapport.errors import UnreadableFile, WrongFormat
from rapport.models._cascade_core import Cascade, FloatArray, MalformedCascadeFile

__all__ = ["detect_format", "natural_key", "read_csv_cascade", "read_seismic_text", "read_text"]

SEISMIC_EXPECTED = (
    "a SEISMIC/TiDeH cascade: line 1 `<total_retweets> <start_time_days>`, "
    "then `<time> <followers>` lines, the first of them the original post at time 0"
)
CSV_TIME_COLUMNS = ("relative_time_second", "time")
CSV_FOLLOWER_COLUMNS = ("number_of_followers", "magnitude")
HOUR = 3600.0


def read_text(path: Path) -> str:
    """The file's text; a missing, binary or undecodable file is UnreadableFile."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise UnreadableFile(path, reason=error.strerror or str(error)) from error
    if b"\x00" in data[:4096]:
        raise UnreadableFile(path, reason="it is a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(path, reason=f"not UTF-8 text (byte {error.start})") from error


def detect_format(path: Path, text: str) -> str:
    """``seismic``, ``csv`` or ``casflow``, from the first non-empty line."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), None)
    if first is None:
        raise UnreadableFile(path, reason="the file is empty", fix="export the cascade again")
    if "\t" in first and len(first.split("\t")) >= 5 and ":" in first.split("\t")[4]:
        return "casflow"
    if "," in first:
        return "csv"
    tokens = first.split()
    if len(tokens) == 2 and all(_is_number(token) for token in tokens):
        return "seismic"
    raise WrongFormat(
        path,
        expected="a cascade file: SEISMIC/TiDeH text, an R-written CSV or CasFlow paths",
        found=f"first line {first[:60]!r}",
        fix="name the format (seismic, csv or casflow), or check the file",
        option="cascade_format",
    )


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _number(
    path: Path, line: int, field: str, token: str, *, integer: bool = False, zero: bool = False
) -> float:
    """A finite number >= 0 (an integer when asked, exactly 0 when asked)."""
    what = "a whole number >= 0" if integer else "a number >= 0"
    try:
        value = float(token)
    except ValueError:
        raise MalformedCascadeFile(
            path, line=line, field=field, expected=what, found=repr(token)
        ) from None
    if not math.isfinite(value) or value < 0 or (integer and value != int(value)):
        raise MalformedCascadeFile(path, line=line, field=field, expected=what, found=repr(token))
    if zero and value != 0:
        raise MalformedCascadeFile(
            path, line=line, field=field, expected="0 (the original post)", found=repr(token)
        )
    return value


def read_seismic_text(path: Path, text: str, *, time_unit: str = "auto") -> Cascade:
    """One SEISMIC/TiDeH file.

    Line 1 is ``<total_retweets> <start_time_days>``, line 2 the original post
    ``0 <followers>``, then one ``<time> <followers>`` line per reshare. Times are seconds,
    except in files whose times are all written with a decimal point (TiDeH's
    ``sample_file.txt``), which are hours; ``time_unit`` overrides the guess.
    """
    rows: list[tuple[int, list[str]]] = [
        (number, line.split())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip()
    ]
    if not rows:
        raise UnreadableFile(path, reason="the file is empty", fix="export the cascade again")
    for number, tokens in rows:
        if len(tokens) != 2:
            field = "header" if number == rows[0][0] else "line"
            raise MalformedCascadeFile(
                path, line=number, field=field, expected="2 fields", found=f"{len(tokens)}"
            )
    head_line, (total_token, start_token) = rows[0]
    total = int(_number(path, head_line, "total_retweets", total_token, integer=True))
    _number(path, head_line, "start_time_days", start_token)
    if len(rows) < 2:
        raise MalformedCascadeFile(
            path,
            line=head_line + 1,
            field="original post",
            expected="a line `0 <followers>`",
            found="the end of the file (truncated?)",
        )
    unit = _time_unit(path, [tokens[0] for _, tokens in rows[1:]], time_unit)
    time_field = "hours_since_post" if unit == HOUR else "seconds_since_post"
    original_line, (zero_token, poster_token) = rows[1]
    _number(path, original_line, time_field, zero_token, zero=True)
    poster = _number(path, original_line, "followers", poster_token)
    times, followers = _event_columns(path, rows[2:], time_field)
    times = times * unit
    if total < len(times):
        raise MalformedCascadeFile(
            path,
            line=head_line,
            field="total_retweets",
            expected=f"at least the {len(times)} reshares listed",
            found=repr(total_token),
        )
    return Cascade.from_events(
        path.stem,
        times,
        followers,
        poster_followers=poster,
        final_size=total,
        source=str(path),
    )


def _event_columns(
    path: Path, rows: list[tuple[int, list[str]]], time_field: str
) -> tuple[FloatArray, FloatArray]:
    """The two numeric columns; a bad field is reported by its line (slow path only then)."""
    try:
        values = np.array([tokens for _, tokens in rows], dtype=np.float64).reshape(-1, 2)
        if np.all(np.isfinite(values)) and not np.any(values < 0):
            return values[:, 0].copy(), values[:, 1].copy()
    except ValueError:
        pass
    for number, (time_token, count_token) in rows:
        _number(path, number, time_field, time_token)
        _number(path, number, "followers", count_token)
    raise AssertionError("unreachable: a bad field was not found")  # pragma: no cover


def _time_unit(path: Path, tokens: list[str], time_unit: str) -> float:
    if time_unit == "seconds":
        return 1.0
    if time_unit == "hours":
        return HOUR
    if time_unit != "auto":
        raise WrongFormat(path, expected="time_unit seconds, hours or auto", found=time_unit)
    decimal = [("." in token) for token in tokens]
    return HOUR if decimal and all(decimal) else 1.0


def _normalise(name: str) -> str:
    return name.strip().strip('"').strip().lower()


def read_csv_cascade(path: Path, text: str) -> Cascade:
    """One R-written CSV: ``relative_time_second,number_of_followers`` (the seismic package's
    ``tweet``) or ``"",magnitude,time`` (featuredriven-hawkes); row 1 is the original post."""
    reader = csv.reader(text.splitlines())
    header = next(reader, None)
    if header is None:
        raise UnreadableFile(path, reason="the file is empty", fix="export the cascade again")
    names = [_normalise(name) for name in header]
    time_col = next((names.index(n) for n in CSV_TIME_COLUMNS if n in names), None)
    count_col = next((names.index(n) for n in CSV_FOLLOWER_COLUMNS if n in names), None)
    if time_col is None or count_col is None:
        raise WrongFormat(
            path,
            expected="a CSV with a time column (relative_time_second or time) and a follower "
            "column (number_of_followers or magnitude)",
            found=f"columns {', '.join(repr(n) for n in names)}",
        )
    time_name, count_name = names[time_col], names[count_col]
    times: list[float] = []
    followers: list[float] = []
    poster: float | None = None
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            raise MalformedCascadeFile(
                path,
                line=line,
                field="row",
                expected=f"{len(names)} fields",
                found=f"{len(row)}",
            )
        if poster is None:
            _number(path, line, time_name, row[time_col], zero=True)
            poster = _number(path, line, count_name, row[count_col])
            continue
        times.append(_number(path, line, time_name, row[time_col]))
        followers.append(_number(path, line, count_name, row[count_col]))
    if poster is None:
        raise MalformedCascadeFile(
            path,
            line=2,
            field="original post",
            expected="a first row with time 0 and the poster's followers",
            found="the end of the file (truncated?)",
        )
    return Cascade.from_events(
        path.stem, times, followers, poster_followers=poster, source=str(path)
    )


def natural_key(path: Path) -> tuple[object, ...]:
    """Sort key that puts RT2 before RT10."""
    parts = re.split(r"(\d+)", path.name)
    return tuple(int(part) if part.isdigit() else part for part in parts)
