"""The key that encrypts the credentials, kept outside the workspaces.

In this order: the value of ``$RAPPORT_SECRET_KEY`` (:data:`KEY_VAR`); the file
``$RAPPORT_KEY_FILE`` (:data:`KEY_FILE_VAR`); the file ``$XDG_CONFIG_HOME/rapport/secret.key``
(``~/.config/rapport/secret.key``). The file is made, readable by its owner only, when a
connection is first saved; a key file that others may read is refused.
"""

from __future__ import annotations

import binascii
import os
import secrets
import stat
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

from rapport.errors import CredentialsError

__all__ = ["KEY_FILE_VAR", "KEY_VAR", "Key", "key_file", "key_location", "load_key"]

KEY_VAR = "RAPPORT_SECRET_KEY"
"""Environment variable holding the key itself (a Fernet key: 44 characters)."""
KEY_FILE_VAR = "RAPPORT_KEY_FILE"
"""Environment variable naming the key file."""

_CREATING = threading.Lock()


@dataclass(frozen=True)
class Key:
    """The key, and where it came from (``$RAPPORT_SECRET_KEY`` or a file's path)."""

    where: str
    fernet: Fernet = field(repr=False)


def key_file() -> Path:
    """``$RAPPORT_KEY_FILE``, else ``$XDG_CONFIG_HOME/rapport/secret.key`` (with
    ``~/.config`` when XDG_CONFIG_HOME is not set)."""
    given = os.environ.get(KEY_FILE_VAR, "").strip()
    if given:
        return Path(given).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    folder = Path(base).expanduser() if base else Path.home() / ".config"
    return folder / "rapport" / "secret.key"


def key_location() -> str:
    """Where the key is looked for: ``$RAPPORT_SECRET_KEY`` when set, else the key file."""
    return f"${KEY_VAR}" if os.environ.get(KEY_VAR, "").strip() else str(key_file())


def _fernet(text: str, *, where: str, fix: str) -> Fernet:
    try:
        return Fernet(text.strip().encode("ascii"))
    except (ValueError, UnicodeError, binascii.Error):
        raise CredentialsError(
            where,
            problem="is not a key rapport can use (expected 44 characters of URL-safe base64)",
            fix=fix,
        ) from None


def _read_key_file(path: Path) -> Key | None:
    where = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise CredentialsError(
            where, problem=f"the key file can't be read ({error.strerror})",
            fix="check the path and its permissions",
        ) from None  # fmt: skip
    if not stat.S_ISREG(info.st_mode):
        raise CredentialsError(
            where, problem="is not a file", fix=f"point {KEY_FILE_VAR} at the key file"
        )
    mode = info.st_mode & 0o777
    if sys.platform != "win32" and mode & 0o077:
        raise CredentialsError(
            where,
            problem=f"the key file may be read or changed by others (mode {mode:03o})",
            fix=f"make it its owner's only (chmod 600 {path}); if others may have read it, "
            "make a new key and connect the accounts again",
        )
    try:
        text = path.read_text("ascii", errors="replace")
    except OSError as error:
        raise CredentialsError(
            where, problem=f"the key file can't be read ({error.strerror})",
            fix="check its permissions",
        ) from None  # fmt: skip
    fix = (
        "restore the key file from your backup; if it is lost, remove the connections and "
        "connect the accounts again"
    )
    return Key(where, _fernet(text, where=where, fix=fix))


def _create_key_file(path: Path) -> Key:
    """A new key in a new file (0600), unless another thread or process made one first."""
    made = Fernet.generate_key()
    draft = path.with_name(f".{path.name}.{secrets.token_hex(6)}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        raise CredentialsError(
            str(path), problem=f"the key file can't be made ({error.strerror})",
            fix=f"check the folder's permissions, or point {KEY_FILE_VAR} at a file rapport "
            "may write",
        ) from None  # fmt: skip
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(made + b"\n")
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(draft, path)  # atomic, and never replaces a key that exists
        except FileExistsError:
            found = _read_key_file(path)
            if found is None:
                raise
            return found
    finally:
        draft.unlink(missing_ok=True)
    return Key(str(path), Fernet(made))


def load_key(*, create: bool = False) -> Key | None:
    """The key: from ``$RAPPORT_SECRET_KEY``, else from the key file (made when ``create``
    and there is none yet); None when there is no key and ``create`` is False."""
    given = os.environ.get(KEY_VAR, "").strip()
    if given:
        fix = f"set {KEY_VAR} to the key you saved, or unset it to use the key file"
        return Key(f"${KEY_VAR}", _fernet(given, where=f"${KEY_VAR}", fix=fix))
    path = key_file()
    with _CREATING:
        found = _read_key_file(path)
        if found is None and create:
            found = _create_key_file(path)
    return found
