"""The floor: the least any WXR reader must do. One raw lxml ``iterparse``
pass over the file, clearing each ``<item>`` as it closes (the same
streaming discipline as :mod:`migrator.wxr.reader`, with none of its work).

    python -m bench.floor FILE      # prints items and comments seen
"""
from __future__ import annotations

import sys

from lxml import etree


def floor(path: str) -> tuple[int, int]:
    items = comments = 0
    for _, el in etree.iterparse(path, events=("end",), tag="{*}item", huge_tree=True,
                                 resolve_entities=False, no_network=True, load_dtd=False):
        items += 1
        comments += sum(1 for _ in el.iterchildren("{*}comment"))
        el.clear(keep_tail=True)
        parent = el.getparent()
        while el.getprevious() is not None:
            del parent[0]
    return items, comments


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m bench.floor FILE", file=sys.stderr)
        return 2
    items, comments = floor(argv[0])
    print(f"{items} items, {comments} comments")
    return 0


if __name__ == "__main__":
    sys.exit(main())
