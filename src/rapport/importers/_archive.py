"""Opening what the user points at: a folder, a single file, a .zip or a .tar.gz.

Archives are extracted into a temporary folder that disappears afterwards. Members with
absolute paths or ``..`` are refused (an archive can't write outside its folder), and so are
archives that would unpack to more than :data:`MAX_UNPACKED_BYTES`.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from rapport.errors import InputNotFound, UnreadableFile

__all__ = ["MAX_UNPACKED_BYTES", "find_files", "is_archive", "opened"]

MAX_UNPACKED_BYTES = 50 * 1024**3


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a zip or a (possibly compressed) tar file, judged by content."""
    if not path.is_file():
        return False
    try:
        return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
    except OSError:
        return False


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    member = PurePosixPath(name)
    if member.is_absolute() or ".." in member.parts:
        raise UnreadableFile(
            archive,
            reason=f"member {name!r} points outside the archive",
            fix="this archive is unsafe to unpack; re-export it",
        )
    return member


def _extract_zip(path: Path, target: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(info.file_size for info in archive.infolist())
            if total > MAX_UNPACKED_BYTES:
                raise UnreadableFile(path, reason=f"it would unpack to {total:,} bytes")
            for info in archive.infolist():
                _safe_member(info.filename, path)
            archive.extractall(target)
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as exc:
        raise UnreadableFile(path, reason=f"not a readable zip archive ({exc})") from None
    except OSError as exc:
        raise UnreadableFile(path, reason=f"the zip archive is damaged ({exc})") from None


def _extract_tar(path: Path, target: Path) -> None:
    try:
        with tarfile.open(path) as archive:
            members = archive.getmembers()
            total = sum(m.size for m in members)
            if total > MAX_UNPACKED_BYTES:
                raise UnreadableFile(path, reason=f"it would unpack to {total:,} bytes")
            for member in members:
                _safe_member(member.name, path)
            archive.extractall(target, filter="data")
    except (tarfile.TarError, EOFError) as exc:
        raise UnreadableFile(path, reason=f"not a readable tar archive ({exc})") from None
    except OSError as exc:
        raise UnreadableFile(path, reason=f"the tar archive is damaged ({exc})") from None


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The folder or file to read: archives are unpacked for the duration of the block."""
    if not path.exists():
        raise InputNotFound(path)
    if not is_archive(path):
        yield path
        return
    target = Path(tempfile.mkdtemp(prefix="rapport-import-"))
    try:
        if zipfile.is_zipfile(path):
            _extract_zip(path, target)
        else:
            _extract_tar(path, target)
        yield target
    finally:
        shutil.rmtree(target, ignore_errors=True)


def find_files(root: Path, names: tuple[str, ...] | str, *, max_depth: int = 4) -> list[Path]:
    """Files below ``root`` whose name matches one of ``names`` (glob patterns), sorted.

    Platform archives often wrap their files in a top folder (``twitter-2024-…/data/``), so
    the search goes a few levels down; ``root`` may itself be a single file.
    """
    patterns = (names,) if isinstance(names, str) else names
    if root.is_file():
        return [root] if any(root.match(p) for p in patterns) else []
    found: list[Path] = []
    for pattern in patterns:
        for depth in range(max_depth + 1):
            prefix = "*/" * depth
            found.extend(p for p in root.glob(prefix + pattern) if p.is_file())
    return sorted(set(found))
