"""Secrets and the credentials of each platform: what a person types, checked, with the
secret held as a :class:`Secret` whose ``repr`` and ``str`` are ``***``."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import ClassVar, Literal, NoReturn, final
from urllib.parse import urlsplit

from rapport.errors import UsageError

__all__ = [
    "DEFAULT_BLUESKY_SERVICE",
    "MAX_SECRET",
    "PLATFORMS",
    "PLATFORM_TITLES",
    "BlueskyCredentials",
    "Credentials",
    "MastodonCredentials",
    "Platform",
    "Secret",
    "service_address",
]

DEFAULT_BLUESKY_SERVICE = "https://bsky.social"
MAX_SECRET = 4096
"""The longest token or app password accepted (characters)."""

Platform = Literal["mastodon", "bluesky"]
PLATFORMS: tuple[Platform, ...] = ("mastodon", "bluesky")
PLATFORM_TITLES: dict[Platform, str] = {"mastodon": "Mastodon", "bluesky": "Bluesky"}


@final
class Secret:
    """A token or password: ``str()`` and ``repr()`` show ``***``; :meth:`reveal` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one call that sends it to the service."""
        return self._value

    def __repr__(self) -> str:
        return "***"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    __hash__ = None  # type: ignore[assignment]  # compared in constant time, never hashed

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret is not pickled: it would be written in clear")


def _secret(value: str, *, what: str, option: str) -> Secret:
    text = value.strip()
    if not text:
        raise UsageError(f"the {what} is empty; paste it in", option=option)
    if len(text) > MAX_SECRET or any(c.isspace() for c in text):
        raise UsageError(
            f"the {what} is not one: it has spaces in it or is longer than {MAX_SECRET:,} "
            "characters; paste it again",
            option=option,
        )
    return Secret(text)


def service_address(text: str, *, what: str, example: str, option: str) -> str:
    """``https://host[:port]`` from ``host``, ``https://host/`` or ``http://localhost:3000``."""
    value = text.strip().rstrip("/")
    if not value:
        raise UsageError(f"the {what} address is empty; give one like {example}", option=option)
    if "://" not in value:
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = urlsplit("invalid:"), None
    if (
        parts.scheme not in ("http", "https")
        or not host
        or "@" in parts.netloc
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        shown = text.strip()[:100]
        raise UsageError(
            f"{shown!r} is not a {what} address; give one like {example}", option=option
        )
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass(frozen=True)
class MastodonCredentials:
    """An account on a Mastodon instance: the instance's address and an access token (with
    the ``read`` scope)."""

    instance: str
    token: Secret
    platform: ClassVar[Platform] = "mastodon"

    @classmethod
    def of(cls, *, instance: str, token: str) -> MastodonCredentials:
        """Checked credentials from what a person typed (the instance with or without
        ``https://``)."""
        address = service_address(
            instance, what="Mastodon instance", example="https://mastodon.social",
            option="instance",
        )  # fmt: skip
        return cls(address, _secret(token, what="access token", option="token"))

    @property
    def account(self) -> str:
        """Unknown ("") until the first sync names the token's account."""
        return ""

    @property
    def address(self) -> str:
        return self.instance

    def secrets(self) -> dict[str, str]:
        return {"token": self.token.reveal()}


@dataclass(frozen=True)
class BlueskyCredentials:
    """A Bluesky account: its handle, an app password, the service (its PDS, or
    https://bsky.social) and, once the connector keeps one, a session to reuse."""

    handle: str
    app_password: Secret
    service: str = DEFAULT_BLUESKY_SERVICE
    session: Secret | None = None
    platform: ClassVar[Platform] = "bluesky"

    @classmethod
    def of(cls, *, handle: str, app_password: str, service: str = "") -> BlueskyCredentials:
        """Checked credentials from what a person typed (an empty service is bsky.social)."""
        name = handle.strip().lstrip("@").lower()
        if not name:
            raise UsageError("the handle is empty; give one like shop.bsky.social", option="handle")
        if len(name) > 253 or any(c.isspace() for c in name):
            raise UsageError(
                f"{handle.strip()[:100]!r} is not a handle; give one like shop.bsky.social",
                option="handle",
            )
        address = service_address(
            service or DEFAULT_BLUESKY_SERVICE, what="Bluesky service",
            example=DEFAULT_BLUESKY_SERVICE, option="service",
        )  # fmt: skip
        password = _secret(app_password, what="app password", option="app_password")
        return cls(name, password, address)

    @property
    def account(self) -> str:
        return self.handle

    @property
    def address(self) -> str:
        return self.service

    def secrets(self) -> dict[str, str]:
        kept = {"app_password": self.app_password.reveal()}
        if self.session is not None:
            kept["session"] = self.session.reveal()
        return kept


Credentials = MastodonCredentials | BlueskyCredentials
