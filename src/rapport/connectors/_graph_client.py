"""Talking to Meta's Graph API with httpx: errors, retries, paging, usage, the clock.

Instagram professional accounts and Facebook Pages share this client. Every request goes
through :meth:`GraphClient.get`, which sends the token in the ``Authorization`` header (never
in a URL rapport builds), retries what may pass (unreachable, 5xx, ``is_transient``,
codes 1 and 2) with a growing pause, and turns what will not into rapport's errors:

* a refused or expired token (code 190, 102; HTTP 401) is an
  :class:`~rapport.errors.AuthenticationError`, a missing permission (code 10, 200-299) its
  subclass :class:`PermissionMissing`;
* a rate limit (codes 4, 17, 32, 613, 80001-80014, HTTP 429) is a :class:`RateLimited`
  that says how long Meta asks to wait (``X-Business-Use-Case-Usage``'s
  ``estimated_time_to_regain_access``);
* an object that is gone (code 100 subcode 33, or "does not exist") is an
  :class:`ObjectGone`, and any other refused request (a deprecated metric, a field the
  object does not have, media posted before the account became a business one) a
  :class:`RequestRefused` with Meta's ``code`` and ``subcode``: a connector skips that one
  object or metric with a note, and goes on.

:meth:`GraphClient.pages` follows ``paging.next`` as an opaque URL (recorded ``next`` URLs
carry ``access_token=…``: the client never rebuilds their query; it only puts them on its
own server, which a test server or a proxy may stand in for) and stops on an empty
``data``, a missing ``next``, or a repeated ``next``. The moment of a pull is the server's
``Date`` header (:meth:`GraphClient.observed_at`), so counts are observed at the server's
time. :attr:`GraphClient.usage` keeps the highest usage percentage Meta reported in
``X-App-Usage`` / ``X-Business-Use-Case-Usage``; :meth:`GraphClient.near_limit` says when a
pull should stop early and leave the rest to the next one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rapport.errors import AuthenticationError, RemoteError, UsageError

if TYPE_CHECKING:
    import httpx  # imported where a request is made: a command that pulls nothing skips it

__all__ = [
    "DEFAULT_VERSION",
    "GRAPH_URL",
    "GraphClient",
    "ObjectGone",
    "Page",
    "PermissionMissing",
    "RateLimited",
    "RequestRefused",
    "graph_address",
    "graph_version",
]

GRAPH_URL = "https://graph.facebook.com"
DEFAULT_VERSION = "v23.0"
"""The Graph API version asked for; a connection can name another (Meta keeps each version
about two years)."""
RETRIES = 3
TIMEOUT_SECONDS = 30.0
NEAR_LIMIT_PERCENT = 90
"""Above this share of Meta's rate limit, a pull stops reading more and leaves the rest."""
USER_AGENT = "rapport (relationship-first analytics)"
_RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
_AUTH_CODES = frozenset({102, 190})
_PERMISSION_CODES = frozenset({10, *range(200, 300)})
_TRANSIENT_CODES = frozenset({1, 2})


class RequestRefused(RemoteError):
    """The Graph API refused one request (``code``, ``subcode``): the caller may skip it."""

    def __init__(self, service: str, *, problem: str, code: int | None, subcode: int | None):
        super().__init__(service, problem=problem, fix="check the connection's account id")
        self.code = code
        self.subcode = subcode


class ObjectGone(RequestRefused):
    """The object asked for does not exist (any more): deleted, or not visible to the token."""


class PermissionMissing(AuthenticationError):
    """The token lacks a permission (code 10, 200-299): a connector may skip what needs it
    (insights without ``instagram_manage_insights``) and go on."""


class RateLimited(RemoteError):
    """Meta's rate limit was reached; ``wait_minutes`` is Meta's estimate when it gave one."""

    def __init__(self, service: str, *, problem: str, wait_minutes: int | None) -> None:
        wait = f"wait {wait_minutes} minutes" if wait_minutes else "wait an hour"
        super().__init__(
            service, problem=problem, fix=f"{wait}, then pull again; nothing was stored"
        )
        self.wait_minutes = wait_minutes


def graph_address(text: str) -> str:
    """``https://host[:port]`` of a Graph API server (Meta's, or a test server)."""
    import httpx

    value = (text or GRAPH_URL).strip().rstrip("/")
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = httpx.URL(value)
    except httpx.InvalidURL:
        parts = httpx.URL("invalid:")
    if parts.scheme not in ("http", "https") or not parts.host or parts.path not in ("", "/"):
        raise UsageError(
            f"{text[:100]!r} is not a Graph API address; give one like {GRAPH_URL}",
            option="api_url",
        )
    return f"{parts.scheme}://{parts.netloc.decode()}"


def graph_version(text: str) -> str:
    """A Graph API version such as ``v23.0`` (``23``, ``23.0`` and ``v23`` are taken too)."""
    value = (text or DEFAULT_VERSION).strip().lower().lstrip("v")
    major, _, minor = value.partition(".")
    if not major.isdigit() or (minor and not minor.isdigit()):
        raise UsageError(
            f"{text[:40]!r} is not a Graph API version; give one like {DEFAULT_VERSION}",
            option="api_version",
        )
    return f"v{int(major)}.{int(minor or 0)}"


@dataclass(frozen=True)
class Page:
    """One page of a list: its number (from 1), its items and its ``after`` cursor."""

    number: int
    items: list[dict[str, Any]]
    after: str | None


def _usage_percent(header: str | None) -> int | None:
    """The highest percentage in an ``X-App-Usage`` / ``X-Ad-Account-Usage`` style header
    (``{"call_count": 28, "total_time": 25, …}``) or a ``X-Business-Use-Case-Usage`` one
    (``{"<business id>": [{"call_count": …, …}]}``)."""
    if not header:
        return None
    try:
        data = json.loads(header)
    except ValueError:
        return None
    found: list[int] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, inner in value.items():
                if key in ("call_count", "total_time", "total_cputime", "acc_id_util_pct"):
                    if isinstance(inner, int | float):
                        found.append(int(inner))
                else:
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(data)
    return max(found) if found else None


def _regain_minutes(header: str | None) -> int | None:
    if not header:
        return None
    try:
        data = json.loads(header)
    except ValueError:
        return None
    minutes = [
        int(entry["estimated_time_to_regain_access"])
        for entries in (data.values() if isinstance(data, dict) else [])
        for entry in (entries if isinstance(entries, list) else [])
        if isinstance(entry, dict)
        and isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(minutes) if minutes and max(minutes) > 0 else None


@dataclass
class GraphClient:
    """One token against one Graph API server and version."""

    token: str
    service: str
    base_url: str = GRAPH_URL
    version: str = DEFAULT_VERSION
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], dt.datetime] | None = None
    transport: httpx.BaseTransport | None = None
    calls: int = 0
    usage: int = 0
    """The highest usage percentage Meta reported during this pull."""
    _date: dt.datetime | None = None
    _http: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        import httpx

        self.base_url = graph_address(self.base_url)
        self.version = graph_version(self.version)
        self._http = httpx.Client(
            base_url=f"{self.base_url}/{self.version}",
            headers={"Authorization": f"Bearer {self.token}", "User-Agent": USER_AGENT},
            timeout=TIMEOUT_SECONDS,
            transport=self.transport,
        )

    def close(self) -> None:
        self._http.close()

    def observed_at(self) -> dt.datetime:
        """The server's time of the first answer (the clock's when it gave no Date)."""
        if self._date is not None:
            return self._date
        return (self.clock or (lambda: dt.datetime.now(dt.UTC)))().astimezone(dt.UTC)

    def near_limit(self) -> bool:
        """True once Meta reported using more than :data:`NEAR_LIMIT_PERCENT` of a limit."""
        return self.usage >= NEAR_LIMIT_PERCENT

    def get(self, path: str, params: Mapping[str, str | int] | None = None) -> dict[str, Any]:
        """``GET /{version}/{path}`` with ``params``; the JSON object it answered."""
        return self._send(path.lstrip("/"), dict(params or {}), what=f"GET /{path.lstrip('/')}")

    def pages(
        self, path: str, params: Mapping[str, str | int] | None = None, *, cap: int | None = None
    ) -> Iterator[Page]:
        """The pages of a list, newest first as Meta gives them, until the end or ``cap``
        items (counted over pages)."""
        what = f"GET /{path.lstrip('/')}"
        answer = self._send(path.lstrip("/"), dict(params or {}), what=what)
        seen_next: set[str] = set()
        number, total = 1, 0
        while True:
            items = [i for i in answer.get("data") or [] if isinstance(i, dict)]
            raw_paging = answer.get("paging")
            paging: dict[str, Any] = raw_paging if isinstance(raw_paging, dict) else {}
            raw_cursors = paging.get("cursors")
            cursors: dict[str, Any] = raw_cursors if isinstance(raw_cursors, dict) else {}
            after = cursors.get("after") if isinstance(cursors.get("after"), str) else None
            yield Page(number, items, after)
            total += len(items)
            following = paging.get("next")
            if (
                not items
                or not isinstance(following, str)
                or following in seen_next
                or (cap is not None and total >= cap)
            ):
                return
            seen_next.add(following)
            number += 1
            answer = self._send(self._here(following), None, what=f"{what} (page {number})")

    def _here(self, url: str) -> str:
        """A ``next`` URL on this client's server: Meta's answers name graph.facebook.com,
        which a test server or a proxy stands in for. Only the scheme and host change."""
        import httpx

        given, ours = httpx.URL(url), httpx.URL(self.base_url)
        if (given.scheme, given.netloc) == (ours.scheme, ours.netloc):
            return url
        return str(given.copy_with(scheme=ours.scheme, netloc=ours.netloc))

    # -- one request -------------------------------------------------------------------------
    def _send(self, url: str, params: dict[str, str | int] | None, *, what: str) -> dict[str, Any]:
        import httpx

        pause = 1.0
        for attempt in range(1, RETRIES + 1):
            try:
                response = self._http.get(url, params=params)
            except httpx.TransportError as failure:
                if attempt == RETRIES:
                    raise RemoteError(
                        self.service,
                        problem=f"{what}: the Graph API could not be reached "
                        f"({type(failure).__name__})",
                        fix="check the internet connection and pull again; nothing was stored",
                    ) from None
                self.sleep(pause)
                pause *= 2
                continue
            self.calls += 1
            self._note(response)
            body = self._json(response, what)
            found = body.get("error")
            error: dict[str, Any] | None = found if isinstance(found, dict) else None
            if response.status_code < 400 and error is None:
                return body
            transient = response.status_code >= 500 or (
                error is not None
                and (error.get("is_transient") is True or error.get("code") in _TRANSIENT_CODES)
            )
            if transient and attempt < RETRIES:
                self.sleep(pause)
                pause *= 2
                continue
            raise self._error(response, error or {}, what)
        raise AssertionError("unreachable")  # pragma: no cover

    def _note(self, response: httpx.Response) -> None:
        if self._date is None and (date := response.headers.get("date")):
            with contextlib.suppress(TypeError, ValueError):
                self._date = email.utils.parsedate_to_datetime(date).astimezone(dt.UTC)
        for name in ("x-app-usage", "x-business-use-case-usage", "x-ad-account-usage"):
            percent = _usage_percent(response.headers.get(name))
            if percent is not None:
                self.usage = max(self.usage, percent)

    def _json(self, response: httpx.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            if response.status_code >= 500:
                return {}
            raise RemoteError(
                self.service,
                problem=f"{what}: the answer (HTTP {response.status_code}) is not JSON",
                fix="check the Graph API address; pull again later",
            ) from None
        return body if isinstance(body, dict) else {"data": body}

    def _error(
        self, response: httpx.Response, error: Mapping[str, Any], what: str
    ) -> RemoteError | AuthenticationError:
        code = error.get("code") if isinstance(error.get("code"), int) else None
        subcode = (
            error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
        )
        message = str(error.get("error_user_msg") or error.get("message") or "").strip()
        said = f"{what}: {message or f'HTTP {response.status_code}'}"
        if code is not None:
            said += f" (code {code}{f', subcode {subcode}' if subcode else ''})"
        if code in _RATE_CODES or response.status_code == 429:
            usage = response.headers.get("x-business-use-case-usage")
            return RateLimited(
                self.service,
                problem=f"Meta's rate limit was reached: {said}",
                wait_minutes=_regain_minutes(usage),
            )
        if code in _AUTH_CODES or response.status_code == 401:
            return AuthenticationError(
                self.service,
                problem=f"the token was refused: {said}",
                fix="create a new long-lived token in Meta Business Suite (docs/sources/"
                "instagram.md, facebook.md) and give it to the connection",
            )
        if code in _PERMISSION_CODES:
            return PermissionMissing(
                self.service,
                problem=f"the token lacks a permission: {said}",
                fix="create the token again with the permissions docs/sources/instagram.md and "
                "facebook.md list",
            )
        gone = (code == 100 and subcode == 33) or "does not exist" in message.lower()
        kind = ObjectGone if gone or response.status_code == 404 else RequestRefused
        if response.status_code >= 500:
            return RemoteError(self.service, problem=said, fix="pull again later")
        return kind(self.service, problem=said, code=code, subcode=subcode)
