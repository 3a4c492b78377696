"""Nothing from data reaches the terminal as a control character: a handle or a post text
carrying an escape sequence prints as plain text, through every console the CLI uses."""

from __future__ import annotations

import io

from rich.table import Table

from rapport.cli.terminal import clean, console

HOSTILE = "@shop\x1b]0;pwned\x07\x1b[2J\u202egnp.exe\x9b31m"


def test_clean_removes_control_characters_and_bidi_overrides() -> None:
    assert clean(HOSTILE) == "@shop]0;pwned[2Jgnp.exe31m"
    assert clean("line one\n\tline two") == "line one\n\tline two"


def test_a_console_prints_no_control_character_from_data_but_keeps_its_colours() -> None:
    buffer = io.StringIO()
    shown = console(file=buffer, force_terminal=True, color_system="standard", width=60)
    table = Table("who")
    table.add_row(HOSTILE)
    shown.print(f"[bold]{HOSTILE}[/]")
    shown.print(table)
    written = buffer.getvalue()
    assert "\x07" not in written and "\u202e" not in written and "\x9b" not in written
    assert "\x1b]0;" not in written and "\x1b[2J" not in written
    assert "\x1b[1m" in written  # rich's own styling still reaches the terminal
