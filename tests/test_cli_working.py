"""The spinner every command shows on stderr once its work has lasted a second: on a
terminal only, never on stdout, and out of the way of progress bars and questions."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console

from rapport.cli.working import AFTER, Working, paused

RAPPORT = str(Path(sys.executable).parent / "rapport")


def _terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=True, width=80), buffer


def test_the_default_wait_is_a_second() -> None:
    assert AFTER == 1.0


def test_work_longer_than_the_wait_shows_the_spinner() -> None:
    console, buffer = _terminal()
    working = Working("rapport metrics: working…", console=console, after=0.05).start()
    time.sleep(0.6)
    working.stop()
    assert working.shown
    assert "rapport metrics: working… (0 s)" in buffer.getvalue()


def test_quick_work_shows_nothing() -> None:
    console, buffer = _terminal()
    working = Working("rapport status: working…", console=console, after=0.3).start()
    time.sleep(0.05)
    working.stop()
    time.sleep(0.4)  # the timer was cancelled: nothing appears afterwards either
    assert not working.shown and buffer.getvalue() == ""


def test_nothing_when_stderr_is_not_a_terminal() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=False)
    working = Working("rapport metrics: working…", console=console, after=0.01).start()
    time.sleep(0.2)
    working.stop()
    assert not working.shown and buffer.getvalue() == ""


def test_a_progress_bar_or_a_question_pauses_it() -> None:
    console, buffer = _terminal()
    working = Working("rapport report: working…", console=console, after=0.1).start()
    with paused():  # what progress_bar() and asking() do
        time.sleep(0.4)
        assert not working.shown
    time.sleep(0.4)  # after the block, the spinner comes back once the wait has passed
    working.stop()
    assert working.shown and "rapport report: working…" in buffer.getvalue()


def test_a_slow_command_spins_on_stderr_and_leaves_stdout_clean(demo_workspace: Path) -> None:
    """A real process whose stderr is a terminal and stdout a pipe: `rapport metrics --json`
    on the demo takes several seconds."""
    leader, follower = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="100")
    process = subprocess.Popen(
        [RAPPORT, "metrics", "--json", "--workspace", str(demo_workspace)],
        stdout=subprocess.PIPE,
        stderr=follower,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([leader], [], [], 0.1)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the process closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif process.poll() is not None:
            break
    stdout = process.stdout.read() if process.stdout else b""
    assert process.wait() == 0
    os.close(leader)
    stderr = b"".join(chunks).decode(errors="replace")
    assert "rapport metrics: working…" in stderr
    assert b"\x1b" not in stdout and b"working" not in stdout
    metrics = json.loads(stdout)
    assert {m["id"] for m in metrics} >= {"followers", "reply_rate"}
