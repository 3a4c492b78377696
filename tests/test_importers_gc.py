"""Importers read with the cyclic garbage collector paused, and always resume it."""

from __future__ import annotations

import gc
import threading

import pytest

from rapport.importers import get_importer
from rapport.importers._gc import gc_paused


def test_paused_inside_and_resumed_after_overlapping_reads() -> None:
    assert gc.isenabled()
    started, finish = threading.Event(), threading.Event()

    def other_read() -> None:
        with gc_paused():
            started.set()
            finish.wait(5)

    thread = threading.Thread(target=other_read)
    with gc_paused():
        assert not gc.isenabled()
        thread.start()
        started.wait(5)
    assert not gc.isenabled()  # the other read still runs
    finish.set()
    thread.join(5)
    assert gc.isenabled()


def test_resumed_when_a_read_fails() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("a broken file")
    assert gc.isenabled()


def test_left_off_when_it_was_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    "name", ["mastodon_archive", "bluesky_car", "facebook_dyi", "instagram_dyi", "ga4", "shopify"]
)
def test_the_importers_read_with_it_paused(name: str) -> None:
    assert getattr(get_importer(name).read, "__wrapped__", None) is not None
