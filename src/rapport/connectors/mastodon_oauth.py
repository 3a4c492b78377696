"""Connecting a Mastodon account by OAuth (the authorization-code flow), over httpx.

1. :func:`register_app`: rapport registers itself on the instance (``POST /api/v1/apps``)
   with the address the instance sends the person back to, and the scopes it asks for
   (:data:`SCOPES`: read the account, post the replies people write); the instance answers
   with a client id and secret, kept encrypted (:class:`rapport.credentials.MastodonApps`).
2. :func:`authorize_url`: where the person's browser goes to sign in and allow rapport, with
   a random ``state`` the caller binds to the person's session and checks on return.
3. :func:`exchange_code`: the code the instance sent back, turned into an access token
   (``POST /oauth/token``, ``grant_type=authorization_code``).

The endpoints are the instance's own when it publishes its OAuth server metadata
(``/.well-known/oauth-authorization-server``, Mastodon 4.3 and later; :func:`server_info`),
else the usual ``/oauth/authorize`` and ``/oauth/token``. No message of this module holds a
client secret, a code or a token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx

from rapport.errors import AuthenticationError, RemoteError, UsageError

__all__ = [
    "CLIENT_NAME",
    "SCOPES",
    "Endpoints",
    "Registered",
    "authorize_url",
    "exchange_code",
    "register_app",
    "server_info",
]

SCOPES = "read write:statuses"
"""What rapport asks for: reading the account (a sync) and posting statuses (the replies
people write in rapport; rapport never writes one itself)."""
CLIENT_NAME = "rapport"
TIMEOUT_SECONDS = 30.0
USER_AGENT = "rapport (relationship-first analytics; +https://github.com/rapport)"


@dataclass(frozen=True)
class Registered:
    """rapport's client id and client secret on an instance (never in a ``repr``)."""

    client_id: str = field(repr=False)
    client_secret: str = field(repr=False)


@dataclass(frozen=True)
class Endpoints:
    """Where the instance signs people in and hands out tokens."""

    authorize: str
    token: str


def _client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT_SECONDS, headers={"User-Agent": USER_AGENT})


def _same_site(url: object, instance: str) -> str | None:
    """``url`` when it is an http(s) address on the instance's own host, else None."""
    if not isinstance(url, str):
        return None
    parts, home = urlsplit(url), urlsplit(instance)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != home.netloc.lower():
        return None
    return url


def _json(response: httpx.Response, instance: str, what: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise RemoteError(
            f"Mastodon {instance}",
            problem=f"{what} answered something that is not Mastodon's "
            f"(HTTP {response.status_code})",
            fix="check that the address is a Mastodon instance",
            option="instance",
        )
    return data


def _error_of(data: dict[str, Any]) -> str:
    """The instance's own words for a refusal (``error_description``, ``error``), short."""
    text = data.get("error_description") or data.get("error") or ""
    return str(text)[:200]


def server_info(instance: str) -> Endpoints:
    """The instance's authorize and token endpoints: from its OAuth server metadata when it
    publishes them on its own host, else ``/oauth/authorize`` and ``/oauth/token``."""
    default = Endpoints(f"{instance}/oauth/authorize", f"{instance}/oauth/token")
    try:
        with _client() as client:
            answer = client.get(f"{instance}/.well-known/oauth-authorization-server")
    except httpx.HTTPError:
        return default
    if answer.status_code != 200:
        return default
    try:
        data = answer.json()
    except ValueError:
        return default
    if not isinstance(data, dict):
        return default
    grants = data.get("grant_types_supported")
    if isinstance(grants, list) and "authorization_code" not in grants:
        raise RemoteError(
            f"Mastodon {instance}",
            problem="the instance does not let apps connect by signing in (no authorization "
            "code grant)",
            fix="connect with an access token instead (Preferences, Development)",
            option="instance",
        )
    authorize = _same_site(data.get("authorization_endpoint"), instance) or default.authorize
    token = _same_site(data.get("token_endpoint"), instance) or default.token
    return Endpoints(authorize, token)


def register_app(
    instance: str, *, redirect_uri: str, scopes: str = SCOPES, website: str | None = None
) -> Registered:
    """Register rapport on ``instance``; its client id and client secret."""
    form = {"client_name": CLIENT_NAME, "redirect_uris": redirect_uri, "scopes": scopes}
    if website:
        form["website"] = website
    try:
        with _client() as client:
            answer = client.post(f"{instance}/api/v1/apps", data=form)
    except httpx.HTTPError as error:
        raise RemoteError(
            f"Mastodon {instance}",
            problem=f"registering rapport on the instance failed ({type(error).__name__})",
            fix="check the instance address and your connection, then try again",
            option="instance",
        ) from None
    data = _json(answer, instance, "POST /api/v1/apps")
    if answer.status_code != 200 or not data.get("client_id") or not data.get("client_secret"):
        raise RemoteError(
            f"Mastodon {instance}",
            problem=f"the instance refused to register rapport (HTTP {answer.status_code}"
            + (f": {_error_of(data)}" if _error_of(data) else "")
            + ")",
            fix="try again later, or connect with an access token instead",
            option="instance",
        )
    return Registered(str(data["client_id"]), str(data["client_secret"]))


def authorize_url(
    endpoints: Endpoints, *, client_id: str, redirect_uri: str, state: str, scopes: str = SCOPES
) -> str:
    """Where to send the person's browser to sign in on the instance and allow rapport."""
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scopes,
            "state": state,
        }
    )
    return f"{endpoints.authorize}?{query}"


def exchange_code(
    instance: str,
    endpoints: Endpoints,
    *,
    code: str,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    scopes: str = SCOPES,
) -> str:
    """The access token for the ``code`` the instance sent back (refused: an
    :class:`~rapport.errors.AuthenticationError` with the instance's words)."""
    if not code.strip() or len(code) > 4096:
        raise UsageError("the instance sent no code back: start connecting again")
    form = {
        "grant_type": "authorization_code",
        "code": code.strip(),
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "scope": scopes,
    }
    try:
        with _client() as client:
            answer = client.post(endpoints.token, data=form)
    except httpx.HTTPError as error:
        raise RemoteError(
            f"Mastodon {instance}",
            problem=f"asking the instance for a token failed ({type(error).__name__})",
            fix="check your connection, then connect again",
        ) from None
    data = _json(answer, instance, "POST /oauth/token")
    token = data.get("access_token")
    if answer.status_code != 200 or not isinstance(token, str) or not token:
        said = _error_of(data)
        raise AuthenticationError(
            f"Mastodon {instance}",
            problem=f"the instance gave no token (HTTP {answer.status_code}"
            + (f": {said}" if said else "")
            + ")",
            fix="connect again, and allow rapport on the instance's page",
        )
    granted = set(str(data.get("scope", "")).split())
    if "write" in granted:
        granted.add("write:statuses")
    if not set(scopes.split()) <= granted:
        raise AuthenticationError(
            f"Mastodon {instance}",
            problem=f"the token allows {' '.join(sorted(granted)) or 'nothing'}, not {scopes}",
            fix="connect again, and allow everything rapport asks for",
        )
    return token
