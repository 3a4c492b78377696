"""rapport.toml: the workspace's goal, audience, accounts and targets.

The model is validated with pydantic; any unknown key or wrong value becomes one
:class:`~rapport.errors.ConfigError` naming the key, the value and the fix.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rapport.canonical.schema import PLATFORMS
from rapport.errors import MISSING, ConfigError, UnreadableFile
from rapport.localtime import suggest, valid_zone

__all__ = [
    "CONFIG_FILE",
    "ENV_VAR",
    "OBJECTIVES",
    "AccountRef",
    "Accounts",
    "CareSettings",
    "CommunitySettings",
    "Config",
    "EffortCosts",
    "Goal",
    "Objective",
    "Targets",
    "load_config",
    "parse_config",
    "render_config",
]

CONFIG_FILE = "rapport.toml"
"""The settings file in a workspace folder."""
ENV_VAR = "RAPPORT_WORKSPACE"
"""Environment variable naming the workspace when no folder is given."""

Objective = Literal["signups", "sales", "leads", "community", "awareness"]
OBJECTIVES: tuple[str, ...] = ("signups", "sales", "leads", "community", "awareness")
Platform = Literal[
    "x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "tiktok", "youtube",
    "web", "shop", "synthetic", "other",
]  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Goal(_Strict):
    objective: Objective | None = Field(
        None,
        description="What social media is for here: signups, sales, leads, community "
        "or awareness. Everything rapport shows is ranked by it.",
    )
    target_audience: str = Field(
        "",
        description="Who you want to reach, in plain words; the bios and replies of the "
        "people who engage are compared with it.",
    )

    @field_validator("target_audience")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class AccountRef(_Strict):
    platform: Platform
    handle: str = Field(min_length=1)
    account_id: str | None = Field(
        None,
        description="The canonical id (<platform>:<native id>), when the handle is not "
        "enough to find the account in imported data.",
    )


class Accounts(_Strict):
    own: list[AccountRef] = Field(default_factory=list)
    competitors: list[AccountRef] = Field(default_factory=list)


class Targets(_Strict):
    posts_per_week: float = Field(3.0, gt=0, le=100, description="How often you mean to post.")
    max_promotional_share: float = Field(
        0.2, ge=0, le=1, description="At most this share of original posts are promotions."
    )
    reply_time_hours: float = Field(4.0, gt=0, description="Answer people within this many hours.")
    reply_rate: float = Field(
        0.9, ge=0, le=1, description="Share of replies and mentions you mean to answer."
    )
    max_gap_days: int = Field(
        10, ge=1, description="Warn when no post went out for this many days."
    )
    weekly_hours: float = Field(
        5.0, gt=0, description="Hours a week you can give to social media (the planner's budget)."
    )


class CommunitySettings(_Strict):
    window_days: int = Field(90, ge=7, description="Window for the core community, in days.")
    min_active_weeks: int = Field(
        2, ge=1, description="Distinct weeks with engagement that make someone core community."
    )


class EffortCosts(_Strict):
    """What one unit of each kind of work costs, in minutes (the planner turns gaps into hours)."""

    minutes_per_post: float = Field(25.0, gt=0, description="Writing and publishing one post.")
    minutes_per_reply: float = Field(3.0, gt=0, description="Answering one person.")
    minutes_per_question_post: float = Field(
        15.0, gt=0, description="Writing a question that invites answers."
    )
    minutes_per_welcome: float = Field(2.0, gt=0, description="Welcoming one new person.")
    minutes_per_thanks: float = Field(1.5, gt=0, description="Thanking one advocate.")
    minutes_per_reengage: float = Field(
        4.0, gt=0, description="Reaching out to one person who went quiet."
    )


class CareSettings(_Strict):
    minutes_per_day: float = Field(
        20.0, gt=0, description="Time one person gives to the daily care list."
    )
    quiet_after_days: int = Field(
        30, ge=7, description="A core member silent this long is suggested for re-engagement."
    )


class Config(_Strict):
    timezone: str | None = Field(
        None,
        description="The zone times are shown in (an IANA name such as Europe/Paris); by "
        "default the zone an export names, else this machine's.",
    )
    goal: Goal = Field(default_factory=Goal)
    accounts: Accounts = Field(default_factory=Accounts)
    targets: Targets = Field(default_factory=Targets)
    community: CommunitySettings = Field(default_factory=CommunitySettings)
    costs: EffortCosts = Field(default_factory=EffortCosts)
    care: CareSettings = Field(default_factory=CareSettings)


_FIXES = {
    "literal_error": "expected one of {expected}",
    "missing": "this key is required; add it",
    "string_too_short": "write a non-empty value",
}


def _allowed_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if field is None:
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if current is None:
            return []
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _describe_error(path: Path, error: Any) -> ConfigError:
    loc = tuple(error["loc"])
    key = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in loc).replace(".[", "[")
    kind = error["type"]
    value = error.get("input", MISSING) if kind != "missing" else MISSING
    if kind == "extra_forbidden":
        known = _allowed_keys(Config, loc)
        guess = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean {guess[0]!r}?" if guess else f"known keys here: {', '.join(known)}"
        return ConfigError(path, key=key, value=value, fix=f"unknown key; {hint}")
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return ConfigError(path, key=key, value=value, fix=f"expected {expected}")
    fix = _FIXES.get(kind, str(error["msg"]).replace("Input should", "it should"))
    return ConfigError(path, key=key, value=value, fix=fix)


def parse_config(data: dict[str, Any], *, path: Path) -> Config:
    """Validate a parsed rapport.toml; raise ConfigError for the first problem found."""
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise _describe_error(path, exc.errors()[0]) from None
    if config.timezone is not None and not valid_zone(config.timezone):
        guess = suggest(config.timezone)
        hint = f"did you mean {guess!r}?" if guess else "use an IANA name such as Europe/Paris"
        raise ConfigError(
            path, key="timezone", value=config.timezone, fix=f"unknown time zone; {hint}"
        )
    return config


def load_config(path: Path) -> Config:
    """Read and validate rapport.toml (a missing file gives the defaults)."""
    if not path.exists():
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(path, reason="not UTF-8 text", fix="save it as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(
            path,
            reason=f"not valid TOML ({exc})",
            fix="fix that line, or delete the file and run `rapport init`",
        ) from None
    return parse_config(data, path=path)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _toml_block(text: str) -> str:
    if "'''" not in text and "\r" not in text:
        return "'''\n" + text.strip() + "\n'''"
    return _toml_string(text)


def _accounts_block(kind: str, accounts: list[AccountRef], example: str) -> str:
    if not accounts:
        return f'# [[accounts.{kind}]]\n# platform = "bluesky"\n# handle = "{example}"\n'
    lines = []
    for account in accounts:
        lines.append(f"[[accounts.{kind}]]")
        lines.append(f"platform = {_toml_string(account.platform)}")
        lines.append(f"handle = {_toml_string(account.handle)}")
        if account.account_id:
            lines.append(f"account_id = {_toml_string(account.account_id)}")
        lines.append("")
    return "\n".join(lines)


def render_config(config: Config | None = None) -> str:
    """The commented rapport.toml for ``config`` (the defaults when None)."""
    config = config or Config()
    goal = config.goal
    targets = config.targets
    costs = config.costs
    objective = (
        f"objective = {_toml_string(goal.objective)}"
        if goal.objective
        else '# objective = "signups"'
    )
    audience = (
        f"target_audience = {_toml_block(goal.target_audience)}"
        if goal.target_audience
        else '# target_audience = "Independent bakers and pastry lovers in Lyon who bake at home"'
    )
    platforms = ", ".join(PLATFORMS)
    timezone = (
        f"timezone = {_toml_string(config.timezone)}"
        if config.timezone
        else '# timezone = "Europe/Paris"'
    )
    return f"""\
# rapport workspace settings. Edit this file, then run `rapport report`.
# A wrong key or value is reported with the key, the value and the fix.

# The zone times are shown in (best times, the calendar, the care list, the report), as an
# IANA name. Unset: the zone your export names, else this machine's. The store keeps UTC.
{timezone}

[goal]
# What is social media for, for this business? One of: {", ".join(OBJECTIVES)}.
# Everything rapport shows is ranked by this goal ("which way ought I to go?" -- "that
# depends a good deal on where you want to get to").
{objective}
# Who you want to reach, in plain words. rapport compares the bios and replies of the
# people who engage with this description: the right audience beats a big audience.
{audience}

# Your own accounts and your closest competitors (businesses like yours, with similar
# resources: beat them one area at a time). platform is one of:
# {platforms}.
{_accounts_block("own", config.accounts.own, "yourbrand.example")}
{_accounts_block("competitors", config.accounts.competitors, "neighbour.example")}
[targets]
posts_per_week = {targets.posts_per_week:g}  # how often you mean to post
max_promotional_share = {targets.max_promotional_share:g}  # at most this share of posts promote
reply_time_hours = {targets.reply_time_hours:g}  # answer people within this many hours
reply_rate = {targets.reply_rate:g}  # share of replies and mentions you answer
max_gap_days = {targets.max_gap_days}  # inactivity alert after this many days without a post
weekly_hours = {targets.weekly_hours:g}  # hours a week you can give to social media

[community]
# The core community: people who engaged in at least min_active_weeks distinct weeks of the
# last window_days days.
window_days = {config.community.window_days}
min_active_weeks = {config.community.min_active_weeks}

[costs]
# Minutes each kind of work takes you: the planner turns gaps into hours a week with these.
minutes_per_post = {costs.minutes_per_post:g}
minutes_per_reply = {costs.minutes_per_reply:g}
minutes_per_question_post = {costs.minutes_per_question_post:g}
minutes_per_welcome = {costs.minutes_per_welcome:g}
minutes_per_thanks = {costs.minutes_per_thanks:g}
minutes_per_reengage = {costs.minutes_per_reengage:g}

[care]
minutes_per_day = {config.care.minutes_per_day:g}  # the daily care list fits in this much time
quiet_after_days = {config.care.quiet_after_days}  # core members silent this long: re-engage
"""
