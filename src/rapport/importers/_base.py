"""The importer registry.

An importer turns a path (a file or a folder; archives are unpacked first) into a
:class:`~rapport.canonical.Batch` and never opens the store; the store does the writing.
Importers register with :func:`register`. ``rapport import PATH`` asks each registered
importer how sure it is that it can read the path (by content, not by name) and uses the most
confident one, unless ``--as`` names one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from rapport.canonical.batch import Batch
from rapport.errors import InputError, InputNotFound, UsageError, WrongFormat
from rapport.importers._archive import opened

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


_REGISTRY: dict[str, Importer] = {}


def register(
    name: str, *, description: str, detect: Callable[[Path], float]
) -> Callable[[Callable[[Path, ImportOptions], Batch]], Callable[[Path, ImportOptions], Batch]]:
    """Register ``read(path, options) -> Batch`` as the importer called ``name``."""

    def decorate(
        read: Callable[[Path, ImportOptions], Batch],
    ) -> Callable[[Path, ImportOptions], Batch]:
        if name in _REGISTRY:
            raise ValueError(f"an importer called {name!r} is already registered")
        _REGISTRY[name] = Importer(name, description, detect, read)
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
    except (OSError, ValueError, UnicodeDecodeError):
        return 0.0


def detect(path: Path) -> Importer:
    """The importer most sure it can read ``path`` (already unpacked), or a clear error."""
    if not path.exists():
        raise InputNotFound(path)
    scored = sorted(((_score(i, path), i.name) for i in importers()), reverse=True)
    best = scored[0][0] if scored else 0.0
    if best <= 0:
        known = ", ".join(sorted(_REGISTRY))
        raise WrongFormat(
            path,
            expected=f"a format rapport can read ({known})",
            found="nothing it recognises",
            fix="name the format",
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
        if root == path:
            chosen = importer or detect(root)
            return chosen.read(root, options)
        try:
            chosen = importer or detect(root)
            batch = chosen.read(root, options)
        except InputError as error:
            raise _inside(error, root, path) from None
        batch.files = [
            replace(digest, path=str(_outside(Path(digest.path), root, path)))
            for digest in batch.files
        ]
        return batch


def _outside(inner: Path, root: Path, archive: Path) -> Path:
    """A path under the temporary folder ``root`` as the user knows it: inside the archive
    (``export.zip/data/tweets.js``)."""
    try:
        relative = inner.relative_to(root)
    except ValueError:
        return inner
    return archive if relative == Path() else archive / relative


def _inside(error: InputError, root: Path, archive: Path) -> InputError:
    """``error`` naming the user's archive, never the temporary folder it was unpacked in."""
    found = getattr(error, "path", None)
    if isinstance(found, Path):
        error.path = _outside(found, root, archive)  # type: ignore[attr-defined]
    if isinstance(error, UsageError):
        error.message = error.message.replace(str(root), str(archive))
    return error
