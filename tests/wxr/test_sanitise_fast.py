"""The sanitiser's fast path (a part that needs no repair goes on as the
input's own bytes) yields exactly what the plain path yields: the same
bytes, cut into the same parts, the same problems in the same order."""
from __future__ import annotations

import random

import pytest

from bench.gen_wxr import write_wxr
from migrator.wxr import sanitise

#: Tokens of hostile input: CDATA marks, raw and escaped '&', XML comments,
#: runs of ']' (the cut's look-back), multi-byte characters at any offset,
#: prefixes the sanitiser declares, control characters.
TOKENS = ["<![CDATA[", "]]>", "]]]]><![CDATA[>", "&", "&amp;", "&nbsp;", "&#123;", "<!--", "-->",
          "]", "]]", "]" * 40, "é", "日本", "😀", "\n", " ", "\t", ">", "<", "<wp:comment>",
          "</wp:comment>", "<atom:link/>", "<sy:x>", "text", "x" * 50, "\x01", "\ufffe", "& ",
          "&amp", "<p>"]
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel>\n')


def _run(path: str, chunk: int, monkeypatch, reference: bool) -> tuple:
    monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1" if reference else "0")
    problems: list[tuple] = []
    bound: dict[str, str] = {}
    with open(path, "rb") as fh:
        parts = list(sanitise.sanitised_chunks(fh, lambda *a: problems.append(a), chunk, bound))
    return parts, problems, bound


@pytest.fixture
def fast_calls(monkeypatch) -> list[bool]:
    """Records whether each part the fast path looked at went on unrepaired."""
    return _spy(monkeypatch, "_clean_part")


def _spy(monkeypatch, name: str) -> list[bool]:
    """Wraps ``sanitise.<name>``: the list gets, per call, whether it
    answered something (not None)."""
    seen: list[bool] = []
    real = getattr(sanitise, name)

    def spy(*args):
        out = real(*args)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(sanitise, name, spy)
    return seen


def _hostile(rng: random.Random) -> bytes:
    weights = [rng.random() ** 3 for _ in TOKENS]
    if rng.random() < 0.8:  # most files without control characters: the fast path's case
        weights[TOKENS.index("\x01")] = weights[TOKENS.index("\ufffe")] = 0
    if rng.random() < 0.5:
        for t in ("]]>", "<!--", "-->", "&", "& ", "&amp"):
            weights[TOKENS.index(t)] *= 0.01
    text = HEAD + "".join(rng.choices(TOKENS, weights, k=rng.randint(2000, 9000)))
    data = bytearray(text.encode("utf-8"))
    if rng.random() < 0.15:  # bytes that are not UTF-8
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            data[at:at] = rng.choice([b"\xff", b"\xc3", b"\xe6\x97", b"\xf0\x9f\x98"])
    return bytes(data)


def test_hostile_input_is_sanitised_the_same_either_way(tmp_path, monkeypatch, fast_calls):
    rng = random.Random(5)
    path = str(tmp_path / "hostile.xml")
    for _ in range(150):
        with open(path, "wb") as fh:
            fh.write(_hostile(rng))
        for chunk in (rng.randint(300, 9000), 5000, 20000):
            plain = _run(path, chunk, monkeypatch, reference=True)
            assert _run(path, chunk, monkeypatch, reference=False) == plain
    # Both ways were taken: clean parts went on as bytes, dirty ones were repaired.
    assert fast_calls.count(True) > 100 and fast_calls.count(False) > 100


@pytest.mark.parametrize("chunk", [4500, 8192, 65536])
def test_a_damaged_export_is_sanitised_the_same_either_way(tmp_path, monkeypatch, fast_calls,
                                                           chunk):
    path = str(tmp_path / "damaged.xml")
    write_wxr(path, comments=1500, posts=40, seed=11, damage=0.05)
    plain = _run(path, chunk, monkeypatch, reference=True)
    assert plain[1]  # the damage was found and reported
    assert _run(path, chunk, monkeypatch, reference=False) == plain
    if chunk < 10_000:  # small parts: some hold no damage and take the fast path
        assert True in fast_calls


@pytest.mark.parametrize("block", [5, 64, 1 << 16])
def test_a_read_is_checked_as_utf8_without_decoding_it_the_same_way(tmp_path, monkeypatch, block):
    """The fast path's first test (_whole_chars: is the read valid UTF-8,
    where does its last whole character end) agrees with the decoder: reads
    cut through multi-byte characters and through bytes that are not UTF-8,
    checked in blocks cut through them too."""
    monkeypatch.setattr(sanitise, "_BLOCK", block)
    monkeypatch.setattr(sanitise, "_WHOLE_MIN", 4 * sanitise._TAIL + 8)
    seen = _spy(monkeypatch, "_whole_chars")
    rng = random.Random(block)
    path = str(tmp_path / "utf8.xml")
    for _ in range(60):
        data = bytearray(_hostile(rng))
        for _ in range(rng.randint(0, 4)):  # more broken and astral characters
            at = rng.randrange(len(HEAD), len(data))
            data[at:at] = rng.choice([b"\xff", b"\x80", b"\xc3", b"\xe2\x82", b"\xf0\x9f\xa4",
                                      b"\xed\xa0\x80", b"\xe0\x80\x80", b"\xef\xbf\xbf",
                                      "😀é".encode()])
        with open(path, "wb") as fh:
            fh.write(data)
        for chunk in (rng.randint(600, 3000), 4 * sanitise._TAIL + 9, 1000 + rng.randint(0, 3)):
            plain = _run(path, chunk, monkeypatch, reference=True)
            assert _run(path, chunk, monkeypatch, reference=False) == plain
    assert seen.count(True) > 100 and seen.count(False) > 20


def test_a_part_said_to_be_the_files_own_bytes_is(tmp_path, monkeypatch):
    """``where`` names the file's bytes a part copies (inspect's reader then
    reads them itself): every part so named is those bytes, on hostile
    input with bad bytes, a BOM and repairs anywhere; clean input is nearly
    all named."""
    monkeypatch.setattr(sanitise, "_WHOLE_MIN", 4 * sanitise._TAIL + 8)
    monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "0")
    rng = random.Random(9)
    path = tmp_path / "where.xml"
    named = checked = 0
    for k in range(80):
        data = _hostile(rng)
        if k % 3 == 0:
            data = b"\xef\xbb\xbf" + data
        path.write_bytes(data)
        for chunk in (rng.randint(600, 3000), 4 * sanitise._TAIL + 9):
            where = [None]
            with open(path, "rb") as fh:
                for part in sanitise.sanitised_chunks(fh, lambda *a: None, chunk, {}, where):
                    checked += 1
                    if where[0] is not None:
                        named += 1
                        assert data[where[0]:where[0] + len(part)] == part
    assert named > 200 and checked > named
    clean = tmp_path / "clean.xml"
    write_wxr(str(clean), comments=300, posts=10, seed=3)
    where, parts = [None], []
    with open(clean, "rb") as fh:
        for part in sanitise.sanitised_chunks(fh, lambda *a: None, 20000, {}, where):
            parts.append(where[0])
    assert len(parts) > 10 and parts.count(None) <= 2  # the first part binds prefixes
