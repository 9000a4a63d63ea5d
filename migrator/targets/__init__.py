"""What every live target shares: push and verify for any :class:`Platform`.

* :mod:`.base` — :class:`Platform`, the interface each platform implements
  (its client and its mapping), and the records passed around.
* :mod:`.http` — sessions, retries, and the credential rules: credentials only
  to the origin of ``--to``; no password in a URL; no plain http off this
  machine without ``--insecure-http``; :class:`Redactor` on every string.
* :mod:`.journal` — source comment -> target id, committed before and after
  every request, so a killed run resumes and never posts twice.
* :mod:`.run` — one post's comments, parents first, ``workers`` at a time.
* :mod:`.push` — the sink, the retry loop ("look before re-posting"), :func:`push`.
* :mod:`.verify` — reading the target back and comparing, :func:`verify`.
* :mod:`.select` — ``--to ghost+https://...`` -> the platform.

A new platform is a package beside ``wordpress/`` and ``ghost/``: a client
(built on :class:`.http.Http`, which owns the credential rules), a
:class:`Platform` subclass, and ``push(paths, url, options, **connection)`` /
``verify(...)`` functions that build it and call :func:`push` / :func:`verify`
here; then its name in :data:`.select.PLATFORMS` and its options in
``cli/push.py``'s ``_connection``.
"""
from .base import Answer, Outcome, Place, Platform, PostPlan, Target
from .http import AuthError, PushError, Redactor
from .journal import Journal, default_state_path
from .push import PushResult, Pusher, push
from .verify import VerifyResult, verify

__all__ = ["Platform", "Target", "Place", "Answer", "Outcome", "PostPlan", "PushError",
           "AuthError", "Redactor", "Journal", "default_state_path", "Pusher", "PushResult",
           "VerifyResult", "push", "verify"]
