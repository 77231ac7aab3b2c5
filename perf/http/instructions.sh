#!/usr/bin/env bash
# perf/http/instructions.sh — user-space instructions per request of weft-hello
# builds, counted by callgrind, for comparing builds of the same code in one run.
#
# Why: on a shared VM the server core's CPU time per request (perf/http/run.sh)
# moves 10-25 % between rounds, more than most single changes save. The number of
# instructions the server executes per request moves well under 1 %, so it shows
# what a change to weft's own code did. It says nothing about the kernel's share
# (~80 % of a keep-alive request here) nor about cache misses: confirm a change with
# run.sh before calling a target met.
#
# Usage:  perf/http/instructions.sh SERVER [SERVER...]
#         (a weft-hello binary each, e.g. a copy of build-release/examples/hello/weft-hello
#          saved before a change, and the current one; the first is the reference)
# Environment (defaults in brackets):
#   LOAD [keepalive]   keepalive, or pipelined (perf/http/pipeline.lua, 16 deep)
#   CONNS [16]         wrk connections; few, so that under callgrind's ~50x slowdown
#                      no connection idles long enough to be parked
#   SECONDS [5]        measured seconds (after 2 unmeasured ones)
# Runs the epoll backend: valgrind 3.19 does not run an io_uring reactor.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=perf/lib.sh
source "$HERE/../lib.sh"

duration_from_env
LOAD=${LOAD:-keepalive}
CONNS=${CONNS:-16}
require_uints DURATION CONNS
((DURATION >= 1 && CONNS >= 1)) || die "SECONDS and CONNS must be at least 1"
case $LOAD in
  keepalive) SCRIPT=() DEPTH=() ;;
  pipelined) SCRIPT=(-s "$HERE/pipeline.lua") DEPTH=(-- 16) ;;
  *) die "LOAD must be keepalive or pipelined, got '$LOAD'" ;;
esac
(($# >= 1)) || die "usage: $0 SERVER [SERVER...] (weft-hello binaries)"
for bin; do [[ -x $bin ]] || die "'$bin' is not an executable"; done
require_tools valgrind callgrind_control wrk
cd "$ROOT" # weft-hello's --config path is relative to the repository root
# shellcheck disable=SC2034 # run_wrk (lib.sh) runs wrk through it, unpinned here
PIN_LOAD=()

setup_tmp_and_cleanup SERVER_PID CLIENT_PID
reference=""
printf '%-40s %10s %12s %8s\n' server requests instr/req ratio
for bin in "$@"; do
  port=$(free_port)
  valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.%p" "$bin" --config conf/hello.toml \
    --listen "127.0.0.1:$port" --cores 1 --backend epoll >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  wait_port "$bin" "$SERVER_PID" "$port" "$TMP/server.log"
  url="http://127.0.0.1:$port/"
  run_wrk "warm-up" 2 "$TMP/warmup.txt" -t1 -c"$CONNS" -d2s "${SCRIPT[@]}" "$url" "${DEPTH[@]}"
  rm -f "$TMP"/callgrind.*
  callgrind_control --zero "$SERVER_PID" >/dev/null 2>&1
  run_wrk "wrk" "$DURATION" "$TMP/wrk.txt" -t1 -c"$CONNS" -d"${DURATION}s" "${SCRIPT[@]}" "$url" "${DEPTH[@]}"
  callgrind_control --dump "$SERVER_PID" >/dev/null 2>&1
  stop_process "$bin" "$SERVER_PID" 10
  SERVER_PID=""
  requests=$(wrk_requests "$TMP/wrk.txt")
  ((${requests:-0} > 0)) || die "wrk served no requests from $bin (output: $(cat "$TMP/wrk.txt"))"
  # The dump written on request (part 1) holds the measured interval only.
  dump=$(find "$TMP" -name 'callgrind.*.1' | head -n 1)
  [[ -n $dump ]] || die "callgrind wrote no dump for $bin"
  instructions=$(sed -n 's/^summary: //p' "$dump")
  per_request=$((instructions / requests))
  [[ -n $reference ]] || reference=$per_request
  printf '%-40s %10d %12d %8s\n' "$bin" "$requests" "$per_request" \
    "$(awk -v a="$per_request" -v b="$reference" 'BEGIN { printf "%.3f", a / b }')"
done
