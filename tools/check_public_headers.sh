#!/usr/bin/env bash
# tools/check_public_headers.sh — public headers never include OS or third-party heavy
# headers (DESIGN.md "Layout", STYLE.md convention 3).
#
# Usage: tools/check_public_headers.sh [REPO_ROOT]   exit 0: clean, 1: offending lines
#
# Refused under framework/include/: liburing, <linux/io_uring.h>, <sys/epoll.h>,
# <openssl/…>, llhttp, spdlog and toml++. Forward-declare or hold a pimpl instead; the
# implementation includes them under framework/src/.
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$ROOT"
[[ -d framework/include ]] || { echo "check_public_headers: no framework/include under $ROOT" >&2; exit 2; }

# One extended regex over the include target (after `#include <` or `#include "`).
FORBIDDEN='(liburing|linux/io_uring\.h|sys/epoll\.h|openssl/|llhttp|spdlog/|toml\+\+/|toml\.hpp)'
if hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"][^>\"]*${FORBIDDEN}" framework/include); then
  echo "$hits"
  echo "check_public_headers: $(wc -l <<<"$hits") forbidden include(s) under framework/include" \
    "(liburing, epoll, OpenSSL, llhttp, spdlog, toml++ belong in framework/src)" >&2
  exit 1
fi
echo "check_public_headers: OK ($(find framework/include -type f | wc -l) public headers)"
