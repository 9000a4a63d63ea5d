"""Issue [H] 12: a fresh clone with nothing beside it has everything the tests read.

Nothing under tests/ (nor the fixture builder, nor the Makefile) may reach
outside the repository for data: not the shared folder beside the checkout, no absolute path to a
checkout. The reference thread the tests build from lives in fixtures/.
"""
from __future__ import annotations

import glob
import os
import re

from paths import FIXTURES, ROOT

SEED = os.path.join(FIXTURES, "therapy-blog-thread.txt")

#: What reaching outside the repository for test data looks like.
OUTSIDE = re.compile(r"""\.\./shared|["']shared["']\s*,\s*["']seed["']|/work/|parent\s*/\s*["']shared["']""")


def _sources() -> list[str]:
    files = glob.glob(os.path.join(ROOT, "tests", "**", "*.py"), recursive=True)
    files += glob.glob(os.path.join(ROOT, "fixtures", "*.py"))
    files += [os.path.join(ROOT, "Makefile")]
    return sorted(f for f in files if os.path.abspath(f) != os.path.abspath(__file__))


def test_no_test_reads_outside_the_repository():
    offenders = []
    for path in _sources():
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if OUTSIDE.search(line):
                    offenders.append(f"{os.path.relpath(path, ROOT)}:{n}: {line.strip()}")
    assert offenders == []


def test_the_reference_thread_is_in_fixtures():
    with open(SEED, encoding="utf-8") as fh:
        text = fh.read()
    bullets = re.findall(r"^( *)\u2022 ", text, re.M)
    assert len(bullets) == 50
    assert "Attachment to Your Therapist" in text
    # Nested up to four levels, as the tests that build the tree from it expect.
    assert max(len(b) for b in bullets) // 2 == 4
