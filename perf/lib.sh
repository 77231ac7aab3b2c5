# perf/lib.sh — shell helpers shared by the benchmark drivers perf/*/run.sh.
# Sourced, not run (bash, under `set -euo pipefail`); it defines the functions
# below plus ROOT, CLK_TCK and BUSY_MAX_PCT, and runs nothing else.
#
# Messages
#   die MSG...                  "<script>: error: MSG" on stderr, exit 1
#   warn MSG...                 "<script>: warning: MSG" on stderr
# Configuration
#   ROOT                        the repository root
#   duration_from_env           DURATION: $DURATION, else the SECONDS the caller exported, else 5
#   require_uints VAR...        dies unless each variable holds a non-negative integer
#   find_build_dir ARG          BUILD: ARG as an absolute path (relative: from here, else from ROOT)
#   require_tools TOOL...       dies unless each tool is on PATH
# CPU pinning: the server on SERVER_CPU, the load on LOAD_CPU
#   allowed_cpus                the CPUs this process may use, one a line
#   pin_cpus WHO                SERVER_CPU and LOAD_CPU (default: 2nd and 1st allowed CPU),
#                               PIN_SERVER and PIN_LOAD (taskset prefixes); dies without two
#   pin_cpus_if_possible        the same, but unpinned (CPUs "none", empty prefixes) when
#                               there are fewer than 2 CPUs or no taskset; PINNING says which
#   check_affinity NAME PID     warns about each thread of PID that may run off SERVER_CPU
# Processes
#   setup_tmp_and_cleanup PIDVAR...
#                               TMP, a new temporary directory; on exit the processes whose
#                               pids those variables then hold are stopped and TMP removed
#   free_port                   a TCP port on 127.0.0.1 that nobody listens on
#   show_logs NAME FILE...      each non-empty FILE on stderr, its lines prefixed "  NAME: "
#   wait_port NAME PID PORT LOG...
#                               returns once 127.0.0.1:PORT accepts; dies, showing the LOGs,
#                               when PID exits first or after 10 s
#   stop_process NAME PID [SECONDS]
#                               SIGTERM, SIGKILL after SECONDS [5], reaps it; warns unless it
#                               exited with 0 or 143
# CPU time and the DISTURBED check
#   CLK_TCK                     clock ticks per second
#   proc_ticks NAME PID         utime + stime of PID (all its threads) so far, in ticks
#   cpu_busy CPU                busy ticks of CPU in /proc/stat: user nice system irq softirq
#   idle_busy_pct               the busier of SERVER_CPU and LOAD_CPU over 0.5 s, in %
#   quiet_busy_pct              idle_busy_pct before a run: retried after 1 s, twice at most,
#                               while above BUSY_MAX_PCT (a passing neighbour gets 2 s)
#   cpus_disturbed BEFORE AFTER true when either figure is above BUSY_MAX_PCT [10]: another
#                               process used these CPUs around the run (DISTURBED)
# wrk
#   run_wrk LABEL SECONDS OUT ARG...
#                               wrk ARG... on LOAD_CPU, killed after SECONDS + 30 s, its pid in
#                               CLIENT_PID meanwhile, its output in OUT; dies when it fails
#   wrk_requests FILE           requests completed
#   wrk_rps FILE                Requests/sec
#   wrk_latency_us FILE PCT [FMT]
#                               a percentile of the "Latency Distribution" block, in µs
#                               (printed with the awk printf format FMT [%s])
#   wrk_max_us FILE [FMT]       the Latency line's Max column, in µs
#   wrk_errors FILE             "connect read write timeout non2xx"
#   wrk_error_total FILE        the sum of those
#   wrk_version                 wrk's version
# Servers and host
#   nginx_version BIN           nginx's version
#   nginx_conf DIR CONNECTIONS [DIRECTIVE...] <BLOCKS
#                               nginx.conf of a foreground, single-process nginx (files in DIR,
#                               no access log, keep-alive raised) with the main-context
#                               DIRECTIVEs and the http-context BLOCKS read from stdin
#   warn_io_uring_fallback KIND LOG
#                               warns when KIND is weft-io_uring and LOG says it fell back
#   cpu_model                   the CPU's model name
# shellcheck shell=bash disable=SC2034 # the variables set here are the sourcing script's

# ---- messages -------------------------------------------------------------
die() { echo "${0##*/}: error: $*" >&2; exit 1; }
warn() { echo "${0##*/}: warning: $*" >&2; }

# ---- configuration ----------------------------------------------------------
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# SECONDS is bash's own clock, so only a value exported by the caller counts.
duration_from_env() {
  DURATION=${DURATION:-$(printenv SECONDS || true)}
  DURATION=${DURATION:-5}
}

require_uints() { # var...; DURATION is named SECONDS, the variable users set
  local v
  for v; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "${v/DURATION/SECONDS} must be a non-negative integer, got '${!v}'"
  done
}

find_build_dir() { # arg -> BUILD
  local arg=$1
  if [[ $arg != /* && ! -d $arg ]]; then arg=$ROOT/$arg; fi
  [[ -d $arg ]] || die "build directory '$arg' not found (usage: $0 [BUILD_DIR])"
  BUILD=$(cd "$arg" && pwd)
}

require_tools() { # tool...
  local tool
  for tool; do
    command -v "$tool" >/dev/null || die "'$tool' not found in PATH"
  done
}

# ---- CPU pinning ------------------------------------------------------------
# The allowed list can be "0-1" or "2,4-5" inside a cpuset: expand it rather
# than assume CPUs 0 and 1 exist.
allowed_cpus() {
  local list part
  local -a parts
  list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  IFS=, read -ra parts <<<"$list"
  for part in "${parts[@]}"; do
    if [[ $part == *-* ]]; then seq "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done
}

pin_cpus() { # who (shares SERVER_CPU, in the message)
  local -a cpus
  mapfile -t cpus < <(allowed_cpus)
  ((${#cpus[@]} >= 2)) || die "needs 2 usable CPUs ($1 and load each get one), found ${#cpus[@]}"
  SERVER_CPU=${SERVER_CPU:-${cpus[1]}}
  LOAD_CPU=${LOAD_CPU:-${cpus[0]}}
  [[ $SERVER_CPU =~ ^[0-9]+$ && $LOAD_CPU =~ ^[0-9]+$ && $SERVER_CPU != "$LOAD_CPU" ]] ||
    die "SERVER_CPU and LOAD_CPU must be two different CPU numbers"
  PIN_SERVER=(taskset -c "$SERVER_CPU")
  PIN_LOAD=(taskset -c "$LOAD_CPU")
}

pin_cpus_if_possible() {
  local -a cpus
  mapfile -t cpus < <(allowed_cpus)
  PIN_SERVER=() PIN_LOAD=()
  if ((${#cpus[@]} >= 2)) && command -v taskset >/dev/null; then
    SERVER_CPU=${SERVER_CPU:-${cpus[1]}}
    LOAD_CPU=${LOAD_CPU:-${cpus[0]}}
    PIN_SERVER=(taskset -c "$SERVER_CPU")
    PIN_LOAD=(taskset -c "$LOAD_CPU")
    PINNING="server on CPU $SERVER_CPU, load on CPU $LOAD_CPU"
  else
    SERVER_CPU=none LOAD_CPU=none
    PINNING="unpinned"
    warn "fewer than 2 usable CPUs or no taskset: running unpinned; server and load share cores"
  fi
}

# weft may pin its threads itself; anywhere but SERVER_CPU the figures would
# be meaningless, so check every thread's affinity.
check_affinity() { # name pid
  [[ $SERVER_CPU == none ]] && return
  local f cpus
  for f in /proc/"$2"/task/*/status; do
    cpus=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "$f" 2>/dev/null) || continue
    [[ -z $cpus || $cpus == "$SERVER_CPU" ]] ||
      warn "$1: thread ${f%/status} may run on CPUs $cpus, expected only $SERVER_CPU"
  done
}

# ---- processes --------------------------------------------------------------
CLEANUP_PID_VARS=()
setup_tmp_and_cleanup() { # pid-variable... (set empty here)
  local v
  for v; do printf -v "$v" '%s' ""; done
  CLEANUP_PID_VARS=("$@")
  TMP=$(mktemp -d)
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
cleanup() {
  local v pid
  for v in "${CLEANUP_PID_VARS[@]}"; do
    for pid in ${!v:-}; do
      kill -TERM "$pid" 2>/dev/null || continue
      sleep 0.2
      kill -KILL "$pid" 2>/dev/null || true
    done
  done
  rm -rf "$TMP"
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
    return
  fi
  local p _
  for _ in $(seq 50); do # fallback: a random high port that nobody answers on
    p=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
  done
  die "no free port found"
}

# Missing or empty files are skipped, and it always succeeds: under set -e a
# failing `cat` of a log not written yet would end the script before its die.
show_logs() { # name file...
  local name=$1 f
  shift
  for f; do
    [[ -s $f ]] && sed "s|^|  $name: |" "$f" >&2
  done
  return 0
}

wait_port() { # name pid port log...
  local name=$1 pid=$2 port=$3 _
  shift 3
  for _ in $(seq 100); do # up to 10 s
    kill -0 "$pid" 2>/dev/null ||
      { show_logs "$name" "$@"; die "$name exited before accepting on port $port (log above)"; }
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  show_logs "$name" "$@"
  die "$name did not accept on 127.0.0.1:$port within 10 s (log above)"
}

stop_process() { # name pid [seconds]; the caller clears its pid variable afterwards
  local name=$1 pid=$2 seconds=${3:-5} _ status=0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((seconds * 10))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    warn "$name ignored SIGTERM for $seconds s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  ((status == 0 || status == 143)) || warn "$name exited with status $status after SIGTERM"
}

# ---- CPU time and the DISTURBED check ---------------------------------------
CLK_TCK=$(getconf CLK_TCK)
BUSY_MAX_PCT=10

# Fields 14 and 15 of stat; the command name may hold spaces, so count from
# its closing parenthesis.
proc_ticks() { # name pid
  local -a f
  [[ -r /proc/$2/stat ]] || die "$1 (pid $2) exited during the run"
  read -ra f <<<"$(sed 's/.*) //' "/proc/$2/stat")"
  echo $((f[11] + f[12]))
}

cpu_busy() { # cpu -> busy ticks (no idle, iowait or steal)
  awk -v cpu="cpu$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8 }' /proc/stat
}

# Taken while the server is idle: anything well above zero is someone else's work.
idle_busy_pct() {
  local s0 l0 s1 l1
  s0=$(cpu_busy "$SERVER_CPU") l0=$(cpu_busy "$LOAD_CPU")
  sleep 0.5
  s1=$(cpu_busy "$SERVER_CPU") l1=$(cpu_busy "$LOAD_CPU")
  echo $(((s1 - s0 > l1 - l0 ? s1 - s0 : l1 - l0) * 200 / CLK_TCK))
}

quiet_busy_pct() {
  local pct attempt
  for attempt in 1 2 3; do
    pct=$(idle_busy_pct)
    ((pct > BUSY_MAX_PCT)) || break
    ((attempt < 3)) && sleep 1
  done
  echo "$pct"
}

# A neighbour that came during the run is likely still there after it.
cpus_disturbed() { # busy % before, after
  (($1 > BUSY_MAX_PCT || $2 > BUSY_MAX_PCT))
}

# ---- wrk --------------------------------------------------------------------
# Runs in the background (not in a $(...) subshell) so the EXIT trap knows
# CLIENT_PID and a SIGTERM to the script is handled at once.
run_wrk() { # label seconds out wrk-arg...
  local label=$1 seconds=$2 out=$3 rc=0
  shift 3
  "${PIN_LOAD[@]}" timeout $((seconds + 30)) wrk "$@" >"$out" 2>&1 &
  CLIENT_PID=$!
  wait "$CLIENT_PID" || rc=$?
  CLIENT_PID=""
  ((rc == 0)) || { cat "$out" >&2; die "$label failed with status $rc (output above)"; }
}

wrk_requests() { sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$1"; }
wrk_rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$1"; }

# wrk prints times as 171.00us, 1.12ms, 2.00s or 1.00m.
WRK_US_AWK='function us(t, u) { u = t; sub(/^[0-9.]+/, "", u);
  return (t + 0) * (u == "s" ? 1e6 : u == "ms" ? 1e3 : u == "m" ? 6e7 : 1) }'
wrk_latency_us() { # file percentile [format]
  awk -v p="$2%" -v fmt="${3:-%s}\n" "$WRK_US_AWK"'
    $1 == p { printf fmt, us($2); exit }' "$1"
}
wrk_max_us() { # file [format]
  awk -v fmt="${2:-%s}\n" "$WRK_US_AWK"'
    $1 == "Latency" && NF >= 4 { printf fmt, us($4); exit }' "$1"
}

wrk_errors() { # file
  local e
  e=$(sed -n 's/.*Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1 \2 \3 \4/p' "$1")
  echo "${e:-0 0 0 0} $(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$1" | grep . || echo 0)"
}
wrk_error_total() { # file
  local -a e
  read -ra e <<<"$(wrk_errors "$1")"
  echo $((e[0] + e[1] + e[2] + e[3] + e[4]))
}

wrk_version() { wrk -v 2>&1 | head -n 1 | awk '{ print $2 }' || true; }

# ---- servers and host -------------------------------------------------------
nginx_version() { "$1" -v 2>&1 | sed 's/.*nginx\///'; }

nginx_conf() { # dir worker_connections [directive...] <blocks
  local dir=$1 connections=$2
  shift 2
  cat <<EOF
daemon off;
master_process off;
worker_processes 1;
EOF
  (($# == 0)) || printf '%s\n' "$@"
  cat <<EOF
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections $connections; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
EOF
  cat
  echo "}"
}

warn_io_uring_fallback() { # kind log
  if [[ $1 == weft-io_uring ]] && grep -qiE 'fall(ing)? ?back' "$2"; then
    warn "weft-io_uring logged a fallback; that row may really be epoll: $(grep -iE -m1 'fall' "$2")"
  fi
}

cpu_model() { sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1; }
