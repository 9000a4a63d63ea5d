"""Benchmark tooling: a synthetic WXR generator (:mod:`bench.gen_wxr`) and the
``make bench`` runner (:mod:`bench.run`). Not part of the installed package."""
