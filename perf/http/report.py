#!/usr/bin/env python3
"""perf/http/report.py — the summary half of perf/http/run.sh (not run by hand).

Reads the rows run.sh measured (--runs: one per round x server x load; --idle:
one per server), prints medians with their spread, the ratios of weft to the
floor and to nginx next to the targets, appends one JSON line to --json and
writes the chart's data to <--chart-data>-cpu.dat and -rps.dat.
"""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ next to the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from report_common import (LOAD_BOUND_PCT, NOISY_SPREAD, append_json_line,  # noqa: E402
                           arg_parser, disturbed_warning, noisy_warning, now_iso,
                           parse_meta, ratio, read_runs, spread)

KINDS = ["floor", "nginx", "weft-io_uring", "weft-epoll"]
WEFT = ["weft-io_uring", "weft-epoll"]
LOADS = {"ka50": (50, 1), "ka256": (256, 1), "pipe16": (256, 16)}  # connections, depth
KEEP_ALIVE = ["ka50", "ka256"]
PIPELINED = "pipe16"
RUN_FIELDS = ["round", "server", "load", "requests", "rps", "p50_us", "p99_us",
              "cpu_us_per_req", "proc_cpu_us_per_req", "core_busy_pct", "err_connect", "err_read",
              "err_write", "err_timeout", "non2xx", "disturbed", "busy_pct_before",
              "busy_pct_after"]
# The targets.
KA_CPU_VS_FLOOR_MAX = 1.05
KA_CPU_VS_NGINX_MAX = 0.90
PIPE_RPS_VS_FLOOR_MIN = 0.90
IDLE_KIB_MAX = 4.0


def summarise(runs):
    out = {}
    for kind in KINDS:
        for load in LOADS:
            rows = [r for r in runs if r["server"] == kind and r["load"] == load]
            out[kind, load] = {
                "rps": spread([r["rps"] for r in rows]),
                "p50_us": spread([r["p50_us"] for r in rows]),
                "p99_us": spread([r["p99_us"] for r in rows]),
                "cpu_us_per_req": spread([r["cpu_us_per_req"] for r in rows]),
                "proc_cpu_us_per_req": spread([r["proc_cpu_us_per_req"] for r in rows]),
                "core_busy_pct": spread([r["core_busy_pct"] for r in rows]),
                "errors": sum(r["errors"] for r in rows),
                "by_round": {r["round"]: r for r in rows},
            }
    return out


def verdict(value, op, target):
    met = value <= target if op == "<=" else value >= target
    return {"value": value, "target": f"{op} {target}", "met": met}


def main():
    ap = arg_parser()
    ap.add_argument("--idle", required=True)
    ap.add_argument("--chart-data", required=True)
    args = ap.parse_args()
    meta = parse_meta(args.meta)

    runs = read_runs(args.runs, RUN_FIELDS)
    summary = summarise(runs)
    idle = {}
    with open(args.idle) as f:
        for line in f:
            kind, rss0, rss1, size, startup = line.rstrip("\n").split("\t")
            idle[kind] = {"rss_kib_before": int(rss0), "rss_kib_after": int(rss1),
                          "kib_per_conn": round((int(rss1) - int(rss0)) / meta["idle_connections"], 3),
                          "response_bytes": int(size), "startup": startup}

    # ---- table ----
    print(f"{'server':<14}{'load':<8}{'req/s median':>13}{'(min-max)':>20}{'p50 us':>9}"
          f"{'p99 us':>9}{'core us/req':>12}{'(min-max)':>14}{'proc us/req':>12}{'core %':>7}"
          f"{'errors':>8}")
    for kind in KINDS:
        for load in LOADS:
            s = summary[kind, load]
            rps, cpu = s["rps"], s["cpu_us_per_req"]
            rps_range = "({:.0f}-{:.0f})".format(rps["min"], rps["max"])
            cpu_range = "({:.2f}-{:.2f})".format(cpu["min"], cpu["max"])
            p50, p99 = (f"{s[k]['median']:.0f}" if s[k] else "-" for k in ("p50_us", "p99_us"))
            print(f"{kind:<14}{load:<8}{rps['median']:>13.0f}{rps_range:>20}{p50:>9}{p99:>9}"
                  f"{cpu['median']:>12.2f}{cpu_range:>14}"
                  f"{s['proc_cpu_us_per_req']['median']:>12.2f}"
                  f"{s['core_busy_pct']['median']:>7.0f}{s['errors']:>8}")

    # ---- ratios and targets ----
    ratios, targets, noisy = {}, {}, []

    def show(kind, label, r, op, target, extra_ok=True, extra=""):
        lo, hi = min(r["per_round"]), max(r["per_round"])
        if (hi - lo) / r["ratio"] > NOISY_SPREAD:
            noisy.append(f"{kind} {label}")
        line = (f"  {kind:<14}{label:<28}{r['ratio']:6.3f}x  (per round {lo:.3f}-{hi:.3f},"
                f" median {r['paired_median']:.3f})")
        if op is None:
            print(line)
            return None
        v = verdict(r["ratio"], op, target)
        v["met"] = v["met"] and extra_ok
        print(f"{line}   target {op} {target}x{extra}: {'met' if v['met'] else 'MISSED'}")
        return v

    print("\nratios (median of weft / median of the reference; per round: each round's own"
          " ratio, their range and median):")
    for kind in WEFT:
        ratios[kind], targets[kind] = {}, {}
        for load in KEEP_ALIVE:
            for ref, op, target in (("floor", "<=", KA_CPU_VS_FLOOR_MAX),
                                    ("nginx", "<=", KA_CPU_VS_NGINX_MAX)):
                key = f"{load}_cpu_vs_{ref}"
                ratios[kind][key] = r = ratio(summary[kind, load], summary[ref, load],
                                              "cpu_us_per_req")
                targets[kind][key] = show(kind, f"{load} CPU/req vs {ref}", r, op, target)
        errors = summary[kind, PIPELINED]["errors"]
        key = f"{PIPELINED}_rps_vs_floor"
        ratios[kind][key] = r = ratio(summary[kind, PIPELINED], summary["floor", PIPELINED], "rps")
        targets[kind][key] = show(kind, f"{PIPELINED} req/s vs floor", r, ">=", PIPE_RPS_VS_FLOOR_MIN,
                                  errors == 0, f", 0 errors (has {errors})")
        ratios[kind][f"{PIPELINED}_rps_vs_nginx"] = r = ratio(summary[kind, PIPELINED],
                                                              summary["nginx", PIPELINED], "rps")
        show(kind, f"{PIPELINED} req/s vs nginx", r, None, None)
        ratios[kind][f"{PIPELINED}_cpu_vs_floor"] = r = ratio(summary[kind, PIPELINED],
                                                              summary["floor", PIPELINED],
                                                              "cpu_us_per_req")
        show(kind, f"{PIPELINED} CPU/req vs floor", r, None, None)

    # ---- idle connections ----
    print(f"\nidle connections ({meta['idle_connections']} keep-alive, one request each):")
    print(f"  {'server':<14}{'RSS before KiB':>15}{'RSS after KiB':>15}{'KiB/conn':>10}{'response B':>12}")
    for kind in KINDS:
        i = idle[kind]
        print(f"  {kind:<14}{i['rss_kib_before']:>15}{i['rss_kib_after']:>15}"
              f"{i['kib_per_conn']:>10.2f}{i['response_bytes']:>12}")
    for kind in WEFT:
        kib, nginx = idle[kind]["kib_per_conn"], idle["nginx"]["kib_per_conn"]
        v = verdict(kib, "<=", IDLE_KIB_MAX)
        v["met"] = v["met"] and kib <= nginx
        v["target"] += " and <= nginx"
        targets[kind]["idle_kib_per_conn"] = v
        print(f"  {kind:<14}{kib:.2f} KiB/connection   target <= {IDLE_KIB_MAX} KiB and"
              f" <= nginx ({nginx:.2f}): {'met' if v['met'] else 'MISSED'}")

    print("  (nginx allocates all its worker_connections slots, about 0.4 KiB each, at"
          " start: its\n   RSS before already holds that part of each connection's cost)")

    disturbed = sum(1 for r in runs if r["disturbed"])
    if disturbed:
        print("\n" + disturbed_warning(disturbed))
    load_bound = [f"{k} {l}" for k in KINDS for l in LOADS
                  if summary[k, l]["core_busy_pct"]["median"] < LOAD_BOUND_PCT]
    if load_bound:
        print(f"note: the server core was under {LOAD_BOUND_PCT}% busy for: " + ", ".join(load_bound)
              + ".\n  There wrk -t1 was the bottleneck: req/s says how fast wrk is, the CPU"
              " per request still compares the servers")
    if noisy:
        print(noisy_warning(noisy))

    # ---- JSON line ----
    def server_json(kind):
        loads = {}
        for load in LOADS:
            s = dict(summary[kind, load])
            del s["by_round"]
            loads[load] = s
        return {"loads": loads, "idle": idle[kind]}

    record = {
        "benchmark": "http",
        "time": now_iso(),
        "self_test": meta.pop("self_test"),
        "reliable": disturbed == 0 and not noisy,
        "disturbed_runs": disturbed,
        "host": {k: meta.pop(k) for k in ("kernel", "cpu", "cpus", "wrk", "nginx")},
        "config": dict(meta, loads={k: {"connections": c, "pipeline": d}
                                    for k, (c, d) in LOADS.items()}),
        "servers": {kind: server_json(kind) for kind in KINDS},
        "ratios": ratios,
        "targets": targets,
        "runs": runs,
    }
    append_json_line(args.json, record)

    # ---- chart data: one row per load, one column per server ----
    for name, metric, scale in (("cpu", "cpu_us_per_req", 1), ("rps", "rps", 1e-3)):
        with open(f"{args.chart_data}-{name}.dat", "w") as f:
            f.write("load " + " ".join(KINDS) + "\n")
            for load in LOADS:
                f.write(load + " " + " ".join(
                    f"{summary[k, load][metric]['median'] * scale:.3f}" for k in KINDS) + "\n")


if __name__ == "__main__":
    main()
