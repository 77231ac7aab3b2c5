#!/usr/bin/env bash
# perf/proxy/run.sh — weft's reverse proxy (io_uring and epoll) against nginx
# (upstream keep-alive pool) and h2o's proxy, all in front of the same minimal
# backend (perf/http/epoll_http.c), measured in one run with the same pinning:
# proxy and backend share one CPU, `wrk -t1` runs on another.
#
# Usage:  perf/proxy/run.sh [BUILD_DIR]          (default: build-release)
#
# Needs BUILD_DIR/examples/proxy/weft-proxy and BUILD_DIR/perf/http/epoll_http
# (configure with -DWEFT_BUILD_EXAMPLES=ON -DWEFT_BUILD_PERF=ON), conf/proxy.toml,
# plus wrk, /usr/sbin/nginx, /usr/bin/h2o, python3 (tools/install-deps.sh installs
# them). weft-proxy runs from the repository root as
#   weft-proxy --config conf/proxy.toml --listen 127.0.0.1:PORT --cores 1
#              --backend io_uring|epoll --upstream 127.0.0.1:BACKEND_PORT
# Environment (defaults in brackets):
#   ROUNDS [3]        interleaved rounds; each round runs every proxy once
#   SECONDS [5]       measured seconds per wrk run (DURATION also works; SECONDS is
#                     bash's own clock, so only the value exported by the caller counts)
#   WARMUP [1]        unmeasured wrk seconds before each measurement (0: none)
#   SERVER_CPU, LOAD_CPU           pinning (default: 2nd and 1st allowed CPU); the
#                                  proxy and the backend both run on SERVER_CPU
#   NGINX [/usr/sbin/nginx]   H2O [/usr/bin/h2o]
#   RESULTS_DIR [perf/results]     proxy-<date>.json gets one JSON line per invocation
#   WEFT_PROXY_OVERRIDE            self-test only: a command run instead of weft-proxy,
#                                  with weft-proxy's arguments, for both weft rows
#                                  (perf/proxy/stand-in.sh is nginx behind that
#                                  command line)
# Load: wrk -t1 -c50 --latency, keep-alive, GET / through the proxy to the backend
# (1 s straight at the backend first gives its rate alone, for reference).
# nginx runs as one foreground process (master_process off) with an upstream
# keepalive pool of 64, keepalive_requests raised on both sides; h2o with
# num-threads 1 and proxy.timeout.keepalive 60 s (its pool is unbounded); both
# are configured afresh in a temporary directory, access logs off.
# Before each proxy's runs one request through it must come back 200 with the
# backend's body. p50/p99 are wrk's (with its coordinated-omission correction).
# A run FAILED when wrk saw any socket error (connect, read, write, timeout) or
# non-2xx/3xx response: it is reported, left out of the medians, and makes the
# script exit 1 and weft's targets count as missed.
# CPU per request is the shared core's busy time in /proc/stat (user, nice,
# system, irq, softirq) over the requests wrk completed: proxy, backend and the
# kernel's loopback work together; "proxy" is the proxy process's own utime+stime.
# "upstream connects" counts the TCP connections opened on this machine during
# the measured run (Tcp ActiveOpens in /proc/net/snmp) less wrk's own: the
# proxy's to the backend, plus any other process's (a few at most on a quiet
# machine). A proxy that pools its upstream connections opens about none after
# the warm-up; one that does not opens one per request (warned about).
# A run is DISTURBED when either CPU was >10% busy, with the proxy idle, just
# before or after it: another process there, whose time counts in the core's
# CPU figure.
# Prints medians (spread min-max), the ratios with the issue's targets (weft at
# least 2x nginx's and 1.5x h2o's req/s, with a lower p99 than both), and exits 0
# when every run completed without errors, whether or not the targets were met.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=perf/lib.sh
source "$HERE/../lib.sh"

# ---- configuration ------------------------------------------------------
duration_from_env
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-1}
CONNS=50
require_uints DURATION ROUNDS WARMUP
((DURATION >= 1 && ROUNDS >= 1)) || die "SECONDS and ROUNDS must be at least 1"

find_build_dir "${1:-build-release}"
RESULTS_DIR=${RESULTS_DIR:-$ROOT/perf/results}
cd "$ROOT" # weft-proxy's --config path is relative to the repository root

BACKEND=$BUILD/perf/http/epoll_http
NGINX=${NGINX:-/usr/sbin/nginx}
H2O=${H2O:-/usr/bin/h2o}
SELF_TEST=false
if [[ -n ${WEFT_PROXY_OVERRIDE:-} ]]; then
  SELF_TEST=true
  WEFT=$WEFT_PROXY_OVERRIDE
  [[ -x $WEFT ]] || die "WEFT_PROXY_OVERRIDE='$WEFT' is not an executable file"
  warn "SELF-TEST: the weft rows run $WEFT, not weft-proxy; ratios mean nothing"
else
  WEFT=$BUILD/examples/proxy/weft-proxy
  [[ -x $WEFT ]] || die "missing binary $WEFT (weft's proxy example)
  build it with: cmake --build $BUILD --target weft-proxy
  (or set WEFT_PROXY_OVERRIDE to a stand-in to test this harness)"
  [[ -f conf/proxy.toml ]] || die "missing $ROOT/conf/proxy.toml (weft-proxy's config)"
fi
[[ -x $BACKEND ]] || die "missing binary $BACKEND (the backend)
  build it with: cmake --build $BUILD --target epoll_http"
[[ -x $NGINX ]] || die "missing $NGINX (tools/install-deps.sh installs nginx, or set NGINX=path)"
[[ -x $H2O ]] || die "missing $H2O (tools/install-deps.sh installs h2o, or set H2O=path)"
require_tools wrk python3 taskset timeout

# ---- pinning ------------------------------------------------------------
pin_cpus proxy+backend

# ---- process lifecycle --------------------------------------------------
setup_tmp_and_cleanup CLIENT_PID PROXY_PID BACKEND_PID

# Both run as the invoking user; as root they would switch to another unless told.
AS_ROOT=""
if [[ $(id -u) == 0 ]]; then AS_ROOT=1; fi

# One GET / with a 5 s timeout: must be 200 with the backend's body, so the
# proxy really forwards (and a stand-in page or an error page is caught).
check_response() { # name port
  local out
  out=$(python3 - "$2" <<'EOF' 2>&1
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
c.request("GET", "/")
r = c.getresponse()
body = r.read()
if r.status != 200 or body != b"Hello, World!":
    sys.exit(f"status {r.status}, body {body[:200]!r}")
EOF
  ) || die "$1 on port $2 did not pass the backend's response through: $out"
}

start_backend() {
  BACKEND_PORT=$(free_port)
  "${PIN_SERVER[@]}" "$BACKEND" --port "$BACKEND_PORT" >"$TMP/backend.log" 2>&1 &
  BACKEND_PID=$!
  wait_port backend "$BACKEND_PID" "$BACKEND_PORT" "$TMP/backend.log"
  check_response backend "$BACKEND_PORT"
}

proxy_nginx_conf() { # port dir -> nginx.conf: one foreground process, upstream keep-alive pool
  # Upstream keepalive_requests is raised like the client side's: with nginx's
  # default (1000) each pooled connection is closed and reopened every 1000
  # requests, a cost weft's pool does not have either.
  nginx_conf "$2" 1024 ${AS_ROOT:+"user root;"} <<EOF
  upstream backend {
    server 127.0.0.1:$BACKEND_PORT;
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$1 backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
EOF
}

h2o_conf() { # port dir -> h2o.conf: one worker thread, no access log
  # h2o 2.2 pools upstream connections by itself (proxy.timeout.keepalive is
  # their idle timeout, 2 s by default; 0 would close each after one request):
  # 60 s keeps the pool across the gaps between warm-up and measurement.
  # As root h2o switches to "nobody" unless told otherwise, and then cannot
  # write its pid file into our private temp directory.
  cat <<EOF
${AS_ROOT:+user: root}
pid-file: $2/h2o.pid
error-log: $2/error.log
num-threads: 1
listen:
  host: 127.0.0.1
  port: $1
proxy.timeout.keepalive: 60000
hosts:
  default:
    paths:
      /:
        proxy.reverse.url: http://127.0.0.1:$BACKEND_PORT/
EOF
}

proxy_cmd() { # kind port -> the command line, one word per line
  local dir=$TMP/$1-$2
  mkdir -p "$dir"
  case $1 in
    nginx) proxy_nginx_conf "$2" "$dir" >"$dir/nginx.conf"
           printf '%s\n' "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" ;;
    h2o) h2o_conf "$2" "$dir" >"$dir/h2o.conf"
         printf '%s\n' "$H2O" -c "$dir/h2o.conf" ;;
    weft-*) printf '%s\n' "$WEFT" --config conf/proxy.toml --listen "127.0.0.1:$2" \
              --cores 1 --backend "${1#weft-}" --upstream "127.0.0.1:$BACKEND_PORT" ;;
  esac
}

start_proxy() { # kind port log
  local -a cmd
  mapfile -t cmd < <(proxy_cmd "$1" "$2")
  # TMPDIR: a stand-in's own temporary files go where cleanup finds them.
  TMPDIR=$TMP "${PIN_SERVER[@]}" "${cmd[@]}" >"$3" 2>&1 &
  PROXY_PID=$!
  wait_port "$1" "$PROXY_PID" "$2" "$3" "$TMP/$1-$2/error.log"
  check_affinity "$1" "$PROXY_PID"
  check_response "$1" "$2"
}

stop_proxy() { # kind
  stop_process "$1" "$PROXY_PID"
  PROXY_PID=""
}

active_opens() { # TCP connections this network namespace has opened so far
  awk '$1 == "Tcp:" && $2 ~ /^[0-9]+$/ { print $6 }' /proc/net/snmp
}

run_wrk_proxy() { # seconds port -> wrk's output in $TMP/wrk.out
  run_wrk wrk "$1" "$TMP/wrk.out" -t1 -c$CONNS -d"$1"s --latency "http://127.0.0.1:$2/"
}

FAILED_RUNS=0
measure() { # round kind port -> one row appended to $TMP/runs.tsv
  local before after disturbed=false
  before=$(quiet_busy_pct)
  ((WARMUP == 0)) || run_wrk_proxy "$WARMUP" "$3"
  local c0 p0 b0 o0 t0 c1 p1 b1 o1 t1 requests rps p50 p99 errs
  c0=$(cpu_busy "$SERVER_CPU") p0=$(proc_ticks "$2" "$PROXY_PID")
  b0=$(proc_ticks backend "$BACKEND_PID") o0=$(active_opens) t0=$(date +%s%N)
  run_wrk_proxy "$DURATION" "$3"
  c1=$(cpu_busy "$SERVER_CPU") p1=$(proc_ticks "$2" "$PROXY_PID")
  b1=$(proc_ticks backend "$BACKEND_PID") o1=$(active_opens) t1=$(date +%s%N)
  after=$(idle_busy_pct) # a neighbour that came during the run is likely still there
  cpus_disturbed "$before" "$after" && disturbed=true
  requests=$(wrk_requests "$TMP/wrk.out") rps=$(wrk_rps "$TMP/wrk.out")
  p50=$(wrk_latency_us "$TMP/wrk.out" 50) p99=$(wrk_latency_us "$TMP/wrk.out" 99)
  read -ra errs <<<"$(wrk_errors "$TMP/wrk.out")"
  [[ -n $requests && -n $rps && -n $p50 && -n $p99 ]] ||
    { cat "$TMP/wrk.out" >&2; die "could not parse wrk's output for $2 (above)"; }
  local nerr=$((errs[0] + errs[1] + errs[2] + errs[3] + errs[4])) failed=false
  ((requests > 0 && nerr == 0)) || { failed=true; FAILED_RUNS=$((FAILED_RUNS + 1)); }
  # wrk 4.1 opens CONNS + 1 connections (a probe first; more only after errors,
  # which fail the run); the rest were the proxy's to the backend.
  local upstream=$((o1 - o0 - CONNS - 1))
  ((upstream >= 0)) || upstream=0
  local core_us proc_us backend_us core_pct
  core_us=$(awk "BEGIN { printf \"%.3f\", ($c1 - $c0) / $CLK_TCK * 1e6 / ($requests ? $requests : 1) }")
  proc_us=$(awk "BEGIN { printf \"%.3f\", ($p1 - $p0) / $CLK_TCK * 1e6 / ($requests ? $requests : 1) }")
  backend_us=$(awk "BEGIN { printf \"%.3f\", ($b1 - $b0) / $CLK_TCK * 1e6 / ($requests ? $requests : 1) }")
  core_pct=$(awk "BEGIN { printf \"%.0f\", ($c1 - $c0) / $CLK_TCK * 1e11 / ($t1 - $t0) }")
  printf '%s\t' "$1" "$2" "$requests" "$rps" "$p50" "$p99" "$core_us" "$proc_us" "$backend_us" \
    "$core_pct" "$upstream" "${errs[@]}" "$failed" "$disturbed" "$before" >>"$TMP/runs.tsv"
  echo "$after" >>"$TMP/runs.tsv"
  printf '  round %d/%d %-13s %9.0f req/s  p50 %6s us  p99 %6s us  CPU %5.2f us/req (proxy %5.2f, backend %5.2f, core %3s%% busy)  upstream connects %s  errors %s%s%s\n' \
    "$1" "$ROUNDS" "$2" "$rps" "$p50" "$p99" "$core_us" "$proc_us" "$backend_us" "$core_pct" \
    "$upstream" "$nerr" "$($failed && echo "  FAILED (${errs[*]}: connect read write timeout non-2xx)")" \
    "$($disturbed && echo "  DISTURBED (CPUs ${before}% busy before, ${after}% after)")"
  if $failed; then sed 's/^/    wrk: /' "$TMP/wrk.out" >&2; fi
}

# ---- run: interleaved rounds, proxy order rotated each round -------------
KINDS=(weft-io_uring weft-epoll nginx h2o)
WRK_VERSION=$(wrk_version)
NGINX_VERSION=$(nginx_version "$NGINX")
H2O_VERSION=$("$H2O" -v 2>&1 | sed -n 's/^h2o version //p' | head -n 1)
start_backend
# The backend alone, for reference: 1 s straight at it.
run_wrk_proxy 1 "$BACKEND_PORT"
BACKEND_RPS=$(wrk_rps "$TMP/wrk.out")
echo "proxy benchmark: wrk $WRK_VERSION -t1 -c$CONNS keep-alive on CPU $LOAD_CPU;" \
  "proxy and backend (epoll_http, port $BACKEND_PORT) on CPU $SERVER_CPU;" \
  "${DURATION} s measured (+${WARMUP} s warm-up) x $ROUNDS rounds; nginx $NGINX_VERSION, h2o $H2O_VERSION;" \
  "backend alone ${BACKEND_RPS:-?} req/s (1 s)"
: >"$TMP/runs.tsv"
for ((r = 1; r <= ROUNDS; r++)); do
  for ((k = 0; k < ${#KINDS[@]}; k++)); do
    kind=${KINDS[(k + r - 1) % ${#KINDS[@]}]}
    port=$(free_port)
    start_proxy "$kind" "$port" "$TMP/$kind.log"
    measure "$r" "$kind" "$port"
    stop_proxy "$kind"
    warn_io_uring_fallback "$kind" "$TMP/$kind.log"
  done
done

# ---- report and JSON line -----------------------------------------------
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/proxy-$(date +%F).json
CPU_MODEL=$(cpu_model)
echo
python3 "$HERE/report.py" --runs "$TMP/runs.tsv" --json "$OUT" \
  --meta self_test="$SELF_TEST" rounds="$ROUNDS" seconds="$DURATION" warmup="$WARMUP" \
  connections="$CONNS" server_cpu="$SERVER_CPU" load_cpu="$LOAD_CPU" clk_tck="$CLK_TCK" \
  wrk="$WRK_VERSION" nginx="$NGINX_VERSION" h2o="$H2O_VERSION" kernel="$(uname -r)" \
  cpu="$CPU_MODEL" cpus="$(nproc)" weft="$WEFT" backend="$BACKEND" \
  backend_alone_rps="${BACKEND_RPS:-0}"
$SELF_TEST && echo "(SELF-TEST run: weft rows were $WEFT)"
echo "appended to $OUT"
((FAILED_RUNS == 0)) || die "$FAILED_RUNS run(s) FAILED (socket errors or non-2xx responses; see above)"
