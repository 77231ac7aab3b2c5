#!/usr/bin/env bash
# perf/echo/run.sh — weft echo on io_uring and on epoll against a plain-epoll C
# echo server (perf/echo/epoll_echo.c), all measured in one run with the same pinning.
#
# Usage:  perf/echo/run.sh [BUILD_DIR]          (default: build-release)
#
# Needs BUILD_DIR/examples/echo/weft-echo, BUILD_DIR/perf/echo/echo_load and
# BUILD_DIR/perf/echo/epoll_echo (configure with -DWEFT_BUILD_EXAMPLES=ON -DWEFT_BUILD_PERF=ON).
# Environment (defaults in brackets):
#   ROUNDS [3]        interleaved rounds; each round runs every server once
#   SECONDS [5]       measured seconds per run (DURATION also works; SECONDS is
#                     bash's own clock, so only the value exported by the caller counts)
#   WARMUP [1]        unmeasured seconds before each measurement
#   CONNECTIONS [100], SIZE [64]   passed to echo_load
#   SERVER_CPU, LOAD_CPU           override pinning (default: 2nd and 1st allowed CPU)
#   RESULTS_DIR [perf/results]     echo-<date>.json there gets one JSON line per invocation
#   WEFT_ECHO_OVERRIDE             self-test only: a server that takes `--port N`
#                                  (e.g. epoll_echo) used for both weft rows
# Prints a table (medians across rounds) and the ratios to the baseline, with
# the targets: weft-io_uring >= 1.0x, weft-epoll >= 0.9x. Exit 0 when all runs
# completed, whether or not the targets were met; non-zero on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=perf/lib.sh
source "$HERE/../lib.sh"

# ---- configuration ------------------------------------------------------
duration_from_env
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
CONNECTIONS=${CONNECTIONS:-100}
SIZE=${SIZE:-64}
require_uints DURATION ROUNDS WARMUP CONNECTIONS SIZE
((DURATION >= 1 && ROUNDS >= 1)) || die "SECONDS and ROUNDS must be at least 1"

find_build_dir "${1:-build-release}"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/perf/results}
cd "$ROOT" # weft-echo's --config path is relative to the repository root

LOAD=$BUILD/perf/echo/echo_load
BASE=$BUILD/perf/echo/epoll_echo
WEFT=${WEFT_ECHO_OVERRIDE:-$BUILD/examples/echo/weft-echo}
for bin in "$LOAD" "$BASE" "$WEFT"; do
  [[ -x $bin ]] || die "missing binary $bin
  build it with: cmake --build $BUILD --target weft-echo echo_load epoll_echo"
done
if [[ -z ${WEFT_ECHO_OVERRIDE:-} && ! -f conf/echo.toml ]]; then
  die "missing $ROOT/conf/echo.toml (weft-echo's config)"
fi
SELF_TEST=false
if [[ -n ${WEFT_ECHO_OVERRIDE:-} ]]; then
  SELF_TEST=true
  warn "SELF-TEST: the weft rows run $WEFT_ECHO_OVERRIDE, not weft-echo; ratios mean nothing"
fi
command -v timeout >/dev/null || die "coreutils 'timeout' not found"

# ---- pinning: server and load each get a core of their own --------------
pin_cpus_if_possible

# ---- server lifecycle ---------------------------------------------------
setup_tmp_and_cleanup LOAD_PID SERVER_PID

server_cmd() { # kind port -> the command line, one word per line
  case $1 in
    baseline) printf '%s\n' "$BASE" --port "$2" ;;
    weft-*) if $SELF_TEST; then printf '%s\n' "$WEFT" --port "$2"; else
              printf '%s\n' "$WEFT" --config conf/echo.toml --listen "127.0.0.1:$2" \
                --cores 1 --backend "${1#weft-}"; fi ;;
  esac
}

start_server() { # kind port log
  local -a cmd
  mapfile -t cmd < <(server_cmd "$1" "$2")
  "${PIN_SERVER[@]}" "${cmd[@]}" >"$3" 2>&1 &
  SERVER_PID=$!
  wait_port "$1" "$SERVER_PID" "$2" "$3"
}

stop_server() { # kind
  stop_process "$1" "$SERVER_PID"
  SERVER_PID=""
}

# Runs echo_load in the background (not in a $(...) subshell) so the EXIT trap
# knows LOAD_PID and a SIGTERM to this script is handled at once.
run_load() { # kind port -> JSON line in $TMP/load.out, server CPU % in SRV_CPU
  local rc=0 ticks0 ns0
  ticks0=$(proc_ticks "the server" "$SERVER_PID") ns0=$(date +%s%N)
  "${PIN_LOAD[@]}" timeout $((DURATION + WARMUP + 30)) "$LOAD" --addr "127.0.0.1:$2" \
    --connections "$CONNECTIONS" --size "$SIZE" --seconds "$DURATION" --warmup "$WARMUP" \
    >"$TMP/load.out" 2>"$TMP/load.err" &
  LOAD_PID=$!
  wait "$LOAD_PID" || rc=$?
  LOAD_PID=""
  if ((rc != 0)); then
    cat "$TMP/load.out" "$TMP/load.err" >&2
    die "echo_load against $1 failed with status $rc (output above)"
  fi
  # Below ~95% the server was not the bottleneck (the load, or a neighbour, was).
  SRV_CPU=$(calc '%.0f' "100 * ($(proc_ticks "the server" "$SERVER_PID") - $ticks0) / $CLK_TCK / (($(date +%s%N) - $ns0) / 1e9)")
}

field() { sed -n "s/.*\"$1\":\([-0-9.eE+]*\).*/\1/p" <<<"$2"; }
stats() { # median|min|max "v1 v2 ..."
  tr ' ' '\n' <<<"$2" | grep . | sort -g | awk -v what="$1" '
    { v[NR] = $1 }
    END { if (what == "min") print v[1]; else if (what == "max") print v[NR];
          else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# ---- measure: interleaved rounds, order rotated each round ---------------
# One server, one load run.  In a closed loop at least one side is saturated,
# so if both use < 80% CPU something else held these CPUs: "disturbed".
measure_once() { # kind -> json, port, DISTURBED, server log in $TMP/<kind>.log
  port=$(free_port)
  local log=$TMP/$1.log
  start_server "$1" "$port" "$log"
  run_load "$1" "$port"
  json=$(cat "$TMP/load.out")
  check_affinity "$1" "$SERVER_PID"
  stop_server "$1"
  [[ -n ${STARTUP[$1]:-} ]] || STARTUP[$1]=$(head -n 1 "$log")
  warn_io_uring_fallback "$1" "$log"
  DISTURBED=false
  if awk "BEGIN { exit !($SRV_CPU < 80 && $(field load_cpu_pct "$json") < 80) }"; then
    DISTURBED=true
  fi
}

KINDS=(baseline weft-io_uring weft-epoll)
declare -A MPS P50 P99 CPU STARTUP BY_ROUND
RUNS=() N_DISTURBED=0
echo "echo benchmark: $CONNECTIONS connections x $SIZE B ping-pong, ${DURATION} s measured" \
  "(+${WARMUP} s warm-up) x $ROUNDS rounds; $PINNING"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < ${#KINDS[@]}; k++)); do
    kind=${KINDS[(k + r - 1) % ${#KINDS[@]}]}
    for attempt in 1 2 3; do
      measure_once "$kind"
      $DISTURBED || break
      warn "round $r $kind disturbed (server ${SRV_CPU}% CPU, load" \
        "$(field load_cpu_pct "$json")% CPU: another process shares the CPUs); attempt $attempt of 3"
    done
    if $DISTURBED; then N_DISTURBED=$((N_DISTURBED + 1)); fi
    MPS[$kind]+="$(field messages_per_sec "$json") "
    P50[$kind]+="$(field p50_us "$json") "
    P99[$kind]+="$(field p99_us "$json") "
    CPU[$kind]+="$SRV_CPU "
    BY_ROUND[$kind,$r]=$(field messages_per_sec "$json")
    RUNS+=("{\"round\":$r,\"server\":\"$kind\",\"port\":$port,\"server_cpu_pct\":$SRV_CPU,\"disturbed\":$DISTURBED,\"result\":$json}")
    printf '  round %d/%d %-14s %9.0f msg/s  p50 %7.1f us  p99 %8.1f us  CPU server %3s%% load %3.0f%%%s\n' \
      "$r" "$ROUNDS" "$kind" "$(field messages_per_sec "$json")" "$(field p50_us "$json")" \
      "$(field p99_us "$json")" "$SRV_CPU" "$(field load_cpu_pct "$json")" "$($DISTURBED && echo '  DISTURBED')"
  done
done

# ---- report -------------------------------------------------------------
echo
printf '%-14s %14s %24s %10s %10s %9s\n' server "msgs/s median" "spread min-max" "p50 us" "p99 us" \
  "srv CPU%"
declare -A MED
for kind in "${KINDS[@]}"; do
  MED[$kind]=$(stats median "${MPS[$kind]}")
  lo=$(stats min "${MPS[$kind]}") hi=$(stats max "${MPS[$kind]}")
  printf '%-14s %14.0f %15s (%4.1f%%) %10.1f %10.1f %9.0f\n' "$kind" "${MED[$kind]}" \
    "$(calc '%.0f-%.0f' "$lo, $hi")" "$(calc '%.1f' "100 * ($hi - $lo) / ${MED[$kind]}")" \
    "$(stats median "${P50[$kind]}")" "$(stats median "${P99[$kind]}")" "$(stats median "${CPU[$kind]}")"
done
echo
declare -A RATIO MET TARGET ROUND_RATIOS
TARGET=([weft-io_uring]=1.0 [weft-epoll]=0.9)
# The verdict uses the ratio of medians.  Rounds are interleaved, so the
# per-round ratios are paired samples that cancel slow drift of the machine
# (all three servers often speed up or slow down together); if even they vary
# by more than 10%, the verdict is marked unreliable.
NOISY=()
for kind in weft-io_uring weft-epoll; do
  RATIO[$kind]=$(calc '%.3f' "${MED[$kind]} / ${MED[baseline]}")
  for ((r = 1; r <= ROUNDS; r++)); do
    ROUND_RATIOS[$kind]+="$(calc '%.3f' "${BY_ROUND[$kind,$r]} / ${BY_ROUND[baseline,$r]}") "
  done
  lo=$(stats min "${ROUND_RATIOS[$kind]}") hi=$(stats max "${ROUND_RATIOS[$kind]}")
  if awk "BEGIN { exit !(($hi - $lo) / ${RATIO[$kind]} > 0.10) }"; then NOISY+=("$kind"); fi
done
RELIABLE=true
((N_DISTURBED == 0 && ${#NOISY[@]} == 0)) || RELIABLE=false
if ((N_DISTURBED)); then
  warn "$N_DISTURBED run(s) stayed disturbed after 3 attempts; the medians include them"
fi
if ((${#NOISY[@]})); then
  warn "per-round ratios vary by more than 10% for ${NOISY[*]}: something else is using" \
    "these CPUs; trust the ratios only after a rerun on a quiet machine (or with more ROUNDS)"
fi
for kind in weft-io_uring weft-epoll; do
  if awk "BEGIN { exit !(${RATIO[$kind]} >= ${TARGET[$kind]}) }"; then MET[$kind]=true; else MET[$kind]=false; fi
  printf '%-14s / baseline = %5.3fx (per round %s-%s)   target >= %sx: %s\n' "$kind" \
    "${RATIO[$kind]}" "$(stats min "${ROUND_RATIOS[$kind]}")" "$(stats max "${ROUND_RATIOS[$kind]}")" \
    "${TARGET[$kind]}" "$(${MET[$kind]} && echo met || echo MISSED)$($RELIABLE || echo ' (unreliable: see warnings)')"
done
for kind in weft-io_uring weft-epoll; do echo "$kind startup: ${STARTUP[$kind]}"; done
$SELF_TEST && echo "(SELF-TEST run: weft rows were $WEFT)"

# ---- record: one JSON line appended per invocation ----------------------
json_str() { # escape for a JSON string; control characters are dropped
  local s
  s=$(tr -d '\000-\037' <<<"$1")
  s=${s//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}
summary() { # kind
  printf '{"median_msgs_per_sec":%s,"min_msgs_per_sec":%s,"max_msgs_per_sec":%s,' \
    "${MED[$1]}" "$(stats min "${MPS[$1]}")" "$(stats max "${MPS[$1]}")"
  printf '"median_p50_us":%s,"median_p99_us":%s,"median_server_cpu_pct":%s,"startup":%s}' \
    "$(stats median "${P50[$1]}")" "$(stats median "${P99[$1]}")" "$(stats median "${CPU[$1]}")" \
    "$(json_str "${STARTUP[$1]}")"
}
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/echo-$(date +%F).json
CPU_MODEL=$(cpu_model)
{
  printf '{"benchmark":"echo","time":%s,"self_test":%s,"reliable":%s,"disturbed_runs":%s,' \
    "$(json_str "$(date -Iseconds)")" "$SELF_TEST" "$RELIABLE" "$N_DISTURBED"
  printf '"host":{"kernel":%s,"cpu":%s,"cpus":%s},' "$(json_str "$(uname -r)")" \
    "$(json_str "$CPU_MODEL")" "$(nproc)"
  printf '"config":{"rounds":%s,"seconds":%s,"warmup":%s,"connections":%s,"size":%s,' \
    "$ROUNDS" "$DURATION" "$WARMUP" "$CONNECTIONS" "$SIZE"
  printf '"server_cpu":"%s","load_cpu":"%s"},' "$SERVER_CPU" "$LOAD_CPU"
  printf '"servers":{"baseline":%s,"weft-io_uring":%s,"weft-epoll":%s},' \
    "$(summary baseline)" "$(summary weft-io_uring)" "$(summary weft-epoll)"
  printf '"ratios":{"weft-io_uring":%s,"weft-epoll":%s},' "${RATIO[weft-io_uring]}" "${RATIO[weft-epoll]}"
  printf '"round_ratios":{"weft-io_uring":[%s],"weft-epoll":[%s]},' \
    "$(xargs <<<"${ROUND_RATIOS[weft-io_uring]}" | tr ' ' ,)" "$(xargs <<<"${ROUND_RATIOS[weft-epoll]}" | tr ' ' ,)"
  printf '"targets":{"weft-io_uring":{"min":1.0,"met":%s},"weft-epoll":{"min":0.9,"met":%s}},' \
    "${MET[weft-io_uring]}" "${MET[weft-epoll]}"
  printf '"runs":[%s]}\n' "$(IFS=,; echo "${RUNS[*]}")"
} >>"$OUT"
echo "appended to $OUT"
