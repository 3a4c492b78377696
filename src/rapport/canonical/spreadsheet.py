"""Cells a spreadsheet opens: text that can't be run as a formula (OWASP "CSV injection").

A CSV file rapport writes is often opened in a spreadsheet. A cell that begins with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheets skip before
looking) is read as a formula there, and a formula can fetch a URL or run a command. A
handle, a name or a post text comes from other people, so every text cell of every CSV
rapport writes goes through :func:`safe_cell`, which puts a single quote before such a cell:
the spreadsheet shows the text, starting with the quote, and runs nothing.

Numbers stay numbers: a numeric value is never a formula, and text that is exactly a
decimal number (``-12``, ``+3.5``) is left as it is too, since a spreadsheet reads it as
that number and runs nothing. So a negative count or change is written ``-3``, not ``'-3``.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_START", "safe_cell"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a cell may begin with that makes a spreadsheet read it as a formula (OWASP)."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(text: str) -> str:
    """``text`` with a single quote before it when a spreadsheet would run it as a formula.

    >>> safe_cell("=HYPERLINK(\\"http://evil\\")")
    '\\'=HYPERLINK("http://evil")'
    >>> safe_cell("-12.5"), safe_cell("@shop"), safe_cell("hello")
    ('-12.5', "'@shop", 'hello')
    """
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text
