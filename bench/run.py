"""``make bench``: how fast and how lean migrator is on big exports.

    python -m bench.run                    # N = 200,000 and 2N comments (several minutes)
    python -m bench.run --quick            # N = 20,000: a sanity run in well under a minute
    python -m bench.run --comments 50000 --only floor,baseline,dedupe --repeat 3

It generates two synthetic exports (N and 2N comments, :mod:`bench.gen_wxr`,
cached in ``bench-data/``, which git ignores) and, for each size, runs every
task in its own subprocess, so wall time and peak RSS belong to that task
alone. A fresh tiny wrapper process runs each task and reads
``getrusage(RUSAGE_CHILDREN)`` after it: that is exactly the task's peak RSS.

Tasks (keys for ``--only``):

  floor      raw lxml iterparse pass, clearing items (what any reader must pay)
  inspect    migrator inspect
  baseline   migrator convert --to sqlite --no-dedupe   (the base for ratios)
  dedupe     migrator convert --to sqlite               (dedupe on: the default)
  anonymise  migrator convert --to sqlite --no-dedupe --anonymise (MIGRATOR_SECRET set;
             scrubs in a second process where there are two cores)
  anonymise1 the same with --jobs 1 (all in one process: the stage's CPU cost)
  json       migrator convert --to json:DIR/ --no-dedupe
  wxr        migrator convert --to wxr:FILE --no-dedupe  (if migrator/sinks/wxr.py exists)
  html       migrator convert --to html:DIR --no-dedupe  (if migrator/sinks/html.py exists)
  pg4        4 processes convert 4 different sites' exports (N/4 comments each) into one
             PostgreSQL database at once (bench.pg_many: every run must exit 0 and every
             site's rows add up; skipped without scripts/postgres.sh's server)
  scrubfloor the floor of --anonymise (bench.scrub_floor): the passes any scrub of every
             comment must make (learning, folding, one name pass, the contact gates,
             the ids), CPU time each, in one process; its verdict sets the floor beside
             the budget of issue [F] (+45% of convert's CPU)
  isso       the peer: `isso import -t wordpress` of the 20,000-comment export, beside
             `migrator convert --to sqlite` of the same file (measured once, apart from
             the sizes above; the row shows how many times faster migrator is)

Targets (the verdict block): convert --to sqlite within 3x the floor; peak
RSS under 150 MB; peak RSS growing under 20% when the file doubles; dedupe
under +15% and anonymise under +30% of the baseline's wall time.

It prints a table and the verdicts, writes ``bench-data/results.json``, and
always exits 0: it reports, it never fails a build.

Extending: append a :class:`Task` to :data:`TASKS` (or return tasks from
:func:`push_tasks` for ``--push``, the hook kept for the push benchmark of
comments/s into a local WordPress).
"""
from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
GEN_VERSION = 2  # bump when gen_wxr's output changes, so cached files are rebuilt
DEFAULT_N = 200_000
QUICK_N = 20_000
TASK_TIMEOUT = 3 * 3600

TARGETS = {
    "floor_ratio": 3.0,       # convert --to sqlite within 3x the floor
    "inspect_ratio": 2.0,     # inspect within 2x the floor
    "anonymise_floor_ratio": 4.0,  # convert --anonymise within 4x the floor
    "tree_mb": 150.0,         # peak PSS of the whole process tree under 150 MB
    "rss_mb": 150.0,          # peak RSS under 150 MB
    "rss_growth": 0.20,       # peak RSS grows under 20% when the file doubles
    "dedupe_ratio": 1.15,     # dedupe on: under +15% of the baseline
    "anonymise_ratio": 1.30,  # --anonymise: under +30% of the baseline
    "isso_speedup": 50.0,     # convert at least 50x faster than isso's importer (20,000 comments)
}


@dataclass
class Ctx:
    """What a task needs to build its command line."""

    export: str          # the WXR file
    out: str             # a fresh, empty folder for this task's output
    n: int               # comments in the export
    python: str          # this interpreter
    migrator: list[str]  # how to run the CLI
    data: str = DATA     # bench-data/: cached exports


@dataclass
class Task:
    key: str
    label: str
    argv: Callable[[Ctx], list[str]]
    env: dict[str, str] = field(default_factory=dict)
    #: returns why the task cannot run now (e.g. a sink not built yet), or None
    requires: Callable[[], str | None] = lambda: None


def _module_missing(module: str, what: str) -> Callable[[], str | None]:
    def check() -> str | None:
        try:
            found = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found = False
        return None if found else f"skipped ({what} not built)"
    return check


def _convert(*extra: str) -> Callable[[Ctx], list[str]]:
    def argv(c: Ctx) -> list[str]:
        return [*c.migrator, "convert", c.export, *[e.format(out=c.out) for e in extra]]
    return argv


TASKS: list[Task] = [
    Task("floor", "floor: lxml iterparse", lambda c: [c.python, "-m", "bench.floor", c.export]),
    Task("inspect", "migrator inspect", lambda c: [*c.migrator, "inspect", c.export]),
    Task("baseline", "convert sqlite --no-dedupe", _convert("--to", "sqlite:{out}/out.db", "--no-dedupe")),
    Task("dedupe", "convert sqlite (dedupe)", _convert("--to", "sqlite:{out}/out.db"),
         requires=_module_missing("migrator.stages.dedupe", "dedupe stage")),
    Task("anonymise", "convert sqlite --anonymise", _convert("--to", "sqlite:{out}/out.db", "--no-dedupe",
                                                              "--anonymise"),
         env={"MIGRATOR_SECRET": "bench-secret-not-for-production"},
         requires=_module_missing("migrator.stages.anonymise", "anonymise stage")),
    # The same on one core (--jobs 1): what the stage costs in CPU, shown
    # beside the default, which scrubs in a second process.
    Task("anonymise1", "convert sqlite --anonymise -j1", _convert(
        "--to", "sqlite:{out}/out.db", "--no-dedupe", "--anonymise", "--jobs", "1"),
         env={"MIGRATOR_SECRET": "bench-secret-not-for-production"},
         requires=_module_missing("migrator.stages.anonymise", "anonymise stage")),
    Task("scrubfloor", "anonymise: floor of the scrub", lambda c: [c.python, "-m", "bench.scrub_floor",
                                                                   c.export],
         requires=_module_missing("migrator.stages.anonymise", "anonymise stage")),
    Task("json", "convert json:DIR/ --no-dedupe", _convert("--to", "json:{out}/json/", "--no-dedupe")),
    Task("wxr", "convert wxr:FILE --no-dedupe", _convert("--to", "wxr:{out}/out.xml", "--no-dedupe"),
         requires=_module_missing("migrator.sinks.wxr", "sink")),
    Task("html", "convert html:DIR --no-dedupe", _convert("--to", "html:{out}/html", "--no-dedupe"),
         requires=_module_missing("migrator.sinks.html", "sink")),
]


PG_SITES = 4


@functools.lru_cache(maxsize=None)
def pg_url() -> str | None:
    """The URL of scripts/postgres.sh's server, if it answers."""
    url = os.environ.get("MIGRATOR_TEST_PG_URL")
    if not url:
        try:
            url = subprocess.run(["bash", os.path.join(ROOT, "scripts", "postgres.sh"), "url"],
                                 capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None
    try:
        from sqlalchemy import create_engine, text

        engine = create_engine(url, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:  # noqa: BLE001 - any reason means "no PostgreSQL here"
        return None
    return url


def site_exports(n: int, data: str, seed: int = 1, sites: int = PG_SITES) -> list[str]:
    """``sites`` exports of n/sites comments, each from another site."""
    from .gen_wxr import write_wxr

    out = []
    for i in range(sites):
        path = os.path.join(data, f"wxr-site{i}-{n // sites}-seed{seed + i}-g{GEN_VERSION}.xml")
        if not os.path.exists(path):
            write_wxr(path + ".part", comments=n // sites, seed=seed + i,
                      site_url=f"https://site{i}.bench.example.com")
            os.replace(path + ".part", path)
        out.append(path)
    return out


def _pg4_argv(c: Ctx) -> list[str]:
    return [c.python, "-m", "bench.pg_many", pg_url() or "", *site_exports(c.n, c.data)]


def _pg_missing() -> str | None:
    return None if pg_url() else "skipped (no PostgreSQL: bash scripts/postgres.sh start)"


TASKS.append(Task("pg4", f"{PG_SITES} sites at once -> PostgreSQL", _pg4_argv, requires=_pg_missing))


def _pg_note(log: str) -> str:
    """bench.pg_many's verdict, from the JSON line it printed."""
    try:
        with open(log, encoding="utf-8") as fh:
            res = json.loads(fh.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return "no result"
    good = sum(1 for s in res["sites"] if s.get("ok"))
    waited = (f"; {res['convert_s']:.1f} s converting after {res['waited_s']:.1f} s waiting for "
              "/tmp/migrator-pg.lock" if "convert_s" in res else "")
    return (f"{good}/{len(res['sites'])} sites ok, runs {','.join(res['runs'])}, "
            f"{res['comments']} comments in the database{waited}")


def _floor_parts(log: str) -> dict | None:
    """bench.scrub_floor's figures, from the JSON line it printed."""
    try:
        with open(log, encoding="utf-8") as fh:
            return json.loads(fh.read().strip().splitlines()[-1])
    except (OSError, ValueError, IndexError):
        return None


def isso_bin() -> str | None:
    here = os.path.join(os.path.dirname(sys.executable), "isso")
    return here if os.path.exists(here) else shutil.which("isso")


def peer_rows(args: argparse.Namespace, mig: list[str]) -> list[dict]:
    """isso's WordPress importer and migrator on the same 20,000-comment
    export, best of ``--repeat``, interleaved; isso pinned to UTC as its
    importer reads dates with the local zone."""
    isso = isso_bin()
    n = QUICK_N
    rows = [{"key": "isso", "label": "isso import -t wordpress", "n": n},
            {"key": "isso-migrator", "label": "convert sqlite (beside isso)", "n": n}]
    if isso is None:
        for r in rows:
            r.update(status="skipped", note="skipped (isso not installed: make install-test)")
        return rows
    data = os.path.abspath(args.data)
    # isso's importer stops on a zero GMT date (0000-00-00, which old
    # imports leave and gen_wxr writes into 0.3% of comments): both tools
    # get the same file without them.
    path = os.path.join(data, f"wxr-{n}-seed{args.seed}-nozero-g{GEN_VERSION}.xml")
    if not os.path.exists(path):
        from .gen_wxr import write_wxr

        write_wxr(path + ".part", comments=n, seed=args.seed, zero_gmt_rate=0.0)
        os.replace(path + ".part", path)
    print(f"\npeers, N = {n}: {os.path.relpath(path, ROOT)}", flush=True)
    for rep in range(max(1, args.repeat)):
        for r in rows:
            out = os.path.join(data, "out", r["key"])
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            if r["key"] == "isso":
                conf = os.path.join(out, "isso.cfg")
                with open(conf, "w") as fh:
                    fh.write(f"[general]\ndbpath = {out}/isso.db\nhost = http://localhost/\n")
                argv, env = [isso, "-c", conf, "import", "-t", "wordpress", path], {"TZ": "UTC"}
            else:
                argv, env = [*mig, "convert", path, "--to", f"sqlite:{out}/out.db"], {}
            log = os.path.join(data, "logs", f"{r['key']}-{n}.log")
            res = measure(argv, env, log)
            shutil.rmtree(out, ignore_errors=True)
            if res["rc"] != 0:
                r.update(status="failed", note=f"exit {res['rc']}: {_tail(log)}"[:200])
                continue
            print(f"  {r['label']:<30} {res['wall']:8.2f} s", flush=True)
            if "wall" not in r or res["wall"] < r["wall"]:
                r.update(wall=round(res["wall"], 3), cpu_s=round(res["user"] + res["sys"], 2),
                         comments_per_s=round(n / res["wall"]))
            r["rss_mb"] = max(round(res["maxrss"] / 2**20, 1), r.get("rss_mb", 0))
            if res.get("tree_pss"):
                r["tree_mb"] = max(round(res["tree_pss"] / 2**20, 1), r.get("tree_mb", 0))
            r["status"] = r.get("status") or "ok"
    a, b = rows
    if a.get("status") == "ok" and b.get("status") == "ok":
        b["note"] = (f"migrator is {a['wall'] / b['wall']:.0f}x faster than isso by wall time, "
                     f"{a['cpu_s'] / b['cpu_s']:.0f}x by CPU time")
        a["note"] = "the peer"
    return rows


def push_tasks(args: argparse.Namespace) -> list[Task]:
    """The push benchmarks (comments/s into the local WordPress of
    scripts/wordpress.sh, the local Ghost of scripts/ghost.sh and the local
    Waline of scripts/waline.sh, 1 and 4 workers, next to a raw loop of the
    same calls): run by bench/push_bench.py, bench/ghost_bench.py and
    bench/waline_bench.py, each skipped when its server does not answer."""
    # push: bench/push_bench.py runs once, here, on its own small export (the
    # N-comment files would take hours through WordPress), and prints its own
    # table; the row below only carries its figures into this table.
    from . import ghost_bench, push_bench, waline_bench

    note = "measured apart: " + push_bench.summary(push_bench.run(data=args.data))
    ghost = "measured apart: " + ghost_bench.summary(ghost_bench.run(data=args.data))
    waline = "measured apart: " + waline_bench.summary(waline_bench.run(data=args.data))
    return [Task("push", "push -> local WordPress", lambda c: [], requires=lambda: note),
            Task("push-ghost", "push -> local Ghost", lambda c: [], requires=lambda: ghost),
            Task("push-waline", "push -> local Waline", lambda c: [], requires=lambda: waline)]


# -- measuring -------------------------------------------------------------------

#: Runs one task as its only child and reports that child's own peak RSS
#: (the largest single process), and, sampled every 0.2 s on Linux, the peak
#: PSS of the whole process tree (a worker process included; shared pages
#: counted once), which is what the task costs the machine.
WRAPPER = r"""
import json, os, resource, subprocess, sys, time
out, timeout, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]

def tree(pid):
    pids = [pid]
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for kid in f.read().split():
                    pids += tree(int(kid))
    except OSError:
        pass
    return pids

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0

peak = 0
with open(log, "wb") as fh:
    t = time.perf_counter()
    p = subprocess.Popen(sys.argv[4:], stdout=fh, stderr=subprocess.STDOUT)
    while True:
        try:
            rc = p.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            if time.perf_counter() - t > timeout:
                p.kill()
                p.wait()
                rc = "timeout"
                break
            peak = max(peak, sum(pss(x) for x in tree(p.pid)))
    wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
scale = 1 if sys.platform == "darwin" else 1024  # Linux reports KiB, macOS bytes
with open(out, "w") as fh:
    json.dump({"rc": rc, "wall": wall, "maxrss": ru.ru_maxrss * scale, "tree_pss": peak or None,
               "user": ru.ru_utime, "sys": ru.ru_stime}, fh)
"""


def measure(argv: list[str], env: dict[str, str], log: str) -> dict:
    res_path = log + ".res.json"
    full_env = {**os.environ, **env}
    full_env["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, full_env.get("PYTHONPATH")) if p)
    subprocess.run([sys.executable, "-c", WRAPPER, res_path, str(TASK_TIMEOUT), log, *argv],
                   cwd=ROOT, env=full_env, check=False)
    with open(res_path) as fh:
        res = json.load(fh)
    os.unlink(res_path)
    return res


def _tail(path: str, lines: int = 3) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return " | ".join(line.strip() for line in fh.read().splitlines()[-lines:])
    except OSError:
        return ""


def _du(path: str) -> int:
    total = 0
    for folder, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(folder, f))
            except OSError:
                pass
    return total


def migrator_cmd() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "migrator")
    if os.path.exists(script):
        return [script]
    return [sys.executable, "-m", "migrator.cli"]


# -- data --------------------------------------------------------------------------

def ensure_export(n: int, seed: int, data: str) -> tuple[str, dict]:
    """The cached export with ``n`` comments (generated on first use)."""
    from .gen_wxr import write_wxr

    os.makedirs(data, exist_ok=True)
    path = os.path.join(data, f"wxr-{n}-seed{seed}-g{GEN_VERSION}.xml")
    meta = path + ".json"
    if os.path.exists(path) and os.path.exists(meta):
        with open(meta) as fh:
            st = json.load(fh)
        if st.get("bytes") == os.path.getsize(path):
            st["cached"] = True
            return path, st
    part = path + ".part"
    print(f"generating {os.path.relpath(path, ROOT)} ({n} comments) ...", flush=True)
    st = write_wxr(part, comments=n, seed=seed).as_dict()
    os.replace(part, path)
    st["path"] = path
    with open(meta, "w") as fh:
        json.dump(st, fh, indent=1)
    print(f"  {st['bytes'] / 1e6:.0f} MB in {st['seconds']:.1f} s", flush=True)
    st["cached"] = False
    return path, st


def warm_up(tasks: list[Task], seed: int, data: str, mig: list[str]) -> None:
    """Run every task once on a tiny export, unmeasured: the first run of a
    command pays for disk caches and byte-compiling; no size should."""
    path, _ = ensure_export(500, seed, data)
    print("warming up ...", flush=True)
    for t in tasks:
        if t.requires():
            continue
        out = os.path.join(data, "out", f"warmup-{t.key}")
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        ctx = Ctx(export=path, out=out, n=500, python=sys.executable, migrator=mig, data=data)
        measure(t.argv(ctx), t.env, os.path.join(data, "logs", f"warmup-{t.key}.log"))
        shutil.rmtree(out, ignore_errors=True)


# -- report -------------------------------------------------------------------------

def _fmt(x: float | None, spec: str) -> str:
    return "-" if x is None else format(x, spec)


def table(rows: list[dict]) -> str:
    head = (f"{'task':<30} {'N':>8} {'wall s':>8} {'cpu s':>7} {'RSS MB':>7} {'tree':>6} {'×floor':>7} "
            f"{'×base':>6} {'kc/s':>6}  note")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['label']:<30} {r['n']:>8} {_fmt(r.get('wall'), '8.2f')} "
                     f"{_fmt(r.get('cpu_s'), '7.2f')} "
                     f"{_fmt(r.get('rss_mb'), '7.1f')} {_fmt(r.get('tree_mb'), '6.0f')} "
                     f"{_fmt(r.get('x_floor'), '7.2f')} "
                     f"{_fmt(r.get('x_baseline'), '6.2f')} "
                     f"{_fmt(r.get('comments_per_s') and r['comments_per_s'] / 1000, '6.1f')}  "
                     f"{r.get('note', '')}")
    return "\n".join(lines)


def verdicts(rows: list[dict], sizes: list[int]) -> list[dict]:
    ok = {(r["key"], r["n"]): r for r in rows if r.get("status") == "ok"}
    out = []

    def add(target: str, result: str, detail: str) -> None:
        out.append({"target": target, "result": result, "detail": detail})

    labels = {"baseline": ("convert --to sqlite --no-dedupe", "floor_ratio"),
              "dedupe": ("convert --to sqlite (dedupe on)", "floor_ratio"),
              "inspect": ("inspect", "inspect_ratio"),
              "anonymise": ("convert --to sqlite --anonymise", "anonymise_floor_ratio")}
    for key, (label, target) in labels.items():
        for n in sizes:
            r = ok.get((key, n))
            if r is None or r.get("x_floor") is None:
                add(f"{label} ≤ {TARGETS[target]:.0f}× floor", "n/a", f"N={n}: not measured")
                continue
            add(f"{label} ≤ {TARGETS[target]:.0f}× floor",
                "PASS" if r["x_floor"] <= TARGETS[target] else "FAIL",
                f"N={n}: {r['x_floor']:.2f}× ({r['wall']:.1f} s vs floor "
                f"{r['wall'] / r['x_floor']:.1f} s; by CPU time {_fmt(r.get('x_floor_cpu'), '.2f')}×)")
    # pg4 is four conversions at once: its memory is four runs', not one task's.
    measured = [r for r in ok.values()
                if r["key"] not in ("floor", "isso", "isso-migrator", "pg4", "scrubfloor")]
    if measured:
        worst = max(measured, key=lambda r: r["rss_mb"])
        over = sorted({f"{r['key']}@{r['n']}" for r in measured if r["rss_mb"] >= TARGETS["rss_mb"]})
        add(f"peak RSS < {TARGETS['rss_mb']:.0f} MB", "FAIL" if over else "PASS",
            f"worst {worst['label']} N={worst['n']}: {worst['rss_mb']:.1f} MB"
            + (f"; over: {', '.join(over)}" if over else ""))
    else:
        add(f"peak RSS < {TARGETS['rss_mb']:.0f} MB", "n/a", "nothing measured")
    with_tree = [r for r in measured if r.get("tree_mb")]
    if with_tree:
        worst = max(with_tree, key=lambda r: r["tree_mb"])
        over = sorted({f"{r['key']}@{r['n']}" for r in with_tree if r["tree_mb"] > TARGETS["tree_mb"]})
        add(f"peak PSS, all processes ≤ {TARGETS['tree_mb']:.0f} MB", "FAIL" if over else "PASS",
            f"worst {worst['label']} N={worst['n']}: {worst['tree_mb']:.1f} MB"
            + (f"; over: {', '.join(over)}" if over else ""))
    if len(sizes) == 2:
        a, b = sizes
        grow = []
        for key in dict.fromkeys(r["key"] for r in with_tree):
            ra, rb = ok.get((key, a)), ok.get((key, b))
            if ra and rb and ra.get("tree_mb") and rb.get("tree_mb"):
                grow.append((key, rb["tree_mb"] / ra["tree_mb"] - 1, ra["tree_mb"], rb["tree_mb"]))
        if grow:
            bad = [g for g in grow if g[1] > TARGETS["rss_growth"]]
            add(f"peak PSS grows ≤ {TARGETS['rss_growth']:.0%} when the file doubles",
                "FAIL" if bad else "PASS",
                "; ".join(f"{k} {g:+.0%} ({x:.0f}→{y:.0f} MB)" for k, g, x, y in grow))
        growth = []
        for key in dict.fromkeys(r["key"] for r in measured):
            ra, rb = ok.get((key, a)), ok.get((key, b))
            if ra and rb:
                growth.append((key, rb["rss_mb"] / ra["rss_mb"] - 1, ra["rss_mb"], rb["rss_mb"]))
        if growth:
            bad = [g for g in growth if g[1] >= TARGETS["rss_growth"]]
            add(f"peak RSS grows < {TARGETS['rss_growth']:.0%} when the file doubles",
                "FAIL" if bad else "PASS",
                "; ".join(f"{k} {g:+.0%} ({x:.0f}→{y:.0f} MB)" for k, g, x, y in growth))
    for key, target, name in (("dedupe", "dedupe_ratio", "dedupe"),
                              ("anonymise", "anonymise_ratio", "anonymise")):
        pct = f"+{TARGETS[target] - 1:.0%}"
        for n in sizes:
            r = ok.get((key, n))
            if r is None or r.get("x_baseline") is None:
                skipped = next((x.get("note") for x in rows if x["key"] == key and x["n"] == n), "")
                add(f"{name} < {pct} over baseline", "n/a", f"N={n}: {skipped or 'not measured'}")
                continue
            add(f"{name} < {pct} over baseline",
                "PASS" if r["x_baseline"] < TARGETS[target] else "FAIL",
                f"N={n}: {r['x_baseline'] - 1:+.1%} (by CPU time "
                f"{(r['x_baseline_cpu'] - 1) if r.get('x_baseline_cpu') else 0:+.1%})")
    # [F]'s budget beside what the scrub cannot do without (bench.scrub_floor):
    # a floor over the budget means no tuning of the rules can meet it.
    for n in sizes:
        fl, conv = ok.get(("scrubfloor", n)), ok.get(("dedupe", n))
        parts = fl.get("parts") if fl else None
        if parts and conv:
            budget = 0.45 * conv["cpu_s"]
            per = 1e6 / parts["comments"]
            add("the scrub's floor fits the +45% CPU budget of --anonymise",
                "PASS" if parts["floor"] <= budget else "FAIL",
                f"N={n}: floor {parts['floor']:.1f} s CPU ({parts['floor'] * per:.0f} µs/comment: "
                f"learn {parts['learn'] * per:.0f}, fold {parts['fold'] * per:.0f}, names "
                f"{min(parts['names'], parts['tokens']) * per:.0f}, contacts {parts['contacts'] * per:.0f}, "
                f"ids {parts['ids'] * per:.0f}) vs budget {budget:.1f} s (45% of convert's "
                f"{conv['cpu_s']:.1f} s; {budget * per:.0f} µs/comment): the floor is "
                f"{parts['floor'] / budget:.0%} of it, leaving {max(0.0, budget - parts['floor']) * per:.0f} "
                "µs/comment for every rule")
    isso, mine = ok.get(("isso", QUICK_N)), ok.get(("isso-migrator", QUICK_N))
    if isso and mine:
        x = isso["wall"] / mine["wall"]
        add(f"convert ≥ {TARGETS['isso_speedup']:.0f}× faster than isso",
            "PASS" if x >= TARGETS["isso_speedup"] else "FAIL",
            f"N={QUICK_N}: {x:.1f}× ({isso['wall']:.1f} s vs {mine['wall']:.2f} s)")
    for n in sizes:
        r = next((x for x in rows if x["key"] == "pg4" and x["n"] == n), None)
        if r is not None and r.get("status") in ("ok", "failed"):
            add(f"{PG_SITES} sites at once into PostgreSQL: every run ok, rows add up",
                "PASS" if r.get("status") == "ok" else "FAIL", f"N={n}: {r.get('note', '')}")
    return out


def _git() -> dict:
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "migrator"))}


def _versions() -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform(),
           "cpus": os.cpu_count()}
    for mod in ("lxml", "sqlalchemy"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - informational only
            out[mod] = None
    return out


# -- main -------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> dict:
    n = args.comments or (QUICK_N if args.quick else DEFAULT_N)
    sizes = [n, 2 * n]
    tasks = list(TASKS)
    if args.only:
        wanted = {k.strip() for k in args.only.split(",") if k.strip()}
        tasks = [t for t in tasks if t.key in wanted or t.key in ("floor", "baseline")]
    data = os.path.abspath(args.data)
    logs = os.path.join(data, "logs")
    os.makedirs(logs, exist_ok=True)
    exports = {}
    for size in sizes:
        exports[size] = ensure_export(size, args.seed, data)
    if any(t.key == "pg4" and not t.requires() for t in tasks):
        for size in sizes:
            site_exports(size, data)
    rows: list[dict] = []
    mig = migrator_cmd()
    warm_up(tasks, args.seed, data, mig)
    for size in sizes:
        path, st = exports[size]
        print(f"\nN = {size}: {os.path.relpath(path, ROOT)} ({st['bytes'] / 1e6:.0f} MB), "
              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        here: list[tuple[Task, dict]] = []
        for t in tasks:
            row = {"key": t.key, "label": t.label, "n": size, "file_mb": round(st["bytes"] / 1e6, 1)}
            rows.append(row)
            why = t.requires()
            if why:
                row.update(status="skipped", note=why)
                print(f"  {t.label:<30} {why}", flush=True)
            else:
                here.append((t, row))
        # Repeats go round the tasks rather than back to back, so a burst of
        # other load on the machine does not spoil every run of one task.
        for rep in range(max(1, args.repeat)):
            for t, row in here:
                if row.get("status") == "failed":
                    continue
                out = os.path.join(data, "out", f"{t.key}-{size}")
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                ctx = Ctx(export=path, out=out, n=size, python=sys.executable, migrator=mig,
                          data=data)
                log = os.path.join(logs, f"{t.key}-{size}.log")
                res = measure(t.argv(ctx), t.env, log)
                row.setdefault("walls", []).append(round(res["wall"], 2))
                row["output_mb"] = round(_du(out) / 1e6, 1)
                row["log"] = os.path.relpath(log, ROOT)
                if not args.keep_outputs:
                    shutil.rmtree(out, ignore_errors=True)
                if t.key == "pg4":
                    row["note"] = _pg_note(log)
                if t.key == "scrubfloor" and res["rc"] == 0:
                    parts = _floor_parts(log)
                    if parts and (row.get("parts") is None or parts["floor"] < row["parts"]["floor"]):
                        row["parts"] = parts
                        row["note"] = ", ".join(f"{k} {parts[k]:.1f}" for k in (
                            "learn", "fold", "names", "tokens", "contacts", "ids", "floor")) + " s CPU"
                if res["rc"] != 0:
                    row.update(status="failed", note=f"exit {res['rc']}: {_tail(log)}"[:200])
                    print(f"  {t.label:<30} FAILED ({row['note']})", flush=True)
                    continue
                rss = round(res["maxrss"] / 2**20, 1)
                if "wall" not in row or res["wall"] < row["wall"]:
                    row.update(wall=round(res["wall"], 3), cpu_s=round(res["user"] + res["sys"], 2),
                               comments_per_s=round(size / res["wall"]) if res["wall"] else None)
                row["rss_mb"] = max(rss, row.get("rss_mb", 0))
                if res.get("tree_pss"):
                    row["tree_mb"] = max(round(res["tree_pss"] / 2**20, 1), row.get("tree_mb", 0))
                row["status"] = "ok"
                print(f"  {t.label:<30} {res['wall']:8.2f} s {rss:7.1f} MB"
                      + (f"  (run {rep + 1})" if args.repeat > 1 else ""), flush=True)
        # Ratios by wall time (the targets), and by CPU time, which other
        # load on the machine disturbs less.
        done = {t.key: row for t, row in here if row.get("status") == "ok"}
        floor, base = done.get("floor"), done.get("baseline")
        for row in done.values():
            if floor:
                row["x_floor"] = round(row["wall"] / floor["wall"], 2)
                row["x_floor_cpu"] = round(row["cpu_s"] / floor["cpu_s"], 2) if floor["cpu_s"] else None
            if base and row["key"] != "floor":
                row["x_baseline"] = round(row["wall"] / base["wall"], 3)
                row["x_baseline_cpu"] = round(row["cpu_s"] / base["cpu_s"], 3) if base["cpu_s"] else None
    if not args.only or "isso" in args.only:
        rows += peer_rows(args, mig)
    if args.push:
        # Last: it waits for the shared WordPress (its lock), and no other row should.
        for t in push_tasks(args):
            rows.append({"key": t.key, "label": t.label, "n": QUICK_N, "status": "skipped",
                         "note": t.requires() or ""})
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average_at_end": os.getloadavg(),
        "args": {"comments": n, "sizes": sizes, "seed": args.seed, "quick": args.quick,
                 "repeat": args.repeat},
        "targets": TARGETS,
        "machine": _versions(),
        "git": _git(),
        "exports": {str(k): v[1] for k, v in exports.items()},
        "results": rows,
        "verdicts": verdicts(rows, sizes),
    }
    print()
    print(table(rows))
    print("\nverdicts (targets):")
    for v in result["verdicts"]:
        print(f"  {v['result']:<4}  {v['target']:<48} {v['detail']}")
    res_path = os.path.join(data, "results.json")
    with open(res_path, "w") as fh:
        json.dump(result, fh, indent=1, default=str)
    print(f"\nwrote {os.path.relpath(res_path, ROOT)}; task logs in {os.path.relpath(logs, ROOT)}/")
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--comments", type=int, default=None,
                    help=f"N: comments in the smaller file; the other has 2N (default {DEFAULT_N})")
    ap.add_argument("--quick", action="store_true", help=f"N = {QUICK_N}: a fast sanity run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=1, help="runs per task; the best wall time counts")
    ap.add_argument("--only", help="comma list of task keys (floor and baseline always run)")
    ap.add_argument("--data", default=DATA, help="where exports, outputs and results go")
    ap.add_argument("--keep-outputs", action="store_true", help="keep what each task wrote")
    ap.add_argument("--push", action="store_true",
                    help="also benchmark push into the local WordPress (skipped if none is up)")
    args = ap.parse_args(argv)
    try:
        run(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the benchmark reports, it never fails a build
        print(f"bench: error: {type(e).__name__}: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
