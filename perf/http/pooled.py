#!/usr/bin/env python3
"""perf/http/pooled.py — the target lines over the rounds of several perf/http runs.

One run's ratios move by more than the 5-10 % the targets are about on a shared
VM. This pools the rounds of the runs chosen and gives, for every line, the median
of the rounds' own ratios (weft and its reference measured minutes apart in the
same round, so a drift of the machine between rounds cancels) with its quartiles.

Usage:  perf/http/pooled.py [--last N] [--rounds R] FILE...
        (FILE: perf/results/http-<date>.json; runs are JSON lines in file order)
  --last N    only the last N runs chosen (default: all)
  --rounds R  only runs made with ROUNDS=R (e.g. 9; default: any)
Example: perf/http/pooled.py --rounds 9 --last 3 perf/results/http-2026-11-26.json
"""
import argparse
import json
import os
import statistics
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import (KA_CPU_VS_FLOOR_MAX, KA_CPU_VS_NGINX_MAX, KEEP_ALIVE,  # noqa: E402
                    PIPE_RPS_VS_FLOOR_MIN, PIPELINED, WEFT)


def paired(runs, server, reference, load, metric):
    """Each round's ratio of server to reference, over every run."""
    out = []
    for run in runs:
        rows = {(r["round"], r["server"], r["load"]): r for r in run["runs"]}
        for round_number in range(1, run["config"]["rounds"] + 1):
            a, b = rows.get((round_number, server, load)), rows.get((round_number, reference, load))
            if a and b and a[metric] and b[metric]:
                out.append(a[metric] / b[metric])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--last", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    runs = []
    for path in args.files:
        with open(path, encoding="utf-8") as lines:
            runs += [json.loads(line) for line in lines if line.strip()]
    runs = [r for r in runs if not r.get("self_test") and (not args.rounds or r["config"]["rounds"] == args.rounds)]
    if args.last:
        runs = runs[-args.last:]
    if not runs:
        sys.exit("pooled.py: no run matches")
    print(f"{len(runs)} runs: " + ", ".join(r["time"] for r in runs))
    print(f"{'line':<40}{'median':>8}{'quartiles':>18}{'rounds':>8}   target")
    lines = []
    for kind in WEFT:
        for load in KEEP_ALIVE:
            lines.append((kind, load, "floor", "cpu_us_per_req", "<=", KA_CPU_VS_FLOOR_MAX, "CPU/req vs floor"))
            lines.append((kind, load, "nginx", "cpu_us_per_req", "<=", KA_CPU_VS_NGINX_MAX, "CPU/req vs nginx"))
        lines.append((kind, PIPELINED, "floor", "rps", ">=", PIPE_RPS_VS_FLOOR_MIN, "req/s vs floor"))
    for kind, load, reference, metric, op, target, label in lines:
        ratios = paired(runs, kind, reference, load, metric)
        if len(ratios) < 2:
            continue
        q1, median, q3 = statistics.quantiles(ratios, n=4)  # the middle cut is the median
        met = median <= target if op == "<=" else median >= target
        print(f"{kind + ' ' + load + ' ' + label:<40}{median:8.3f}{f'{q1:.3f}-{q3:.3f}':>18}{len(ratios):>8}"
              f"   {op} {target}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
