"""The ``migrator`` command. It only maps options onto the library: every
verb here is a plain Python call too (see README, "Python API")."""
from .common import EXIT_FAILED, EXIT_OK, EXIT_USAGE, cli
from . import convert as _convert, push as _push  # noqa: F401  (they add their verbs to cli)


def main() -> None:
    cli(prog_name="migrator")


__all__ = ["cli", "main", "EXIT_OK", "EXIT_FAILED", "EXIT_USAGE"]
