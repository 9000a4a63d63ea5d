"""migrator.memory: freed heap handed back to the system now and then."""
from __future__ import annotations

import sys

import pytest

from migrator import memory


def test_the_trimmer_trims_once_every_so_many_ticks(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "trim", lambda collect=False: calls.append(collect))
    t = memory.Trimmer(every=10)
    t.tick(4)
    t.tick(5)
    assert calls == []
    t.tick(1)
    assert calls == [False]
    t.tick(25)  # a big post counts at once: one trim, and the count starts again
    assert calls == [False, False]
    t.tick(9)
    assert calls == [False, False]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_trim_returns_freed_heap_to_the_system():
    def rss() -> int:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS"))

    # One block freed raises glibc's mmap threshold past its size, so the
    # next ones come from the heap; freeing every other one leaves holes
    # inside it, which only a trim gives back.
    big = bytearray(4_000_000)
    del big
    held = [bytearray(300_000) for _ in range(200)]
    for i in range(len(held)):
        held[i][::4096] = b"x" * len(held[i][::4096])  # touch every page
    del held[::2]
    before = rss()
    assert memory.trim(collect=True)
    assert rss() < before - 10_000  # KiB: the freed half (about 30 MB) is mostly gone
    del held
