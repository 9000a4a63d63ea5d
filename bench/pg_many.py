"""Several sites into one PostgreSQL database at once: the scale-out unit
is one export (one site); the shared store is PostgreSQL.

    python -m bench.pg_many URL EXPORT...      # one `migrator convert` per export, all at once

Each export is converted by its own ``migrator convert EXPORT --to URL
--report R`` process, all started together into a fresh PostgreSQL schema
(dropped afterwards). Then every site's rows are counted: every process must
exit 0, and each site's comments in the database must equal what its ledger
says it wrote. Prints one JSON line; exits 1 if anything does not add up.
Used by ``make bench`` (the ``pg4`` row) and ``tests/sinks/test_pg_many.py``.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile


def migrator_cmd() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "migrator")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "migrator.cli"]


def schema_url(url: str, namespace: str) -> str:
    """``url`` working in PostgreSQL schema ``namespace`` (search_path)."""
    from sqlalchemy.engine import make_url

    base = make_url(url)
    options = (base.query.get("options", "") + f" -csearch_path={namespace}").strip()
    return base.update_query_dict({"options": options}).render_as_string(hide_password=False)


def convert_many(url: str, exports: list[str], extra: list[str] | None = None) -> dict:
    """Run one convert per export into ``url``, all at once; count what landed."""
    from sqlalchemy import create_engine, func, select

    from migrator.sinks.sql import comment_meta, comments, posts, runs, sites

    procs = []
    with tempfile.TemporaryDirectory(prefix="migrator-pg-many-") as tmp:
        for i, path in enumerate(exports):
            report = os.path.join(tmp, f"report-{i}.json")
            err = open(os.path.join(tmp, f"stderr-{i}.txt"), "w+b")
            p = subprocess.Popen([*migrator_cmd(), "convert", path, "--to", url, "--report", report,
                                  *(extra or [])], stdout=subprocess.DEVNULL, stderr=err)
            procs.append((path, p, report, err))
        out: list[dict] = []
        for path, p, report, err in procs:
            rc = p.wait()
            err.seek(0)
            one = {"export": path, "rc": rc, "stderr": err.read().decode("utf-8", "replace")[-2000:]}
            err.close()
            if rc == 0:
                with open(report, encoding="utf-8") as fh:
                    rep = json.load(fh)
                one["totals"] = rep["totals"]
                keys = {c.get("site") for c in rep["comments"] if c["fate"] == "written"}
                one["site"] = keys.pop() if len(keys) == 1 else sorted(k or "" for k in keys)
            out.append(one)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for one in out:
                site = one.get("site")
                if not isinstance(site, str):
                    continue
                one["rows"] = {
                    "sites": conn.execute(select(func.count()).select_from(sites)
                                          .where(sites.c.key == site)).scalar(),
                    "posts": conn.execute(select(func.count()).select_from(posts)
                                          .where(posts.c.site == site)).scalar(),
                    "comments": conn.execute(select(func.count()).select_from(comments)
                                             .where(comments.c.site == site)).scalar(),
                    "comment_meta": conn.execute(select(func.count()).select_from(comment_meta)
                                                 .where(comment_meta.c.site == site)).scalar(),
                }
            run_rows = [tuple(r) for r in conn.execute(select(runs.c.status, runs.c.counts))]
    finally:
        engine.dispose()
    ok = True
    for one in out:
        one["ok"] = (one["rc"] == 0 and isinstance(one.get("site"), str)
                     and one["rows"]["sites"] == 1
                     and one["rows"]["comments"] == one["totals"]["written"]
                     and one["totals"]["input"] == sum(one["totals"][k] for k in
                                                       ("written", "filtered", "merged", "rejected")))
        ok = ok and one["ok"]
    done = [json.loads(c) for s, c in run_rows if s == "done"]
    ok = ok and len(done) == len(exports) and len(run_rows) == len(exports)
    return {"ok": ok, "runs": [s for s, _ in run_rows], "sites": out,
            "comments": sum(o.get("rows", {}).get("comments", 0) for o in out)}


def fresh_schema(url: str):
    """A context manager: a new empty PostgreSQL schema, as a URL; dropped after."""
    from contextlib import contextmanager

    from sqlalchemy import create_engine, text

    @contextmanager
    def cm():
        engine = create_engine(url, connect_args={"connect_timeout": 5})
        namespace = f"migrator_many_{os.getpid()}_{secrets.token_hex(3)}"
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{namespace}"'))
        try:
            yield schema_url(url, namespace)
        finally:
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{namespace}" CASCADE'))
            engine.dispose()
    return cm()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2:
        print("usage: python -m bench.pg_many URL EXPORT...", file=sys.stderr)
        return 2
    import fcntl

    url, exports = argv[0], argv[1:]
    # Others share the server: one heavy run at a time (see COMMON etiquette).
    import time

    t0 = time.perf_counter()
    with open("/tmp/migrator-pg.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        t1 = time.perf_counter()
        with fresh_schema(url) as u:
            res = convert_many(u, exports)
        # The wall time of the row includes waiting for the lock; these do not.
        res["waited_s"], res["convert_s"] = round(t1 - t0, 2), round(time.perf_counter() - t1, 2)
    for one in res["sites"]:
        one.pop("stderr", None) if one.get("ok") else None
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
