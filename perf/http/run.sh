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
# of the server's VmRSS over them gives KiB per idle connection.
# Prints medians (spread min-max), the ratios with the targets, and exits 0
# when every run completed, whether or not the targets were met.
set -euo pipefail

die() { echo "run.sh: error: $*" >&2; exit 1; }
warn() { echo "run.sh: warning: $*" >&2; }

# ---- configuration ------------------------------------------------------
DURATION=${DURATION:-$(printenv SECONDS || true)}
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
IDLE_CONNS=${IDLE_CONNS:-10000}
for v in DURATION ROUNDS WARMUP IDLE_CONNS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "${v/DURATION/SECONDS} must be a non-negative integer, got '${!v}'"
done
((DURATION >= 1 && ROUNDS >= 1 && IDLE_CONNS >= 1)) ||
  die "SECONDS, ROUNDS and IDLE_CONNS must be at least 1"

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_ARG=${1:-build-release}
if [[ $BUILD_ARG != /* && ! -d $BUILD_ARG ]]; then BUILD_ARG=$ROOT/$BUILD_ARG; fi
[[ -d $BUILD_ARG ]] || die "build directory '$BUILD_ARG' not found (usage: $0 [BUILD_DIR])"
BUILD=$(cd "$BUILD_ARG" && pwd)
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
for tool in wrk python3 taskset timeout; do
  command -v $tool >/dev/null || die "'$tool' not found in PATH"
done
if [[ -z ${WEFT_HELLO_OVERRIDE:-} && ! -f conf/hello.toml ]]; then
  die "missing $ROOT/conf/hello.toml (weft-hello's config)"
fi
SELF_TEST=false
if [[ -n ${WEFT_HELLO_OVERRIDE:-} ]]; then
  SELF_TEST=true
  warn "SELF-TEST: the weft rows run $WEFT_HELLO_OVERRIDE, not weft-hello; ratios mean nothing"
fi

# ---- pinning and limits -------------------------------------------------
# The allowed list can be "0-1" or "2,4-5" inside a cpuset: expand it.
allowed_cpus() {
  local list part
  list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  IFS=, read -ra parts <<<"$list"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}
mapfile -t CPUS < <(allowed_cpus)
# CPU per request is read off the server's core, so pinning is not optional.
((${#CPUS[@]} >= 2)) || die "needs 2 usable CPUs (server and load each get one), found ${#CPUS[@]}"
SERVER_CPU=${SERVER_CPU:-${CPUS[1]}}
LOAD_CPU=${LOAD_CPU:-${CPUS[0]}}
[[ $SERVER_CPU =~ ^[0-9]+$ && $LOAD_CPU =~ ^[0-9]+$ && $SERVER_CPU != "$LOAD_CPU" ]] ||
  die "SERVER_CPU and LOAD_CPU must be two different CPU numbers"
PIN_SERVER=(taskset -c "$SERVER_CPU")
PIN_LOAD=(taskset -c "$LOAD_CPU")

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
TMP=$(mktemp -d)
SERVER_PID="" CLIENT_PID=""
cleanup() {
  local pid
  for pid in $CLIENT_PID $SERVER_PID; do
    kill -TERM "$pid" 2>/dev/null || continue
    sleep 0.2
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

nginx_conf() { # port dir -> nginx.conf for a foreground, single-process nginx
  cat <<EOF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile $NOFILE;
pid $2/nginx.pid;
error_log $2/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $2/body;
  proxy_temp_path $2/proxy;
  fastcgi_temp_path $2/fastcgi;
  uwsgi_temp_path $2/uwsgi;
  scgi_temp_path $2/scgi;
  server {
    listen 127.0.0.1:$1 backlog=4096;
    location / { default_type text/plain; return 200 "Hello, World!"; }
  }
}
EOF
}

server_cmd() { # kind port -> the command line, one word per line
  case $1 in
    floor) printf '%s\n' "$FLOOR" --port "$2" ;;
    nginx) local dir=$TMP/nginx-$2
           mkdir -p "$dir"
           nginx_conf "$2" "$dir" >"$dir/nginx.conf"
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
  local _
  for _ in $(seq 100); do # up to 10 s for the port to accept
    kill -0 "$SERVER_PID" 2>/dev/null ||
      { cat "$3" "$TMP/nginx-$2/error.log" >&2 2>/dev/null; SERVER_PID="";
        die "$1 exited before accepting on port $2 (log above)"; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null; then break; fi
    sleep 0.1
  done
  (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null ||
    { cat "$3" >&2; die "$1 did not accept on 127.0.0.1:$2 within 10 s (log above)"; }
  # weft may pin its reactor thread itself; on the load's CPU the figures
  # would be meaningless, so check every thread's affinity.
  local f cpus
  for f in /proc/"$SERVER_PID"/task/*/status; do
    cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$f" 2>/dev/null) || continue
    [[ -z $cpus || $cpus == "$SERVER_CPU" ]] ||
      warn "$1: thread ${f%/status} may run on CPUs $cpus, expected only $SERVER_CPU"
  done
}

stop_server() { # kind
  local _ status=0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    warn "$1 ignored SIGTERM for 5 s; killing it"
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  wait "$SERVER_PID" 2>/dev/null || status=$?
  ((status == 0 || status == 143)) || warn "$1 exited with status $status after SIGTERM"
  SERVER_PID=""
}

# ---- counters -----------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_busy() { # cpu -> busy ticks: user nice system irq softirq (no idle, iowait, steal)
  awk -v cpu="cpu$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}
proc_ticks() { # utime + stime of the server; the name may hold spaces, so skip past ")"
  local -a f
  [[ -r /proc/$SERVER_PID/stat ]] || die "the server (pid $SERVER_PID) exited during the run"
  read -ra f <<<"$(sed 's/.*) //' "/proc/$SERVER_PID/stat")"
  echo $((f[11] + f[12]))
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status"; }

# Busy % of the server and load CPUs over 0.5 s while the server is idle;
# prints the larger.  Anything well above zero is someone else's work.
idle_busy_pct() {
  local s0 l0 s1 l1
  s0=$(cpu_busy "$SERVER_CPU") l0=$(cpu_busy "$LOAD_CPU")
  sleep 0.5
  s1=$(cpu_busy "$SERVER_CPU") l1=$(cpu_busy "$LOAD_CPU")
  echo $(((s1 - s0 > l1 - l0 ? s1 - s0 : l1 - l0) * 200 / CLK_TCK))
}

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
run_wrk() { # load seconds port -> wrk's output in $TMP/wrk.out
  local rc=0
  # shellcheck disable=SC2046 # wrk_args prints words without spaces
  "${PIN_LOAD[@]}" timeout $(($2 + 30)) wrk $(wrk_args "$@") >"$TMP/wrk.out" 2>&1 &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""
  ((rc == 0)) || { cat "$TMP/wrk.out" >&2; die "wrk ($1) failed with status $rc (output above)"; }
}
wrk_latency_us() { # percentile -> from the "Latency Distribution" block
  awk -v p="$1%" '$1 == p { v = $2 + 0; u = $2; sub(/^[0-9.]+/, "", u);
    print v * (u == "s" ? 1e6 : u == "ms" ? 1e3 : 1); exit }' "$TMP/wrk.out"
}
wrk_errors() { # -> "connect read write timeout non2xx"
  local e
  e=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$TMP/wrk.out")
  echo "${e:-0 0 0 0} $(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$TMP/wrk.out" | grep . || echo 0)"
}

measure() { # round kind load port -> one row appended to $TMP/runs.tsv
  local before after disturbed=false attempt
  for attempt in 1 2 3; do # give a passing neighbour 2 s to finish
    before=$(idle_busy_pct)
    ((before > 10)) || break
    ((attempt < 3)) && sleep 1
  done
  ((WARMUP == 0)) || run_wrk "$3" "$WARMUP" "$4"
  local c0 p0 t0 c1 p1 t1 requests rps p50 p99 errs
  c0=$(cpu_busy "$SERVER_CPU") p0=$(proc_ticks) t0=$(date +%s%N)
  run_wrk "$3" "$DURATION" "$4"
  c1=$(cpu_busy "$SERVER_CPU") p1=$(proc_ticks) t1=$(date +%s%N)
  after=$(idle_busy_pct) # a neighbour that came during the run is likely still there
  ((before > 10 || after > 10)) && disturbed=true
  requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$TMP/wrk.out")
  rps=$(sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$TMP/wrk.out")
  p50=$(wrk_latency_us 50) p99=$(wrk_latency_us 99)
  # wrk 4.1 corrects for coordinated omission with an interval computed per
  # response, 16x too short under pipelining: its percentiles come out low or
  # 0 (wg/wrk#236), so pipelined runs report none.
  [[ $3 == pipe* ]] && p50=- p99=-
  read -ra errs <<<"$(wrk_errors)"
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
WRK_VERSION=$(wrk -v 2>&1 | head -n 1 | awk '{ print $2 }' || true)
NGINX_VERSION=$("$NGINX" -v 2>&1 | sed 's/.*nginx\///')
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
    if [[ $kind == weft-io_uring ]] && grep -qiE 'fall(ing)? ?back' "$TMP/$kind.log"; then
      warn "weft-io_uring logged a fallback; that row may really be epoll: $(grep -iE -m1 'fall' "$TMP/$kind.log")"
    fi
  done
done
for kind in "${KINDS[@]}"; do measure_idle "$kind"; done

# ---- report, JSON line, chart -------------------------------------------
mkdir -p "$RESULTS_DIR"
DATE=$(date +%F)
OUT=$RESULTS_DIR/http-$DATE.json
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)
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
