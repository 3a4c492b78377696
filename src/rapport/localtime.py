"""The workspace's local time: which zone people see times in, and where that zone came from.

The store keeps every moment in UTC. What people read (best times, the calendar and its ICS
file, the care list, the report) is in the workspace's zone, chosen in this order:

1. ``timezone`` in rapport.toml (``rapport init --timezone Europe/Paris``);
2. the zone an imported export names (an X archive's ``account-timezone.js``);
3. the machine's zone (``$TZ``, else ``/etc/localtime``), else UTC.

:func:`resolve` returns the zone with that source, so rapport can say which one it used.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = [
    "EXPORT_KEY",
    "LocalZone",
    "from_platform_name",
    "machine_zone",
    "resolve",
    "suggest",
    "valid_zone",
]

EXPORT_KEY = "timezone:"
"""Prefix of the sync-state keys where an import records the zone its export names
(``timezone:x_archive`` → ``Europe/Berlin``)."""

Source = Literal["rapport.toml", "export", "machine"]


@dataclass(frozen=True)
class LocalZone:
    """A time zone and where it came from."""

    name: str
    """An IANA name (``Europe/Paris``) or ``UTC``."""
    source: Source

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    def local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` (aware, or naive UTC) in this zone."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self.zone)

    def describe(self) -> str:
        """Which zone and why, in a sentence's words ("Europe/Paris, set in rapport.toml")."""
        why = {
            "rapport.toml": "set in rapport.toml",
            "export": "the zone your export names; set timezone in rapport.toml to change it",
            "machine": "this machine's zone; set timezone in rapport.toml to change it",
        }[self.source]
        return f"{self.name} ({why})"


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def suggest(name: str) -> str | None:
    """The IANA name closest to a mistyped one (``Europe/Pari`` → ``Europe/Paris``)."""
    found = difflib.get_close_matches(name, _zones(), n=1, cutoff=0.6)
    return found[0] if found else None


_PLATFORM_NAMES = {
    "Pacific Time (US & Canada)": "America/Los_Angeles",
    "Mountain Time (US & Canada)": "America/Denver",
    "Central Time (US & Canada)": "America/Chicago",
    "Eastern Time (US & Canada)": "America/New_York",
    "Atlantic Time (Canada)": "America/Halifax",
    "Alaska": "America/Juneau",
    "Hawaii": "Pacific/Honolulu",
    "Arizona": "America/Phoenix",
    "UTC": "UTC",
    "London": "Europe/London",
    "Edinburgh": "Europe/London",
    "Beijing": "Asia/Shanghai",
    "Mumbai": "Asia/Kolkata",
    "New Delhi": "Asia/Kolkata",
}
"""The few platform zone names (X uses Rails' names) that aren't an IANA city."""


def from_platform_name(name: str) -> str | None:
    """An IANA name for a zone as a platform names it: an IANA name already, one of Rails'
    names ("Pacific Time (US & Canada)"), or a city ("Berlin" → ``Europe/Berlin``)."""
    name = name.strip()
    if not name:
        return None
    if name in _PLATFORM_NAMES:
        return _PLATFORM_NAMES[name]
    if "/" in name and valid_zone(name):
        return name
    city = "/" + name.replace(" ", "_")
    matches = [z for z in _zones() if z.endswith(city) and not z.startswith(("Etc/", "posix/"))]
    return matches[0] if len(matches) == 1 else None


def machine_zone() -> str:
    """This machine's zone as an IANA name (``$TZ``, else ``/etc/localtime``), else UTC."""
    env = os.environ.get("TZ", "").lstrip(":")
    if env and valid_zone(env):
        return "UTC" if env in _UTC_ALIASES else env
    link = Path("/etc/localtime")
    try:
        target = str(link.resolve())
    except OSError:
        return "UTC"
    marker = "/zoneinfo/"
    if marker in target:
        name = target.split(marker, 1)[1]
        if name in _UTC_ALIASES:
            return "UTC"
        if valid_zone(name):
            return name
    return "UTC"


_UTC_ALIASES = frozenset({"Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Zulu",
                          "Universal", "Etc/GMT", "GMT"})  # fmt: skip


def resolve(configured: str | None, exported: dict[str, str] | None = None) -> LocalZone:
    """The workspace's zone: rapport.toml's, else an export's (``exported`` is the sync
    state under :data:`EXPORT_KEY`), else the machine's."""
    if configured:
        return LocalZone(configured, "rapport.toml")
    for key in sorted(exported or {}):
        value = (exported or {})[key]
        if valid_zone(value):
            return LocalZone(value, "export")
    return LocalZone(machine_zone(), "machine")
