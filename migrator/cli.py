"""The ``migrator`` command. It only maps options onto the library: every
verb here is a plain Python call too (see README, "Python API")."""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import timedelta

import click

from . import __version__, api
from .ledger import Ledger
from .model import STATUSES, TYPES
from .pipeline import Options, Pipeline, StrictError
from .reader import WXRError
from .sinks import TARGET_HELP, TargetError, parse_target
from .thread import ORPHAN_POLICIES

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_FAILED) -> None:
    click.echo(f"migrator: error: {message}", err=True)
    sys.exit(code)


@contextmanager
def user_errors():
    """Known failures become one line on stderr and a non-zero exit."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise  # click's own: usage errors exit 2
    except (WXRError, StrictError) as e:
        fail(str(e))
    except TargetError as e:
        fail(str(e), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted", 130)
    except OSError as e:
        fail(f"{e.filename or ''}: {e.strerror or e}".lstrip(": "))
    except Exception as e:  # noqa: BLE001 - last resort: still one line, never a traceback
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(e, SQLAlchemyError):
            fail(f"database: {str(e).splitlines()[0]}")
        if os.environ.get("MIGRATOR_DEBUG"):
            raise
        fail(f"{type(e).__name__}: {e} (set MIGRATOR_DEBUG=1 for a traceback)")


@contextmanager
def progress_bar(paths, label: str):
    """A progress bar over input bytes, on stderr, only when it is a terminal
    and the input is big enough to wait for."""
    total = sum(os.path.getsize(p) for p in paths if os.path.exists(p))
    if not sys.stderr.isatty() or total < 8 << 20:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr,
                           show_eta=True, show_percent=True) as bar:
        yield bar.update


def _csv_choice(allowed):
    def convert(ctx, param, value):
        if value is None:
            return None
        items = [v.strip() for v in value.split(",") if v.strip()]
        if items == ["all"]:
            return None
        bad = [v for v in items if v not in allowed]
        if bad:
            raise click.BadParameter(f"{', '.join(bad)} (choose from {', '.join(allowed)} or all)")
        return tuple(items)
    return convert


def _window(ctx, param, value: str) -> timedelta:
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    try:
        if value[-1] in units:
            return timedelta(seconds=float(value[:-1]) * units[value[-1]])
        return timedelta(seconds=float(value))
    except (ValueError, IndexError):
        raise click.BadParameter(f"{value!r}: use a number with s, m, h or d, e.g. 24h") from None


def pipeline_options(f):
    """The options every processing verb shares (convert, dedupe, push)."""
    opts = [
        click.option("--status", "statuses", default="approved", show_default=True,
                     callback=_csv_choice(STATUSES),
                     help=f"Comment statuses to keep: comma list of {', '.join(STATUSES)}, or all."),
        click.option("--type", "types", default="comment", show_default=True,
                     callback=_csv_choice(TYPES + ("",)),
                     help=f"Comment types to keep: comma list of {', '.join(TYPES)}, or all."),
        click.option("--orphans", type=click.Choice(ORPHAN_POLICIES), default="reattach",
                     show_default=True,
                     help="Replies whose parent is missing: re-attach to the nearest surviving "
                          "ancestor, move to top level, or drop (each one is reported)."),
        click.option("--dedupe/--no-dedupe", default=True, show_default=True,
                     help="Merge double posts and resubmissions."),
        click.option("--dedupe-window", default="24h", show_default=True, callback=_window,
                     help="How far apart a resubmission may be (e.g. 30m, 24h, 2d)."),
        click.option("--keep", type=click.Choice(["longest", "first", "last"]), default="longest",
                     show_default=True, help="Which copy of a duplicate survives."),
        click.option("--anonymise", "--anonymize", "anonymise", is_flag=True,
                     help="Pseudonymise commenters and scrub names, e-mails, URLs, phones and "
                          "IPs from bodies."),
        click.option("--secret-file", type=click.Path(exists=True, dir_okay=False),
                     help="Key for reproducible pseudonyms (else $MIGRATOR_SECRET; else random)."),
        click.option("--keep-name", "keep_names", multiple=True, metavar="NAME",
                     help="Keep this person's real name and mentions (repeatable), e.g. the blog's author."),
        click.option("--keep-registered", is_flag=True,
                     help="Keep the names of the site's own users (user_id > 0)."),
        click.option("--ip", type=click.Choice(["drop", "truncate"]), default="drop", show_default=True,
                     help="With --anonymise: drop IPs, or keep WordPress's /24 and /64."),
        click.option("--keep-meta", "keep_meta", multiple=True, metavar="KEY",
                     help="With --anonymise: commentmeta keys to keep (others are dropped)."),
        click.option("--jobs", type=click.IntRange(1, 2), default=None, metavar="N",
                     help="Processes to use, 1 or 2. Default: 2 with --anonymise on a machine "
                          "with two or more cores (dedupe and anonymisation run in the second)."),
        click.option("--strict", is_flag=True,
                     help="Treat any damage in the input as an error (nothing is written)."),
        click.option("--report", type=click.Path(dir_okay=False, writable=True),
                     help="Write the ledger (every comment's fate) to this JSON file."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def build_options(statuses, types, orphans, dedupe, dedupe_window, keep, anonymise,
                  secret_file, keep_names, keep_registered, ip, keep_meta, jobs, strict,
                  dry_run=False) -> Options:
    secret = None
    if anonymise:
        from .anonymise import load_secret

        try:
            secret = load_secret(secret_file)
        except ValueError as e:  # an empty secret file or $MIGRATOR_SECRET
            raise click.UsageError(str(e)) from None
    return Options(statuses=statuses, types=types, orphans=orphans, dedupe=dedupe,
                   dedupe_window=dedupe_window, keep=keep, anonymise=anonymise, secret=secret,
                   keep_names=tuple(keep_names), keep_registered=keep_registered, ip=ip,
                   keep_meta=tuple(keep_meta), jobs=jobs, strict=strict, dry_run=dry_run)


def finish(ledger: Ledger, report: str | None, as_json: bool, dry_run: bool,
           extra: dict | None = None, pipeline: Pipeline | None = None) -> None:
    """Report file, stderr summary, optional JSON on stdout, exit code."""
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            ledger.write_report(fh, extra)
    lines = ledger.summary(dry_run=dry_run)
    anon = getattr(pipeline, "anonymiser", None) if pipeline else None
    if anon is not None and not getattr(anon, "reproducible", True):
        lines.append("  note: no secret given (MIGRATOR_SECRET or --secret-file): pseudonyms "
                     "are random and not reproducible across runs")
    for line in lines:
        click.echo(line, err=True)
    if as_json:
        out = {"totals": ledger.totals(), "reasons": ledger.reasons(),
               "stats": {k: dict(v) for k, v in ledger.stats.items()},
               "problems": [p.as_dict() for p in ledger.problems], "dry_run": dry_run}
        if extra:
            out.update(extra)
        click.echo(json.dumps(out, indent=2, default=str))
    if not ledger.balanced():  # pragma: no cover - a bug, never expected
        fail("the ledger does not balance: please report this bug")


class Group(click.Group):
    def main(self, *args, **kwargs):
        # Let click handle usage errors (exit 2); everything else is ours.
        return super().main(*args, **kwargs)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="migrator")
def cli():
    """Move WordPress comment sections intact.

    Reads WXR export files (Tools → Export in wp-admin) and rebuilds every
    reply tree, merges duplicate comments, optionally anonymises the people
    in them, and writes SQLite/PostgreSQL, JSON, JSONL, WXR, HTML, or a new
    WordPress over its REST API.

    \b
    Examples:
      migrator inspect export.xml
      migrator convert export.xml --to sqlite:exports/blog.db --to json:exports/blog/
      migrator convert export.xml --anonymise --keep-name "Jeffery Smith" --to jsonl:out.jsonl
      migrator dedupe export.xml
    """


EXPORTS = click.argument("exports", nargs=-1, required=True,
                         type=click.Path(exists=True, dir_okay=False))


@cli.command()
@EXPORTS
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def inspect(exports, as_json):
    """Describe what is in EXPORTS before touching them.

    Site, WXR version, posts by type, comments by status and type, replies,
    max depth, orphans, cycles, distinct commenters, which personal fields
    are present, duplicate clusters, and every problem found in the files.

    \b
    Examples:
      migrator inspect export.xml
      migrator inspect part-1.xml part-2.xml --json | jq .comments
    """
    from .inspection import format_inspection

    with user_errors():
        with progress_bar(exports, "inspecting") as bar:
            result = api.inspect(exports, progress=bar)
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        click.echo(format_inspection(result))


def _default_targets(exports) -> list[str]:
    stem = os.path.splitext(os.path.basename(exports[0]))[0] or "export"
    return [f"sqlite:exports/{stem}.db", f"json:exports/{stem}/"]


@cli.command()
@EXPORTS
@click.option("--to", "targets", multiple=True, metavar="TARGET",
              help=f"Where to write (repeatable): {TARGET_HELP}. "
                   "Default: sqlite:exports/NAME.db and json:exports/NAME/.")
@pipeline_options
@click.option("--private-fields", is_flag=True,
              help="Include e-mail, IP and user agent in JSON/JSONL (left out by default).")
@click.option("--dry-run", is_flag=True, help="Run every stage and report, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's totals as JSON on stdout.")
def convert(exports, targets, private_fields, dry_run, as_json, report, **opts):
    """Convert EXPORTS into one or more TARGETs.

    Every comment that comes in is accounted for: written, filtered (why),
    merged (into which comment) or rejected (why). A summary goes to stderr;
    --report writes every comment's fate.

    \b
    Examples:
      migrator convert export.xml --to sqlite:blog.db
      migrator convert export.xml --to postgresql+psycopg://me@localhost/blog
      migrator convert export.xml --to json:archive/ --to jsonl:comments.jsonl
      migrator convert a.xml b.xml --status all --type all --orphans root --to json:all.json
      migrator convert export.xml --anonymise --keep-name "Jeffery Smith" --to html:site/
      migrator convert export.xml --to sqlite:x.db --dry-run --report ledger.json
    """
    targets = list(targets) or _default_targets(exports)
    with user_errors():
        for t in targets:
            parse_target(t)  # usage errors before any work
        options = build_options(dry_run=dry_run, **opts)
        with progress_bar(exports, "converting") as bar:
            pipeline = Pipeline(exports, options, progress=bar)
            ledger = api.convert(exports, targets, options, private_fields=private_fields,
                                 report=report, pipeline=pipeline)
        finish(ledger, None, as_json, dry_run, {"targets": targets, "inputs": list(exports)},
               pipeline)
        if not dry_run:
            click.echo(f"wrote {', '.join(targets)}", err=True)


# -- dedupe verb --
@cli.command()
@EXPORTS
@pipeline_options
@click.option("--json", "as_json", is_flag=True, help="Print the clusters as JSON.")
def dedupe(exports, as_json, report, **opts):
    """List the duplicate clusters in EXPORTS; write nothing.

    For each cluster: the survivor, the copies that would be merged into it,
    why (exact, resubmission), how similar and how far apart in time.

    \b
    Examples:
      migrator dedupe export.xml
      migrator dedupe export.xml --keep first --dedupe-window 2h --json
      migrator dedupe export.xml --report clusters.json
    """
    from .dedupe import format_clusters, review
    from .model import Post

    with user_errors():
        options = build_options(**opts)
        # Keep only the clusters (and a post's id and title), not every post
        # read: memory stays flat however big the export is.
        found = [(Post(id=post.id, title=post.title, site=post.site), cls)
                 for post, cls in review(exports, options) if cls]
        clusters = [cl.as_dict() for _, cls in found for cl in cls]
        doc = {"clusters": clusters, "totals": {
            "clusters": len(clusters), "dropped": sum(len(c["dropped"]) for c in clusters)}}
        if report:  # the review itself is the report: nothing else is written
            with open(report, "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
        if as_json:
            click.echo(json.dumps(doc, indent=2))
        else:
            click.echo(format_clusters(found))
# -- end dedupe verb --


# -- push verb --
def _post_map(ctx, param, value):
    if value is None:
        return None
    from .push import read_post_map

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


def _target_options(f):
    opts = [
        click.option("--to", "url", required=True, metavar="URL",
                     help="The new site, e.g. https://new.example.org (its posts must exist)."),
        click.option("--user", required=True, envvar="MIGRATOR_WP_USER", show_envvar=True,
                     help="WordPress user name (an Editor or Administrator)."),
        click.option("--password-file", type=click.Path(exists=True, dir_okay=False),
                     help="File holding the user's Application Password (else "
                          "$MIGRATOR_WP_PASSWORD, else asked on the terminal)."),
        click.option("--state", type=click.Path(dir_okay=False),
                     help="Journal of what is on the target (default "
                          "./.migrator-state/HOST.db)."),
        click.option("--rest-base", metavar="URL",
                     help="REST API root when discovery fails, e.g. "
                          "https://x.org/wp-json/ or https://x.org/?rest_route=/"),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


@cli.command()
@EXPORTS
@_target_options
@click.option("--post-map", type=click.Path(exists=True, dir_okay=False), callback=_post_map,
              help="CSV of source_post_id,target_post_id; overrides matching by slug and link.")
@click.option("--workers", type=click.IntRange(1, 32), default=4, show_default=True,
              help="Comments posted at once (replies always after their parent).")
@click.option("--delay", type=click.FloatRange(0, 60), default=0.0, show_default=True,
              help="Seconds to pause after each comment (be gentle with shared hosting).")
@pipeline_options
@click.option("--dry-run", is_flag=True,
              help="Show the plan (post mapping, comments per post, what is already there); "
                   "post nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's totals as JSON on stdout.")
def push(exports, url, user, password_file, state, rest_base, post_map, workers, delay,
         dry_run, as_json, report, **opts):
    """Post the comments of EXPORTS into the WordPress at --to URL.

    The posts must already be on the new site: each is found by slug (posts,
    then pages), then by its link's path, or by --post-map. Every thread
    arrives at full depth with its dates, authors and statuses. A journal
    (--state) records each comment as it lands, so running the same command
    again - after a crash, a kill, or to add new exports - posts only what is
    missing and never a comment twice.

    Authenticates with an Application Password (Users → Profile in wp-admin)
    over HTTP Basic: https, or http on a site whose WP_ENVIRONMENT_TYPE is local.

    \b
    Examples:
      MIGRATOR_WP_PASSWORD='abcd efgh ...' migrator push export.xml --to https://new.example.org --user me --dry-run
      migrator push export.xml --to https://new.example.org --user me --password-file pw.txt
      migrator push export.xml --to https://new.example.org --user me --post-map map.csv --workers 8
      migrator verify export.xml --to https://new.example.org --user me
    """
    from .push import PushError, push as do_push

    password = _password(user, password_file)
    progress = _PushProgress()
    with user_errors():
        options = build_options(dry_run=dry_run, **opts)
        try:
            result = do_push(exports, url, options, user=user, password=password, state=state,
                             post_map=post_map, workers=workers, dry_run=dry_run, delay=delay,
                             rest_base=rest_base, progress=progress)
        except PushError as e:
            progress.end()
            fail(str(e))
        progress.end()
        p = result.pusher
        if dry_run:
            click.echo(f"plan for {p.client.url} (REST {p.client.rest_base}, journal "
                       f"{result.state}{'' if os.path.exists(result.state) else ', new'}):",
                       err=True)
            for e in p.plan:
                click.echo(f"  post {e.post_id} '{e.slug or e.title}' -> target {e.target} "
                           f"(by {e.how}): {e.comments} comments, {e.in_journal} already there, "
                           f"{e.to_post} to post", err=True)
        if p.unmapped:
            click.echo(f"{len(p.unmapped)} post(s) not found on the target (their comments "
                       "are rejected: no target post; use --post-map):", err=True)
            for e in p.unmapped:
                click.echo(f"  post {e.post_id} '{e.slug or e.title}': {e.comments} comments "
                           f"- {e.reason}", err=True)
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
def verify(exports, url, user, password_file, state, rest_base, as_json, report, **opts):
    """Check that the comments of EXPORTS are on the WordPress at --to URL.

    Reads the target back and checks, for every comment the push would send
    (give the same filter options): it was pushed (journal), it exists with
    the right parent and depth, date (GMT), author name, content and status,
    and it is there only once. Exits 1 on any difference.

    \b
    Examples:
      migrator verify export.xml --to https://new.example.org --user me
      migrator verify export.xml --to https://new.example.org --user me --json | jq .problems
    """
    from .push import PushError, verify as do_verify

    password = _password(user, password_file)
    with user_errors():
        options = build_options(**opts)
        try:
            result = do_verify(exports, url, options, user=user, password=password,
                               state=state, rest_base=rest_base)
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


def main() -> None:
    cli(prog_name="migrator")


if __name__ == "__main__":  # pragma: no cover
    main()
