#!/usr/bin/env python3
"""perf/proxy/report.py — the summary half of perf/proxy/run.sh (not run by hand).

Reads the rows run.sh measured (--runs: one per round x proxy), prints medians
with their spread, the ratios of weft to nginx and to h2o next to the issue's
targets, and appends one JSON line to --json. Failed runs (any socket error or
non-2xx response) are listed but left out of the medians and the ratios.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_common import (LOAD_BOUND_PCT, NOISY_SPREAD, append_json_line,  # noqa: E402
                           arg_parser, disturbed_warning, noisy_warning, now_iso,
                           parse_meta, ratio, read_runs, spread)

KINDS = ["weft-io_uring", "weft-epoll", "nginx", "h2o"]
WEFT = ["weft-io_uring", "weft-epoll"]
REFS = ["nginx", "h2o"]
RUN_FIELDS = ["round", "proxy", "requests", "rps", "p50_us", "p99_us", "cpu_us_per_req",
              "proxy_cpu_us_per_req", "backend_cpu_us_per_req", "core_busy_pct",
              "upstream_connects", "err_connect", "err_read", "err_write", "err_timeout",
              "non2xx", "failed", "disturbed", "busy_pct_before", "busy_pct_after"]
METRICS = ["rps", "p50_us", "p99_us", "cpu_us_per_req", "proxy_cpu_us_per_req",
           "backend_cpu_us_per_req", "core_busy_pct", "upstream_connects"]
# The issue's targets: weft's req/s at least this many times the reference's,
# and its p99 strictly below the reference's.
RPS_MIN = {"nginx": 2.0, "h2o": 1.5}
# The issue's reference figures (its machine, not necessarily this one).
REFERENCE = {"nginx": {"rps": 26000, "p99_us": 3000}, "h2o": {"rps": 35000, "p99_us": 2500}}
REUSE_MAX = 0.01  # upstream connects per request above this: no upstream pooling


def summarise(runs):
    out = {}
    for kind in KINDS:
        rows = [r for r in runs if r["proxy"] == kind]
        good = [r for r in rows if not r["failed"]]
        s = {m: spread([r[m] for r in good]) if good else None for m in METRICS}
        s.update(runs=len(rows), failed_runs=len(rows) - len(good),
                 errors=sum(r["errors"] for r in rows), by_round={r["round"]: r for r in good})
        out[kind] = s
    return out


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def main():
    args = arg_parser().parse_args()
    meta = parse_meta(args.meta)

    runs = read_runs(args.runs, RUN_FIELDS)
    summary = summarise(runs)

    # ---- table ----
    print(f"{'proxy':<14}{'req/s median':>13}{'(min-max)':>18}{'p50 us':>8}{'p99 us':>8}"
          f"{'(min-max)':>14}{'core us/req':>12}{'proxy':>7}{'backend':>8}{'core %':>7}"
          f"{'upstream':>9}{'errors':>7}{'failed':>7}")
    for kind in KINDS:
        s = summary[kind]
        med = {m: s[m]["median"] if s[m] else None for m in METRICS}
        rps_range = f"({s['rps']['min']:.0f}-{s['rps']['max']:.0f})" if s["rps"] else "-"
        p99_range = f"({s['p99_us']['min']:.0f}-{s['p99_us']['max']:.0f})" if s["p99_us"] else "-"
        print(f"{kind:<14}{fmt(med['rps'], '.0f'):>13}{rps_range:>18}{fmt(med['p50_us'], '.0f'):>8}"
              f"{fmt(med['p99_us'], '.0f'):>8}{p99_range:>14}{fmt(med['cpu_us_per_req'], '.2f'):>12}"
              f"{fmt(med['proxy_cpu_us_per_req'], '.2f'):>7}"
              f"{fmt(med['backend_cpu_us_per_req'], '.2f'):>8}{fmt(med['core_busy_pct'], '.0f'):>7}"
              f"{fmt(med['upstream_connects'], '.0f'):>9}{s['errors']:>7}"
              f"{s['failed_runs']:>4}/{s['runs']:<2}")
    print("(core us/req: the shared core's busy time per request, proxy + backend + kernel;"
          " proxy and\n backend: each process's own CPU; upstream: connections opened during"
          " a measured run)")
    print("\nthe issue's reference (its machine): "
          + ", ".join(f"{ref} {REFERENCE[ref]['rps'] / 1000:.0f}k req/s p99"
                      f" {REFERENCE[ref]['p99_us'] / 1000:.1f} ms; here "
                      f"{fmt(summary[ref]['rps'] and summary[ref]['rps']['median'] / 1000, '.1f')}k"
                      f" p99 {fmt(summary[ref]['p99_us'] and summary[ref]['p99_us']['median'] / 1000, '.2f')} ms"
                      for ref in REFS))

    # ---- ratios and targets ----
    ratios, targets, noisy = {}, {}, []

    def show(kind, label, r, op=None, target=None, ok_extra=True, extra=""):
        if r is None:
            print(f"  {kind:<14}{label:<22}     -   (no valid runs to compare)"
                  + (f"   target {op} {target}x: MISSED" if op else ""))
            return {"value": None, "target": f"{op} {target}", "met": False} if op else None
        lo, hi = (min(r["per_round"]), max(r["per_round"])) if r["per_round"] else (r["ratio"],) * 2
        if r["ratio"] and (hi - lo) / r["ratio"] > NOISY_SPREAD:
            noisy.append(f"{kind} {label}")
        line = f"  {kind:<14}{label:<22}{r['ratio']:6.3f}x  (per round {lo:.3f}-{hi:.3f})"
        if op is None:
            print(line)
            return None
        met = (r["ratio"] >= target if op == ">=" else r["ratio"] < target) and ok_extra
        print(f"{line}   target {op} {target}x{extra}: {'met' if met else 'MISSED'}")
        return {"value": r["ratio"], "target": f"{op} {target}", "met": met}

    print("\nratios (median of weft / median of the reference; failed runs left out):")
    for kind in WEFT:
        ratios[kind], targets[kind] = {}, {}
        failed = summary[kind]["failed_runs"]
        clean = failed == 0
        extra = f", no failed run (has {failed})" if not clean else ""
        if summary[kind]["rps"] is None:  # every run failed: nothing to compare
            for ref in REFS:
                targets[kind][f"rps_vs_{ref}"] = {"value": None, "target": f">= {RPS_MIN[ref]}",
                                                  "met": False}
                targets[kind][f"p99_vs_{ref}"] = {"value": None, "target": "< 1.0", "met": False}
            print(f"  {kind:<14}no valid run ({failed} of {summary[kind]['runs']} failed):"
                  " all targets MISSED")
            continue
        for ref in REFS:
            r = ratios[kind][f"rps_vs_{ref}"] = ratio(summary[kind], summary[ref], "rps")
            targets[kind][f"rps_vs_{ref}"] = show(kind, f"req/s vs {ref}", r, ">=", RPS_MIN[ref],
                                                  clean, extra)
            r = ratios[kind][f"p99_vs_{ref}"] = ratio(summary[kind], summary[ref], "p99_us")
            targets[kind][f"p99_vs_{ref}"] = show(kind, f"p99 vs {ref}", r, "<", 1.0, clean, extra)
            r = ratios[kind][f"p50_vs_{ref}"] = ratio(summary[kind], summary[ref], "p50_us")
            show(kind, f"p50 vs {ref}", r)
            r = ratios[kind][f"cpu_vs_{ref}"] = ratio(summary[kind], summary[ref], "cpu_us_per_req")
            show(kind, f"core CPU/req vs {ref}", r)
        met = all(t["met"] for t in targets[kind].values())
        print(f"  {kind:<14}all targets: {'met' if met else 'MISSED'}")

    # ---- warnings ----
    failed_runs = sum(1 for r in runs if r["failed"])
    if failed_runs:
        print(f"\nwarning: {failed_runs} run(s) FAILED (socket errors or non-2xx responses): "
              + ", ".join(f"{r['proxy']} round {r['round']} ({r['errors']} errors)"
                          for r in runs if r["failed"]))
    disturbed = sum(1 for r in runs if r["disturbed"])
    if disturbed:
        print(disturbed_warning(disturbed))
    for kind in KINDS:
        s = summary[kind]
        if s["upstream_connects"] and s["rps"] and \
                s["upstream_connects"]["median"] > REUSE_MAX * s["rps"]["median"] * meta["seconds"]:
            print(f"warning: {kind} opened {s['upstream_connects']['median']:.0f} upstream"
                  " connections per run (median): it does not keep them alive")
    load_bound = [k for k in KINDS if summary[k]["core_busy_pct"]
                  and summary[k]["core_busy_pct"]["median"] < LOAD_BOUND_PCT]
    if load_bound:
        print(f"note: the shared core was under {LOAD_BOUND_PCT}% busy for: " + ", ".join(load_bound)
              + ".\n  There wrk -t1 was the bottleneck: req/s says how fast wrk is")
    if noisy:
        print(noisy_warning(noisy))

    # ---- JSON line ----
    def proxy_json(kind):
        s = dict(summary[kind])
        del s["by_round"]
        return s

    record = {
        "benchmark": "proxy",
        "time": now_iso(),
        "self_test": meta.pop("self_test"),
        "reliable": disturbed == 0 and failed_runs == 0 and not noisy,
        "failed_runs": failed_runs,
        "disturbed_runs": disturbed,
        "host": {k: meta.pop(k) for k in ("kernel", "cpu", "cpus", "wrk", "nginx", "h2o")},
        "config": meta,
        "reference": REFERENCE,
        "proxies": {kind: proxy_json(kind) for kind in KINDS},
        "ratios": ratios,
        "targets": targets,
        "runs": runs,
    }
    append_json_line(args.json, record)


if __name__ == "__main__":
    main()
