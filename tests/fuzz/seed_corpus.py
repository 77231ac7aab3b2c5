#!/usr/bin/env python3
"""Turns the golden cases (tests/unit/http/cases/*.txt) into libFuzzer seeds for
http_parser_fuzz: each seed is two control bytes (limits, split point; see the
target's comment) followed by the case's decoded input.

Usage: seed_corpus.py CASES_DIR OUT_DIR"""
import pathlib
import sys

ESCAPES = {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0", "\\": b"\\"}


def decode(line):
    out = bytearray()
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line):
            code = line[i + 1]
            if code == "x":
                out.append(int(line[i + 2:i + 4], 16))
                i += 4
                continue
            out += ESCAPES[code]
            i += 2
            continue
        out += line[i].encode("utf-8")
        i += 1
    return bytes(out)


def main():
    cases, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for case in sorted(cases.glob("*.txt")):
        lines = case.read_text(encoding="utf-8").splitlines()
        start, end = lines.index("--- input") + 1, lines.index("--- expect")
        data = b"".join(decode(line) for line in lines[start:end])
        tiny = any(line.startswith("Limits: ") for line in lines[:end])
        split = len(data) // 2 % 256
        (out / (case.stem + ".seed")).write_bytes(bytes([1 if tiny else 0, split]) + data)
        count += 1
    print(f"seed_corpus: {count} seeds in {out}")


if __name__ == "__main__":
    main()
