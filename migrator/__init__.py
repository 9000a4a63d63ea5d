"""migrator: move WordPress comment sections intact.

read (streaming WXR) -> thread -> dedupe -> anonymise -> sinks.
"""
from .version import __version__  # noqa: E402

from .ledger import Ledger  # noqa: E402
from .model import Comment, Post, Site  # noqa: E402
from .pipeline import Options, Pipeline  # noqa: E402

__all__ = ["Comment", "Post", "Site", "Ledger", "Options", "Pipeline", "__version__"]
