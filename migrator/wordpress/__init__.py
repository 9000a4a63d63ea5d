"""The WordPress target: push comment threads into a WordPress site over its REST API.

The posts must already be on the target; this moves their comment sections:
every thread at full depth, original dates, authors and statuses, nothing
twice — even after a crash, a lost answer, or a second run.

* :mod:`.client` — :class:`WordPress`, the REST client: Application Passwords over HTTP Basic,
  ``/wp-json/`` or ``?rest_route=`` (plain permalinks), retries with backoff.
* :mod:`.journal` — :class:`Journal`, a SQLite file mapping each source comment (site, id) to
  its target id. A row is marked *in flight* (and committed) before its POST
  and *done* (committed) right after; an in-flight row is looked up on the
  target before anything is posted again.
* :mod:`.mapping` — source posts and users to target ones.
* :mod:`.push` and :mod:`.run` — :class:`Pusher`, a :class:`migrator.pipeline.Sink` that posts each post's
  comments, parents before replies, ``workers`` at a time.
* :mod:`.verify`; :func:`push` and :func:`verify` are what ``migrator push`` / ``migrator verify`` call.

Why POSTs are not retried blindly: WordPress answers an identical comment
with 409 ``comment_duplicate``, but it compares the *unfiltered* request with
the *filtered* stored comment, and its save filters change many comments
(``rel="nofollow ugc"`` added to links, ``&`` in a name stored as ``&amp;``,
content trimmed). Re-sending such a comment after a lost answer creates a
second copy. So urllib3 retries a POST only when WordPress cannot have seen it
(connect errors, 429); after any other failure (connection dropped, read
timeout, 5xx) the comment is looked up on the target first and posted again
only if it is not there.
"""
from .client import REST_STATUS, AuthError, PushError, WordPress, normalise_content, normalise_name
from .journal import Journal, default_state_path
from .mapping import read_post_map
from .push import Pusher, PushResult, push
from .verify import VerifyResult, verify

__all__ = ["push", "verify", "Pusher", "WordPress", "Journal", "PushError", "AuthError",
           "PushResult", "VerifyResult", "default_state_path", "read_post_map",
           "normalise_content", "normalise_name", "REST_STATUS"]
