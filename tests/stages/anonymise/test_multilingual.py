"""--anonymise on a generated multilingual thread (tests/stages/anonymise/multilingual.py):
every output (SQLite, JSON, JSONL with --private-fields, WXR, HTML) is searched, comment by
comment, for every personal token of the manifest, and the figures are printed."""
from __future__ import annotations

import html
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import multilingual  # noqa: E402

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def outputs(out) -> dict[str, str]:
    """Each output as one text, entities and JSON escapes resolved."""
    got = multilingual.read_outputs(out)
    got["wxr"] = html.unescape((out / "clean.wxr").read_text(encoding="utf-8"))
    got["html"] = "\n".join(html.unescape(open(f, encoding="utf-8").read())
                            for f in multilingual.files(out / "html"))
    return got


segments = multilingual.segments


def count(surface: str, text: str) -> int:
    s = html.unescape(surface)
    if CJK.search(s):
        return text.count(s)
    return len(re.findall(r"(?<![\w])" + re.escape(s) + r"(?![\w])", text))


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from migrator import api
    from migrator.pipeline import Options

    tmp = tmp_path_factory.mktemp("multilingual")
    text, man = multilingual.build()
    src = tmp / "thread.wxr"
    src.write_text(text, encoding="utf-8")
    out = tmp / "out"
    out.mkdir()
    targets = [f"sqlite:{out / 'db.sqlite'}", f"json:{out / 'json'}/", f"jsonl:{out / 'all.jsonl'}",
               f"wxr:{out / 'clean.wxr'}", f"html:{out / 'html'}/"]
    ledger = api.convert([str(src)], targets, Options(anonymise=True, secret=b"a secret of 16+ bytes",
                                                       dedupe=False),
                         private_fields=True)
    assert ledger.totals()["written"] == len(man.bodies)
    return man, outputs(out)


def figures(man, got):
    survived, third_kept, words_changed, contacts_left = [], [], [], []
    for fmt, text in got.items():
        segs = segments(text)
        assert set(segs) == set(man.bodies), fmt  # every comment is in every output
        for marker, seg in segs.items():
            toks = [t for t in man.tokens if t.comment == marker]
            for kind in ("person", "third", "word"):
                want: dict[str, int] = {}
                for t in toks:
                    if t.kind == kind:
                        want[t.surface] = want.get(t.surface, 0) + 1
                for surface, n in want.items():
                    c = count(surface, seg)
                    if kind == "person" and c:
                        survived.append((fmt, marker, surface))
                    elif kind == "third" and c:
                        third_kept += [(fmt, marker, surface)] * min(c, n)
                    elif kind == "word" and c < n:
                        words_changed += [(fmt, marker, surface)] * (n - c)
        for t in man.of("contact"):
            if html.unescape(t.probe) in text:
                contacts_left.append((fmt, t.comment, t.surface))
    return survived, third_kept, words_changed, contacts_left


def test_generator_has_what_the_issue_asks():
    text, man = multilingual.build()
    assert len(man.commenters) >= 20
    scripts = "".join(n for n, _ in man.commenters)
    assert CJK.search(scripts) and re.search(r"[\u0400-\u04ff]", scripts) and re.search(
        r"[\u0600-\u06ff]", scripts)
    assert len({t.surface for t in man.of("third")}) >= 15
    assert len(man.of("contact")) >= 100
    assert len(man.of("word")) >= 100
    words = {t.surface.lower() for t in man.of("word")}
    assert {"hope", "will", "rose", "mark", "may", "bill", "grace"} <= words
    assert text.count("<wp:comment>") == len(man.bodies)


def test_multilingual_thread_figures(run, capsys):
    man, got = run
    survived, third_kept, words_changed, contacts_left = figures(man, got)
    n_formats = len(got)
    n_third = len(man.of("third")) * n_formats
    n_words = len(man.of("word")) * n_formats
    n_contacts = len(man.of("contact"))
    third_rate = 1 - len(third_kept) / n_third
    word_rate = len(words_changed) / n_words
    left = sorted({(c, s) for _, c, s in contacts_left})
    with capsys.disabled():
        print(f"\n[F] multilingual thread, {len(man.bodies)} comments, {n_formats} outputs: "
              f"commenter mentions surviving {len(survived)} of {len(man.of('person')) * n_formats}; "
              f"third-party names replaced {third_rate:.1%} ({n_third - len(third_kept)}/{n_third}); "
              f"ordinary words changed {word_rate:.2%} ({len(words_changed)}/{n_words}); "
              f"contact details surviving {len(left)} of {n_contacts}: {left}")
        for what, rows in (("survived", survived), ("third kept", third_kept),
                           ("word changed", words_changed)):
            for row in sorted(set(rows))[:40]:
                print("   ", what, row)
    assert survived == []
    assert third_rate >= 0.90
    assert word_rate <= 0.01
    assert len(left) <= 2, left


def test_commenter_names_and_emails_absent_everywhere(run):
    man, got = run
    for fmt, text in got.items():
        for name, email in man.commenters:
            if len(name.split()) > 1 or CJK.search(name) or "@" in name:
                assert name not in text, (fmt, name)
            if email:
                assert email not in text, (fmt, email)
