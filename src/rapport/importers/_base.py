"""The importer registry.

An importer turns a path (a file or a folder; archives are unpacked first) into a
:class:`~rapport.canonical.Batch` and never opens the store; the store does the writing.
Importers register with :func:`register`. ``rapport import PATH`` asks each registered
importer how sure it is that it can read the path (by content, not by name) and uses the most
confident one, unless ``--as`` names one.

When no importer recognises the content, the file's name decides: an importer that declared
the name (``names=("outbox.json",)``) is the clear best guess, and it reads the file and gives
its own precise reason (a truncated ``tweets.js``, an empty ``outbox.json``) instead of a list
of every format. An error about a file inside an archive names it as the user knows it,
``export.zip!data/tweets.js``, never the temporary folder the archive was unpacked into.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath

from rapport.canonical.batch import Batch
from rapport.canonical.encodings import utf16_codec
from rapport.errors import InputNotFound, RapportError, UnreadableFile, UsageError, WrongFormat
from rapport.importers._archive import find_files, is_archive, opened

__all__ = [
    "ImportOptions",
    "Importer",
    "KnownAccount",
    "detect",
    "get_importer",
    "importers",
    "register",
    "run",
]


@dataclass(frozen=True)
class KnownAccount:
    """An own account the workspace knows (from rapport.toml or earlier imports)."""

    platform: str
    handle: str
    account_id: str | None = None


@dataclass(frozen=True)
class ImportOptions:
    """What every importer may use besides the path (importers ignore what they don't need)."""

    account: str | None = None
    """``--account HANDLE``: the own account a file belongs to when the file does not say."""
    own_accounts: tuple[KnownAccount, ...] = ()
    """The workspace's own accounts, so a lone file can be attached to the only one."""
    origin: str = ""
    """What the user pointed at (the archive's name, not the folder it was unpacked into)."""
    mapping: Path | None = None
    """``--mapping FILE``: how a generic CSV/JSON file's columns map to canonical fields."""
    extra: Mapping[str, str] = field(default_factory=dict)
    """``--option KEY=VALUE``: settings one format needs (each importer documents its keys)."""

    def option(self, key: str, *, importer: str, fix: str) -> str:
        """The value of ``--option key=...``, or a UsageError saying why it is needed."""
        value = self.extra.get(key)
        if value is None:
            raise UsageError(
                f"the {importer} importer needs the option {key}=...: {fix}", option="extra"
            )
        return value

    def own_account(self, platform: str, *, file: str) -> KnownAccount:
        """The own account a file that does not name its author belongs to.

        ``--account`` wins; otherwise the workspace's only own account on ``platform``;
        otherwise a UsageError asking for the account's handle (``option="account"``; the
        command line's ``--account HANDLE``, exit code 2).
        """
        candidates = [a for a in self.own_accounts if a.platform == platform]
        if self.account:
            wanted = self.account.lstrip("@").lower()
            for account in candidates:
                if account.handle.lstrip("@").lower() == wanted:
                    return account
            return KnownAccount(platform, self.account.lstrip("@"))
        if len(candidates) == 1:
            return candidates[0]
        if candidates:
            handles = ", ".join(sorted(a.handle for a in candidates))
            situation = f"the workspace has several own {platform} accounts ({handles})"
        else:
            situation = f"the workspace has no own {platform} account yet"
        raise UsageError(
            f"{file}: the file does not say whose account it comes from, and {situation}; "
            "give the handle of the account it belongs to",
            option="account",
        )


@dataclass(frozen=True)
class Importer:
    name: str
    description: str
    detect: Callable[[Path], float]
    """How sure the importer is that it can read the path: 0 (not at all) to 1 (certain)."""
    read: Callable[[Path, ImportOptions], Batch]
    names: tuple[str, ...] = ()
    """Glob patterns of the file names this importer reads (``tweets.js``, ``outbox.json``):
    the best guess when no importer recognises a file by its content."""


_REGISTRY: dict[str, Importer] = {}


def register(
    name: str,
    *,
    description: str,
    detect: Callable[[Path], float],
    names: tuple[str, ...] = (),
) -> Callable[[Callable[[Path, ImportOptions], Batch]], Callable[[Path, ImportOptions], Batch]]:
    """Register ``read(path, options) -> Batch`` as the importer called ``name``; ``names``
    are the file names it reads (glob patterns), for files nothing recognises by content."""

    def decorate(
        read: Callable[[Path, ImportOptions], Batch],
    ) -> Callable[[Path, ImportOptions], Batch]:
        if name in _REGISTRY:
            raise ValueError(f"an importer called {name!r} is already registered")
        _REGISTRY[name] = Importer(name, description, detect, read, names)
        return read

    return decorate


def importers() -> list[Importer]:
    """The registered importers, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def get_importer(name: str) -> Importer:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(
            f"format {name!r}: unknown; known formats: {known}", option="format"
        ) from None


def _score(importer: Importer, path: Path) -> float:
    try:
        return float(importer.detect(path))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return 0.0


_NAMED_DEPTH = 3
"""How far below a folder (or an unpacked archive) a file's name makes a best guess."""


def _named(path: Path) -> list[Importer]:
    """The importers that declared the name of ``path`` (or of a file a few folders below)."""
    files = [path] if path.is_file() else find_files(path, "*", max_depth=_NAMED_DEPTH)
    return [i for i in importers() if any(f.match(n) for f in files for n in i.names)]


_ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz")


def _nested_archive(path: Path) -> Path | None:
    """An archive inside the folder an archive was unpacked into (a zip in a zip)."""
    if not path.is_dir():
        return None
    files = find_files(path, "*", max_depth=_NAMED_DEPTH)
    return next((f for f in files if f.name.lower().endswith(_ARCHIVES) or is_archive(f)), None)


def _found(path: Path) -> str:
    if path.is_file():
        with path.open("rb") as handle:
            if utf16_codec(handle.read(4096)):
                return "UTF-16 text that matches no format"
    return "nothing it recognises"


def detect(path: Path) -> Importer:
    """The importer most sure it can read ``path`` (already unpacked), or a clear error."""
    if not path.exists():
        raise InputNotFound(path)
    scored = sorted(((_score(i, path), i.name) for i in importers()), reverse=True)
    best = scored[0][0] if scored else 0.0
    if best <= 0:
        named = _named(path)
        if len(named) == 1:  # the clear best guess: it says what is wrong with the file
            return named[0]
        nested = _nested_archive(path)
        if nested is not None:
            raise WrongFormat(
                nested,
                expected="the files of an export",
                found="an archive inside the archive",
                fix=f"unpack the outer archive and import {nested.name} on its own",
            )
        known = ", ".join(sorted(_REGISTRY))
        found = _found(path)
        raise WrongFormat(
            path,
            expected=f"a format rapport can read ({known})",
            found=found,
            fix="save it as UTF-8 and name the format"
            if found.startswith("UTF-16")
            else "name the format",
            option="format",
        )
    tied = [name for score, name in scored if score == best]
    if len(tied) > 1:
        raise UsageError(
            f"{path}: could be {' or '.join(sorted(tied))}; name the format", option="format"
        )
    return _REGISTRY[tied[0]]


def run(path: Path, *, format: str | None = None, options: ImportOptions | None = None) -> Batch:
    """Read ``path`` (a folder, a file, a .zip or a .tar.gz) with the right importer."""
    if not path.exists():
        raise InputNotFound(path)
    options = replace(
        options or ImportOptions(),
        origin=(options.origin if options and options.origin else path.name),
    )
    importer = get_importer(format) if format else None
    with opened(path) as root:
        try:
            chosen = importer or detect(root)
            batch = chosen.read(root, options)
        except RecursionError:
            raise UnreadableFile(
                path,
                reason="its JSON is nested too deeply to be an export (thousands of levels)",
                fix="check that this is the file the platform sent",
            ) from None
        except RapportError as error:
            if root != path:
                _as_given(error, root=root, given=path)
            raise
        if root != path:
            batch.files = [
                replace(digest, path=str(_shown(Path(digest.path), root=root, given=path)))
                for digest in batch.files
            ]
        return batch


def _shown(value: PurePath, *, root: Path, given: Path) -> Path:
    """A path under the temporary folder ``root`` as the user knows it: ``given!member``
    for a file of the archive ``given``."""
    try:
        member = value.relative_to(root)
    except ValueError:
        return Path(value)
    return given if member == Path() else Path(f"{given}!{member.as_posix()}")


def _as_given(error: RapportError, *, root: Path, given: Path) -> None:
    """Name files in ``error`` as the user knows them (:func:`_shown`), never the temporary
    folder the archive was unpacked in."""
    prefix = str(root)
    for key, value in vars(error).items():
        if isinstance(value, PurePath):
            setattr(error, key, _shown(value, root=root, given=given))
        elif isinstance(value, str) and prefix in value:
            text = value.replace(prefix + "/", f"{given}!").replace(prefix, str(given))
            setattr(error, key, text)
