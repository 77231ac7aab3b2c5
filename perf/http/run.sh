#!/usr/bin/env bash
# perf/http/run.sh — weft's HTTP hello server (io_uring and epoll) against nginx
# and a plain-epoll C server (perf/http/epoll_http.c, the floor), all measured
# in one run with the same pinning: server on one CPU, `wrk -t1` on another.
#
# Usage:  perf/http/run.sh [BUILD_DIR]          (default: build-release)
#
# Needs BUILD_DIR/examples/hello/weft-hello, BUILD_DIR/perf/http/epoll_http and
# BUILD_DIR/perf/http/idle_conns (configure with -DWEFT_BUILD_EXAMPLES=ON
# -DWEFT_BUILD_PERF=ON), plus wrk, /usr/sbin/nginx, python3; gnuplot for the chart.
# Environment (defaults in brackets):
#   ROUNDS [3]        interleaved rounds; each round runs every server x load once
#   SECONDS [5]       measured seconds per wrk run (DURATION also works; SECONDS is
#                     bash's own clock, so only the value exported by the caller counts)
#   WARMUP [1]        unmeasured wrk seconds before each measurement (0: none)
#   IDLE_CONNS [10000]             idle keep-alive connections for the memory figure
#   SERVER_CPU, LOAD_CPU           pinning (default: 2nd and 1st allowed CPU)
#   NGINX [/usr/sbin/nginx]
#   RESULTS_DIR [perf/results]     http-<date>.json gets one JSON line per invocation,
#                                  http-<date>.png the chart
#   WEFT_HELLO_OVERRIDE            self-test only: a server that takes `--port N`
#                                  (e.g. epoll_http) used for both weft rows
# Loads (wrk -t1 --latency): ka50 and ka256 = keep-alive with 50 and 256
# connections; pipe16 = 256 connections, 16 requests per write (pipeline.lua).
# CPU per request is the server CPU's busy time in /proc/stat (user, nice,
# system, irq, softirq; not idle, iowait or steal) over the requests wrk
# completed: it includes the kernel's network work on that core, which the
# process's own utime+stime (the "proc" column) partly misses.
# p50/p99 are wrk's (with its coordinated-omission correction), keep-alive
# loads only: under pipelining wrk 4.1 gets them wrong (see measure below).
# A run is DISTURBED when either CPU was >10% busy, with the server idle, just
# before or after it: another process there, whose time counts in the core's
# CPU figure.
# Then IDLE_CONNS connections each make one request and stay open; the growth
# of the server's VmRSS over them gives KiB per idle connection. Before the
# baseline, a 1 s wrk warm-up (256 connections) lets each server fill the pools
# it fills once whatever the load (weft's io_uring receive-buffer ring, 8 MiB
# per core, is touched as it cycles): they count in the baseline, not per
# connection.
# Prints medians (spread min-max), the ratios with the targets, and exits 0
# when every run completed, whether or not the targets were met.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=perf/lib.sh
source "$HERE/../lib.sh"

# ---- configuration ------------------------------------------------------
duration_from_env
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
IDLE_CONNS=${IDLE_CONNS:-10000}
require_uints DURATION ROUNDS WARMUP IDLE_CONNS
((DURATION >= 1 && ROUNDS >= 1 && IDLE_CONNS >= 1)) ||
  die "SECONDS, ROUNDS and IDLE_CONNS must be at least 1"

find_build_dir "${1:-build-release}"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/perf/results}
cd "$ROOT" # weft-hello's --config path is relative to the repository root

FLOOR=$BUILD/perf/http/epoll_http
IDLE=$BUILD/perf/http/idle_conns
WEFT=${WEFT_HELLO_OVERRIDE:-$BUILD/examples/hello/weft-hello}
NGINX=${NGINX:-/usr/sbin/nginx}
for bin in "$FLOOR" "$IDLE" "$WEFT"; do
  [[ -x $bin ]] || die "missing binary $bin
  build it with: cmake --build $BUILD --target weft-hello epoll_http idle_conns"
done
[[ -x $NGINX ]] || die "missing $NGINX (apt-get install nginx-light, or set NGINX=path)"
require_tools wrk python3 taskset timeout
if [[ -z ${WEFT_HELLO_OVERRIDE:-} && ! -f conf/hello.toml ]]; then
  die "missing $ROOT/conf/hello.toml (weft-hello's config)"
fi
SELF_TEST=false
if [[ -n ${WEFT_HELLO_OVERRIDE:-} ]]; then
  SELF_TEST=true
  warn "SELF-TEST: the weft rows run $WEFT_HELLO_OVERRIDE, not weft-hello; ratios mean nothing"
fi

# ---- pinning and limits -------------------------------------------------
# CPU per request is read off the server's core, so pinning is not optional.
pin_cpus server

# Servers and idle_conns inherit this; without root's CAP_SYS_RESOURCE the
# hard limit caps it.
NOFILE=65536
HARD=$(ulimit -Hn)
if [[ $HARD != unlimited ]] && ((HARD < NOFILE)); then
  ulimit -Hn $NOFILE 2>/dev/null || NOFILE=$HARD
fi
ulimit -n "$NOFILE"
((NOFILE >= IDLE_CONNS + 100)) ||
  die "open-file limit $NOFILE is too low for IDLE_CONNS=$IDLE_CONNS (raise ulimit -Hn)"

# ---- server lifecycle ---------------------------------------------------
setup_tmp_and_cleanup CLIENT_PID SERVER_PID

server_cmd() { # kind port -> the command line, one word per line
  case $1 in
    floor) printf '%s\n' "$FLOOR" --port "$2" ;;
    nginx) local dir=$TMP/nginx-$2
           mkdir -p "$dir"
           nginx_conf "$dir" 20000 "worker_rlimit_nofile $NOFILE;" >"$dir/nginx.conf" <<EOF
  server {
    listen 127.0.0.1:$2 backlog=4096;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
EOF
           printf '%s\n' "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" ;;
    weft-*) if $SELF_TEST; then printf '%s\n' "$WEFT" --port "$2"; else
              printf '%s\n' "$WEFT" --config conf/hello.toml --listen "127.0.0.1:$2" \
                --cores 1 --backend "${1#weft-}"; fi ;;
  esac
}

start_server() { # kind port log
  local -a cmd
  mapfile -t cmd < <(server_cmd "$1" "$2")
  "${PIN_SERVER[@]}" "${cmd[@]}" >"$3" 2>&1 &
  SERVER_PID=$!
  wait_port "$1" "$SERVER_PID" "$2" "$3" "$TMP/$1-$2/error.log"
  check_affinity "$1" "$SERVER_PID"
}

stop_server() { # kind
  stop_process "$1" "$SERVER_PID"
  SERVER_PID=""
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }

# ---- one wrk run --------------------------------------------------------
declare -A LOAD_CONNS=([ka50]=50 [ka256]=256 [pipe16]=256)
LOADS=(ka50 ka256 pipe16)
wrk_args() { # load seconds port
  echo -t1 -c"${LOAD_CONNS[$1]}" -d"$2"s --latency
  [[ $1 == pipe* ]] && echo -s "$HERE/pipeline.lua"
  echo "http://127.0.0.1:$3/"
  [[ $1 == pipe* ]] && echo -- "${1#pipe}"
  return 0
}
measure() { # round kind load port -> one row appended to $TMP/runs.tsv
  local before after disturbed=false
  before=$(quiet_busy_pct)
  # shellcheck disable=SC2046 # wrk_args prints words without spaces
  ((WARMUP == 0)) || run_wrk "wrk ($3)" "$WARMUP" "$TMP/wrk.out" $(wrk_args "$3" "$WARMUP" "$4")
  local c0 p0 t0 c1 p1 t1 requests rps p50 p99 errs
  c0=$(cpu_busy "$SERVER_CPU") p0=$(proc_ticks "the server" "$SERVER_PID") t0=$(date +%s%N)
  # shellcheck disable=SC2046
  run_wrk "wrk ($3)" "$DURATION" "$TMP/wrk.out" $(wrk_args "$3" "$DURATION" "$4")
  c1=$(cpu_busy "$SERVER_CPU") p1=$(proc_ticks "the server" "$SERVER_PID") t1=$(date +%s%N)
  after=$(idle_busy_pct) # a neighbour that came during the run is likely still there
  cpus_disturbed "$before" "$after" && disturbed=true
  requests=$(wrk_requests "$TMP/wrk.out") rps=$(wrk_rps "$TMP/wrk.out")
  p50=$(wrk_latency_us "$TMP/wrk.out" 50) p99=$(wrk_latency_us "$TMP/wrk.out" 99)
  # wrk 4.1 corrects for coordinated omission with an interval computed per
  # response, 16x too short under pipelining: its percentiles come out low or
  # 0 (wg/wrk#236), so pipelined runs report none.
  [[ $3 == pipe* ]] && p50=- p99=-
  read -ra errs <<<"$(wrk_errors "$TMP/wrk.out")"
  [[ -n $requests && -n $rps && -n $p50 && -n $p99 ]] ||
    { cat "$TMP/wrk.out" >&2; die "could not parse wrk's output for $2 $3 (above)"; }
  ((requests > 0)) || { cat "$TMP/wrk.out" >&2; die "$2 served no requests under $3"; }
  # Core busy % below ~90: the server was not the bottleneck (wrk was).
  local core_us proc_us core_pct
  core_us=$(awk "BEGIN { printf \"%.3f\", ($c1 - $c0) / $CLK_TCK * 1e6 / $requests }")
  proc_us=$(awk "BEGIN { printf \"%.3f\", ($p1 - $p0) / $CLK_TCK * 1e6 / $requests }")
  core_pct=$(awk "BEGIN { printf \"%.0f\", ($c1 - $c0) / $CLK_TCK * 1e11 / ($t1 - $t0) }")
  printf '%s\t' "$1" "$2" "$3" "$requests" "$rps" "$p50" "$p99" "$core_us" "$proc_us" "$core_pct" "${errs[@]}" \
    "$disturbed" "$before" >>"$TMP/runs.tsv"
  echo "$after" >>"$TMP/runs.tsv"
  printf '  round %d/%d %-13s %-6s %9.0f req/s  p50 %6s us  p99 %6s us  CPU %5.2f us/req (proc %5.2f, core %3s%% busy)  errors %s%s\n' \
    "$1" "$ROUNDS" "$2" "$3" "$rps" "$p50" "$p99" "$core_us" "$proc_us" "$core_pct" \
    "$((errs[0] + errs[1] + errs[2] + errs[3] + errs[4]))" \
    "$($disturbed && echo "  DISTURBED (CPUs ${before}% busy before, ${after}% after)")"
}

# ---- idle connections ---------------------------------------------------
measure_idle() { # kind -> one row appended to $TMP/idle.tsv
  local port rss0 rss1 _ ready=false
  port=$(free_port)
  start_server "$1" "$port" "$TMP/$1.log"
  sleep 0.5
  run_wrk "wrk (idle warm-up)" 1 "$TMP/wrk.out" -t1 -c256 -d1s "http://127.0.0.1:$port/"
  sleep 0.5
  rss0=$(rss_kib)
  "${PIN_LOAD[@]}" "$IDLE" --port "$port" --count "$IDLE_CONNS" --hold-seconds 120 \
    >"$TMP/idle.out" 2>"$TMP/idle.err" &
  CLIENT_PID=$!
  for _ in $(seq 600); do # idle_conns gives up by itself after 30 s
    grep -q '^ready' "$TMP/idle.out" && { ready=true; break; }
    kill -0 "$CLIENT_PID" 2>/dev/null || break
    sleep 0.1
  done
  $ready || { cat "$TMP/idle.out" "$TMP/idle.err" >&2; die "idle_conns against $1 failed (above)"; }
  sleep 1
  rss1=$(rss_kib)
  kill -0 "$CLIENT_PID" 2>/dev/null ||
    { cat "$TMP/idle.err" >&2; die "idle_conns against $1 ended early (above)"; }
  kill -TERM "$CLIENT_PID"
  wait "$CLIENT_PID" || true
  CLIENT_PID=""
  stop_server "$1"
  local bytes
  bytes=$(sed -n 's/.*response \([0-9]*\) bytes.*/\1/p' "$TMP/idle.out")
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$rss0" "$rss1" "${bytes:-0}" \
    "$(head -n 1 "$TMP/$1.log" | tr '\t' ' ')" >>"$TMP/idle.tsv"
  printf '  idle %-13s RSS %7d -> %7d KiB over %d connections: %.2f KiB/connection (response %s B)\n' \
    "$1" "$rss0" "$rss1" "$IDLE_CONNS" "$(awk "BEGIN { print ($rss1 - $rss0) / $IDLE_CONNS }")" "$bytes"
}

# ---- run: interleaved rounds, server order rotated each round ------------
KINDS=(floor nginx weft-io_uring weft-epoll)
WRK_VERSION=$(wrk_version)
NGINX_VERSION=$(nginx_version "$NGINX")
echo "http benchmark: loads ${LOADS[*]}, ${DURATION} s measured (+${WARMUP} s warm-up) x $ROUNDS" \
  "rounds; server on CPU $SERVER_CPU, wrk $WRK_VERSION -t1 on CPU $LOAD_CPU; nginx $NGINX_VERSION"
: >"$TMP/runs.tsv"
: >"$TMP/idle.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < ${#KINDS[@]}; k++)); do
    kind=${KINDS[(k + r - 1) % ${#KINDS[@]}]}
    port=$(free_port)
    start_server "$kind" "$port" "$TMP/$kind.log"
    for load in "${LOADS[@]}"; do measure "$r" "$kind" "$load" "$port"; done
    stop_server "$kind"
    warn_io_uring_fallback "$kind" "$TMP/$kind.log"
  done
done
for kind in "${KINDS[@]}"; do measure_idle "$kind"; done

# ---- report, JSON line, chart -------------------------------------------
mkdir -p "$RESULTS_DIR"
DATE=$(date +%F)
OUT=$RESULTS_DIR/http-$DATE.json
CPU_MODEL=$(cpu_model)
echo
python3 "$HERE/report.py" --runs "$TMP/runs.tsv" --idle "$TMP/idle.tsv" --json "$OUT" \
  --chart-data "$TMP/chart" --meta self_test="$SELF_TEST" rounds="$ROUNDS" \
  seconds="$DURATION" warmup="$WARMUP" idle_connections="$IDLE_CONNS" \
  server_cpu="$SERVER_CPU" load_cpu="$LOAD_CPU" clk_tck="$CLK_TCK" wrk="$WRK_VERSION" \
  nginx="$NGINX_VERSION" kernel="$(uname -r)" cpu="$CPU_MODEL" cpus="$(nproc)" \
  weft="$WEFT"
$SELF_TEST && echo "(SELF-TEST run: weft rows were $WEFT)"
echo "appended to $OUT"

if command -v gnuplot >/dev/null; then
  PNG=$RESULTS_DIR/http-$DATE.png
  title="weft HTTP hello vs nginx and plain epoll, $DATE (median of $ROUNDS rounds x ${DURATION} s)"
  $SELF_TEST && title+=" - SELF-TEST"
  gnuplot <<EOF
set terminal pngcairo noenhanced size 1400,600 font ",10"
set output "$PNG"
set multiplot layout 1,2 title "$title"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key below horizontal autotitle columnhead
set grid ytics
set yrange [0:*]
set title "server-core CPU per request (µs, lower is better)"
plot for [i=2:5] "$TMP/chart-cpu.dat" using i:xtic(1)
set title "throughput (thousand requests/s, higher is better)"
plot for [i=2:5] "$TMP/chart-rps.dat" using i:xtic(1)
unset multiplot
EOF
  echo "chart: $PNG"
else
  warn "gnuplot not found: no chart"
fi
