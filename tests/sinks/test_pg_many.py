"""Two sites' exports converted into one PostgreSQL database at the same
time: no run fails on a lock or a conflict, every row is there, and each
site's totals add up (the scale-out the README shows with xargs -P)."""
from __future__ import annotations

import pytest

from bench.gen_wxr import write_wxr
from bench.pg_many import convert_many

pytestmark = pytest.mark.postgres


def test_two_sites_at_once_into_one_postgresql(pg_url, tmp_path):
    exports = []
    for i, site in enumerate(("https://one.example.org", "https://two.example.org")):
        path = str(tmp_path / f"site{i}.xml")
        # The same seed: both sites have the same post and comment ids, so
        # only the site in every key keeps their rows apart.
        write_wxr(path, comments=1200, posts=30, seed=5, site_url=site)
        exports.append(path)
    res = convert_many(pg_url, exports)
    for one in res["sites"]:
        assert one["rc"] == 0, one["stderr"]
        assert one["rows"]["sites"] == 1
        assert one["rows"]["comments"] == one["totals"]["written"] > 900
        assert one["rows"]["comment_meta"] > 0
    assert {one["site"] for one in res["sites"]} == {"https://one.example.org",
                                                     "https://two.example.org"}
    assert res["runs"] == ["done", "done"]
    assert res["ok"]
