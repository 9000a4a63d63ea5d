"""The pipeline: read -> identity -> filter -> thread -> dedupe -> anonymise -> sinks.

One post at a time flows through every stage. :class:`Pipeline` is what the
CLI's ``convert`` (and ``push``) call; each stage is also usable alone.
Ids across several files of one run: :mod:`migrator.identity`.
"""
from __future__ import annotations

import gc
import hashlib
import os
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable, Iterator, Protocol

from . import parallel
from .identity import Identity
from .ledger import Ledger
from .memory import TRIM_EVERY, Trimmer
from .model import Post, Site, origin_label, reference_path
from .wxr import scan
from .wxr.reader import WXRError, WXRReader
from .stages.dates import default_precision, round_dates
from .stages.thread import select, thread

DEFAULT_STATUSES = ("approved",)
DEFAULT_TYPES = ("comment",)


@dataclass
class Options:
    """Every pipeline option; the CLI maps its flags onto these."""

    statuses: tuple[str, ...] | None = DEFAULT_STATUSES  # None = all
    types: tuple[str, ...] | None = DEFAULT_TYPES  # None = all
    orphans: str = "reattach"
    dedupe: bool = True
    dedupe_window: timedelta = timedelta(hours=24)
    keep: str = "longest"
    anonymise: bool = False
    secret: bytes | None = None
    keep_names: tuple[str, ...] = ()
    keep_registered: bool = False
    ip: str = "drop"
    keep_meta: tuple[str, ...] = ()
    strict: bool = False
    dry_run: bool = False
    #: Processes to use: None = two with --anonymise where the machine has two
    #: cores (dedupe and anonymise run in the second, see migrator.parallel);
    #: 2 = the second one for dedupe alone too; 1 = this one only.
    jobs: int | None = None
    #: Round every date down to this (see migrator.stages.dates); None = the
    #: default: "day" with anonymise, else "second".
    date_precision: str | None = None

    @property
    def precision(self) -> str:
        # default_precision is imported at the top: asked once a post, an
        # import statement here cost as much as the rest of round_dates.
        return self.date_precision or default_precision(self.anonymise)

    def describe(self) -> dict:
        d = asdict(self)
        d["secret"] = "(set)" if self.secret else None
        if self.anonymise:  # a person kept by e-mail still loses it: no output names it
            d["keep_names"] = ["(an e-mail)" if "@" in n else n for n in self.keep_names]
        d["dedupe_window"] = self.dedupe_window.total_seconds()
        d["date_precision"] = self.precision
        return d


class Sink(Protocol):
    """What every output implements. ``write_post`` may ledger a comment as
    ``rejected`` (the sink could not write it); every other comment of the
    post counts as written once all sinks have taken the post."""

    def open(self, run: "RunInfo") -> None: ...
    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None: ...
    def close(self, ok: bool) -> None: ...


@dataclass
class RunInfo:
    paths: list[str]
    options: Options
    started: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    #: The sites as the sinks get them (anonymised copies under --anonymise),
    #: every file's, read from the headers before the sinks are opened.
    sites: dict[str, Site] = field(default_factory=dict)
    #: None: not anonymised; else a keyed fingerprint of the secret. Sinks
    #: record it and refuse to mix it with earlier outputs of another kind.
    fingerprint: str | None = None
    #: The origin labels (migrator.model.origin_label) of every input's site,
    #: from a scan of the headers: a sink can look for earlier rows of them
    #: before it writes anything.
    origins: list[str] = field(default_factory=list)

    def input_files(self) -> list[dict]:
        """Input files with size and sha256, for provenance."""
        out = []
        for p in self.paths:
            h = hashlib.sha256()
            with open(p, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            # Anonymised: the file's name only (a full path may name its owner).
            where = os.path.basename(p) if self.fingerprint is not None else os.path.abspath(p)
            out.append({"path": where, "bytes": os.path.getsize(p),
                        "sha256": h.hexdigest()})
        return out


class StrictError(Exception):
    """--strict and the input is damaged."""


Progress = Callable[[int], None]


class Pipeline:
    """Runs every stage over one or more exports, one post at a time.

    >>> p = Pipeline(["export.xml"], Options())          # doctest: +SKIP
    >>> for site, post in p.posts(): ...                 # doctest: +SKIP
    """

    def __init__(self, paths: Iterable[str], options: Options | None = None,
                 ledger: Ledger | None = None, progress: Progress | None = None,
                 keep_posts: bool = False):
        self.paths = [str(p) for p in paths]
        #: Anonymised posts keep their own fields, ids and site (push: the
        #: posts are the target's, found there by slug and link).
        self.keep_posts = keep_posts
        self._anonymous_sites: dict[str, tuple[Site, dict[str, str]]] = {}
        #: The sites met, in order; whether the anonymiser here has learned
        #: the commenters (it has not where the stage worker did, see posts).
        self._sites_met: list[Site] = []
        self._trimmer = Trimmer(TRIM_EVERY)
        self._learned = False
        #: input file -> the (original) key of its site, for problem messages
        self._file_site: dict[str, str] = {}
        self.options = options or Options()
        self.ledger = ledger if ledger is not None else Ledger()
        self.progress = progress
        self.sites: dict[str, Site] = {}
        #: The sites as the sinks got them (anonymised copies under --anonymise).
        self.out_sites: dict[str, Site] = {}
        self.deduper = None
        self.anonymiser = None
        self._read_apart = False
        self._reader: parallel.ReaderProcess | None = None
        o = self.options
        if o.dedupe:
            from .stages.dedupe import Deduper

            self.deduper = Deduper.from_options(o)
        if o.anonymise:
            from .stages.anonymise import Anonymiser

            self.anonymiser = Anonymiser.from_options(o)

    # -- reading ----------------------------------------------------------
    def _read(self, ledger: Ledger, main: bool = True) -> Iterator[tuple[Site, Post]]:
        """Every post of every file. Only the main pass moves the progress bar
        (--strict and --anonymise read the files once more before it)."""
        if main and self._read_apart:
            # Read in a second process while this one does everything after.
            reader, self._reader = self._reader, None  # started early (start_reading)?
            if reader is None:
                reader = parallel.ReaderProcess(self.paths, ledger, self.progress)
            try:
                for site, post in reader.posts():
                    self.sites.setdefault(site.key, site)
                    yield site, post
            finally:
                reader.close()
            return
        for path in self.paths:
            reader = WXRReader(path, ledger, on_bytes=self.progress if main else None)
            for post in reader.posts():
                self.sites.setdefault(reader.site.key, reader.site)
                yield reader.site, post

    def _reads_apart(self) -> bool:
        """Whether the main read runs in a process of its own: where there is
        a core for it and the stage worker (which takes that core) is not used."""
        o = self.options
        return (not parallel.wanted(o.jobs, self.deduper is not None, self.anonymiser is not None)
                and parallel.available(o.jobs) and not reference_path())

    def start_reading(self) -> None:
        """Start the reader's process now, where the run will use one, so it
        parses while the caller still loads and opens its sinks (importing
        SQLAlchemy takes a third of a second). :meth:`run` takes it over;
        :meth:`stop_reading` if the run never starts."""
        if self._reader is None and self._reads_apart():
            self._reader = parallel.ReaderProcess(self.paths, self.ledger, self.progress)

    def stop_reading(self) -> None:
        """Stop a reader started by :meth:`start_reading` and not yet used."""
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    def check_strict(self) -> None:
        """--strict: read everything once, fail on any damage before writing."""
        probe = Ledger()
        file_site: dict[str, str] = {}
        try:
            for site, post in self._read(probe, main=False):
                file_site.setdefault(post.source_file, site.key)
        finally:
            probe.close()
        damage = [p for p in probe.problems if p.kind == "damage"]
        if damage:
            p = damage[0]
            more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
            message = p.message
            if self.anonymiser is not None:  # it quotes ids and titles, as every problem does
                message = self._scrub_message(message, file_site.get(p.file) or (
                    next(iter(file_site.values())) if len(set(file_site.values())) == 1 else None))
            raise StrictError(f"{p.file}:{p.line}: {message}{more}")

    # -- processing ---------------------------------------------------------
    def posts(self) -> Iterator[tuple[Site, Post]]:
        """Processed posts. Comments that remain in ``post.comments`` have no
        fate yet: the caller writes them and then calls :meth:`settle`."""
        o = self.options
        if o.strict:
            self.check_strict()
        anon = self.anonymiser
        worker = None
        if parallel.wanted(o.jobs, self.deduper is not None, anon is not None):
            # Every commenter first, so a name is scrubbed before its owner's
            # first comment (a byte scan, not a second parse): in the worker,
            # which alone holds the name tables (see migrator.parallel).
            worker = parallel.StageWorker(self.deduper, anon, learn=(
                None if anon is None else lambda: learn_commenters(anon, self.paths)))
        elif anon is not None:
            learn_commenters(anon, self.paths)
            self._learned = True
        # The reader gets a process of its own where there is a core for it:
        # with the stage worker running, a third process would only share
        # the two cores (and cost its memory).
        self._read_apart = worker is None and self._reads_apart()
        identity = Identity()
        thresholds = parallel.fewer_collections()
        pending: deque[tuple[Site, Post]] = deque()
        in_flight = 0  # comments of the posts in ``pending``

        def finish() -> tuple[Site, Post]:
            nonlocal in_flight
            site, post = pending.popleft()
            in_flight -= len(post.comments)
            worker.collect(post, self.ledger)
            identity.settle(post)
            return self.surround(site, post, worker.texts)

        try:
            for site, post in self._read(self.ledger):
                if pending and post.source_file != pending[-1][1].source_file:
                    # A post split across files must find its earlier part
                    # settled: nothing of the last file stays in flight.
                    while pending:
                        yield finish()
                if anon is not None and site.key not in self._anonymous_sites:
                    if worker is None:
                        self.site_out(site)
                    else:
                        while pending:  # a new site starts a file: drained already
                            yield finish()
                        self._anonymous_sites[site.key] = worker.site(site, self.keep_posts)
                    self._sites_met.append(site)
                post = self.process(post, identity, stages=worker is None)
                if worker is None:
                    yield self.surround(site, post)
                    continue
                # Deduped and scrubbed in the worker while the next posts are read here.
                worker.submit(post, texts=not self.keep_posts)
                pending.append((site, post))
                in_flight += len(post.comments)
                while pending and (len(pending) > parallel.LOOKAHEAD
                                   or in_flight > parallel.LOOKAHEAD_COMMENTS):
                    yield finish()
            while pending:
                yield finish()
        finally:
            gc.set_threshold(*thresholds)
            identity.close()
            if worker is not None:
                worker.close()

    def process(self, post: Post, identity: Identity | None = None,
                stages: bool = True) -> Post:
        """Every stage between reading and the sinks, for one post
        (``stages=False``: up to threading; the caller runs dedupe and
        anonymise, then ``identity.settle``)."""
        ledger, o = self.ledger, self.options
        if identity is not None:
            identity.resolve(post, ledger)
        else:
            for c in post.comments:
                ledger.received(c)
        usable = []
        for c in post.comments:
            if c.reject_reason:
                ledger.rejected(c, c.reject_reason)
            else:
                usable.append(c)
        post.comments = usable
        removed = select(post, ledger, o.statuses, o.types)
        thread(post, ledger, o.orphans, removed, identity.known if identity else None)
        if not stages:
            return post
        if self.deduper is not None:
            self.deduper.apply(post, ledger)
        if self.anonymiser is not None:
            self.anonymiser.apply(post, ledger)
        if identity is not None:
            identity.settle(post)
        return post

    def site_out(self, site: Site) -> Site:
        """The site as the sinks get it: under --anonymise a copy whose users
        are pseudonymised (they are people too, learned before the site's
        first post is anonymised) and whose URLs are not the original's."""
        anon = self.anonymiser
        if anon is None:
            return site
        if site.key not in self._anonymous_sites:
            self._anonymous_sites[site.key] = anon.output_site(site, self.keep_posts)
        return self._anonymous_sites[site.key][0]

    def surround(self, site: Site, post: Post, texts: tuple | None = None) -> tuple[Site, Post]:
        """The last step before the sinks, after every stage: under
        --anonymise the post's own fields and every id (see
        ``stages/anonymise/scrub_posts``), then --date-precision. Threading
        and dedupe have used the exact dates and the original ids. ``texts``:
        the post's fields as the stage worker scrubbed them (see
        ``StageWorker.texts``), or None to scrub them here."""
        out = site
        anon = self.anonymiser
        if anon is not None:
            out = self.site_out(site)
            counts: Counter = Counter()
            anon.apply_post(post, site, out, self._anonymous_sites[site.key][1], counts,
                            keep_posts=self.keep_posts, texts=texts)
            n = sum(counts.values())
            if n:
                self.ledger.count("anonymise", "in posts", n)
        round_dates(post, self.options.precision)
        self.out_sites.setdefault(out.key, out)
        self._file_site.setdefault(post.source_file, site.key)
        return out, post

    def origins(self) -> list[str]:
        """The origin label of each input's site, read from its header's bytes
        (a file the scan cannot read is left out: sinks check its site when
        its first post comes)."""
        labels = []
        for path in self.paths:
            key = scan.site_key(path)
            if key is not None and origin_label(key) not in labels:
                labels.append(origin_label(key))
        return labels

    def settle(self, post: Post) -> None:
        """After the sinks: what no sink rejected is written; flush the ledger."""
        self.ledger.written_unless_settled(post.comments)
        self.ledger.flush()
        self._trimmer.tick(len(post.comments) + 1)

    def run(self, sinks: list[Sink]) -> Ledger:
        """Push every post through every sink. Returns the ledger.

        Sinks are opened when the first post has been read, so an input
        that is not an export at all leaves no empty output behind."""
        try:
            return self._run(sinks)
        finally:
            self.stop_reading()  # started early and never taken over (an error before)

    def _run(self, sinks: list[Sink]) -> Ledger:
        anon = self.anonymiser
        run = RunInfo(self.paths, self.options, sites=self.out_sites,
                      fingerprint=anon.fingerprint() if anon is not None else None,
                      origins=self.origins())
        opened: list[Sink] = []
        ok = False

        def open_all() -> None:
            if not self.options.dry_run and not opened:
                for s in sinks:
                    s.open(run)
                    opened.append(s)

        try:
            for site, post in self.posts():
                open_all()
                for s in opened:
                    s.write_post(site, post, self.ledger)
                self.settle(post)
            open_all()
            for s in opened:
                if hasattr(s, "record_counts"):
                    s.record_counts(self.ledger.totals())
            ok = True
        finally:
            # Every sink is closed even when one fails to: the ones after it
            # then roll back (their temporary files go) instead of committing.
            close_error: BaseException | None = None
            for s in reversed(opened):
                try:
                    s.close(ok)
                except BaseException as e:  # noqa: BLE001 - re-raised below
                    ok = False
                    close_error = close_error or e
            if close_error is not None:
                raise close_error
        if self.anonymiser is not None:
            # Problems quote the input (links, titles, names, ids): what the
            # run prints and reports is scrubbed like everything else.
            sites = set(self._file_site.values())
            only = next(iter(sites)) if len(sites) == 1 else None
            for p in self.ledger.problems:
                p.message = self._scrub_message(p.message, self._file_site.get(p.file, only))
        return self.ledger

    def _scrub_message(self, message: str, site: str | None) -> str:
        """A problem message of an anonymised run, scrubbed like a body, its
        ids of ``site`` replaced the way the outputs replace them."""
        anon = self.anonymiser
        if not self._learned:
            # The stage worker held the name tables and is gone: learned
            # again here, and the sites applied in the same order, the
            # tables are the worker's (only a run with problems pays this).
            learn_commenters(anon, self.paths)
            for met in self._sites_met:
                anon.output_site(met, self.keep_posts)
            self._learned = True
        message = anon.scrub_post_text(message, Counter())
        if site is not None:  # after the scrub, which would take a long id for a phone
            message = self.anonymiser.renumber_message(message, site, posts=not self.keep_posts)
        return message


__all__ = ["Options", "Pipeline", "Sink", "RunInfo", "Identity", "StrictError", "WXRError",
           "learn_commenters"]


def _drained(rows: list):
    """``rows`` in order, each let go of once given: the memory of the rows
    already learned is reused by what learning keeps, instead of both being
    held until the last row."""
    rows.reverse()
    while rows:
        yield rows.pop()


def learn_commenters(anonymiser, paths: Iterable[str]) -> None:
    """Teach the anonymise stage every commenter of these exports before the
    first post reaches it: from a byte scan of each file (no parse), or,
    where the scan cannot vouch for a file, from reading it in full."""
    for path in paths:
        people = scan.commenters(path)
        authors = scan.post_authors(path) if people is not None else None
        if people is not None and authors is not None:
            anonymiser.learn_people(_drained(people))
            del people
            anonymiser.learn_post_authors(*authors)
            continue
        ledger = Ledger()
        creators: set[str] = set()
        try:
            reader = WXRReader(path, ledger)
            for post in reader.posts():
                anonymiser.learn(post)
                creators.add(post.author)
            anonymiser.learn_post_authors(creators, [x for a in reader.site.authors
                                                     for x in (a.login, a.display_name)])
        finally:
            ledger.close()
