"""The apps rapport registered on Mastodon instances, for the OAuth authorization-code flow.

To let a person connect by signing in on their instance, rapport registers itself there once
(``POST /api/v1/apps``) with the address the instance sends the person back to; the instance
answers with a client id and a client secret, needed again to turn the code it sends back into
an access token. They are kept beside the workspace's connections, in
``mastodon-apps.enc.json`` (:data:`APPS_FILE`, readable by its owner only): the instance and
the return address in clear, the client id and secret encrypted with the connections' key
(:mod:`rapport.credentials.key`), together with the instance and the return address, so that
a registration moved to another entry of the file is refused. No page and no log shows them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import InvalidToken

from rapport.credentials.key import key_location, load_key
from rapport.credentials.secret import Secret
from rapport.errors import CredentialsError, WrongKey
from rapport.workspace import Workspace

__all__ = ["APPS_FILE", "MastodonApp", "MastodonApps"]

APPS_FILE = "mastodon-apps.enc.json"
"""The workspace's app registrations on Mastodon instances: client ids and secrets encrypted."""
FORMAT = "rapport mastodon apps"
VERSION = 1
_CHANGING = threading.Lock()


@dataclass(frozen=True)
class MastodonApp:
    """rapport as registered on one instance, for one return address."""

    instance: str
    redirect_uri: str
    client_id: Secret
    client_secret: Secret
    scopes: str


class MastodonApps:
    """The app registrations of one workspace, kept in its :data:`APPS_FILE`."""

    def __init__(self, workspace: Workspace) -> None:
        self.path = workspace.root / APPS_FILE

    def _broken(self, problem: str) -> CredentialsError:
        return CredentialsError(
            str(self.path),
            problem=f"is not a file of Mastodon app registrations rapport wrote ({problem})",
            fix="delete it: rapport registers itself again at the next connection",
        )

    def _entries(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return []
        except (OSError, UnicodeError, json.JSONDecodeError) as error:
            raise self._broken(type(error).__name__) from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise self._broken(f'no "format": "{FORMAT}"')
        entries = data.get("apps")
        if data.get("version") != VERSION or not isinstance(entries, list):
            raise self._broken("not a version this rapport reads")
        return [e for e in entries if isinstance(e, dict)]

    def find(self, instance: str, redirect_uri: str, scopes: str) -> MastodonApp | None:
        """The registration for ``instance`` sending people back to ``redirect_uri`` with
        ``scopes``, decrypted; None when there is none (or no key yet)."""
        entry = next(
            (
                e
                for e in self._entries()
                if e.get("instance") == instance
                and e.get("redirect_uri") == redirect_uri
                and e.get("scopes") == scopes
            ),
            None,
        )
        if entry is None:
            return None
        key = load_key()
        if key is None:
            raise WrongKey(key_location(), path=self.path, detail="there is no key there")
        try:
            plain = key.fernet.decrypt(str(entry.get("secret", "")).encode("ascii"))
        except (InvalidToken, UnicodeError):
            raise WrongKey(
                key.where, path=self.path, detail=f"the app on {instance}: saved with another key"
            ) from None
        fields = json.loads(plain)
        if (fields.get("instance"), fields.get("redirect_uri")) != (instance, redirect_uri):
            raise self._broken(f"the app on {instance}: its secret belongs to another entry")
        return MastodonApp(
            instance, redirect_uri, Secret(str(fields["client_id"])),
            Secret(str(fields["client_secret"])), scopes,
        )  # fmt: skip

    def save(self, app: MastodonApp) -> None:
        """Keep the registration (replacing one for the same instance, address and scopes)."""
        key = load_key(create=True)
        if key is None:
            raise RuntimeError("no key was made")
        secret = {
            "instance": app.instance,
            "redirect_uri": app.redirect_uri,
            "client_id": app.client_id.reveal(),
            "client_secret": app.client_secret.reveal(),
        }
        sealed = key.fernet.encrypt(json.dumps(secret).encode("utf-8")).decode("ascii")
        entry = {
            "instance": app.instance,
            "redirect_uri": app.redirect_uri,
            "scopes": app.scopes,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "secret": sealed,
        }
        with _CHANGING:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            kept = [
                e
                for e in self._entries()
                if (e.get("instance"), e.get("redirect_uri"), e.get("scopes"))
                != (app.instance, app.redirect_uri, app.scopes)
            ]
            data = {"format": FORMAT, "version": VERSION, "apps": [*kept, entry]}
            draft = self.path.with_name(f".{APPS_FILE}.{secrets.token_hex(6)}.new")
            descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as out:
                    json.dump(data, out, indent=2, ensure_ascii=False)
                    out.write("\n")
                draft.replace(self.path)
            finally:
                draft.unlink(missing_ok=True)
