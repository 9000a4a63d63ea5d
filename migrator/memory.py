"""Giving freed memory back to the system while a run goes on.

A run frees as much as it allocates (each post's comments, each chunk of
the file, SQLite's and lxml's buffers), but glibc's allocator keeps what
was freed in the middle of its heap, where the next post's allocations,
of other sizes, fit only in part: the heap grows by fragments. Asking
glibc now and then (``malloc_trim``, a few milliseconds) returns the free
pages inside it. Elsewhere (not glibc) this does nothing."""
from __future__ import annotations

import ctypes
import gc

try:
    _TRIM = ctypes.CDLL(None).malloc_trim
    _TRIM.argtypes = [ctypes.c_size_t]
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _TRIM = None

#: Comments (and posts) dealt with between two trims: about twice a second
#: (--anonymise at 400,000 comments: the main process's peak PSS 91 -> 76 MB).
TRIM_EVERY = 20_000


def trim(collect: bool = False) -> bool:
    """Return free heap pages to the system (``collect``: run the garbage
    collector first). False where the allocator cannot."""
    if collect:
        gc.collect()
    if _TRIM is None:  # pragma: no cover - not glibc
        return False
    _TRIM(0)
    return True


class Trimmer:
    """Calls :func:`trim` once every ``every`` ticks."""

    def __init__(self, every: int) -> None:
        self.every, self._n = every, 0

    def tick(self, n: int = 1) -> None:
        self._n += n
        if self._n >= self.every:
            self._n = 0
            trim()
