"""Metrics on real exports, checked against numbers worked out from the files themselves.

Each expected value is computed here by reading the sample file directly (not through rapport's
importers), following the definitions in docs/metrics.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import statistics
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke

X_2026 = Path("samples/twitter_archive/milahu104_2026-02-10")
MASTODON = Path("samples/mastodon_archive/hikurry_2022-06")
FACEBOOK = Path(
    "samples/meta_facebook_page_insights/uci_facebook_metrics_cosmetics_brand/dataset_Facebook.csv"
)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def _metrics(cli: CliRunner, ws: Path) -> dict[str, dict[str, Any]]:
    result = invoke(cli, "metrics", "--json", "--workspace", ws)
    assert result.exit_code == 0, result.output
    return {m["id"]: m for m in json.loads(result.stdout)}


def _gap_days(moments: list[dt.datetime]) -> float:
    ordered = sorted(moments)
    return max((b - a).total_seconds() for a, b in itertools.pairwise(ordered)) / 86400


def _load_js(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text[text.index("=") + 1 :])


def test_x_archive(shared: Path, tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    assert invoke(cli, "import", shared / X_2026, "--workspace", ws).exit_code == 0
    tweets = [item["tweet"] for item in _load_js(shared / X_2026 / "tweets.js")]
    superseded = set()
    for tweet in tweets:
        edit = tweet.get("edit_info", {})
        ids = (edit.get("initial") or edit.get("edit", {}).get("editControlInitial") or {}).get(
            "editTweetIds", []
        )
        superseded.update(ids[:-1])
    originals = [
        t
        for t in tweets
        if t["id_str"] not in superseded
        and not t.get("in_reply_to_status_id_str")
        and not t["full_text"].startswith("RT @")
    ]
    m = _metrics(cli, ws)
    assert m["posts"]["value"] == len(originals) == 18
    assert m["likes"]["value"] == sum(int(t["favorite_count"]) for t in originals)
    assert m["reposts_per_post"]["value"] == pytest.approx(
        statistics.mean(int(t["retweet_count"]) for t in originals)
    )
    moments = [dt.datetime.strptime(t["created_at"], "%a %b %d %H:%M:%S %z %Y") for t in originals]
    assert m["longest_gap_days"]["value"] == pytest.approx(_gap_days(moments))
    # aggregate counts only: no person, no reply aimed at the account, no conversion
    for metric in ("reply_rate", "returning_people", "conversions", "reply_sentiment"):
        assert m[metric]["status"] == "not_computable", metric


def test_mastodon_archive(shared: Path, tmp_path: Path, cli: CliRunner) -> None:
    ws = tmp_path / "ws"
    assert invoke(cli, "import", shared / MASTODON, "--workspace", ws).exit_code == 0
    items = json.loads((shared / MASTODON / "outbox.json").read_text())["orderedItems"]

    def visible(note: dict[str, Any]) -> bool:
        audience = [*note.get("to", []), *note.get("cc", [])]
        return PUBLIC in audience or any(a.endswith("/followers") for a in audience)

    originals = [
        i["object"]
        for i in items
        if i["type"] == "Create" and visible(i["object"]) and not i["object"].get("inReplyTo")
    ]
    m = _metrics(cli, ws)
    assert m["posts"]["value"] == len(originals)
    moments = [dt.datetime.fromisoformat(o["published"].replace("Z", "+00:00")) for o in originals]
    assert m["longest_gap_days"]["value"] == pytest.approx(_gap_days(moments))
    assert m["days_since_last_post"]["value"] >= 0
    # the archive has no counts and no other people: engagement is not computable
    for metric in ("likes", "engagement_rate", "reply_rate"):
        assert m[metric]["status"] == "not_computable", metric


def test_facebook_insights_with_reach_and_impressions(
    shared: Path, tmp_path: Path, cli: CliRunner
) -> None:
    ws = tmp_path / "ws"
    result = invoke(
        cli,
        "import",
        shared / FACEBOOK,
        "--account",
        "brand",
        "--option",
        "year=2014",
        "--workspace",
        ws,
    )
    assert result.exit_code == 0, result.output
    with (shared / FACEBOOK).open(newline="") as handle:
        rows = list(csv.DictReader(handle))

    def number(row: dict[str, str], column: str) -> int | None:
        return int(row[column]) if row[column].strip() else None

    m = _metrics(cli, ws)
    reach = [number(r, "Lifetime Post Total Reach") for r in rows]
    assert m["reach"]["value"] == sum(v for v in reach if v is not None)
    assert m["likes"]["value"] == sum(v for r in rows if (v := number(r, "like")) is not None)
    rates = []
    for row, people in zip(rows, reach, strict=True):
        likes = number(row, "like")
        if likes is None or not people:
            continue
        engagements = likes + (number(row, "share") or 0) + (number(row, "comment") or 0)
        rates.append(engagements / people)
    rate = m["engagement_rate"]
    assert rate["value"] == pytest.approx(statistics.median(rates))
    assert rate["n"] == len(rates)
    assert "people reached" in rate["basis"]
