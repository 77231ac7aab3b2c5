#!/usr/bin/env bash
# perf/proxy/stand-in.sh — nginx behind weft-proxy's command line, so that
# perf/proxy/run.sh can be tested before weft-proxy exists:
#
#   WEFT_PROXY_OVERRIDE=perf/proxy/stand-in.sh ROUNDS=1 SECONDS=2 perf/proxy/run.sh
#
# Takes weft-proxy's arguments (--listen HOST:PORT and --upstream HOST:PORT are
# used; --config, --cores and --backend are accepted and ignored) and replaces
# itself with a foreground, single-process nginx proxying to the upstream with a
# keep-alive pool, so run.sh's pid, signals and CPU figures are nginx's. Its
# files go in a new directory under $TMPDIR (run.sh points that at its own).
# Environment: NGINX [/usr/sbin/nginx].
set -euo pipefail

# shellcheck source=perf/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh" # nginx_conf

die() { echo "stand-in.sh: error: $*" >&2; exit 2; }

listen="" upstream=""
while (($#)); do
  case $1 in
    --listen) listen=${2:-} ;;
    --upstream) upstream=${2:-} ;;
    --config | --cores | --backend) ;;
    *) die "unknown argument '$1'" ;;
  esac
  (($# >= 2)) || die "$1 needs a value"
  shift 2
done
[[ $listen == *:* && $upstream == *:* ]] ||
  die "usage: $0 --listen HOST:PORT --upstream HOST:PORT [--config F --cores N --backend B]"

NGINX=${NGINX:-/usr/sbin/nginx}
dir=$(mktemp -d "${TMPDIR:-/tmp}/stand-in.XXXXXX")
as_root=""
if [[ $(id -u) == 0 ]]; then as_root=1; fi # nginx would switch to "nobody"
nginx_conf "$dir" 1024 ${as_root:+"user root;"} >"$dir/nginx.conf" <<EOF
  upstream backend {
    server $upstream;
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 300s;
  }
  server {
    listen $listen backlog=4096;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
EOF
echo "stand-in.sh: nginx on $listen -> $upstream (not weft-proxy)" >&2
exec "$NGINX" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf"
