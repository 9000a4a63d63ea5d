"""The ``migrator`` command. It only maps options onto the library: every
verb here is a plain Python call too (see README, "Python API")."""
import gc

from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli
from . import convert as _convert, push as _push  # noqa: F401  (they add their verbs to cli)


#: The collector's thresholds for a command run: a run makes (and soon frees)
#: millions of small objects, nearly none in cycles, and Python's default
#: (a young collection every 700 allocations) cost about a tenth of the CPU
#: time of ``convert``. Memory does not change: plain reference counting
#: frees nearly everything; the old generations are still collected.
GC_THRESHOLDS = (50_000, 20, 10)


def main() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
    cli(prog_name="migrator")


__all__ = ["cli", "main", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]
