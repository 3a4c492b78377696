"""Secrets and the credentials of each platform: what a person types, checked, with the
secret held as a :class:`Secret` whose ``repr`` and ``str`` are ``***``."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import ClassVar, Literal, NoReturn, final
from urllib.parse import urlsplit

from rapport.connectors import GRAPH_URL, GRAPH_VERSION, YOUTUBE_URL, graph_address, graph_version
from rapport.errors import UsageError

__all__ = [
    "DEFAULT_BLUESKY_SERVICE",
    "MAX_SECRET",
    "PLATFORMS",
    "PLATFORM_TITLES",
    "BlueskyCredentials",
    "Credentials",
    "GraphCredentials",
    "MastodonCredentials",
    "MetaPlatform",
    "Platform",
    "Secret",
    "YouTubeCredentials",
    "service_address",
]

DEFAULT_BLUESKY_SERVICE = "https://bsky.social"
MAX_SECRET = 4096
"""The longest token or app password accepted (characters)."""

Platform = Literal["mastodon", "bluesky", "instagram", "facebook", "youtube"]
PLATFORMS: tuple[Platform, ...] = ("mastodon", "bluesky", "instagram", "facebook", "youtube")
PLATFORM_TITLES: dict[Platform, str] = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "instagram": "Instagram",
    "facebook": "Facebook",
    "youtube": "YouTube",
}
MetaPlatform = Literal["instagram", "facebook"]


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


def _native_id(text: str, *, what: str, example: str, option: str) -> str:
    """An account, Page or channel id as typed ("" when none was given)."""
    value = text.strip()
    if len(value) > 200 or any(c.isspace() or c in "/?#&" for c in value):
        raise UsageError(f"{value[:100]!r} is not a {what}; give one like {example}", option=option)
    return value


@dataclass(frozen=True)
class GraphCredentials:
    """An Instagram professional account or a Facebook Page, read through Meta's Graph API
    with a long-lived Page or system-user token. ``account_id`` is the Instagram account's
    or the Page's id ("" when the token names exactly one); ``api_url`` and ``api_version``
    say which Graph API to ask (Meta's, or a test server or a proxy)."""

    platform: MetaPlatform
    token: Secret
    account_id: str = ""
    api_url: str = GRAPH_URL
    api_version: str = GRAPH_VERSION

    @classmethod
    def of(
        cls,
        *,
        platform: MetaPlatform,
        token: str,
        account_id: str = "",
        api_url: str = "",
        api_version: str = "",
    ) -> GraphCredentials:
        """Checked credentials from what a person typed."""
        option = "account" if platform == "instagram" else "page"
        what = "Instagram account id" if platform == "instagram" else "Facebook Page id"
        example = "17841400000000000" if platform == "instagram" else "100000000000000"
        return cls(
            platform,
            _secret(token, what="access token", option="token"),
            _native_id(account_id, what=what, example=example, option=option),
            graph_address(api_url or GRAPH_URL),
            graph_version(api_version or GRAPH_VERSION),
        )

    @property
    def account(self) -> str:
        """Unknown ("") until the first sync names the account."""
        return ""

    @property
    def address(self) -> str:
        return self.api_url

    def secrets(self) -> dict[str, str]:
        return {"token": self.token.reveal()}

    def settings(self) -> dict[str, str]:
        """What is kept with the secret but is not one."""
        return {"account_id": self.account_id, "api_version": self.api_version}


@dataclass(frozen=True)
class YouTubeCredentials:
    """A YouTube channel, read through the Data API v3 with an API key (public data: the
    channel's videos, comments and replies) or an OAuth access token."""

    channel: str
    api_key: Secret | None = None
    oauth_token: Secret | None = None
    api_url: str = YOUTUBE_URL
    platform: ClassVar[Platform] = "youtube"

    @classmethod
    def of(
        cls, *, channel: str, api_key: str = "", oauth_token: str = "", api_url: str = ""
    ) -> YouTubeCredentials:
        """Checked credentials: the channel (``UC…`` or ``@handle``) and one of an API key
        or an OAuth token."""
        name = _native_id(channel, what="YouTube channel", example="UCxxxxxxxxxxxxxxxxxxxxxx or "
                          "@yourchannel", option="channel")  # fmt: skip
        if not name:
            raise UsageError(
                "the channel is empty; give its id (UC…, in YouTube Studio > Settings > Channel "
                "> Advanced settings) or its @handle",
                option="channel",
            )
        if bool(api_key.strip()) == bool(oauth_token.strip()):
            raise UsageError("give one of an API key or an OAuth access token", option="api_key")
        key = _secret(api_key, what="API key", option="api_key") if api_key.strip() else None
        oauth = (
            _secret(oauth_token, what="OAuth token", option="oauth_token")
            if oauth_token.strip()
            else None
        )
        address = (api_url or YOUTUBE_URL).strip().rstrip("/")
        if not address.startswith(("https://", "http://")) or len(address) > 300:
            raise UsageError(
                f"{address[:100]!r} is not an API address; give one like {YOUTUBE_URL}",
                option="api_url",
            )
        return cls(name, key, oauth, address)

    @property
    def account(self) -> str:
        """Unknown ("") until the first sync names the channel."""
        return ""

    @property
    def address(self) -> str:
        return self.api_url

    def secrets(self) -> dict[str, str]:
        if self.api_key is not None:
            return {"api_key": self.api_key.reveal()}
        assert self.oauth_token is not None
        return {"oauth_token": self.oauth_token.reveal()}

    def settings(self) -> dict[str, str]:
        """What is kept with the secret but is not one."""
        return {"channel": self.channel}


Credentials = MastodonCredentials | BlueskyCredentials | GraphCredentials | YouTubeCredentials


def renewed(
    old: Credentials, *, token: str = "", api_key: str = "", app_password: str = ""
) -> Credentials:
    """The same account's credentials with a new secret (after a token expired or was
    revoked, or a key was replaced): the account, address and settings stay."""
    if isinstance(old, GraphCredentials):
        return GraphCredentials.of(
            platform=old.platform, token=token, account_id=old.account_id,
            api_url=old.api_url, api_version=old.api_version,
        )  # fmt: skip
    if isinstance(old, YouTubeCredentials):
        return YouTubeCredentials.of(
            channel=old.channel, api_key=api_key, oauth_token="" if api_key.strip() else token,
            api_url=old.api_url,
        )  # fmt: skip
    if isinstance(old, MastodonCredentials):
        return MastodonCredentials.of(instance=old.instance, token=token)
    return BlueskyCredentials.of(handle=old.handle, app_password=app_password, service=old.service)
