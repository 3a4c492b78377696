"""rapport.toml: the workspace's goal, audience, accounts and targets.

The model is validated with pydantic; any unknown key or wrong value becomes one
:class:`~rapport.errors.ConfigError` naming the key, the value and the fix.

Every number has a documented range (:func:`settings` lists them; docs/config.md is generated
from it): a value outside it, a non-finite float (``inf``, ``nan``), an integer beyond the
range or an array where one value belongs is refused when the file is read, never later by
the query it would have broken. The file itself must be a small UTF-8 file (not a folder),
with values nested at most :data:`MAX_NESTING` deep.
"""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from rapport.canonical.schema import PLATFORMS
from rapport.errors import MISSING, ConfigError, UnreadableFile
from rapport.localtime import suggest, valid_zone

__all__ = [
    "CONFIG_FILE",
    "ENV_VAR",
    "MAX_BYTES",
    "MAX_NESTING",
    "OBJECTIVES",
    "AccountRef",
    "Accounts",
    "CareSettings",
    "CommunitySettings",
    "Config",
    "EffortCosts",
    "Goal",
    "Objective",
    "Setting",
    "Targets",
    "load_config",
    "parse_config",
    "render_config",
    "settings",
]

CONFIG_FILE = "rapport.toml"
"""The settings file in a workspace folder."""
ENV_VAR = "RAPPORT_WORKSPACE"
"""Environment variable naming the workspace when no folder is given."""
MAX_BYTES = 1_000_000
"""The largest rapport.toml read (a real one is a few kilobytes)."""
MAX_NESTING = 16
"""How deep arrays and inline tables may nest (rapport's deepest setting nests 2 deep)."""

Objective = Literal["signups", "sales", "leads", "community", "awareness"]
OBJECTIVES: tuple[str, ...] = ("signups", "sales", "leads", "community", "awareness")
Platform = Literal[
    "x", "mastodon", "bluesky", "facebook", "instagram", "linkedin", "tiktok", "youtube",
    "web", "shop", "synthetic", "other",
]  # fmt: skip


class _Strict(BaseModel):
    # allow_inf_nan=False: inf and nan are refused by every float setting
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


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


# The ranges: wide enough for any real business, narrow enough that no value can overflow a
# date, an interval or a division downstream (a window of 10^11 days, a budget of inf hours).
_DAYS = 3650  # ten years
_MINUTES = 1440.0  # a day


class Targets(_Strict):
    posts_per_week: float = Field(
        3.0, ge=0.1, le=100, description="How often you mean to post, a week."
    )
    max_promotional_share: float = Field(
        0.2, ge=0, le=1, description="At most this share of original posts are promotions."
    )
    reply_time_hours: float = Field(
        4.0, ge=0.1, le=720, description="Answer people within this many hours."
    )
    reply_rate: float = Field(
        0.9, ge=0, le=1, description="Share of replies and mentions you mean to answer."
    )
    max_gap_days: int = Field(
        10, ge=1, le=365, description="Warn when no post went out for this many days."
    )
    min_gap_hours: float = Field(
        3.0,
        ge=0,
        le=168,
        description="Leave at least this many hours between two posts: `rapport publish` "
        "refuses a post closer to another one (0: no gap).",
    )
    weekly_hours: float = Field(
        5.0,
        ge=0.25,
        le=168,
        description="Hours a week you can give to social media (the planner's budget).",
    )


class CommunitySettings(_Strict):
    window_days: int = Field(
        90, ge=7, le=_DAYS, description="Window for the core community, in days."
    )
    min_active_weeks: int = Field(
        2,
        ge=1,
        le=_DAYS // 7,
        description="Distinct weeks with engagement that make someone core community.",
    )


class EffortCosts(_Strict):
    """What one unit of each kind of work costs, in minutes (the planner turns gaps into hours)."""

    minutes_per_post: float = Field(
        25.0, ge=0.1, le=_MINUTES, description="Minutes to write and publish one post."
    )
    minutes_per_reply: float = Field(
        3.0, ge=0.1, le=_MINUTES, description="Minutes to answer one person."
    )
    minutes_per_question_post: float = Field(
        15.0, ge=0.1, le=_MINUTES, description="Minutes to write a question that invites answers."
    )
    minutes_per_welcome: float = Field(
        2.0, ge=0.1, le=_MINUTES, description="Minutes to welcome one new person."
    )
    minutes_per_thanks: float = Field(
        1.5, ge=0.1, le=_MINUTES, description="Minutes to thank one advocate."
    )
    minutes_per_reengage: float = Field(
        4.0, ge=0.1, le=_MINUTES, description="Minutes to reach out to one person who went quiet."
    )


class CareSettings(_Strict):
    minutes_per_day: float = Field(
        20.0,
        ge=1,
        le=_MINUTES,
        description="Minutes a day one person gives to the daily care list.",
    )
    quiet_after_days: int = Field(
        30,
        ge=7,
        le=_DAYS,
        description="A core member silent this long is suggested for re-engagement.",
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


@dataclass(frozen=True)
class Setting:
    """One setting of rapport.toml, with its range (the docs and the messages use these)."""

    key: str
    """Its dotted name, such as ``targets.weekly_hours``."""
    kind: str
    """``number``, ``whole number``, ``text`` or ``one of …``."""
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False

    @property
    def range(self) -> str:
        """The values allowed, in words ("a whole number from 7 to 3650"), or ""."""
        if self.minimum is None and self.maximum is None:
            return ""
        low = "more than" if self.exclusive_minimum else "from"
        if self.maximum is None:
            return f"a {self.kind} {low} {self.minimum:g}"
        if self.minimum is None:
            return f"a {self.kind} up to {self.maximum:g}"
        return f"a {self.kind} {low} {self.minimum:g} to {self.maximum:g}"


_KINDS = {int: "whole number", float: "number", str: "text"}


def _setting(key: str, field: Any) -> Setting:
    annotation = field.annotation
    kind = _KINDS.get(annotation, "")
    if not kind:
        args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
        literal = [v for a in args if getattr(a, "__origin__", None) is Literal for v in a.__args__]
        kind = _KINDS.get(args[0], "") if len(args) == 1 and not literal else ""
        kind = kind or ("one of " + ", ".join(map(str, literal)) if literal else "value")
    bounds: dict[str, Any] = {}
    for rule in field.metadata:
        if isinstance(rule, annotated_types.Ge):
            bounds["minimum"] = float(rule.ge)  # type: ignore[arg-type]
        elif isinstance(rule, annotated_types.Gt):
            bounds.update(minimum=float(rule.gt), exclusive_minimum=True)  # type: ignore[arg-type]
        elif isinstance(rule, annotated_types.Le):
            bounds["maximum"] = float(rule.le)  # type: ignore[arg-type]
    default = field.get_default(call_default_factory=False)
    return Setting(key, kind, default, field.description or "", **bounds)


def settings() -> list[Setting]:
    """Every single-valued setting of rapport.toml, in the file's order, with its range."""
    found = [_setting("timezone", Config.model_fields["timezone"])]
    for section, field in Config.model_fields.items():
        model = field.annotation
        if section == "accounts" or not isinstance(model, type) or not issubclass(model, _Strict):
            continue
        found += [_setting(f"{section}.{name}", f) for name, f in model.model_fields.items()]
    return found


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
    ranged = {s.key: s for s in settings() if s.range}.get(key)
    if ranged is not None and kind != "missing":
        # one message for every way a number can be wrong: a range, inf, 1e26, an array
        return ConfigError(path, key=key, value=value, fix=f"expected {ranged.range}")
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


def _read_text(path: Path) -> str:
    """The file's text: a small UTF-8 file, or UnreadableFile saying what it is instead."""
    fix = "move it away, then run `rapport init` to write a new rapport.toml"
    if path.is_dir():
        raise UnreadableFile(path, reason="it is a folder, not a file", fix=fix)
    if not path.is_file():
        raise UnreadableFile(path, reason="it is not a regular file", fix=fix)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UnreadableFile(path, reason=reason, fix="check its permissions") from None
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            path, reason=f"larger than {MAX_BYTES:,} bytes (a rapport.toml has a few lines)",
            fix=fix,
        )  # fmt: skip
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnreadableFile(path, reason="not UTF-8 text", fix="save it as UTF-8") from None


def load_config(path: Path) -> Config:
    """Read and validate rapport.toml (a missing file gives the defaults)."""
    if not path.exists() and not path.is_symlink():
        return Config()
    text = _read_text(path)
    deep = _too_deep(text)
    if deep is not None:
        raise _nested(path, *deep)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableFile(
            path,
            reason=f"not valid TOML ({exc})",
            fix="fix that line, or delete the file and run `rapport init`",
        ) from None
    except RecursionError:  # the scan missed a nesting tomllib could not follow
        raise _nested(path, None, "a value", MAX_NESTING + 1) from None
    return parse_config(data, path=path)


def _nested(path: Path, line: int | None, key: str, depth: int) -> ConfigError:
    known = {s.key: s for s in settings()}
    setting = known.get(key) or next((s for s in known.values() if s.key.endswith(f".{key}")), None)
    if setting is not None:
        name = setting.key.rsplit(".", 1)[-1]
        example = f"{name} = {_toml_value(setting.default)}"
        fix = f"write one value ({setting.range or setting.kind}), such as {example}"
        key = setting.key
    else:
        fix = "a setting holds one value (a number, a text, true or false); write one value"
    found = f"arrays or tables nested {depth} deep (at most {MAX_NESTING})"
    if depth > MAX_NESTING and line is None:
        found = f"arrays or tables nested more than {MAX_NESTING} deep"
    return ConfigError(path, key=key, value=MISSING, fix=fix, line=line, found=found)


def _toml_value(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return _toml_string(value) if isinstance(value, str) and value else '"…"'


def _too_deep(text: str) -> tuple[int, str, int] | None:
    """``(line, key, depth)`` of the first value nested deeper than :data:`MAX_NESTING`.

    A light scan before tomllib (which recurses once per level and would exhaust Python's
    stack on ``[[[[…]]]]``): it skips strings and comments and counts ``[``/``{`` inside
    values; table headers and keys are read only to name the setting.
    """
    depth, line, key, table, i = 0, 1, "", "", 0
    at_key = True  # at the start of a line outside any value: a key or a [table] header
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line += 1
            at_key = depth == 0
            i += 1
        elif char in " \t\r":
            i += 1
        elif char == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif char in "\"'":
            end = _string_end(text, i)
            line += text.count("\n", i, end)
            i = end
        elif at_key and char == "[":
            end = text.find("\n", i)
            end = n if end < 0 else end
            table = text[i:end].split("#")[0].strip().strip("[]").strip()
            i = end
        elif at_key:
            end = text.find("=", i)
            stop = text.find("\n", i)
            if end < 0 or 0 <= stop < end:  # not a key line: tomllib will say what it is
                i = n if stop < 0 else stop
                continue
            name = text[i:end].strip().strip("\"'")
            key = f"{table}.{name}" if table else name
            at_key = False
            i = end + 1
        else:
            if char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return line, key, _depth(text, i, depth)
            elif char in "]}":
                depth = max(0, depth - 1)
            i += 1
    return None


def _depth(text: str, i: int, depth: int) -> int:
    """How deep the openings from ``text[i]`` to the first closing go (to say so)."""
    end = min((j for j in (text.find("]", i), text.find("}", i)) if j >= 0), default=len(text))
    return depth + text.count("[", i + 1, end) + text.count("{", i + 1, end)


def _string_end(text: str, i: int) -> int:
    """The index just past the TOML string that starts at ``text[i]``."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        end = text.find(quote * 3, i + 3)
        return len(text) if end < 0 else end + 3
    j = i + 1
    while j < len(text) and text[j] not in (quote, "\n"):
        j += 2 if quote == '"' and text[j] == "\\" else 1
    return j + 1 if j < len(text) and text[j] == quote else j


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
