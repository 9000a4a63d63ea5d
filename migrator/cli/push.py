"""The verbs that talk to a live site: ``push`` and ``verify``."""
from __future__ import annotations

import json
import os
import sys

import click

from .common import (EXIT_FAILED, EXIT_USAGE, EXPORTS, build_options, cli, fail, finish,
                     pipeline_options, user_errors)


# -- push verb --
def _post_map(ctx, param, value):
    if value is None:
        return None
    from ..wordpress import read_post_map

    try:
        return read_post_map(value)
    except (OSError, ValueError) as e:
        raise click.BadParameter(str(e)) from None


def _password(user: str, password_file: str | None) -> str:
    """--password-file, else $MIGRATOR_WP_PASSWORD, else a hidden prompt on a
    terminal. Never a command-line value (it would show in ps and history)."""
    if password_file:
        with open(password_file, encoding="utf-8") as fh:
            pw = fh.read().strip()
        if not pw:
            fail(f"{password_file} is empty", EXIT_USAGE)
        return pw
    pw = os.environ.get("MIGRATOR_WP_PASSWORD", "").strip()
    if pw:
        return pw
    if sys.stdin.isatty() and sys.stderr.isatty():
        return click.prompt(f"Application Password for {user}", hide_input=True, err=True).strip()
    fail("no password: set MIGRATOR_WP_PASSWORD or use --password-file "
         "(an Application Password: Users → Profile in wp-admin)", EXIT_USAGE)
    return ""  # pragma: no cover


class _PushProgress:
    """One status line on stderr, rewritten in place, only on a terminal."""

    def __init__(self):
        self.on = sys.stderr.isatty()
        self.n: dict[str, int] = {}
        import time

        self.t0 = time.monotonic()
        self.last = 0.0

    def __call__(self, what: str) -> None:
        import time

        self.n[what] = self.n.get(what, 0) + 1
        now = time.monotonic()
        if not self.on or now - self.last < 0.1:
            return
        self.last = now
        done = self.n.get("posted", 0) + self.n.get("found", 0)
        rate = done / max(now - self.t0, 1e-6)
        click.echo(f"\rpushing: {done} posted, {self.n.get('already', 0)} already there, "
                   f"{self.n.get('rejected', 0)} rejected ({rate:.1f}/s) ", err=True, nl=False)

    def end(self) -> None:
        if self.on and self.n:
            click.echo("\r" + " " * 78 + "\r", err=True, nl=False)


def _key(key_file: str | None) -> str:
    """A Ghost Admin API key: --key-file, else $MIGRATOR_GHOST_KEY. Never a
    command-line value."""
    if key_file:
        with open(key_file, encoding="utf-8") as fh:
            key = fh.read().strip()
        if not key:
            fail(f"{key_file} is empty", EXIT_USAGE)
        return key
    key = os.environ.get("MIGRATOR_GHOST_KEY", "").strip()
    if key:
        return key
    fail("no Admin API key: set MIGRATOR_GHOST_KEY or use --key-file (Ghost admin → "
         "Settings → Integrations → Add custom integration)", EXIT_USAGE)
    return ""  # pragma: no cover


def _connection(url: str, user, password_file, rest_base, key_file, insecure_http,
                post_map=None, hide_unapproved=False, path_map_file=None) -> tuple:
    """(platform package, target URL, keyword arguments for its push/verify)."""
    from ..targets.http import check_url
    from ..targets.select import package, split_target

    name, target = split_target(url)
    if path_map_file and name != "waline":
        fail("--path-map is for a Waline target (waline+https://...); this one takes "
             "--post-map", EXIT_USAGE)
    if post_map is not None and name == "waline":
        fail("a Waline target has page paths, not post ids: give --path-map "
             "(source_post_id,/page/path/) instead of --post-map", EXIT_USAGE)
    if name == "wordpress":
        check_url(target, insecure_http=insecure_http)
        if not user:
            fail("--user is required for a WordPress target (or set MIGRATOR_WP_USER)",
                 EXIT_USAGE)
        kw = {"user": user, "password": _password(user, password_file), "rest_base": rest_base,
              "insecure_http": insecure_http}
        if post_map is not None:
            kw["post_map"] = post_map
    elif name == "ghost":
        check_url(target, insecure_http=insecure_http,
                  secret_hint="--key-file or MIGRATOR_GHOST_KEY")
        kw = {"key": _key(key_file), "insecure_http": insecure_http,
              "hide_unapproved": hide_unapproved}
        if post_map is not None:
            kw["post_map"] = post_map
    else:
        from .waline import waline_kwargs

        check_url(target, insecure_http=insecure_http,
                  secret_hint="MIGRATOR_WALINE_TOKEN or MIGRATOR_WALINE_PASSWORD")
        kw = waline_kwargs(user, password_file, insecure_http, path_map_file)
    return package(name), target, kw


def _target_options(f):
    opts = [
        click.option("--to", "url", required=True, metavar="URL",
                     help="The new site: https://new.example.org (WordPress), "
                          "ghost+https://blog.example.org, waline+https://comments.example.org. "
                          "Its posts must exist."),
        click.option("--user", envvar="MIGRATOR_WP_USER", show_envvar=True,
                     help="WordPress: user name (an Editor or Administrator). Waline: the "
                          "administrator's e-mail (else $MIGRATOR_WALINE_TOKEN)."),
        click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
                     help="WordPress: file holding the user's Application Password (else "
                          "$MIGRATOR_WP_PASSWORD, else asked on the terminal). Waline: the "
                          "administrator's password (else $MIGRATOR_WALINE_PASSWORD)."),
        click.option("--key-file", type=click.Path(exists=True, dir_okay=False),
                     help="Ghost: file holding an Admin API key id:secret (else "
                          "$MIGRATOR_GHOST_KEY)."),
        click.option("--state", type=click.Path(dir_okay=False),
                     help="Journal of what is on the target (default "
                          "./.migrator-state/HOST[_PLATFORM].db)."),
        click.option("--rest-base", metavar="URL",
                     help="WordPress: REST API root when discovery fails, e.g. "
                          "https://x.org/wp-json/ or https://x.org/?rest_route=/ (credentials "
                          "go to its origin too)"),
        click.option("--hide-unapproved", is_flag=True,
                     help="Ghost: import comments of other statuses (with --status) and hide "
                          "them; without it they are refused, since Ghost publishes what it "
                          "imports."),
        click.option("--insecure-http", is_flag=True,
                     help="Allow plain http:// to a host that is not this machine "
                          "(credentials cross the network in clear)."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@cli.command()
@EXPORTS
@_target_options
@click.option("--post-map", type=click.Path(exists=True, dir_okay=False), callback=_post_map,
              help="CSV of source_post_id,target_post_id; overrides matching by slug and link.")
@click.option("--path-map", "path_map_file", type=click.Path(exists=True, dir_okay=False),
              help="Waline: CSV of source_post_id,/page/path/ (each post's path on the new "
                   "site); overrides the path of the post's link.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Comments posted at once (replies always after their parent).")
@click.option("--delay", type=click.FloatRange(0, 60), default=0.0, show_default=True,
              help="Seconds to pause after each comment (be gentle with shared hosting).")
@pipeline_options
@click.option("--dry-run", is_flag=True,
              help="Show the plan (post mapping, comments per post, what is already there); "
                   "post nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's totals as JSON on stdout.")
def push(exports, url, user, password_file, key_file, state, rest_base, hide_unapproved,
         insecure_http, post_map, path_map_file, workers, delay, dry_run, as_json, report, **opts):
    """Post the comments of EXPORTS into the site at --to URL.

    The posts must already be on the new site: each is found by slug (posts,
    then pages), then by its link's path, or by --post-map. Every thread
    arrives with its dates, authors and statuses. A journal (--state) records
    each comment as it lands, so running the same command again - after a
    crash, a kill, or to add new exports - posts only what is missing and
    never a comment twice.

    WordPress: an Application Password (Users → Profile in wp-admin) over HTTP
    Basic. Ghost (--to ghost+https://...): an Admin API key; each commenter
    becomes a member subscribed to nothing. Waline (--to waline+https://...):
    an administrator's token ($MIGRATOR_WALINE_TOKEN), or --user ADMIN_EMAIL
    and its password; each post is its link's page path, or --path-map.
    Credentials go only to the origin of --to; plain http only to this
    machine unless --insecure-http.

    \b
    Examples:
      MIGRATOR_WP_PASSWORD='abcd efgh ...' migrator push export.xml --to https://new.example.org --user me --dry-run
      migrator push export.xml --to https://new.example.org --user me --password-file pw.txt
      migrator push export.xml --to https://new.example.org --user me --post-map map.csv --workers 8
      MIGRATOR_GHOST_KEY=id:secret migrator push export.xml --to ghost+https://blog.example.org
      MIGRATOR_WALINE_TOKEN=... migrator push export.xml --to waline+https://comments.example.org --path-map paths.csv
      migrator verify export.xml --to https://new.example.org --user me
    """
    from ..targets import PushError

    progress = _PushProgress()
    with user_errors():
        try:
            pkg, target, kw = _connection(url, user, password_file, rest_base, key_file,
                                          insecure_http, post_map, hide_unapproved,
                                          path_map_file)
        except PushError as e:
            fail(str(e), EXIT_USAGE)
        options = build_options(dry_run=dry_run, **opts)
        try:
            result = pkg.push(exports, target, options, state=state, workers=workers,
                              dry_run=dry_run, delay=delay, progress=progress, **kw)
        except PushError as e:
            progress.end()
            fail(str(e))
        progress.end()
        p = result.pusher
        pf = p.platform
        if dry_run:
            click.echo(f"plan for {pf.url} ({pf.api_label} {pf.api_root}, journal "
                       f"{result.state}{'' if os.path.exists(result.state) else ', new'}):",
                       err=True)
            for e in p.plan:
                click.echo(pf.redact(
                    f"  post {e.post_id} '{e.slug or e.title}' -> target {e.target} "
                    f"(by {e.how}): {e.comments} comments, {e.in_journal} already there, "
                    f"{e.to_post} to post"), err=True)
        if p.unmapped:
            click.echo(f"{len(p.unmapped)} post(s) not found on the target (their comments "
                       "are rejected: no target post; use "
                       f"{'--path-map' if pf.name == 'waline' else '--post-map'}):", err=True)
            for e in p.unmapped:
                click.echo(pf.redact(f"  post {e.post_id} '{e.slug or e.title}': {e.comments} "
                                     f"comments - {e.reason}"), err=True)
        for msg in sorted(p.closed.values()):
            click.echo(f"comments are closed: {msg} - open them there and run again", err=True)
        finish(result.ledger, report, as_json, dry_run, result.extra(), result.pipeline)
        reqs = result.requests
        click.echo(f"requests: {reqs.get('POST', 0)} POST, {reqs.get('GET', 0)} GET; "
                   f"journal {result.state}", err=True)
        if not dry_run and result.not_delivered():
            fail(f"{result.not_delivered()} comment(s) did not reach the target (see above)")


@cli.command()
@EXPORTS
@_target_options
@pipeline_options
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def verify(exports, url, user, password_file, key_file, state, rest_base, hide_unapproved,
           insecure_http, as_json, report, **opts):
    """Check that the comments of EXPORTS are on the site at --to URL.

    Reads the target back and checks, for every comment the push would send
    (give the same filter options): it was pushed (journal), it exists with
    the right parent and depth (on Ghost and Waline: the thread root and the
    real reply target), date (GMT), author name, content and status, and it
    is there only once. Exits 1 on any difference.

    \b
    Examples:
      migrator verify export.xml --to https://new.example.org --user me
      migrator verify export.xml --to https://new.example.org --user me --json | jq .problems
      MIGRATOR_GHOST_KEY=id:secret migrator verify export.xml --to ghost+https://blog.example.org
      MIGRATOR_WALINE_TOKEN=... migrator verify export.xml --to waline+https://comments.example.org
    """
    from ..targets import PushError

    with user_errors():
        try:
            pkg, target, kw = _connection(url, user, password_file, rest_base, key_file,
                                          insecure_http, hide_unapproved=hide_unapproved)
        except PushError as e:
            fail(str(e), EXIT_USAGE)
        options = build_options(**opts)
        try:
            result = pkg.verify(exports, target, options, state=state, **kw)
        except PushError as e:
            fail(str(e))
        if report:
            with open(report, "w", encoding="utf-8") as fh:
                json.dump(result.as_dict(), fh, indent=1)
        if as_json:
            click.echo(json.dumps(result.as_dict(), indent=2, default=str))
        for pr in result.problems[:50]:
            detail = ", ".join(f"{k} {pr[k]!r}" for k in ("target_id", "expected", "found", "reason")
                               if pr.get(k) is not None)
            click.echo(f"  {pr['problem']}: comment {pr['source_id']} (post {pr['source_post']})"
                       f"{': ' + detail if detail else ''}", err=True)
        if len(result.problems) > 50:
            click.echo(f"  ... and {len(result.problems) - 50} more (--json for all)", err=True)
        counts = ", ".join(f"{n} {k}" for k, n in sorted(result.counts().items())) or "none"
        click.echo(f"{result.checked} comments checked: {result.ok} ok; problems: {counts}"
                   + (f"; {result.extra} other comments on those posts" if result.extra else ""),
                   err=True)
        if not result.passed:
            sys.exit(EXIT_FAILED)
# -- end push verb --
