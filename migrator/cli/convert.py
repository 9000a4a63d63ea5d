"""The verbs that read and write files: ``inspect``, ``convert``, ``dedupe``."""
from __future__ import annotations

import json
import os

import click

from .. import api
from ..pipeline import Pipeline
from ..sinks import TARGET_HELP, parse_target
from ..sinks.common import StaleOutput
from .common import (EXPORTS, NOT_REPRODUCIBLE, build_options, cli, finish, pipeline_options, progress_bar,
                     user_errors)


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
    from ..inspection import format_inspection

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
@click.option("--replace", is_flag=True,
              help="Delete what earlier runs wrote for these sites in the targets first "
                   "(database rows, a folder's files). Without it, mixing anonymised and "
                   "plain output (or two secrets) in one target is refused.")
@click.option("--dry-run", is_flag=True, help="Run every stage and report, but write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the run's totals as JSON on stdout.")
def convert(exports, targets, private_fields, replace, dry_run, as_json, report, **opts):
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
      migrator convert export.xml --anonymise --date-precision month --replace --to sqlite:x.db
    """
    targets = list(targets) or _default_targets(exports)
    with user_errors():
        for t in targets:
            parse_target(t)  # usage errors before any work
        options = build_options(dry_run=dry_run, **opts)
        with progress_bar(exports, "converting") as bar:
            pipeline = Pipeline(exports, options, progress=bar)
            try:
                ledger = api.convert(exports, targets, options, private_fields=private_fields,
                                     report=report, pipeline=pipeline, replace=replace)
            except StaleOutput as e:
                if options.anonymise and options.secret is None and "another secret" in str(e):
                    raise StaleOutput(f"{e} (no secret was given: every such run uses a new "
                                      "random one; set MIGRATOR_SECRET or --secret-file)") from None
                raise
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
    from ..review import format_clusters, review
    from ..model import Post

    with user_errors():
        options = build_options(**opts)
        if options.anonymise and options.secret is None:  # as convert says it
            click.echo(NOT_REPRODUCIBLE.strip(), err=True)
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
            click.echo(format_clusters(found, options.precision))
# -- end dedupe verb --
