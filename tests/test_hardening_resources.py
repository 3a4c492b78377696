"""Memory and disk stay bounded whatever the input (issue 11, items 4 to 6).

Every test builds its own hostile input in ``tmp_path``: a post of 64 MiB, zip and tar
bombs, an archive larger than the cap, a disk that fills up (a real 1 MiB tmpfs), a run
killed with ``kill -9`` while its archive is unpacked, a 100 MB ``like.js``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import rapport
from rapport.canonical import write_canonical
from rapport.canonical.builder import MAX_FILE_VARIABLE, BatchBuilder
from rapport.errors import DiskFull, UnreadableFile, WrongFormat
from rapport.importers import _x_js
from rapport.importers._archive import FOLDER_PREFIX, MAX_UNPACKED_VARIABLE, opened
from rapport.importers._x_js import load_assignment, stream_list
from rapport.text.features import (
    MAX_SCORED_CHARACTERS,
    MAX_SENTIMENT_CHARACTERS,
    TRUNCATED_TEXTS_KEY,
    post_features,
    reply_features,
)
from tests.conftest import build_tables, invoke
from tests.importer_support import assert_refused, import_into, rows

SRC = Path(rapport.__file__).resolve().parent.parent
GIB = 1024**3
WORDS = ("bread ", "oven ", "fresh? ", "crust ", "lit ", "rye ", "croissant ", "spelt ")


def _text(characters: int, *, seed: int = 1) -> str:
    rng = random.Random(seed)
    block = "".join(rng.choice(WORDS) for _ in range(4000))
    return (block * (characters // len(block) + 1))[:characters]


def _x_archive(folder: Path, texts: list[str], *, likes: int = 0) -> Path:
    """An X archive folder: account.js, tweets.js with one tweet per text, like.js."""
    data = folder / "data"
    data.mkdir(parents=True)
    account = {"accountId": "42", "username": "bakery", "accountDisplayName": "Bakery"}
    (data / "account.js").write_text(
        "window.YTD.account.part0 = " + json.dumps([{"account": account}]), encoding="utf-8"
    )
    with (data / "tweets.js").open("w", encoding="utf-8") as out:
        out.write("window.YTD.tweets.part0 = [")
        for index, text in enumerate(texts):
            tweet = {
                "id_str": str(1000 + index),
                "created_at": "Tue Jan 31 09:01:52 +0000 2017",
                "full_text": text,
                "favorite_count": "3",
                "retweet_count": "1",
                "entities": {"hashtags": [], "urls": []},
            }
            out.write(("," if index else "") + json.dumps({"tweet": tweet}))
        out.write("]")
    if likes:
        like = {"like": {"tweetId": "1", "fullText": _text(300), "expandedUrl": "https://x.com"}}
        item = json.dumps(like)
        with (data / "like.js").open("w", encoding="utf-8") as out:
            out.write("window.YTD.like.part0 = [\n" + ",\n".join([item] * likes) + "\n]")
    return folder


_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs a command and prints its peak resident memory (KiB). A process's peak counts the
memory of the process it was forked from, so the command is started from this small
launcher, never from pytest itself (which holds the test's large inputs)."""


def _peak_rss_of(args: list[str]) -> int:
    """Run ``args`` in a child process; its peak resident memory in bytes."""
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return int(done.stdout.strip().splitlines()[-1]) * 1024


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, where archives are unpacked."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.fixture
def workspace(tmp_path: Path, cli: CliRunner) -> Path:
    """A workspace that already holds a post, so 'unchanged' means something."""
    source = tmp_path / "good"
    good = {
        "accounts": [{"account_id": "x:shop", "platform": "x", "handle": "shop", "role": "own"}],
        "posts": [
            {
                "post_id": "x:1",
                "account_id": "x:shop",
                "created_at": "2026-01-05T09:00:00Z",
                "text": "hello",
            }
        ],
    }
    write_canonical(build_tables(good), source)
    ws = tmp_path / "ws"
    result = invoke(cli, "import", source, "--workspace", ws)
    assert result.exit_code == 0, result.output
    return ws


# -- item 4: texts of any length ------------------------------------------------------------


def test_long_texts_are_scored_on_their_beginning() -> None:
    long_post = _text(MAX_SCORED_CHARACTERS + 5_000)
    table = post_features(["a", "b", "c"], [long_post, long_post[:MAX_SCORED_CHARACTERS], "hi"])
    assert int(table.schema.metadata[TRUNCATED_TEXTS_KEY]) == 1
    decided = table.to_pylist()
    assert decided[0]["content_kind"] == decided[1]["content_kind"]
    assert decided[0]["content_kind_confidence"] == decided[1]["content_kind_confidence"]

    long_reply = "this is lit 🔥 " + _text(MAX_SENTIMENT_CHARACTERS * 3)
    replies = reply_features(["r", "s"], [long_reply, long_reply[:MAX_SENTIMENT_CHARACTERS]])
    assert int(replies.schema.metadata[TRUNCATED_TEXTS_KEY]) == 1
    first, cut = replies.to_pylist()
    assert first["sentiment"] == cut["sentiment"]


def test_a_long_post_is_stored_whole_and_the_import_says_it_was_cut(tmp_path: Path) -> None:
    text = _text(MAX_SCORED_CHARACTERS * 2)
    summary = import_into(tmp_path / "ws", _x_archive(tmp_path / "x", [text, "short one"]))
    assert any("1 text(s) longer than 100,000 characters" in n for n in summary.notices)
    stored = {row["post_id"]: row["text"] for row in rows(tmp_path / "ws", "posts")}
    assert stored["x:1000"] == text


def test_a_64_mib_post_imports_in_under_1_gb(tmp_path: Path) -> None:
    """Before: ~300 bytes per character in the classifier (64 MiB: killed at 19.8 GB)."""
    archive = _x_archive(tmp_path / "x", [_text(64 * 1024**2)])
    peak = _peak_rss_of([
        sys.executable, "-m", "rapport", "import", str(archive),
        "--workspace", str(tmp_path / "ws"),
    ])  # fmt: skip
    assert peak < 1 * GIB, f"peak {peak / 2**20:.0f} MiB"
    assert len(rows(tmp_path / "ws", "posts")[0]["text"]) == 64 * 1024**2


# -- item 5: archives -------------------------------------------------------------------------


def _zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def test_a_zip_bomb_is_refused_before_it_fills_the_disk(
    tmp_path: Path, cli: CliRunner, workspace: Path, temp_root: Path
) -> None:
    bomb = _zip(tmp_path / "export.zip", {"data/tweets.js": b"\0" * (64 * 1024**2)})
    assert bomb.stat().st_size < 200_000
    line = assert_refused(cli, workspace, "import", bomb, expect=str(bomb))
    assert "inflates more than 100 times" in line and "bomb" in line
    assert not list(temp_root.iterdir())


def test_a_tar_bomb_is_refused_too(
    tmp_path: Path, cli: CliRunner, workspace: Path, temp_root: Path
) -> None:
    bomb = tmp_path / "export.tar.gz"
    with tarfile.open(bomb, "w:gz") as archive:
        info = tarfile.TarInfo("data/tweets.js")
        info.size = 64 * 1024**2
        archive.addfile(info, io.BytesIO(b"\0" * info.size))
    line = assert_refused(cli, workspace, "import", bomb, expect=str(bomb))
    assert "bomb" in line
    assert not list(temp_root.iterdir())


def test_the_unpacked_size_is_capped_and_the_cap_is_a_setting(
    tmp_path: Path,
    cli: CliRunner,
    workspace: Path,
    temp_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    noise = random.Random(5).randbytes(700_000)  # does not compress: no bomb
    archive = _zip(tmp_path / "big.zip", {"a.json": noise, "b.json": noise[::-1]})
    monkeypatch.setenv(MAX_UNPACKED_VARIABLE, "1MiB")
    line = assert_refused(cli, workspace, "import", archive, expect=str(archive))
    assert "more than 1,048,576 bytes" in line and MAX_UNPACKED_VARIABLE in line
    assert not list(temp_root.iterdir())
    monkeypatch.setenv(MAX_UNPACKED_VARIABLE, "2MiB")
    with opened(archive) as root:
        assert (root / "a.json").read_bytes() == noise
    monkeypatch.setenv(MAX_UNPACKED_VARIABLE, "lots")
    line = assert_refused(cli, workspace, "import", archive, expect=MAX_UNPACKED_VARIABLE)
    assert "expected a size such as 8GiB" in line


def test_errors_inside_an_archive_name_the_archive_never_the_temporary_folder(
    tmp_path: Path, cli: CliRunner, workspace: Path, temp_root: Path
) -> None:
    folder = _x_archive(tmp_path / "x", ["hello"])
    complete = _zip(tmp_path / "complete.zip", {
        str(file.relative_to(folder)): file.read_bytes() for file in folder.rglob("*.js")
    })  # fmt: skip
    tweets = (folder / "data" / "tweets.js").read_bytes()
    broken = _zip(tmp_path / "export.zip", {"data/tweets.js": tweets[:-10]})
    line = assert_refused(cli, workspace, "import", broken, expect=f"{broken}!data/tweets.js")
    assert str(temp_root) not in line and FOLDER_PREFIX not in line
    unknown = _zip(tmp_path / "notes.zip", {"notes.txt": b"hello"})
    line = assert_refused(cli, workspace, "import", unknown, expect=f"{unknown}: expected")
    assert FOLDER_PREFIX not in line
    summary = import_into(workspace, complete)
    assert {file.path for file in summary.files} == {
        f"{complete}!data/account.js",
        f"{complete}!data/tweets.js",
    }


def test_photos_and_videos_are_not_unpacked(tmp_path: Path, temp_root: Path) -> None:
    archive = _zip(
        tmp_path / "export.zip",
        {"data/tweets.js": b"window.YTD.tweets.part0 = []", "data/tweets_media/1.jpg": b"\xff"},
    )
    with opened(archive) as root:
        assert (root / "data" / "tweets.js").is_file()
        assert not (root / "data" / "tweets_media" / "1.jpg").exists()


_HOLD_OPEN = """
import sys, time
from pathlib import Path
from rapport.importers._archive import opened
with opened(Path(sys.argv[1])) as root:
    print(root, flush=True)
    time.sleep(120)
"""


def test_a_run_killed_while_unpacking_is_cleaned_up_by_the_next(
    tmp_path: Path, temp_root: Path
) -> None:
    archive = _zip(tmp_path / "export.zip", {"data/account.js": b"window.YTD.account.part0 = []"})
    child = subprocess.Popen(
        [sys.executable, "-c", _HOLD_OPEN, str(archive)],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(SRC), "TMPDIR": str(temp_root)},
        text=True,
    )
    assert child.stdout is not None
    left = Path(child.stdout.readline().strip())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert left.parent == temp_root and (left / "data" / "account.js").is_file()
    assert left.name.startswith(f"{FOLDER_PREFIX}{child.pid}-")
    mine = temp_root / f"{FOLDER_PREFIX}{os.getpid()}-busy"  # a live process's: kept
    mine.mkdir()
    with opened(archive) as root:
        assert root.is_dir()
    assert not left.exists()
    assert mine.exists()


@contextlib.contextmanager
def _small_disk(folder: Path) -> Iterator[Path]:
    """A real 1 MiB filesystem (tmpfs) at ``folder``; skips when it can't be mounted."""
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"can't mount a small tmpfs here (needs root): {mounted.stderr!r}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_is_reported_as_a_full_disk(
    tmp_path: Path, cli: CliRunner, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    noise = random.Random(7).randbytes(3 * 1024**2)
    archive = _zip(tmp_path / "export.zip", {"data/tweets.js": noise})
    with _small_disk(tmp_path / "small") as small:
        monkeypatch.setattr(tempfile, "tempdir", str(small))
        line = assert_refused(cli, workspace, "import", archive, expect=str(archive))
        assert f"the disk holding {small} is full" in line
        assert "TMPDIR" in line and "Errno" not in line
        assert not list(small.iterdir())
        with pytest.raises(DiskFull), opened(archive):
            pass


# -- item 6: whole-file reads -----------------------------------------------------------------


def test_x_lists_stream_with_the_same_records_and_errors(tmp_path: Path) -> None:
    """Tiny chunks put every boundary inside strings, escapes, numbers and literals."""
    records: list[Any] = [
        {"tweet": {"id": "1", "text": 'a "quote" \\ \u00e9 😀 \n', "n": 123456789}},
        {"tweet": {"ok": True, "no": False, "none": None, "f": -1.5e3, "list": [1, [2, []]]}},
        12345,
        "text",
    ]
    good = tmp_path / "tweets.js"
    good.write_text(
        "\ufeffwindow.YTD.tweets.part0 = [\n" + ",\n".join(map(json.dumps, records)) + "\n];",
        encoding="utf-8",
    )
    variants = {
        "good": good.read_bytes(),
        "truncated": good.read_bytes()[:-30],
        "edited": good.read_bytes().replace(b'"ok"', b"ok"),
        "tail": good.read_bytes() + b"\nalert(1)",
        "object": b"window.YTD.tweets.part0 = {}",
        "latin1": good.read_bytes().replace("\u00e9".encode(), b"\xe9"),
    }
    for name, data in variants.items():
        path = tmp_path / f"{name}.js"
        path.write_bytes(data)
        whole = _outcome(lambda p=path: load_assignment(_builder(), p, expected="x").value)
        for chunk in (1, 3, 64, 1 << 20):
            streamed = _outcome(
                lambda p=path, c=chunk: list(
                    stream_list(_builder(), p, expected="x", what="tweets", chunk=c)
                )
            )
            if name == "object":
                assert streamed[0] == "WrongFormat", streamed
            else:
                assert streamed == whole, (name, chunk)
    assert _outcome(lambda: list(stream_list(_builder(), good, expected="x", what="t"))) == (
        "ok",
        records,
    )


def _builder() -> BatchBuilder:
    return BatchBuilder(source="test", origin="test")


def _outcome(read: Any) -> tuple[str, Any]:
    try:
        return ("ok", read())
    except (UnreadableFile, WrongFormat) as error:
        return (type(error).__name__, str(error))


def test_a_100_mb_like_js_is_read_in_constant_memory(tmp_path: Path) -> None:
    """Before: the whole file as bytes, as text and as parsed records at once (~5× its size)."""
    archive = _x_archive(tmp_path / "x", ["hello"], likes=260_000)
    size = (archive / "data" / "like.js").stat().st_size
    assert size > 90 * 1024**2
    script = (
        "import sys; from pathlib import Path; from rapport.importers import run, ImportOptions;"
        "b = run(Path(sys.argv[1]), options=ImportOptions());"
        "assert any(sys.argv[2] + ' like(s)' in n for n in b.notices), b.notices"
    )
    peak = _peak_rss_of([sys.executable, "-c", script, str(archive), "260,000"])
    empty = _x_archive(tmp_path / "y", [], likes=1)
    baseline = _peak_rss_of([sys.executable, "-c", script, str(empty), "1"])
    assert peak - baseline < size // 2, f"{(peak - baseline) / 2**20:.0f} MiB for {size:,} bytes"


def test_files_read_whole_have_a_stated_limit(
    tmp_path: Path, cli: CliRunner, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "orders.csv"
    big.write_text("Name,Email\n" + "#1001,a@example.com\n" * 60_000, encoding="utf-8")
    monkeypatch.setenv(MAX_FILE_VARIABLE, "1MB")
    line = assert_refused(cli, workspace, "import", big, "--as", "shopify", expect=str(big))
    assert "more than the 1,000,000 rapport reads into memory at once" in line
    assert MAX_FILE_VARIABLE in line


def test_a_record_longer_than_any_post_refuses_the_file_before_memory_runs_out(
    tmp_path: Path, cli: CliRunner, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One streamed record may take at most MAX_RECORD characters (96 MiB; lowered here to
    64 KiB; the record is 3 MB, past the 1 MiB chunk the stream reads at a time): past it
    the file is refused, line and column named, instead of the buffer growing without end."""
    monkeypatch.setattr(_x_js, "MAX_RECORD", 64 * 1024)
    folder = _x_archive(tmp_path / "x", ["short", _text(3_000_000), "after"])
    line = assert_refused(
        cli,
        workspace,
        "import",
        folder,
        expect=f"{folder / 'data' / 'tweets.js'}: can't be read: the record",
    )
    assert "line 1, column" in line and "far longer than any real post" in line
