#!/usr/bin/env python3
"""Fails when a public declaration returning Task<...> (or an awaitable operator
co_await) lacks its two fixed doc lines (STYLE.md convention 7):

    /// Cancellation: <total|partial|terminal|none> — <what is lost or kept>
    /// Completes inline: <never|may> ...

Usage: tools/doclint.py [ROOT]   (default: the repository holding this script)"""
import pathlib
import re
import sys

DECLARATION = re.compile(r"^\s*(?:static\s+|template\s*<[^>]*>\s*)*(?:Task<.*>|Awaiter)\s+(?:operator\s+co_await|[A-Za-z_]\w*)\s*\(")


def doc_block(lines, index):
    """The comment and template lines directly above line `index`."""
    block = []
    i = index - 1
    while i >= 0:
        text = lines[i].strip()
        if text.startswith("//") or text.startswith("template") or text.startswith("requires"):
            block.append(text)
            i -= 1
            continue
        break
    return block


def main():
    root = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent
    problems = []
    for header in sorted((root / "framework/include/weft").rglob("*.hpp")):
        if "/detail/" in str(header) or "/testing/" in str(header):
            continue
        lines = header.read_text().splitlines()
        depth_detail = False
        for index, line in enumerate(lines):
            if re.match(r"^\s*namespace detail\b", line):
                depth_detail = True
            if depth_detail and re.match(r"^\s*}\s*//\s*namespace detail", line):
                depth_detail = False
                continue
            if depth_detail or not DECLARATION.match(line):
                continue
            # An overload right under a documented declaration shares its doc block.
            if index > 0 and DECLARATION.match(lines[index - 1]):
                continue
            block = " ".join(doc_block(lines, index))
            for needed in ("Cancellation:", "Completes inline:"):
                if needed not in block:
                    problems.append(f"{header.relative_to(root)}:{index + 1}: missing '{needed}' on: {line.strip()}")
    for problem in problems:
        print(problem)
    print(f"doclint: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
