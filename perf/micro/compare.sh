#!/usr/bin/env bash
# perf/micro/compare.sh — runs weft_vs_asio (weft against Boost.Asio 1.81, same run)
# and prints, for each operation, weft's and Asio's time per operation, their ratio
# (asio_time / weft_time = weft's throughput advantage), the target and whether it is
# met. Appends the run (raw Google Benchmark JSON + the table + machine load) as one
# JSON line to perf/results/micro-<date>.json (JSON Lines: one object per run).
#
# Usage: perf/micro/compare.sh [BUILD_DIR]        (default: build-bench in the repository)
#   Build first:
#     cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF
#     cmake --build build-bench -j1 --target weft_vs_asio
#
# Environment:
#   REPETITIONS=5     --benchmark_repetitions; the table shows the median of them
#   MIN_TIME=0.5      --benchmark_min_time (seconds) per repetition
#   SINGLE_CPU=1      CPU for the one-thread benchmarks (spawn, select, channel)
#   CROSS_CPUS=0,1    CPUs for offload and submit_to (a caller core and a second one)
#   WEFT_BACKEND      io_uring|epoll forces weft's backend (default: automatic)
#   RESULTS_DIR       where micro-<date>.json goes (default: perf/results)
#
# What the numbers are: "ns/op" is the median over repetitions of each repetition's
# mean wall time per operation. For the round trips "p50" is the median over
# repetitions of each repetition's per-operation median latency (every iteration is
# timed); the latency targets apply to weft's p50. Benchmarks measure the machine as it
# is: the script prints the load average and how much CPU other processes took while
# each part ran (DISTURBED above 10% of the CPUs it used), and records both.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build_dir=${1:-$repo/build-bench}
binary=$build_dir/perf/micro/weft_vs_asio
repetitions=${REPETITIONS:-5}
min_time=${MIN_TIME:-0.5}
single_cpu=${SINGLE_CPU:-1}
cross_cpus=${CROSS_CPUS:-0,1}

if [[ ! -x $binary ]]; then
  echo "compare.sh: $binary not found. Build it (needs Boost 1.81, tools/install-deps.sh):" >&2
  echo "  cmake -S $repo -B $build_dir -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_EXAMPLES=OFF" >&2
  echo "  cmake --build $build_dir -j1 --target weft_vs_asio" >&2
  exit 1
fi
for tool in taskset python3; do
  command -v "$tool" >/dev/null || { echo "compare.sh: $tool not found" >&2; exit 1; }
done
if ! taskset -c "$single_cpu" true 2>/dev/null || ! taskset -c "$cross_cpus" true 2>/dev/null; then
  echo "compare.sh: cannot pin to CPUs $single_cpu / $cross_cpus here (set SINGLE_CPU, CROSS_CPUS)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CPU time the rest of the machine took while a part ran: busy jiffies of the CPUs
# used (from /proc/stat) minus this script's children's CPU time (bash `times`).
clk_tck=$(getconf CLK_TCK)
busy_seconds() { # cpu list (e.g. 0,1) -> busy CPU seconds of those CPUs since boot
  awk -v cpus="$1" -v hz="$clk_tck" 'BEGIN { n = split(cpus, c, ","); for (i = 1; i <= n; i++) want["cpu" c[i]] = 1 }
    $1 in want { s += $2 + $3 + $4 + $7 + $8 + $9 } END { printf "%.2f\n", s / hz }' /proc/stat
}
children_seconds() { # -> $kids: user + system CPU seconds of finished children of this shell
  times >"$work/times"  # not in $(...): a subshell would report its own children
  kids=$(awk 'NR == 2 { s = 0; for (i = 1; i <= NF; i++) { split($i, p, "m"); s += p[1] * 60 + substr(p[2], 1, length(p[2]) - 1) } printf "%.2f\n", s }' "$work/times")
}
run_part() { # name cpus filter -> $work/<name>.json, $work/<name>.disturbance
  local name=$1 cpus=$2 filter=$3 busy0 kids0 start busy1 kids1 end kids
  busy0=$(busy_seconds "$cpus"); children_seconds; kids0=$kids; start=$(date +%s.%N)
  taskset -c "$cpus" "$binary" "${common[@]}" "--benchmark_filter=$filter" \
    >"$work/$name.json" 2>"$work/$name.log" || { cat "$work/$name.log" >&2; exit 1; }
  busy1=$(busy_seconds "$cpus"); children_seconds; kids1=$kids; end=$(date +%s.%N)
  awk -v b="$busy1" -v b0="$busy0" -v k="$kids1" -v k0="$kids0" -v t="$end" -v t0="$start" -v cpus="$cpus" \
    'BEGIN { n = split(cpus, c, ","); other = (b - b0) - (k - k0); if (other < 0) other = 0
             pct = 100 * other / ((t - t0) * n)
             printf "{\"wall_s\":%.1f,\"cpus\":\"%s\",\"other_cpu_s\":%.1f,\"other_pct\":%.1f,\"disturbed\":%s}\n", t - t0, cpus, other, pct, (pct > 10 ? "true" : "false") }' \
    >"$work/$name.disturbance"
}

load_before=$(cat /proc/loadavg)
echo "load before: $(uptime)"

# Repetitions of weft and Asio benchmarks are interleaved in random order, so a change
# in the machine's load during the run does not fall on one library only.
common=(--benchmark_format=json "--benchmark_repetitions=$repetitions" --benchmark_report_aggregates_only=true
        "--benchmark_min_time=$min_time" --benchmark_enable_random_interleaving=true)
# One-thread benchmarks: everything on one CPU.
run_part single "$single_cpu" '^(spawn_join|select_ready_timer|select_yield_timer|channel_pingpong)/'
# Cross-thread round trips: the caller's core and one more CPU (weft pins reactor i
# to the i-th allowed CPU; the Asio threads are pinned the same way).
run_part cross "$cross_cpus" '^(offload_rtt|submit_to_rtt|wake_floor_rtt)/'

load_after=$(cat /proc/loadavg)
echo "load after:  $(uptime)"

results_dir=${RESULTS_DIR:-$repo/perf/results}
mkdir -p "$results_dir"
results=$results_dir/micro-$(date +%Y-%m-%d).json

python3 - "$work/single.json" "$work/cross.json" "$results" "$load_before" "$load_after" \
  "$single_cpu" "$cross_cpus" "$build_dir" "$repetitions" "$work/single.disturbance" "$work/cross.disturbance" <<'PY'
import json, sys, datetime

(single_path, cross_path, results_path, load_before, load_after, single_cpu, cross_cpus, build_dir,
 repetitions, single_disturbance, cross_disturbance) = sys.argv[1:]
disturbance = {"single_cpu": json.load(open(single_disturbance)), "cross_cpu": json.load(open(cross_disturbance))}
runs = {"single_cpu": json.load(open(single_path)), "cross_cpu": json.load(open(cross_path))}

# name -> {"time": median real_time ns, "p50": median p50_ns, "p99": ..., "label": backend}
stats = {}
for run in runs.values():
    for b in run["benchmarks"]:
        if b.get("aggregate_name") != "median":
            continue
        name = b["run_name"].removesuffix("/real_time")
        scale = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
        stats[name] = {
            "time_ns": b["real_time"] * scale,
            "cpu_ns": b["cpu_time"] * scale,
            "p50_ns": b.get("p50_ns"),
            "p99_ns": b.get("p99_ns"),
            "ctxsw_per_op": b.get("ctxsw_per_op"),
            "label": b.get("label", ""),
        }

# (operation, kind, target value, target text)
#   ratio:   asio_time / weft_time >= target
#   p50_max: weft's per-operation median latency <= target ns
#   none:    reported only
rows = [
    ("spawn_join", "ratio", 2.0, ">= 2x Asio"),
    ("select_ready_timer", "ratio", 2.0, ">= 2x Asio"),
    ("channel_pingpong", "none", None, "-"),
    ("offload_rtt", "p50_max", 10_000, "p50 <= 10 us"),
    ("submit_to_rtt", "p50_max", 5_000, "p50 <= 5 us"),
]
variants = [  # (operation, weft side, asio side, what it shows)
    ("select_ready_timer", "weft", "asio_as_tuple", "Asio's losing timer completes with an error_code, no throw"),
    ("select_yield_timer", "weft", "asio", "task suspends once: both sides arm and cancel the timer"),
    ("offload_rtt", "weft", "asio_post", "Asio: async_initiate + post to the pool, no coroutine there"),
    ("offload_rtt", "weft", "asio_condvar", "Asio io_context without its epoll reactor (futex wake)"),
    ("offload_rtt", "weft", "asio_unpinned_pool", "Asio pool thread may run on the other CPU (weft's may not)"),
    ("submit_to_rtt", "weft", "asio_condvar", "Asio io_contexts without their epoll reactors (futex wake)"),
]

def fmt_ns(v):
    return "n/a" if v is None else f"{v:,.0f}"

def get(name):
    return stats.get(name)

table = []
for op, kind, target, target_text in rows:
    w, a = get(f"{op}/weft"), get(f"{op}/asio")
    ratio = a["time_ns"] / w["time_ns"] if w and a else None
    # For one-thread benchmarks the loop's own thread CPU time is also comparable
    # (less disturbed by other processes on the CPU); not for the round trips.
    cpu_ratio = a["cpu_ns"] / w["cpu_ns"] if w and a and kind != "p50_max" and w["cpu_ns"] > 0 else None
    if w is None:
        verdict = "not run"
    elif kind == "ratio":
        verdict = "met" if ratio is not None and ratio >= target else "not met"
    elif kind == "p50_max":
        verdict = "met" if w["p50_ns"] is not None and w["p50_ns"] <= target else "not met"
    else:
        verdict = "-"
    table.append({
        "operation": op,
        "weft_ns_per_op": w and w["time_ns"], "asio_ns_per_op": a and a["time_ns"],
        "ratio_asio_over_weft": ratio, "cpu_ratio_asio_over_weft": cpu_ratio,
        "weft_p50_ns": w and w["p50_ns"], "asio_p50_ns": a and a["p50_ns"],
        "weft_p99_ns": w and w["p99_ns"], "asio_p99_ns": a and a["p99_ns"],
        "target": target_text, "result": verdict,
        "weft_backend": w and w["label"],
    })

variant_table = []
for op, wside, aside, note in variants:
    w, a = get(f"{op}/{wside}"), get(f"{op}/{aside}")
    variant_table.append({
        "operation": f"{op} ({aside})", "note": note,
        "weft_ns_per_op": w and w["time_ns"], "asio_ns_per_op": a and a["time_ns"],
        "ratio_asio_over_weft": (a["time_ns"] / w["time_ns"]) if w and a else None,
        "weft_p50_ns": w and w["p50_ns"], "asio_p50_ns": a and a["p50_ns"],
    })

def print_table(header, lines):
    widths = [max(len(str(r[i])) for r in [header] + lines) for i in range(len(header))]
    def line(r):
        return "  ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(r))
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in lines:
        print(line(r))

backend = next((r["weft_backend"] for r in table if r["weft_backend"]), "?")
print()
print(f"weft ({backend}) vs Boost.Asio {runs['single_cpu']['context'].get('boost_version', '?')}; "
      f"one-thread benchmarks on CPU {single_cpu}, round trips on CPUs {cross_cpus}; "
      f"median of {repetitions} repetitions")
print("ns/op: wall time per operation; asio/weft > 1 means weft is faster. (cpu): the same ratio on the")
print("loop thread's CPU time (one-thread benchmarks only). p50: per-operation median latency.")
for part, d in disturbance.items():
    print(f"{part}: {d['wall_s']:.0f} s on CPUs {d['cpus']}; other processes took {d['other_cpu_s']:.1f} CPU-s "
          f"({d['other_pct']:.0f}% of those CPUs){'  DISTURBED' if d['disturbed'] else ''}")
print_table(
    ["operation", "weft ns/op", "asio ns/op", "asio/weft", "(cpu)", "weft p50 ns", "asio p50 ns", "target", "result"],
    [[r["operation"], fmt_ns(r["weft_ns_per_op"]), fmt_ns(r["asio_ns_per_op"]),
      f"{r['ratio_asio_over_weft']:.2f}x" if r["ratio_asio_over_weft"] else "n/a",
      f"{r['cpu_ratio_asio_over_weft']:.2f}x" if r["cpu_ratio_asio_over_weft"] else "-",
      fmt_ns(r["weft_p50_ns"]) if r["weft_p50_ns"] is not None else "-",
      fmt_ns(r["asio_p50_ns"]) if r["asio_p50_ns"] is not None else "-",
      r["target"], r["result"]] for r in table])
print()
print("variants (no target):")
print_table(
    ["operation (asio variant)", "weft ns/op", "asio ns/op", "asio/weft", "weft p50 ns", "asio p50 ns", "what it shows"],
    [[r["operation"], fmt_ns(r["weft_ns_per_op"]), fmt_ns(r["asio_ns_per_op"]),
      f"{r['ratio_asio_over_weft']:.2f}x" if r["ratio_asio_over_weft"] else "n/a",
      fmt_ns(r["weft_p50_ns"]) if r["weft_p50_ns"] is not None else "-",
      fmt_ns(r["asio_p50_ns"]) if r["asio_p50_ns"] is not None else "-",
      r["note"]] for r in variant_table])

floor = get("wake_floor_rtt/os")
if floor:
    print()
    print(f"floor (no library; two threads on CPUs {cross_cpus} wake each other through futexes): "
          f"{fmt_ns(floor['time_ns'])} ns/op, p50 {fmt_ns(floor['p50_ns'])} ns, p99 {fmt_ns(floor['p99_ns'])} ns")
    print("every round trip above pays two such wake-ups when its threads sleep while idle")

record = {
    "kind": "weft_vs_asio",
    "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "build_dir": build_dir,
    "cpus": {"single": single_cpu, "cross": cross_cpus},
    "loadavg_before": load_before, "loadavg_after": load_after, "disturbance": disturbance,
    "table": table, "variants": variant_table, "wake_floor": floor, "stats": stats,
    "google_benchmark": runs,
}
with open(results_path, "a") as out:
    out.write(json.dumps(record, separators=(",", ":")) + "\n")
print(f"\nappended to {results_path}")
PY
