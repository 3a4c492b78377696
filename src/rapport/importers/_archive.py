"""Opening what the user points at: a folder, a single file, a .zip or a .tar.gz.

Archives are unpacked, member by member in streams, into a temporary folder that
disappears afterwards. What can't be trusted is refused before it fills the disk:

- members with absolute paths or ``..`` (an archive can't write outside its folder);
- more than :data:`MAX_UNPACKED_BYTES` (4 GiB) of data in all, counted as the bytes
  come out, not as the archive's headers claim; ``$RAPPORT_MAX_UNPACKED`` sets another cap
  (``8GiB``, ``500MB`` or a number of bytes);
- a member that inflates more than :data:`MAX_RATIO` (100) times its compressed size, as
  zip bombs do (text exports compress 5 to 20 times).

Photos and videos (``tweets_media/…``, ``media_attachments/…``) are skipped: no importer
reads them, and they are most of a real archive's size.

A full disk is reported as one (:class:`~rapport.errors.DiskFull`). The folder is named
``rapport-import-<pid>-…``; one left behind by a process that died before cleaning up (a
``kill -9``, a power cut) is removed the next time any archive is opened.
"""

from __future__ import annotations

import contextlib
import errno
import lzma
import os
import shutil
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO

from rapport.canonical.builder import byte_size
from rapport.errors import DiskFull, InputNotFound, UnreadableFile

__all__ = [
    "FOLDER_PREFIX",
    "MAX_RATIO",
    "MAX_UNPACKED_BYTES",
    "MAX_UNPACKED_VARIABLE",
    "find_files",
    "is_archive",
    "max_unpacked_bytes",
    "opened",
    "remove_stale_folders",
]

MAX_UNPACKED_BYTES = 4 * 1024**3
"""Default cap on the bytes an archive may unpack to (photos and videos not counted)."""
MAX_UNPACKED_VARIABLE = "RAPPORT_MAX_UNPACKED"
MAX_RATIO = 100
"""A member that inflates to more than this many times its compressed size is a bomb."""
FOLDER_PREFIX = "rapport-import-"
_RATIO_FROM_BYTES = 1024**2
"""The ratio is judged once a member has produced this much (tiny files compress oddly)."""
_CHUNK = 1024**2
_STALE_WITHOUT_PID_SECONDS = 24 * 3600
_MEDIA_SUFFIXES = frozenset({
    ".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".avif", ".bmp", ".tif", ".tiff",
    ".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".mp3", ".m4a", ".ogg", ".wav",
})  # fmt: skip


def max_unpacked_bytes() -> int:
    """The cap in force: ``$RAPPORT_MAX_UNPACKED`` when set, else :data:`MAX_UNPACKED_BYTES`."""
    return byte_size(MAX_UNPACKED_VARIABLE, MAX_UNPACKED_BYTES)


def is_archive(path: Path) -> bool:
    """Whether ``path`` is a zip or a (possibly compressed) tar file, judged by content."""
    if not path.is_file():
        return False
    try:
        return zipfile.is_zipfile(path) or tarfile.is_tarfile(path)
    except OSError:
        return False


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    member = PurePosixPath(name.replace("\\", "/"))
    if member.is_absolute() or ".." in member.parts:
        raise UnreadableFile(
            archive,
            reason=f"member {name!r} points outside the archive",
            fix="this archive is unsafe to unpack; re-export it",
        )
    return member


class _Budget:
    """Bytes written so far against the cap, for one archive."""

    def __init__(self, archive: Path, cap: int) -> None:
        self.archive = archive
        self.cap = cap
        self.written = 0
        self.packed = archive.stat().st_size

    def copy(self, source: IO[bytes], target: Path, *, name: str, packed: int | None) -> None:
        """Stream one member to ``target``, refusing it as soon as it breaks a limit.

        ``packed`` is the member's compressed size (None where the format has none per
        member: a compressed tar is judged on the whole archive's size instead).
        """
        target.parent.mkdir(parents=True, exist_ok=True)
        produced = 0
        with target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                produced += len(chunk)
                self.written += len(chunk)
                if self.written > self.cap:
                    raise UnreadableFile(
                        self.archive,
                        reason=f"it unpacks to more than {self.cap:,} bytes (at {name!r})",
                        fix=f"unpack it yourself and import the folder, or raise the cap "
                        f"with {MAX_UNPACKED_VARIABLE} (such as 16GiB)",
                    )
                base = packed if packed is not None else self.packed
                ratio_of = produced if packed is not None else self.written
                if ratio_of > _RATIO_FROM_BYTES and ratio_of > MAX_RATIO * max(base, 1):
                    raise UnreadableFile(
                        self.archive,
                        reason=f"member {name!r} inflates more than {MAX_RATIO} times its "
                        "compressed size, as archive bombs do",
                        fix="this archive is unsafe to unpack; re-export it",
                    )
                out.write(chunk)


def _is_media(member: PurePosixPath) -> bool:
    return member.suffix.lower() in _MEDIA_SUFFIXES


def _extract_zip(path: Path, target: Path, budget: _Budget) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            for info in infos:
                _safe_member(info.filename, path)
            for info in infos:
                member = _safe_member(info.filename, path)
                if info.is_dir() or not member.parts or _is_media(member):
                    continue
                with archive.open(info) as source:
                    budget.copy(
                        source,
                        target.joinpath(*member.parts),
                        name=info.filename,
                        packed=info.compress_size,
                    )
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise UnreadableFile(path, reason=f"not a readable zip archive ({exc})") from None
    except zlib.error as exc:
        raise UnreadableFile(path, reason=f"the zip archive is damaged ({exc})") from None
    except RuntimeError as exc:  # zipfile's "File is encrypted, password required"
        raise UnreadableFile(
            path, reason=f"a member is encrypted ({exc})", fix="export it again without a password"
        ) from None
    except OSError as exc:
        _raise_os_error(path, exc, budget, kind="zip")


def _extract_tar(path: Path, target: Path, budget: _Budget) -> None:
    try:
        with tarfile.open(path) as archive:
            for info in archive:  # streams: the members are read as they come
                member = _safe_member(info.name, path)
                if not info.isfile() or not member.parts or _is_media(member):
                    continue  # folders are made as needed; links and devices are not data
                source = archive.extractfile(info)
                if source is not None:
                    with source:
                        budget.copy(
                            source, target.joinpath(*member.parts), name=info.name, packed=None
                        )
    except (tarfile.TarError, EOFError, zlib.error, lzma.LZMAError) as exc:
        raise UnreadableFile(path, reason=f"not a readable tar archive ({exc})") from None
    except OSError as exc:
        _raise_os_error(path, exc, budget, kind="tar")


def _raise_os_error(path: Path, exc: OSError, budget: _Budget, *, kind: str) -> None:
    """A full disk as a full disk; anything else as a damaged archive."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        raise DiskFull(path, folder=Path(tempfile.gettempdir()), written=budget.written) from None
    raise UnreadableFile(path, reason=f"the {kind} archive is damaged ({exc})") from None


def _pid_alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_folders(root: Path | None = None) -> list[Path]:
    """Remove unpacking folders left by processes that died before cleaning up.

    A folder ``rapport-import-<pid>-…`` is stale when process ``<pid>`` is gone; one named
    by an older rapport (no pid) when it has not changed for a day. Returns what was removed.
    """
    base = root or Path(tempfile.gettempdir())
    removed: list[Path] = []
    try:
        candidates = list(base.glob(FOLDER_PREFIX + "*"))
    except OSError:
        return removed
    for folder in candidates:
        pid_text = folder.name[len(FOLDER_PREFIX) :].split("-", 1)[0]
        try:
            if pid_text.isdigit() and "-" in folder.name[len(FOLDER_PREFIX) :]:
                stale = not _pid_alive(int(pid_text))
            else:
                stale = time.time() - folder.stat().st_mtime > _STALE_WITHOUT_PID_SECONDS
        except OSError:
            continue
        if stale and folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The folder or file to read: archives are unpacked for the duration of the block."""
    if not path.exists():
        raise InputNotFound(path)
    if not is_archive(path):
        yield path
        return
    cap = max_unpacked_bytes()
    remove_stale_folders()
    try:
        target = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFull(path, folder=Path(tempfile.gettempdir()), written=0) from None
        raise
    try:
        budget = _Budget(path, cap)
        if zipfile.is_zipfile(path):
            _extract_zip(path, target, budget)
        else:
            _extract_tar(path, target, budget)
        yield target
    finally:
        with contextlib.suppress(OSError):
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
