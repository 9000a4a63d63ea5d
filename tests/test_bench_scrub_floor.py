"""bench.scrub_floor, the floor of --anonymise that `make bench` sets beside
[F]'s budget: it must time every pass over every comment a default run keeps,
and its floor must be the sum it says it is."""
from __future__ import annotations

from bench.gen_wxr import write_wxr
from bench.scrub_floor import measure
from migrator.api import convert
from migrator.pipeline import Options


def test_floor_covers_every_kept_comment_and_adds_up(tmp_path):
    path = str(tmp_path / "small.xml")
    write_wxr(path, comments=600, seed=3)
    res = measure(path)
    ledger = convert([path], [f"sqlite:{tmp_path / 'out.db'}"], Options(dedupe=False))
    # the comments a default run writes are the ones whose ids every output derives
    assert res["comments"] == ledger.totals()["written"]
    assert 0 < res["bodies"] <= res["comments"]
    parts = ("learn", "fold", "names", "tokens", "contacts", "ids")
    assert all(res[k] >= 0 for k in parts)
    want = res["learn"] + res["fold"] + min(res["names"], res["tokens"]) + res["contacts"] + res["ids"]
    assert abs(res["floor"] - want) < 0.005  # each part rounded to milliseconds
