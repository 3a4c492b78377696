"""Text files in UTF-8 or UTF-16: the encodings exports come in, told apart by their bytes.

Platform exports are UTF-8 (sometimes with a byte-order mark). A file saved again by a
spreadsheet ("Unicode text" in Excel) or by Windows tools is often UTF-16: a byte-order mark
``FF FE`` or ``FE FF``, or, without one, a NUL byte beside every ASCII character. Read as
UTF-8, such a file looks like ``'\\ufffd\\ufffdw\\x00i…'`` and nothing recognises it, so every
reader of a text file goes through :func:`decode` (whole files) or :func:`head_text` (the
first bytes, for detection), which read UTF-16 as UTF-16.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["decode", "head_text", "utf16_codec"]

_SAMPLE = 4096


def utf16_codec(head: bytes) -> str | None:
    """``"utf-16"`` (a byte-order mark), ``"utf-16-le"`` or ``"utf-16-be"`` (no mark, but
    a NUL beside most characters of the first bytes), or None for anything else."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    sample = head[: _SAMPLE - _SAMPLE % 2]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd >= 0.6 * pairs and even <= 0.1 * pairs:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd <= 0.1 * pairs:
        return "utf-16-be"
    return None


def decode(data: bytes, *, encoding: str = "utf-8-sig") -> str:
    """``data`` as text: UTF-16 when its bytes say so, else ``encoding``.

    Raises UnicodeDecodeError (a ValueError) when the bytes are not valid in the encoding
    found; its ``encoding`` attribute names it, so a message can say "UTF-16".
    """
    codec = utf16_codec(data[:_SAMPLE])
    return data.decode(codec or encoding)


def head_text(path: Path, size: int = 512) -> str:
    """The first ``size`` bytes of a file as text, for detection: UTF-16 read as UTF-16,
    anything else as UTF-8 (a leading byte-order mark dropped); never fails on bad bytes."""
    with path.open("rb") as handle:
        head = handle.read(size)
    codec = utf16_codec(head)
    if codec is not None:
        if codec == "utf-16" or len(head) % 2:
            head = head[: len(head) - len(head) % 2]
        return head.decode(codec, errors="replace").lstrip("\ufeff")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")
