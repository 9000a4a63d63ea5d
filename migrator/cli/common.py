"""What every verb of the ``migrator`` command shares: the group, the pipeline
options, error handling, progress and the run summary."""
from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from datetime import timedelta

import click

from ..ledger import Ledger
from ..model import STATUSES, TYPES
from ..pipeline import Options, Pipeline, StrictError
from ..sinks import TargetError
from ..stages.dates import PRECISIONS
from ..stages.thread import ORPHAN_POLICIES
from ..version import __version__
from ..wxr.reader import WXRError


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
        click.option("--date-precision", type=click.Choice(PRECISIONS), default=None,
                     help="Round every date down to this (threading and dedupe use the exact "
                          "ones). Default: day with --anonymise, else second."),
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
                  date_precision=None, dry_run=False) -> Options:
    secret = None
    if anonymise:
        from ..stages.anonymise import load_secret

        try:
            secret = load_secret(secret_file)
        except ValueError as e:  # an empty or short secret file or $MIGRATOR_SECRET
            fail(str(e), EXIT_USAGE)
    return Options(statuses=statuses, types=types, orphans=orphans, dedupe=dedupe,
                   dedupe_window=dedupe_window, keep=keep, anonymise=anonymise, secret=secret,
                   keep_names=tuple(keep_names), keep_registered=keep_registered, ip=ip,
                   keep_meta=tuple(keep_meta), jobs=jobs, strict=strict, dry_run=dry_run,
                   date_precision=date_precision)


NOT_REPRODUCIBLE = ("  note: no secret given (MIGRATOR_SECRET or --secret-file): pseudonyms "
                    "are random and not reproducible across runs")


def finish(ledger: Ledger, report: str | None, as_json: bool, dry_run: bool,
           extra: dict | None = None, pipeline: Pipeline | None = None) -> None:
    """Report file, stderr summary, optional JSON on stdout, exit code."""
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            ledger.write_report(fh, extra)
    lines = ledger.summary(dry_run=dry_run)
    anon = getattr(pipeline, "anonymiser", None) if pipeline else None
    if anon is not None and not getattr(anon, "reproducible", True):
        lines.append(NOT_REPRODUCIBLE)
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
