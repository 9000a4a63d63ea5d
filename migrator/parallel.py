"""Dedupe and anonymise in a second process, beside the reader and the sinks;
and the reader itself in a process of its own (:class:`ReaderProcess`).
Why this module is long: both workers share the pipe framing, the fork
rules and the "replay the ledger calls in order" discipline, kept together.

Finding duplicates and scrubbing bodies only need one post's comments (and,
for scrubbing, the table of commenters learned before the first post:
:func:`~migrator.pipeline.learn_commenters`), so a forked worker can
run them on post N while this process reads, resolves ids and threads post
N+1 and writes post N-1.

The worker learns the commenters itself, after the fork: the name tables
live in that process only. Learned here before the fork, they were shared
at first, and then copied page by page by both processes as each allocated
into the holes learning had left (40 MB more at 200,000 comments, 50 MB at
400,000). What this side needs of them it asks for: each site as the sinks
get it, with its users' new logins (:meth:`StageWorker.site`), and each
post's author (with its scrubbed title, slug, body and excerpt).

Only what the stages read and change crosses the pipe: ids, parents, depth,
author fields, status, type, the comment's time, the body. The worker runs
exactly the in-process code (:meth:`Deduper.apply
<migrator.stages.dedupe.Deduper.apply>`, :meth:`Anonymiser.apply
<migrator.stages.anonymise.Anonymiser.apply>`) on light copies, with a
:class:`_Recorder` in place of the ledger, and sends back the new order and
parents, the new bodies and names, and the ledger calls, which are replayed
here on the real comments. So output and ledger are the same byte for byte
whichever way a run goes (``tests/test_parallel.py`` checks that).

Memory: posts stay in flight until they hold :data:`LOOKAHEAD_COMMENTS`
comments (or :data:`LOOKAHEAD` posts), then the oldest is waited for, so it
still follows the largest thread. Posts in flight are drained at the end of each
file, so a post split across files finds its earlier part settled. Where
``fork`` is not available (Windows, macOS's default) or the machine has one
core, the stages run in-process.
"""
from __future__ import annotations

import fcntl
import gc
import io
import multiprocessing
import os
import pickle
import select
import signal
import struct
from collections import Counter, deque
from datetime import timezone
from typing import TYPE_CHECKING, Callable

from .ledger import Ledger
from .memory import TRIM_EVERY, Trimmer, trim
from .model import EPOCH, EPOCH_UTC, MICROSECOND, Comment, Post, Site, reference_path

if TYPE_CHECKING:  # pragma: no cover
    from .stages.anonymise import Anonymiser
    from .stages.dedupe import Deduper

#: Posts, and comments, handed to the worker before the oldest one is waited
#: for. Enough for the worker to go on while this process writes a batch of
#: the sinks (2,000 comments): with 8 posts in flight each side spent a
#: quarter of the run waiting for the other (200,000 comments, --anonymise:
#: 44 s -> 30-33 s of wall time). About 2 MB of posts.
LOOKAHEAD = 128
LOOKAHEAD_COMMENTS = 1000
#: How often a wait for the worker checks that it is still alive (seconds).
_POLL = 0.5
_HEAD = struct.Struct("<Q")
_new = object.__new__


class WorkerError(RuntimeError):
    """The worker process failed or died; the run cannot go on."""


def available(jobs: int | None = None) -> bool:
    """Whether a second process may be used: ``jobs`` of None means "if the
    machine has two cores or more"; 1 means never."""
    if jobs is not None and jobs < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return jobs is not None or (os.cpu_count() or 1) >= 2


def wanted(jobs: int | None, dedupe: bool, anonymise: bool) -> bool:
    """Whether a run should use the worker. By default only with
    ``--anonymise``: dedupe alone costs about what sending every post across
    would, so it stays in-process unless ``jobs=2`` asks for the worker."""
    if not (dedupe or anonymise) or not available(jobs):
        return False
    return anonymise or jobs is not None


_UTC = timezone.utc


def _micros(c: Comment) -> int | None:
    """:attr:`Comment.when` in whole microseconds: exact, and cheaper to
    pickle than a datetime."""
    when = c.when
    return None if when is None else (when - EPOCH_UTC) // MICROSECOND


def _rows(post: Post, timed: bool) -> list[tuple]:
    """What the stages read of each comment (its time only for dedupe)."""
    return [(c.id, c.parent_id, c.author_name, c.author_email, c.user_id, c.type, c.status,
             c.content, c.author_ip, _micros(c) if timed else None, c.depth,
             c.original_parent_id) for c in post.comments]


def _light(post_id: int, row: tuple) -> Comment:
    i, p, n, e, u, t, s, x, ip, us, depth, orig = row
    return Comment(id=i, post_id=post_id, parent_id=p, author_name=n, author_email=e, user_id=u,
                   type=t, status=s, content=x, author_ip=ip, depth=depth,
                   original_parent_id=orig, date_gmt=None if us is None else EPOCH_UTC + us * MICROSECOND)


class _Recorder:
    """Stands in for the ledger in the worker: what the stages tell it is
    replayed on the real ledger (only what they call exists here)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def merged(self, c: Comment, into: int, reason: str, similarity: float | None = None) -> None:
        self.calls.append(("merged", c.id, into, reason, similarity))

    def note(self, c: Comment, text: str) -> None:
        self.calls.append(("note", c.id, text))

    def count(self, group: str, name: str, n: int = 1) -> None:
        self.calls.append(("count", group, name, n))


def _work(deduper: "Deduper | None", anon: "Anonymiser | None", post_id: int,
          rows: list[tuple], texts: tuple | None = None, sites: dict | None = None) -> tuple:
    """One post through the stages, as the answer the parent applies
    (``texts``: the post's title, slug, body, excerpt, parent, author and
    site, to scrub too; ``sites``: each site's original and logins, as
    :meth:`StageWorker.site` left them)."""
    comments = [_light(post_id, r) for r in rows]
    post = Post(id=post_id, comments=comments)
    rec = _Recorder()
    order = None
    if deduper is not None:
        before = [(c.id, c.parent_id, c.depth) for c in comments]
        deduper.apply(post, rec)
        after = [(c.id, c.parent_id, c.depth) for c in post.comments]
        if after != before:
            order = [(c.id, c.parent_id, c.depth, c.original_parent_id) for c in post.comments]
    fields = None
    if anon is not None:
        anon.apply(post, rec)
        fields = [(c.content, c.author_name, c.user_id, c.author_ip) for c in post.comments]
    scrubbed = None
    if anon is not None and texts is not None:  # after the comments, as in-process
        title, slug, content, excerpt, parent, author, site_key = texts
        counts: Counter = Counter()
        done = anon.post_texts(Post(id=post_id, title=title, slug=slug, content=content,
                                    excerpt=excerpt, parent=parent), counts)
        site, logins = sites[site_key]  # type: ignore[index] - sent before its posts
        scrubbed = (done + (anon.post_author(author, site, logins),), dict(counts))
    notes = {c.id: c.notes for c in comments if c.notes}
    return ("ok", order, notes, fields, rec.calls, scrubbed)


def _frame(obj, fast: bool = False) -> bytes | memoryview:
    """``obj`` pickled, after its length. ``fast``: without pickle's memo
    (for plain data with no cycle and no object shared by two places that
    must stay one: each comes back as two equal copies). The memo is a dict
    entry for every string; the reader's deferred frames (``build_here``)
    are made of hundreds of thousands of distinct strings, and without it
    pickling them costs half as much, and unpickling a sixth less."""
    if fast:
        out = io.BytesIO()
        out.write(_HEAD.pack(0))
        pickler = pickle.Pickler(out, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.fast = True
        pickler.dump(obj)
        data = out.getbuffer()
        _HEAD.pack_into(data, 0, len(data) - _HEAD.size)
        return data  # type: ignore[return-value] - a view: _write_all takes it as it is
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEAD.pack(len(data)) + data


def _read_exact(fd: int, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        b = os.read(fd, min(n - got, 1 << 20))
        if not b:
            return None
        chunks.append(b)
        got += len(b)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _serve(deduper, anon, rfd: int, wfd: int) -> None:  # pragma: no cover - in the child
    """The worker's loop: one request in, one answer out, in order
    (coverage cannot see a forked child; the tests check its output
    against the in-process stages)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    sites: dict[str, tuple[Site, dict[str, str]]] = {}  # key -> (the original, its logins)
    trimmer = Trimmer(TRIM_EVERY)
    while True:
        head = _read_exact(rfd, _HEAD.size)
        if head is None:
            return  # the parent closed its end: done
        kind, payload = pickle.loads(_read_exact(rfd, _HEAD.unpack(head)[0]) or b"")
        try:
            if kind == "site":
                site, keep_posts = payload
                scrubbed, logins = anon.output_site(site, keep_posts)
                sites[site.key] = (site, logins)
                answer = ("site", (scrubbed, logins))
            else:
                answer = _work(deduper, anon, *payload, sites=sites)
                trimmer.tick(len(payload[1]) + 1)
        except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises
            _write_all(wfd, _frame(("error", f"{type(e).__name__}: {e}", None, None, None, None)))
            return
        _write_all(wfd, _frame(answer))


#: The young generation's collection threshold while posts stream through
#: (Python's default is 700). A convert allocates a dozen containers per
#: comment (the comment, its dict and lists, ledger entries, rows), most of
#: which live for a batch: each of them was traversed by a young and a middle
#: collection, and every few hundred posts a full one walked the whole heap.
#: That was 1.2 s of the main process's CPU at 200,000 comments (7%); with
#: collections every 100,000 surviving containers it is 0.04 s. The count
#: only grows with objects still alive, so this bounds uncollected cycles,
#: not memory in general: the pipeline makes almost none.
GC_YOUNG = 100_000


def fewer_collections() -> tuple[int, int, int]:
    """Raise the young generation's threshold to :data:`GC_YOUNG` (not on
    the reference path); returns the thresholds to restore."""
    old = gc.get_threshold()
    if not reference_path() and old[0] < GC_YOUNG:
        gc.set_threshold(GC_YOUNG, *old[1:])
    return old


def _portable(e: BaseException):
    """``e`` itself if it crosses the pipe whole (so the parent raises what
    an in-process run would: a damaged file's error, say), else its text."""
    try:
        pickle.loads(pickle.dumps(e, protocol=pickle.HIGHEST_PROTOCOL))
        return e
    except Exception:  # noqa: BLE001 - any failure to pickle: the text will do
        return f"{type(e).__name__}: {e}"


def _raise(error) -> None:
    """Raise what the worker reported: the exception it sent, or its text."""
    if isinstance(error, BaseException):
        raise error
    raise WorkerError(f"the worker failed: {error}")


def _freeze() -> None:
    """Before a fork: move every object alive now out of the garbage
    collector's sight (:func:`gc.freeze`). They are long-lived (modules, the
    anonymiser's tables), and a collection walking them would write to their
    pages and make each process copy the pages it shares with the other:
    with three processes that was 70 MB more for the same run."""
    if not reference_path():
        gc.freeze()


def _grow_pipe(fd: int) -> None:
    """A bigger pipe buffer (Linux), so a post rarely goes out in pieces."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", 1031)
    try:
        fcntl.fcntl(fd, setsize, 1 << 20)
    except OSError:
        pass


class StageWorker:
    """The dedupe and anonymise stages (either or both) in a forked process.
    Call :meth:`site` before the first post of each site,
    :meth:`submit` for each post, then :meth:`collect` for the same posts in
    the same order; :meth:`close` at the end (also after an error).

    This side never blocks on a write: requests go out as far as the pipe
    takes them and the rest waits in a buffer, sent on the next call, and
    every wait reads answers too. So neither side can end up waiting for the
    other to read (no deadlock, however big a post), and no helper thread
    competes with the pipeline for the GIL (which would delay every post)."""

    def __init__(self, deduper: "Deduper | None", anonymiser: "Anonymiser | None",
                 learn: "Callable[[], None] | None" = None) -> None:
        """``learn``: teaches ``anonymiser`` every commenter; called in the
        worker, after the fork, so the name tables are built there only."""
        self.deduper, self.anonymiser = deduper, anonymiser
        self._learn = learn
        req_r, self._req = os.pipe()
        self._res, res_w = os.pipe()
        for fd in (self._req, res_w):
            _grow_pipe(fd)
        ctx = multiprocessing.get_context("fork")
        self._proc = ctx.Process(target=self._child, args=(req_r, res_w),
                                 name="migrator-stages", daemon=True)
        _freeze()
        self._proc.start()
        os.close(req_r)
        os.close(res_w)
        os.set_blocking(self._req, False)
        self._out = bytearray()  # requests not yet taken by the pipe
        self._in = bytearray()   # answer bytes not yet a whole frame
        self._answers: deque = deque()
        self._eof = False  # the worker's end of the answer pipe is closed
        self._open = True
        #: The scrubbed title, slug, body and excerpt of the post :meth:`collect`
        #: gave last, and their counts (for ``Anonymiser.apply_post``); or None.
        self.texts: tuple | None = None

    def _child(self, req_r: int, res_w: int) -> None:  # pragma: no cover - in the child
        os.close(self._req)  # the parent's ends: an EOF must mean the parent is done
        os.close(self._res)
        anon = self.anonymiser
        if anon is not None:
            try:
                if self._learn is not None:
                    self._learn()
                anon._ensure()  # the name tables, built once, in this process only
                trim(collect=True)  # what learning let go of (the scan's rows)
            except BaseException as e:  # noqa: BLE001 - the parent raises it
                _write_all(res_w, _frame(("error", _portable(e), None, None, None, None)))
                return
        _serve(self.deduper, anon, req_r, res_w)

    def site(self, site: Site, keep_posts: bool = False) -> tuple[Site, dict[str, str]]:
        """``site`` as the sinks get it and its users' new logins, from the
        worker (``Anonymiser.output_site``), which keeps both for the posts'
        authors. Only
        with no post in flight (a site's first post starts a file)."""
        self._send(("site", (site, keep_posts)))
        while not self._answers:
            self._pump(wait=True)
        kind, answer = self._answers.popleft()[:2]
        if kind != "site":
            _raise(answer)
        return answer

    def submit(self, post: Post, texts: bool = False) -> None:
        """Send ``post`` (``texts``: its title, slug, body and excerpt are
        to be scrubbed too: see :meth:`collect`)."""
        self._send(("post", (post.id, _rows(post, timed=self.deduper is not None),
                             (post.title, post.slug, post.content, post.excerpt, post.parent,
                              post.author, post.site)
                             if texts and self.anonymiser is not None else None)))

    def _send(self, msg) -> None:
        self._out += _frame(msg)
        self._pump(wait=False)

    def collect(self, post: Post, ledger: Ledger) -> Post:
        """The worker's answer for ``post`` (the oldest one submitted),
        written into it, and its ledger calls replayed on ``ledger``."""
        while not self._answers:
            self._pump(wait=True)
        kind, order, notes, fields, calls, self.texts = self._answers.popleft()
        if kind != "ok":
            _raise(order)
        if order is not None or notes or calls:
            by_id = {c.id: c for c in post.comments}
            for call in calls:
                what = call[0]
                if what == "count":
                    ledger.count(*call[1:])
                elif what == "note":
                    ledger.note(by_id[call[1]], call[2])
                else:
                    _, cid, into, reason, similarity = call
                    ledger.merged(by_id[cid], into=into, reason=reason, similarity=similarity)
            for cid, more in notes.items():
                by_id[cid].notes.extend(more)
            if order is not None:
                comments = []
                for cid, parent, depth, original in order:
                    c = by_id[cid]
                    c.parent_id, c.depth, c.original_parent_id = parent, depth, original
                    comments.append(c)
                post.comments = comments
        if fields is not None:
            if len(fields) != len(post.comments):  # pragma: no cover - a bug, never expected
                raise WorkerError("the worker answered for another post")
            clear = self.anonymiser.clear_private
            for c, (content, name, user_id, ip) in zip(post.comments, fields):
                c.content, c.author_name, c.user_id, c.author_ip = content, name, user_id, ip
                clear(c)
        return post

    def _pump(self, wait: bool) -> None:
        """Write what the pipe takes, read what has come back; with ``wait``,
        until at least one more answer is whole. An answer sent before the
        worker stopped (its error) is still read; only then is its end an error."""
        while True:
            want_r = [] if self._eof else [self._res]
            want_w = [self._req] if self._out else []
            if not want_r and not want_w:
                r = w = []
            else:
                r, w, _ = select.select(want_r, want_w, [], _POLL if wait else 0)
            if w:
                try:
                    n = os.write(self._req, self._out[:1 << 20])
                except BlockingIOError:
                    n = 0
                except BrokenPipeError:  # it stopped: nothing more goes out
                    n = len(self._out)
                del self._out[:n]
            if r:
                data = os.read(self._res, 1 << 20)
                if data:
                    self._in += data
                else:
                    self._eof = True
                if self._frames() and wait:
                    return
            if not wait:
                return
            if self._eof or (not r and not w and not self._proc.is_alive()):
                if not self._eof:
                    continue  # read what it wrote before it stopped, up to its end
                raise self._died()

    def _frames(self) -> int:
        """Whole answers out of the read buffer; how many there were."""
        n = 0
        buf = self._in
        while len(buf) >= _HEAD.size:
            size = _HEAD.unpack_from(buf)[0]
            if len(buf) < _HEAD.size + size:
                break
            self._answers.append(pickle.loads(bytes(buf[_HEAD.size:_HEAD.size + size])))
            del buf[:_HEAD.size + size]
            n += 1
        return n

    def _died(self) -> WorkerError:
        self._proc.join(timeout=_POLL)
        return WorkerError(f"the dedupe/anonymise worker stopped (exit code {self._proc.exitcode})")

    def close(self) -> None:
        """Stop the worker: closing the request pipe ends its loop."""
        if not self._open:
            return
        self._open = False
        try:
            os.close(self._req)
            self._proc.join(timeout=5)
            if self._proc.is_alive():  # pragma: no cover - stuck: stop it
                self._proc.terminate()
                self._proc.join(timeout=5)
        finally:
            os.close(self._res)


# -- the reader in its own process ------------------------------------------------

#: A frame of posts goes out once it holds this many comments (or posts).
_FRAME_COMMENTS = 400
_FRAME_POSTS = 64


class _LedgerTap:
    """Stands in for the ledger in the reader's process: the reader only
    reports problems and counts dates; both are replayed in the parent just
    before the post they came before, so the ledger sees the same calls in
    the same order as when the reader runs in-process."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def problem(self, file: str, line: int | None, message: str, kind: str = "damage") -> None:
        self.calls.append(("problem", file, line, message, kind))

    def count(self, group: str, name: str, n: int = 1) -> None:
        self.calls.append(("count", group, name, n))

    def take(self) -> list[tuple]:
        calls, self.calls = self.calls, []
        return calls


def _flat(post: Post) -> tuple:
    """A post as plain rows: each comment's field values in one order, its
    two dates as whole microseconds since the epoch. Pickle rebuilds these at
    a fraction of the cost of dataclass instances and datetimes (a comment
    whose fields or dates are not the reader's usual ones goes as itself)."""
    d = dict(post.__dict__)
    comments = d.pop("comments")
    keys = tuple(comments[0].__dict__) if comments else ()
    n = len(keys)
    try:
        ia, ib = keys.index("date"), keys.index("date_gmt")
    except ValueError:
        return d, keys, list(comments)
    rows: list = []
    utc, naive, us = _UTC, EPOCH, MICROSECOND
    for c in comments:
        v = c.__dict__
        if len(v) != n:
            rows.append(c)
            continue
        row = list(v.values())
        a, b = row[ia], row[ib]
        if a is not None:
            if a.tzinfo is not None:  # an aware local date: rare, sent as it is
                rows.append(c)
                continue
            row[ia] = (a - naive) // us
        if b is not None:
            if b.tzinfo is not utc:
                rows.append(c)
                continue
            row[ib] = (b - EPOCH_UTC) // us
        rows.append(row)
    return d, keys, rows


def _unflat(flat: tuple) -> Post:
    d, keys, rows = flat
    new = object.__new__
    comments = []
    if "date" not in keys or "date_gmt" not in keys:
        comments = list(rows)  # no row is a list: each comment went as itself
    else:
        ia, ib = keys.index("date"), keys.index("date_gmt")
        naive, utc_epoch, us = EPOCH, EPOCH_UTC, MICROSECOND
        for row in rows:
            if type(row) is list:
                a, b = row[ia], row[ib]
                if a is not None:
                    row[ia] = naive + a * us
                if b is not None:
                    row[ib] = utc_epoch + b * us
                c = new(Comment)
                c.__dict__ = dict(zip(keys, row))
                row = c
            comments.append(row)
    post = new(Post)
    post.__dict__ = d
    d["comments"] = comments
    return post


class _Tally:
    """Bytes read since they were last taken: the progress each frame carries."""

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def add(self, n: int) -> None:
        self.n += n

    def take(self) -> int:
        n, self.n = self.n, 0
        return n


#: The sanitised parts of the files, from the sanitiser's process
#: (:func:`_sanitise_into`) to the reader's: kind, length of what follows,
#: bytes of the file read for it.
_FEED = struct.Struct("<BQQ")
_PART, _BOUND, _PROBLEM, _END, _NOT_XML, _CANNOT, _BUG, _SAME = range(8)
#: A ``_SAME`` part: the offset and length of the file's bytes it is.
_SPAN = struct.Struct("<QQ")


def _sanitise_into(paths: list[str], wfd: int) -> None:  # pragma: no cover - a child
    """With ``build_here`` the reader's process forks this one, which reads
    and sanitises the files: byte scanning that would otherwise be added to
    the slower of the two (a third process beside them keeps the second
    core busy while the main one waits). Each part goes out after the
    problems its repairs made, each file ends in ``_END`` (or what stopped
    it); the reader's side is :class:`_Parts`."""
    from .wxr.reader import _Counting
    from .wxr.sanitise import CHUNK, NotXML, sanitised_chunks

    def send(kind: int, payload: bytes = b"", nbytes: int = 0) -> None:
        _write_all(wfd, _FEED.pack(kind, len(payload), nbytes))
        if payload:
            _write_all(wfd, payload)

    tally = _Tally()
    took = tally.take

    def report(line, message, kind="damage") -> None:
        send(_PROBLEM, pickle.dumps((line, message, kind)))

    parts = 0

    try:
        for path in paths:
            try:
                fh = open(path, "rb")
            except OSError as e:
                send(_CANNOT, str(e.strerror).encode("utf-8"))
                continue
            bound: dict[str, str] = {}
            first = True
            where: list = [None]
            with fh:
                try:
                    for part in sanitised_chunks(_Counting(fh, tally.add), report, CHUNK, bound,
                                                 where):
                        if first:
                            send(_BOUND, pickle.dumps(bound))
                            first = False
                        parts += 1
                        if parts % 16 == 0:
                            # A few 1 MB buffers a part: glibc soon serves
                            # them from its heap, which then only grows (peak
                            # RSS 59 -> 72 MB from 200,000 to 400,000
                            # comments); trimmed every 16 parts it stays at
                            # 45 MB, for no measurable CPU (every part: +25%).
                            trim()
                        if where[0] is None:
                            send(_PART, part, took())
                        else:  # the reader reads it from the file: not down the pipe
                            send(_SAME, _SPAN.pack(where[0], len(part)), took())
                except NotXML as e:
                    send(_NOT_XML, str(e).encode("utf-8"), took())
                    continue
            send(_END, b"", took())
    except BrokenPipeError:
        pass  # the reader stopped reading (an error, or it was stopped)
    except BaseException as e:  # noqa: BLE001 - the reader reports it, the parent raises
        try:
            send(_BUG, f"{type(e).__name__}: {e}".encode("utf-8"))
        except OSError:
            pass


class _Parts:  # pragma: no cover - in the reader's child
    """The reader's side of :func:`_sanitise_into`: each file's parts as the
    reader's ``source``. The sanitiser's problems go to the ledger (the
    reader's :class:`_LedgerTap`) as the reader takes the part they came
    before, which is when a reader sanitising in-process makes them."""

    def __init__(self, rfd: int, tap: "_LedgerTap", on_bytes) -> None:
        self._r, self._tap, self._on_bytes = rfd, tap, on_bytes
        self._ended = -1  # every frame of the files up to this one has been read
        self._fd: int | None = None  # the file, for ``_SAME`` parts

    def _same(self, path: str, span: bytes) -> bytes:
        """A part that is the file's own bytes, read from the file."""
        at, size = _SPAN.unpack(span)
        if self._fd is None:
            self._fd = os.open(path, os.O_RDONLY)
        part = os.pread(self._fd, size, at)
        while len(part) < size:  # a short read (a signal): the rest
            more = os.pread(self._fd, size - len(part), at + len(part))
            if not more:
                raise RuntimeError(f"{path} is shorter than when it was sanitised")
            part += more
        return part

    def _close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _next(self, count: bool = True) -> tuple[int, bytes]:
        head = _read_exact(self._r, _FEED.size)
        if head is None:
            raise RuntimeError("the sanitiser's process stopped")
        kind, size, nbytes = _FEED.unpack(head)
        payload = _read_exact(self._r, size) if size else b""
        if payload is None:
            raise RuntimeError("the sanitiser's process stopped")
        if count and self._on_bytes is not None and nbytes:
            self._on_bytes(nbytes)
        if kind == _BUG:
            raise RuntimeError(payload.decode("utf-8"))
        if kind not in (_PART, _BOUND, _PROBLEM, _SAME):
            self._ended += 1
            self._close()
        return kind, payload

    def source(self, i: int, path: str):
        from .wxr.reader import WXRError
        from .wxr.sanitise import NotXML

        def parts(bound: dict[str, str]):
            problem = self._tap.problem
            while True:
                kind, payload = self._next()
                if kind == _PART:
                    yield payload
                elif kind == _SAME:
                    yield self._same(path, payload)
                elif kind == _PROBLEM:
                    problem(path, *pickle.loads(payload))
                elif kind == _BOUND:
                    bound.update(pickle.loads(payload))
                elif kind == _END:
                    return
                elif kind == _NOT_XML:
                    raise NotXML(payload.decode("utf-8"))
                else:
                    raise WXRError(f"{path}: cannot open: {payload.decode('utf-8')}")
        return parts

    def skip(self, i: int) -> None:
        """The rest of file ``i``, if the reader stopped reading it (a broken
        file): never read, as far as the ledger and progress go."""
        while self._ended < i:
            self._next(count=False)


def _sanitiser(paths: list[str]) -> tuple[int, int]:  # pragma: no cover - in the reader's child
    """Fork :func:`_sanitise_into`; its pid and the pipe to read it from."""
    r, w = os.pipe()
    _grow_pipe(w)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.closerange(3, w)  # nothing but its pipe: the reader sees EOF if it dies
            os.closerange(w + 1, 1 << 16)
            _sanitise_into(paths, w)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _read_into(paths: list[str], wfd: int, progress: bool,
               defer: bool = False, meta: bool = True) -> None:  # pragma: no cover - child
    """The reader's loop in the child: every post of every file, framed in
    batches: ``("site", i, site)`` before a file's first post, ``("post", i,
    post, calls, bytes)`` (with ``defer``: ``("raw", i, (post fields, comment
    fields, cut_off), calls, bytes)``, see :meth:`WXRReader.finish
    <migrator.wxr.reader.WXRReader.finish>`), ``("eof", i, site)`` after its
    last, and at the very end ``("end", calls, bytes)`` or
    ``("error", kind, message, calls, bytes)``."""
    from .wxr.reader import WXRError, WXRReader

    fewer_collections()  # this process only reads: nothing to restore
    tap = _LedgerTap()
    tally = _Tally()
    on_bytes, took = tally.add, tally.take

    batch: list[tuple] = []
    comments = 0

    def send() -> None:
        nonlocal comments
        if batch:
            _write_all(wfd, _frame(batch, fast=defer))
            batch.clear()
            comments = 0

    fed = None
    if defer:  # the reader only parses: a third process sanitises
        feeder, feed = _sanitiser(paths)
        fed = _Parts(feed, tap, on_bytes if progress else None)
    try:
        for i, path in enumerate(paths):
            if fed is not None:
                reader = WXRReader(path, tap, defer=defer, source=fed.source(i, path), meta=meta)
            else:
                reader = WXRReader(path, tap, on_bytes=on_bytes if progress else None, defer=defer,
                                   meta=meta)
            site_sent = False
            for post in reader.posts():
                if not site_sent:
                    batch.append(("site", i, reader.site))
                    site_sent = True
                if defer:
                    fields = dict(post.__dict__)
                    raw = fields.pop("comments")
                    batch.append(("raw", i, (fields, raw, reader.cut_off), tap.take(), took()))
                    reader.cut_off = None
                else:
                    batch.append(("post", i, _flat(post), tap.take(), took()))
                comments += len(post.comments)
                if comments >= _FRAME_COMMENTS or len(batch) >= _FRAME_POSTS:
                    send()
            if fed is not None:
                fed.skip(i)
            batch.append(("eof", i, reader.site))
        batch.append(("end", tap.take(), took()))
    except WXRError as e:
        batch.append(("error", "wxr", str(e), tap.take(), took()))
    except BaseException as e:  # noqa: BLE001 - reported to the parent, which raises
        batch.append(("error", "bug", f"{type(e).__name__}: {e}", tap.take(), took()))
    if fed is not None:  # after an error it may be blocked on a full pipe: EPIPE ends it
        os.close(feed)
        os.waitpid(feeder, 0)
    send()


class ReaderProcess:
    """The WXR reader in a forked process: it parses, sanitises and builds
    the model of post N+1 while this process resolves, threads, dedupes and
    writes post N. Posts are plain data and cross a pipe pickled, in frames
    of a few hundred comments; the child blocks when the pipe is full, so at
    most a frame or two are in flight and memory still follows the largest
    post. Iterate :meth:`posts` for ``(site, post)``, replaying the reader's
    ledger calls on ``ledger``; :meth:`close` (also after an error) stops it.

    Errors are the reader's own: a :class:`~migrator.wxr.reader.WXRError`
    in the child is raised here with its message; anything else, or the
    child dying, is a :class:`WorkerError`.

    ``build_here``: the child only parses, and sends each comment's fields
    as text; this process builds the comments (their ids, dates, status and
    the problems found in them, in the same order). For a caller whose own
    work is lighter than the reader's (``inspect``), that evens the two out.
    The child then leaves sanitising to a process of its own
    (:func:`_sanitise_into`), which the two share the second core with.
    ``meta=False``: commentmeta is counted, not read (see
    :attr:`WXRReader.meta <migrator.wxr.reader.WXRReader.meta>`)."""

    def __init__(self, paths: list[str], ledger: Ledger, progress=None, on_file_end=None,
                 build_here: bool = False, meta: bool = True) -> None:
        self.paths, self.ledger, self.progress = list(paths), ledger, progress
        self.build_here = build_here
        #: called as ``on_file_end(path, site)`` once each file is read (its
        #: site header filled in even when it held no post)
        self.on_file_end = on_file_end
        self._r, w = os.pipe()
        _grow_pipe(w)
        _freeze()
        self._pid = os.fork()
        if self._pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's
                os.close(self._r)
                # Nothing of the parent's stays open here (other workers' pipes,
                # databases): only the pipe back, and the files it opens itself.
                os.closerange(3, w)
                os.closerange(w + 1, 1 << 16)
                _read_into(self.paths, w, progress is not None, build_here, meta)
                code = 0
            finally:
                os._exit(code)
        os.close(w)

    def posts(self):
        from .wxr.reader import WXRError, WXRReader

        sites: dict[int, Site] = {}
        builders: dict[int, WXRReader] = {}  # with build_here: one per file, as in the child
        ledger, progress = self.ledger, self.progress
        while True:
            head = _read_exact(self._r, _HEAD.size)
            if head is None:
                raise self._died()
            data = _read_exact(self._r, _HEAD.unpack(head)[0])
            if data is None:
                raise self._died()
            for ev in pickle.loads(data):
                kind = ev[0]
                if kind == "site":
                    sites[ev[1]] = ev[2]
                    continue
                if kind == "eof":
                    if self.on_file_end is not None:
                        self.on_file_end(self.paths[ev[1]], sites.get(ev[1], ev[2]))
                    continue
                calls, nbytes = ev[-2], ev[-1]
                for call in calls:
                    if call[0] == "problem":
                        ledger.problem(*call[1:])
                    else:
                        ledger.count(*call[1:])
                if nbytes and progress is not None:
                    progress(nbytes)
                if kind == "post":
                    yield sites[ev[1]], _unflat(ev[2])
                elif kind == "raw":
                    builder = builders.get(ev[1])
                    if builder is None:
                        builder = builders[ev[1]] = WXRReader(self.paths[ev[1]], ledger, defer=True)
                    fields, raw, cut_off = ev[2]
                    post = _new(Post)
                    post.__dict__ = fields
                    yield sites[ev[1]], builder.finish(post, raw, cut_off)
                elif kind == "end":
                    return
                elif ev[1] == "wxr":
                    raise WXRError(ev[2])
                else:
                    raise WorkerError(f"the reader failed: {ev[2]}")

    def _died(self) -> WorkerError:
        code = self._reap(block=True)
        return WorkerError(f"the reader process stopped (exit code {code})")

    def _reap(self, block: bool) -> int | None:
        if self._pid is None:
            return None
        try:
            pid, status = os.waitpid(self._pid, 0 if block else os.WNOHANG)
        except ChildProcessError:  # pragma: no cover - already reaped
            self._pid = None
            return None
        if pid == 0:
            return None
        self._pid = None
        return os.waitstatus_to_exitcode(status)

    def close(self) -> None:
        """Stop the child (it may be blocked on a full pipe) and reap it."""
        if self._r is not None:
            os.close(self._r)  # a child still writing gets EPIPE and ends
            self._r = None
        if self._pid is not None and self._reap(block=False) is None:
            try:
                os.kill(self._pid, signal.SIGTERM)
            except ProcessLookupError:  # pragma: no cover
                pass
            self._reap(block=True)


__all__ = ["StageWorker", "ReaderProcess", "WorkerError", "available", "wanted", "LOOKAHEAD",
           "LOOKAHEAD_COMMENTS"]
