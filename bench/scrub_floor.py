"""The floor of ``--anonymise``: the passes any scrub of every comment must
make, however few rules it then applies, timed apart in one process.

    python -m bench.scrub_floor FILE      # prints a table, then one JSON line

The export is read and threaded first, as ``convert --no-dedupe`` would
(not timed). Then, CPU time of each pass over the comments a default run
keeps:

  learn     every commenter learned from a byte scan, the name tables built
            (before the first post; ``learn_commenters`` + ``_ensure``)
  fold      each body folded (case, marks, apostrophes, look-alike letters),
            which every name rule matches against
  names     one pass of the name pattern over each folded body, nothing done
            with what it finds
  tokens    the cheapest other way to find names measured: a C-speed split
            of the folded body into words and a set intersection with the
            names' first words (no positions, no declined forms: a lower bound)
  contacts  the gates for contact details the patterns miss (e-mails
            spelled out, bare domains, phone numbers without separators)
  ids       each comment's id derived (HMAC-SHA256), as every output gives it

``floor`` = learn + fold + the cheaper of names and tokens + contacts + ids.
``make bench`` compares it with the budget of issue [F] (``--anonymise`` at
most +45% CPU over ``convert --to sqlite``, measured in the same run): when
the floor alone is over that, no rule set in this design, and no tuning of
it, meets the budget.
"""
from __future__ import annotations

import json
import re
import sys
import time


def measure(path: str) -> dict:
    from migrator.identity import Identity
    from migrator.pipeline import Options, Pipeline, learn_commenters
    from migrator.stages.anonymise import names as nm
    from migrator.stages.anonymise.anonymiser import Anonymiser

    pipe = Pipeline([path], Options(dedupe=False, jobs=1))
    ident = Identity()
    bodies: list[str] = []
    ids: list[tuple[str, int]] = []
    try:
        for site, post in pipe._read(pipe.ledger):
            pipe.process(post, ident, stages=False)
            ident.settle(post)
            for c in post.comments:
                ids.append((site.key, c.id))
                if c.content:
                    bodies.append(c.content)
    finally:
        ident.close()
        pipe.ledger.close()

    out: dict = {"comments": len(ids), "bodies": len(bodies),
                 "body_chars": sum(map(len, bodies))}
    clock = time.process_time

    t = clock()
    a = Anonymiser(secret=b"bench-secret-not-for-production")
    learn_commenters(a, [path])
    a._ensure()
    out["learn"] = clock() - t

    t = clock()
    folded = [nm.fold(b).text for b in bodies]
    out["fold"] = clock() - t

    pattern = a._finder._main
    t = clock()
    for ft in folded:
        for _ in pattern.finditer(" " + ft):
            pass
    out["names"] = clock() - t

    first = frozenset(k.split()[0] for k in a._finder.flags if k)
    words = re.compile(r"[^\W\d_]+").findall
    t = clock()
    for ft in folded:
        first.intersection(words(ft))
    out["tokens"] = clock() - t

    t = clock()
    for b in bodies:
        nm.contact_spans(b, digits=True, low=b.lower())
    out["contacts"] = clock() - t

    t = clock()
    for site, cid in ids:
        a.derive_id("comment", site, cid)
    out["ids"] = clock() - t

    out["floor"] = (out["learn"] + out["fold"] + min(out["names"], out["tokens"])
                    + out["contacts"] + out["ids"])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m bench.scrub_floor FILE", file=sys.stderr)
        return 2
    res = measure(argv[0])
    per = 1e6 / max(1, res["comments"])
    for k in ("learn", "fold", "names", "tokens", "contacts", "ids", "floor"):
        print(f"  {k:<9} {res[k]:7.2f} s CPU  {res[k] * per:6.1f} µs/comment")
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
