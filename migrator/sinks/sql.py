"""SQLite, PostgreSQL or any SQLAlchemy database, through SQLAlchemy Core.

One schema everywhere: ``sites``, ``posts``, ``comments``, ``comment_meta``
and ``runs`` (provenance). Rows are keyed by (site, id), so two sites share a
database without colliding, and writing the same export twice changes
nothing: every write is an upsert. Posts are written in batches, each batch
in one transaction, so an interrupted run never leaves half a batch behind.
A batch closes at ``batch_comments`` comments or ``batch_posts`` posts,
whichever comes first, so memory stays bounded even for an export of
thousands of posts without comments (attachments, menu items).
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from operator import itemgetter

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, ForeignKeyConstraint, Index, Integer,
                        MetaData, String, Table, Text, create_engine, delete, event, insert,
                        inspect, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from ..version import __version__
from ..ledger import Ledger
from ..model import Comment, Post, Site, as_naive_utc, origin_label, reference_path
from .common import StaleOutput, describe_state, run_state

metadata = MetaData()

sites = Table(
    "sites", metadata,
    Column("key", String(255), primary_key=True),
    Column("title", Text), Column("link", Text), Column("language", String(32)),
    Column("wxr_version", String(8)),
    # The original site's label (migrator.model.origin_label: no secret
    # needed), whether its rows are anonymised, and under which secret (a
    # keyed fingerprint, never the secret): one kind of rows per site.
    Column("origin", String(32), index=True), Column("anonymised", Boolean),
    Column("fingerprint", String(64)),
)

posts = Table(
    "posts", metadata,
    Column("site", String(255), primary_key=True),
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("title", Text), Column("slug", Text), Column("link", Text), Column("guid", Text),
    Column("type", String(64)), Column("status", String(32)), Column("author", Text),
    Column("date", DateTime), Column("date_gmt", DateTime),
    Column("comment_status", String(32)),
    ForeignKeyConstraint(["site"], ["sites.key"]),
)

comments = Table(
    "comments", metadata,
    Column("site", String(255), primary_key=True),
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("post_id", BigInteger, nullable=False),
    Column("parent_id", BigInteger),
    Column("depth", Integer, nullable=False),
    Column("author_name", Text), Column("author_email", Text), Column("author_url", Text),
    # WordPress's own widths where a value is short: comment_author_IP is
    # varchar(100) there, and PostgreSQL refuses what does not fit.
    Column("author_ip", String(100)), Column("author_user_agent", Text),
    Column("date", DateTime), Column("date_gmt", DateTime),
    Column("content", Text), Column("status", String(32)), Column("type", String(32)),
    Column("user_id", BigInteger),
    Column("source_id", BigInteger),
    Column("notes", Text),
    ForeignKeyConstraint(["site", "post_id"], ["posts.site", "posts.id"]),
    ForeignKeyConstraint(["site", "parent_id"], ["comments.site", "comments.id"]),
    Index("ix_comments_thread", "site", "post_id", "parent_id"),
    Index("ix_comments_parent", "site", "parent_id"),
    Index("ix_comments_date", "site", "post_id", "date_gmt"),
)

comment_meta = Table(
    "comment_meta", metadata,
    Column("site", String(255), primary_key=True),
    Column("comment_id", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("key", Text), Column("value", Text),
    ForeignKeyConstraint(["site", "comment_id"], ["comments.site", "comments.id"]),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started", DateTime), Column("finished", DateTime),
    Column("status", String(16)),
    Column("tool", String(64)),
    Column("inputs", Text), Column("options", Text), Column("counts", Text),
    Column("anonymised", Boolean), Column("fingerprint", String(64)),
)

#: Columns added after the first release: added to an older database on open.
ADDED_COLUMNS = {"sites": ("origin", "anonymised", "fingerprint"),
                 "runs": ("anonymised", "fingerprint")}

BATCH_COMMENTS = 2000
BATCH_POSTS = 500


def engine_for(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _):  # pragma: no cover - exercised via sqlite tests
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            # Deleted and replaced rows (--replace, upserts) are overwritten
            # in the file, not left in free pages for anyone to read.
            cur.execute("PRAGMA secure_delete=ON")
            cur.close()
    return engine


#: The PostgreSQL advisory lock key under which the tables are created
#: (any fixed number; "migr" in ASCII).
SCHEMA_LOCK = 0x6D696772


#: Indexes a new SQLite file gets at the end of its first run, not before:
#: an anonymised run's ids are keyed hashes, so every row would land on a
#: random page of each index (2 GB written for a 150 MB file, and a fifth of
#: the main process's time, at 200,000 comments); built once from the loaded
#: rows they cost a sort each. The primary keys stay: upserts need them.
DEFERRED_INDEXES = tuple(sorted((i for i in comments.indexes if i.name in (
    "ix_comments_thread", "ix_comments_parent", "ix_comments_date")), key=lambda i: i.name))
# (sorted: ``Table.indexes`` is a set, and the order they are built in is
# the order of the file's schema, which two runs must write the same)


def create_schema(engine: Engine) -> tuple[Index, ...]:
    """Create what tables are missing, and return the indexes to build when
    the run ends (see :data:`DEFERRED_INDEXES`: only for a new SQLite file;
    a file an interrupted run left without them gets them now). Several runs
    (other sites' exports) may start at once against one PostgreSQL
    database: there, the check and the CREATEs happen under a
    transaction-scoped advisory lock, so two runs never both try to create a
    table (which fails one of them on the catalogue's unique index). Rows
    never conflict: every key starts with the site."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            fresh = not inspect(conn).has_table("comments")
            metadata.create_all(conn)
            for index in DEFERRED_INDEXES:
                if fresh:
                    index.drop(conn)
                else:
                    index.create(conn, checkfirst=True)
        return DEFERRED_INDEXES if fresh else ()
    if engine.dialect.name != "postgresql":
        metadata.create_all(engine)
        return ()
    with engine.begin() as conn:
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})")
        metadata.create_all(conn)
    return ()


#: UTC dates are stored naive (UTC by convention): SQLite has no zones.
_naive = as_naive_utc


def _upsert_stmt(dialect: str, table: Table, keys: list[str]):
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dinsert
    else:
        from sqlalchemy.dialects.postgresql import insert as dinsert
    stmt = dinsert(table)
    cols = [c.name for c in table.columns if c.name not in keys]
    return stmt.on_conflict_do_update(
        index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in cols})


#: (dialect, table) -> (SQL text, parameter names in order, date columns' positions)
_COMPILED: dict[tuple[str, str], tuple[str, tuple[str, ...] | None, tuple[int, ...]]] = {}


def _sqlite_datetime(v: datetime) -> str:
    """What SQLAlchemy's SQLite DateTime stores (its bind processor's format)."""
    if v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    # isoformat(" ", "microseconds"), without parsing the timespec each time
    s = v.isoformat(" ")
    return s if v.microsecond else s + ".000000"


def _stored(v: datetime | None) -> str | None:
    return None if v is None else _sqlite_datetime(v)


def _compiled_upsert(conn, table: Table, keys: list[str]) -> tuple:
    """The upsert's SQL for this dialect, its parameter names in order (None
    for named parameters) and which of them are dates: compiled once per table."""
    dialect = conn.dialect
    key = (dialect.name, table.name)
    compiled = _COMPILED.get(key)
    if compiled is None:
        c = _upsert_stmt(dialect.name, table, keys).compile(dialect=dialect)
        names = tuple(c.positiontup) if c.positional else None
        dates = tuple(i for i, n in enumerate(names or ())
                      if isinstance(table.c[n].type, DateTime))
        compiled = _COMPILED[key] = (c.string, names, dates)
    return compiled


def _driver_upsert_tuples(conn, table: Table, rows: list[tuple], keys: list[str]) -> bool:
    """:func:`_driver_upsert` for rows already made as tuples in the table's
    column order, dates already in SQLite's storage form (see
    :func:`comment_params`). False, having written nothing, if the compiled
    statement wants its parameters in another order."""
    sql, names, _ = _compiled_upsert(conn, table, keys)
    if names != tuple(table.c.keys()):
        return False
    conn.exec_driver_sql(sql, rows)
    return True


def _driver_upsert(conn, table: Table, rows: list[dict], keys: list[str]) -> None:
    """The same upsert as SQLAlchemy sends, compiled once per table and handed
    to the driver's ``executemany`` with the values already in the form
    SQLAlchemy would have bound (on SQLite, dates as its storage format):
    no per-row parameter processing. Same rows, stored the same way."""
    sql, names, dates = _compiled_upsert(conn, table, keys)
    if names is None:  # named parameters (psycopg): the dicts as they are
        conn.exec_driver_sql(sql, rows)
        return
    get = itemgetter(*names)
    params = [get(r) for r in rows] if len(names) > 1 else [(r[names[0]],) for r in rows]
    if dates:
        for i, t in enumerate(params):
            if any(t[j] is not None for j in dates):
                t = list(t)
                for j in dates:
                    if t[j] is not None:
                        t[j] = _sqlite_datetime(t[j])
                params[i] = tuple(t)
    conn.exec_driver_sql(sql, params)


def _upsert(conn, table: Table, rows: list[dict], keys: list[str]) -> None:
    """Insert, or update when the key exists: the same export twice is a no-op."""
    if not rows:
        return
    if type(rows[0]) is tuple:  # SQLite's fast path (see comment_params)
        if _driver_upsert_tuples(conn, table, rows, keys):
            return
        rows = _as_dicts(table, rows)  # pragma: no cover - another SQLAlchemy's order
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        if (not reference_path() and (dialect == "sqlite" or conn.dialect.driver == "psycopg")
                and len(rows[0]) == len(table.columns)):  # rows that name every column
            _driver_upsert(conn, table, rows, keys)
            return
        conn.execute(_upsert_stmt(dialect, table, keys), rows)
        return
    # Any other database: find which keys exist, update those, insert the rest.
    key_cols = [table.c[k] for k in keys]
    existing = set()
    for row in rows:
        cond = [col == row[k] for col, k in zip(key_cols, keys)]
        if conn.execute(select(*key_cols).where(*cond)).first():
            existing.add(tuple(row[k] for k in keys))
    new = [r for r in rows if tuple(r[k] for k in keys) not in existing]
    if new:
        conn.execute(insert(table), new)
    for r in rows:
        if tuple(r[k] for k in keys) in existing:
            conn.execute(update(table).where(*[col == r[k] for col, k in zip(key_cols, keys)])
                         .values(**{k: v for k, v in r.items() if k not in keys}))


def comment_row(c: Comment) -> dict:
    return {
        "site": c.site, "id": c.id, "post_id": c.post_id, "parent_id": c.parent_id,
        "depth": c.depth, "author_name": c.author_name, "author_email": c.author_email,
        "author_url": c.author_url, "author_ip": c.author_ip,
        "author_user_agent": c.author_user_agent, "date": c.date, "date_gmt": _naive(c.date_gmt),
        "content": c.content, "status": c.status, "type": c.type, "user_id": c.user_id,
        "source_id": c.source_id, "notes": json.dumps(c.notes) if c.notes else None,
    }


def comment_params(c: Comment) -> tuple:
    """:func:`comment_row` as SQLite's driver gets it: in column order, dates
    as SQLAlchemy's SQLite DateTime stores them."""
    return (c.site, c.id, c.post_id, c.parent_id, c.depth, c.author_name, c.author_email,
            c.author_url, c.author_ip, c.author_user_agent, _stored(c.date),
            _stored(_naive(c.date_gmt)), c.content, c.status, c.type, c.user_id, c.source_id,
            json.dumps(c.notes) if c.notes else None)


def _as_dicts(table: Table, rows: list[tuple]) -> list[dict]:
    """Tuples of :func:`comment_params` (or meta rows) back into dicts, dates
    back into datetimes, for a statement that wants them by name."""
    names = table.c.keys()
    dates = [n for n in names if isinstance(table.c[n].type, DateTime)]
    out = []
    for r in rows:
        d = dict(zip(names, r))
        for n in dates:
            if d[n] is not None:
                d[n] = datetime.fromisoformat(d[n])
        out.append(d)
    return out


def post_row(p: Post) -> dict:
    return {"site": p.site, "id": p.id, "title": p.title, "slug": p.slug, "link": p.link,
            "guid": p.guid, "type": p.type, "status": p.status, "author": p.author,
            "date": p.date, "date_gmt": _naive(p.date_gmt), "comment_status": p.comment_status}


def _add_columns(conn) -> None:
    """Give a database made by an older migrator the columns added since,
    and label its sites (their rows count as not anonymised)."""
    have = inspect(conn)
    for table, names in ADDED_COLUMNS.items():
        present = {c["name"] for c in have.get_columns(table)}
        for name in names:
            if name not in present:
                col = metadata.tables[table].c[name]
                kind = col.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE {table} ADD COLUMN {name} {kind}')
    for (key,) in conn.execute(select(sites.c.key).where(sites.c.origin.is_(None))).all():
        conn.execute(update(sites).where(sites.c.key == key).values(origin=origin_label(key)))


def _delete_sites(conn, labels: set[str]) -> None:
    """Every row of the sites with these origin labels (children first)."""
    keys = [k for (k,) in conn.execute(select(sites.c.key).where(sites.c.origin.in_(labels)))]
    if not keys:
        return
    conn.execute(delete(comment_meta).where(comment_meta.c.site.in_(keys)))
    conn.execute(delete(comments).where(comments.c.site.in_(keys)))
    conn.execute(delete(posts).where(posts.c.site.in_(keys)))
    conn.execute(delete(sites).where(sites.c.key.in_(keys)))


class SQLSink:
    """Writes posts and comments into a database (created if needed)."""

    def __init__(self, url: str, batch_comments: int = BATCH_COMMENTS,
                 batch_posts: int = BATCH_POSTS, replace: bool = False):
        self.url = url
        #: Delete each site's earlier rows (in the transaction of its first batch).
        self.replace = replace
        #: How messages name the target (as the user wrote it); None: the URL, no password.
        self.label: str | None = None
        self._state: dict = {"anonymised": False, "fingerprint": None}
        self._checked: set[str] = set()  # origin labels looked at
        self._to_replace: set[str] = set()  # ... whose old rows go with the next batch
        self.batch_comments = batch_comments
        self.batch_posts = batch_posts
        self.engine: Engine | None = None
        self._pending: list[tuple[Site, Post]] = []
        self._pending_comments = 0
        self._sites_done: set[str] = set()
        self._run_id: int | None = None
        self._run = None
        self._deferred: tuple[Index, ...] = ()  # built in close()

    @classmethod
    def from_target(cls, kind: str, where: str, replace: bool = False, **_):
        label = f"sqlite:{where}" if kind == "sqlite" else None
        if kind == "sqlite":
            where = "sqlite:///" + os.path.abspath(where)
        sink = cls(where, replace=replace)
        sink.label = label or sink.label
        return sink

    def open(self, run) -> None:
        self._run = run
        if self.url.startswith("sqlite:///"):
            folder = os.path.dirname(self.url[len("sqlite:///"):])
            if folder:
                os.makedirs(folder, exist_ok=True)
        self.engine = engine_for(self.url)
        self._deferred = create_schema(self.engine)
        self._state = run_state(run)
        try:
            with self.engine.begin() as conn:
                _add_columns(conn)
                for label in getattr(run, "origins", ()):  # every file's site, before any row
                    self._check(conn, label)
                res = conn.execute(insert(runs).values(
                    started=_naive(run.started), status="running",
                    tool=f"migrator {__version__}", inputs=json.dumps(run.input_files()),
                    options=json.dumps(run.options.describe()), **self._state))
                self._run_id = res.inserted_primary_key[0]
        except BaseException:
            self.engine.dispose()  # not opened: close() will not be called
            self.engine = None
            raise

    def _check(self, conn, label: str) -> None:
        """Refuse (or with ``replace``, plan to delete) earlier rows of the
        site ``label`` written by another kind of run."""
        if label in self._checked:
            return
        self._checked.add(label)
        if self.replace:
            self._to_replace.add(label)
            return
        mine = self._state
        for key, anonymised, fingerprint in conn.execute(
                select(sites.c.key, sites.c.anonymised, sites.c.fingerprint)
                .where(sites.c.origin == label)):
            theirs = {"anonymised": bool(anonymised),
                      "fingerprint": fingerprint if anonymised else None}
            if theirs != mine:
                where = self.label or self.engine.url.render_as_string(hide_password=True)
                raise StaleOutput(f"{where} already holds rows of this site written "
                                  f"{describe_state(theirs, mine)}: write somewhere else, or add "
                                  "--replace to delete them first")

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if site.origin_label not in self._checked:  # a site no header scan saw
            with self.engine.begin() as conn:
                self._check(conn, site.origin_label)
        self._pending.append((site, post))
        self._pending_comments += len(post.comments)
        if self._pending_comments >= self.batch_comments or len(self._pending) >= self.batch_posts:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        site_rows, post_rows, comment_rows, meta_rows = [], [], [], []
        fresh: set[str] = set()
        tuples = self.engine.dialect.name == "sqlite" and not reference_path()
        # A database this run did not create may hold these comments' meta
        # rows from an earlier run: they go, so a row dropped since (a key no
        # longer kept, its IP with it) does not outlive the comment's rewrite.
        rewrite: dict[str, list[int]] | None = None if self._deferred else {}
        for site, post in self._pending:
            if rewrite is not None and post.comments:
                rewrite.setdefault(post.site, []).extend(c.id for c in post.comments)
            if site.key not in self._sites_done and site.key not in fresh:
                fresh.add(site.key)
                site_rows.append({"key": site.key, "title": site.title, "link": site.link,
                                  "language": site.language, "wxr_version": site.wxr_version,
                                  "origin": site.origin_label, **self._state})
            post_rows.append(post_row(post))
            if tuples:  # SQLite's fast path: the driver's rows, made at once
                for c in post.comments:
                    comment_rows.append(comment_params(c))
                    for seq, (k, v) in enumerate(c.meta):
                        meta_rows.append((c.site, c.id, seq, k, v))
                continue
            for c in post.comments:
                comment_rows.append(comment_row(c))
                for seq, (k, v) in enumerate(c.meta):
                    meta_rows.append({"site": c.site, "comment_id": c.id, "seq": seq,
                                      "key": k, "value": v})
        with self.engine.begin() as conn:  # one transaction per batch
            gone = {r["origin"] for r in site_rows} & self._to_replace
            if gone:  # --replace: the site's earlier rows go in this same transaction
                _delete_sites(conn, gone)
            _upsert(conn, sites, site_rows, ["key"])
            _upsert(conn, posts, post_rows, ["site", "id"])
            _upsert(conn, comments, comment_rows, ["site", "id"])
            for key, ids in (rewrite or {}).items():
                for i in range(0, len(ids), 500):
                    conn.execute(delete(comment_meta).where(
                        comment_meta.c.site == key, comment_meta.c.comment_id.in_(ids[i:i + 500])))
            _upsert(conn, comment_meta, meta_rows, ["site", "comment_id", "seq"])
        self._sites_done.update(r["key"] for r in site_rows)
        self._to_replace -= {r["origin"] for r in site_rows}
        self._pending.clear()
        self._pending_comments = 0

    def close(self, ok: bool, counts: dict | None = None) -> None:
        """Write the last batch (only if the run went well) and finish the
        run's row: ``done``, or ``failed`` when the run or that last batch
        failed. What is still pending after a failure is dropped whole."""
        if self.engine is None:
            return
        try:
            if ok:
                try:
                    self._flush()
                except BaseException:
                    ok = False
                    raise
        finally:
            self._pending.clear()
            self._pending_comments = 0
            values = {"finished": _naive(datetime.now(timezone.utc)),
                      "status": "done" if ok else "failed"}
            if counts:  # else keep what record_counts stored
                values["counts"] = json.dumps(counts)
            try:
                with self.engine.begin() as conn:
                    for index in self._deferred:  # also after a failure: what was written
                        index.create(conn, checkfirst=True)
                    conn.execute(update(runs).where(runs.c.id == self._run_id).values(**values))
            except SQLAlchemyError:  # pragma: no cover - the db went away
                pass
            self.engine.dispose()
            self.engine = None

    def record_counts(self, counts: dict) -> None:
        """Every post is in: write the last batch, then store the ledger
        totals with the run. The pipeline calls this before it closes any
        sink, so a last batch that fails fails the whole run, and the other
        outputs roll back instead of committing."""
        if self.engine is None or self._run_id is None:
            return
        self._flush()
        with self.engine.begin() as conn:
            conn.execute(update(runs).where(runs.c.id == self._run_id).values(counts=json.dumps(counts)))
