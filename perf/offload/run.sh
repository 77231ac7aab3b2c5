#!/usr/bin/env bash
# perf/offload/run.sh — what a CPU-heavy handler does to the rest of a core: GET
# /healthz latency on weft-offload while a second wrk keeps POST /hash (PBKDF2) busy,
# once with the hash offloaded (weft::offload) and once inline on the reactor, in one
# run with the same pinning: the whole server (reactor and offload pool) on one CPU,
# --cores 1; both wrk on another.
#
# Usage:  perf/offload/run.sh [BUILD_DIR]          (default: build-release)
#
# Needs BUILD_DIR/examples/offload/weft-offload (cmake --build BUILD_DIR --target
# weft-offload), wrk, python3, taskset.
# Environment (defaults in brackets):
#   SECONDS [5]          measured seconds of the /healthz wrk (DURATION also works; SECONDS
#                        is bash's own clock, so only the value exported by the caller counts)
#   WARMUP [1]           seconds the /hash load runs before /healthz is measured
#   ITERATIONS [100000]  PBKDF2 iterations per hash ([offload] iterations)
#   HASH_CONNS [4]       connections of the /hash wrk
#   HEALTHZ_CONNS [10]   connections of the /healthz wrk
#   BACKEND [automatic]  --backend of the server
#   SERVER_CPU, LOAD_CPU pinning (default: 2nd and 1st allowed CPU)
#   RESULTS_DIR [perf/results]  offload-<date>.json gets one JSON line per invocation
# /healthz: wrk -t1 -c$HEALTHZ_CONNS --latency (p50/p99 with wrk's coordinated-omission
# correction); /hash: wrk -t1 -c$HASH_CONNS -s hash.lua, running from WARMUP seconds
# before the /healthz run until after it. Prints both modes and the inline/offloaded
# ratios; exits 0 when every run completed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=perf/lib.sh
source "$HERE/../lib.sh"

# ---- configuration ------------------------------------------------------
duration_from_env
WARMUP=${WARMUP:-1}
ITERATIONS=${ITERATIONS:-100000}
HASH_CONNS=${HASH_CONNS:-4}
HEALTHZ_CONNS=${HEALTHZ_CONNS:-10}
BACKEND=${BACKEND:-automatic}
require_uints DURATION WARMUP ITERATIONS HASH_CONNS HEALTHZ_CONNS
((DURATION >= 1 && ITERATIONS >= 1 && HASH_CONNS >= 1 && HEALTHZ_CONNS >= 1)) ||
  die "SECONDS, ITERATIONS, HASH_CONNS and HEALTHZ_CONNS must be at least 1"

find_build_dir "${1:-build-release}"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/perf/results}
WEFT=$BUILD/examples/offload/weft-offload
[[ -x $WEFT ]] || die "missing binary $WEFT
  build it with: cmake --build $BUILD --target weft-offload"
require_tools wrk python3 taskset timeout

# ---- pinning ------------------------------------------------------------
pin_cpus server

# ---- server lifecycle ---------------------------------------------------
setup_tmp_and_cleanup HEALTHZ_PID HASH_PID SERVER_PID

start_server() { # mode port -> SERVER_PID; the log in $TMP/mode.log
  local inline=false
  [[ $1 == inline ]] && inline=true
  printf '[offload]\niterations = %d\ninline = %s\n' "$ITERATIONS" "$inline" >"$TMP/$1.toml"
  "${PIN_SERVER[@]}" "$WEFT" --config "$TMP/$1.toml" --listen "127.0.0.1:$2" --cores 1 \
    --backend "$BACKEND" >"$TMP/$1.log" 2>&1 &
  SERVER_PID=$!
  wait_port "weft-offload ($1)" "$SERVER_PID" "$2" "$TMP/$1.log"
  # The reactor and the offload pool must all stay on the server's CPU: the point is
  # what they do to each other on one core.
  check_affinity "$1" "$SERVER_PID"
}

stop_server() { # mode
  stop_process "weft-offload ($1)" "$SERVER_PID" 10
  SERVER_PID=""
}

# ---- one mode -----------------------------------------------------------
measure() { # mode -> one row appended to $TMP/runs.tsv
  local port rc=0 p0 p1 t0 t1
  port=$(free_port)
  start_server "$1" "$port"
  # The /hash load first (it outlasts the /healthz run), then /healthz alone measured.
  "${PIN_LOAD[@]}" timeout $((DURATION + WARMUP + 60)) wrk -t1 -c"$HASH_CONNS" -d"$((DURATION + WARMUP + 1))"s \
    --timeout 30s --latency -s "$HERE/hash.lua" "http://127.0.0.1:$port/hash" >"$TMP/$1-hash.out" 2>&1 &
  HASH_PID=$!
  sleep "$WARMUP"
  p0=$(proc_ticks "the server" "$SERVER_PID") t0=$(date +%s%N)
  "${PIN_LOAD[@]}" timeout $((DURATION + 60)) wrk -t1 -c"$HEALTHZ_CONNS" -d"$DURATION"s --timeout 30s --latency \
    "http://127.0.0.1:$port/healthz" >"$TMP/$1-healthz.out" 2>&1 &
  HEALTHZ_PID=$!
  wait "$HEALTHZ_PID" || rc=$?
  HEALTHZ_PID=""
  p1=$(proc_ticks "the server" "$SERVER_PID") t1=$(date +%s%N)
  ((rc == 0)) || { cat "$TMP/$1-healthz.out" >&2; die "wrk /healthz ($1) failed with status $rc (output above)"; }
  wait "$HASH_PID" || rc=$?
  HASH_PID=""
  ((rc == 0)) || { cat "$TMP/$1-hash.out" >&2; die "wrk /hash ($1) failed with status $rc (output above)"; }
  stop_server "$1"
  local h=$TMP/$1-healthz.out x=$TMP/$1-hash.out
  local hz_req hz_rps hz_p50 hz_p99 hz_max hz_err hash_req hash_rps hash_p50 hash_err cpu_pct
  hz_req=$(wrk_requests "$h") hz_rps=$(wrk_rps "$h") hz_p50=$(wrk_latency_us "$h" 50 %.0f)
  hz_p99=$(wrk_latency_us "$h" 99 %.0f) hz_max=$(wrk_max_us "$h" %.0f) hz_err=$(wrk_error_total "$h")
  hash_req=$(wrk_requests "$x") hash_rps=$(wrk_rps "$x") hash_p50=$(wrk_latency_us "$x" 50 %.0f)
  hash_err=$(wrk_error_total "$x")
  [[ -n $hz_req && -n $hz_rps && -n $hz_p50 && -n $hz_p99 && -n $hz_max && -n $hash_req && -n $hash_rps &&
     -n $hash_p50 ]] || { cat "$h" "$x" >&2; die "could not parse wrk's output for $1 (above)"; }
  ((hz_req > 0 && hash_req > 0)) || { cat "$h" "$x" >&2; die "$1: a wrk completed no requests (above)"; }
  # The server's CPU time over the /healthz run, in % of one CPU (100 = its core saturated).
  cpu_pct=$(awk "BEGIN { printf \"%.0f\", ($p1 - $p0) / $CLK_TCK * 1e11 / ($t1 - $t0) }")
  printf '%s\t' "$1" "$hz_req" "$hz_rps" "$hz_p50" "$hz_p99" "$hz_max" "$hz_err" "$hash_req" "$hash_rps" \
    "$hash_p50" "$hash_err" >>"$TMP/runs.tsv"
  echo "$cpu_pct" >>"$TMP/runs.tsv"
  printf '  %-9s /healthz %8.0f req/s  p50 %8s us  p99 %8s us  max %8s us | /hash %7.1f req/s  p50 %8s us | server CPU %s%%  errors %s\n' \
    "$1" "$hz_rps" "$hz_p50" "$hz_p99" "$hz_max" "$hash_rps" "$hash_p50" "$cpu_pct" "$((hz_err + hash_err))"
}

# ---- run, report, JSON line ---------------------------------------------
WRK_VERSION=$(wrk_version)
echo "offload benchmark: /healthz wrk -t1 -c$HEALTHZ_CONNS for ${DURATION} s under /hash wrk -t1 -c$HASH_CONNS" \
  "($ITERATIONS PBKDF2 iterations, ${WARMUP} s ahead); weft-offload --cores 1 --backend $BACKEND on CPU" \
  "$SERVER_CPU, wrk $WRK_VERSION on CPU $LOAD_CPU"
: >"$TMP/runs.tsv"
for mode in offloaded inline; do measure "$mode"; done

mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/offload-$(date +%F).json
echo
WRK_VERSION=$WRK_VERSION DURATION=$DURATION WARMUP=$WARMUP ITERATIONS=$ITERATIONS HASH_CONNS=$HASH_CONNS \
  HEALTHZ_CONNS=$HEALTHZ_CONNS BACKEND=$BACKEND SERVER_CPU=$SERVER_CPU LOAD_CPU=$LOAD_CPU WEFT=$WEFT \
  python3 - "$TMP/runs.tsv" "$OUT" <<'PY'
import datetime, json, os, sys
names = ["mode", "healthz_requests", "healthz_rps", "healthz_p50_us", "healthz_p99_us", "healthz_max_us",
         "healthz_errors", "hash_requests", "hash_rps", "hash_p50_us", "hash_errors", "server_cpu_pct"]
rows = []
for line in open(sys.argv[1]):
    row = dict(zip(names, line.rstrip("\n").split("\t")))
    rows.append({k: (v if k == "mode" else float(v) if "." in v else int(v)) for k, v in row.items()})
by = {r["mode"]: r for r in rows}
off, inl = by["offloaded"], by["inline"]
print(f"{'mode':<10} {'healthz p50':>12} {'healthz p99':>12} {'healthz max':>12} {'healthz/s':>10} {'hash/s':>8}"
      f" {'hash p50':>10} {'CPU %':>6}")
for r in rows:
    print(f"{r['mode']:<10} {r['healthz_p50_us'] / 1e3:>9.2f} ms {r['healthz_p99_us'] / 1e3:>9.2f} ms"
          f" {r['healthz_max_us'] / 1e3:>9.2f} ms {r['healthz_rps']:>10.0f} {r['hash_rps']:>8.1f}"
          f" {r['hash_p50_us'] / 1e3:>7.1f} ms {r['server_cpu_pct']:>6}")
ratio = lambda key: round(inl[key] / off[key], 4) if off[key] else None
ratios = {"healthz_p50": ratio("healthz_p50_us"), "healthz_p99": ratio("healthz_p99_us"),
          "healthz_rps": ratio("healthz_rps"), "hash_rps": ratio("hash_rps")}
fmt = lambda v: "n/a" if v is None else f"{v:.3g}x"
print(f"inline / offloaded: /healthz p50 {fmt(ratios['healthz_p50'])}, p99 {fmt(ratios['healthz_p99'])},"
      f" throughput {fmt(ratios['healthz_rps'])}; /hash throughput {fmt(ratios['hash_rps'])}")
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "")
env = os.environ
record = {
    "benchmark": "offload",
    "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "host": {"kernel": os.uname().release, "cpu": cpu, "cpus": os.cpu_count(), "wrk": env["WRK_VERSION"]},
    "config": {"seconds": int(env["DURATION"]), "warmup": int(env["WARMUP"]), "iterations": int(env["ITERATIONS"]),
               "hash_connections": int(env["HASH_CONNS"]), "healthz_connections": int(env["HEALTHZ_CONNS"]),
               "backend": env["BACKEND"], "cores": 1, "server_cpu": int(env["SERVER_CPU"]),
               "load_cpu": int(env["LOAD_CPU"]), "weft": env["WEFT"]},
    "runs": rows,
    "ratios_inline_over_offloaded": ratios,
}
with open(sys.argv[2], "a") as f:
    f.write(json.dumps(record, separators=(",", ":")) + "\n")
PY
echo "appended to $OUT"
