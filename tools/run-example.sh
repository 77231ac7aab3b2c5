#!/usr/bin/env bash
# tools/run-example.sh — install dependencies, build an example in Release and run it
# on its config file.
#
# Usage: tools/run-example.sh [NAME] [extra args for the example...]
#   NAME defaults to hello: builds build-release/examples/hello/weft-hello and execs
#     build-release/examples/hello/weft-hello --config conf/hello.toml [extra args...]
#   Try it from another terminal: curl 127.0.0.1:8080/   (echo: nc 127.0.0.1 7000)
# Environment: WEFT_JOBS (parallel compile jobs, default nproc), WEFT_SKIP_DEPS=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" # the example's --config path and any paths inside it are relative to here
NAME=${1:-hello}
if (($# > 0)); then shift; fi
BUILD=$ROOT/build-release
BIN=$BUILD/examples/$NAME/weft-$NAME
CONF=conf/$NAME.toml

if [[ ! -d examples/$NAME ]]; then
  echo "run-example.sh: no example '$NAME'; there are: $(find examples -mindepth 1 -maxdepth 1 -type d -printf '%f ')" >&2
  exit 2
fi
[[ -f $CONF ]] || { echo "run-example.sh: missing $ROOT/$CONF" >&2; exit 2; }

if [[ ${WEFT_SKIP_DEPS:-0} != 1 ]]; then tools/install-deps.sh; fi

configure=(-S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DWEFT_BUILD_EXAMPLES=ON)
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  # Tests are not needed to run an example; perf/echo/run.sh uses this tree too.
  configure+=(-G Ninja -DWEFT_BUILD_TESTS=OFF -DWEFT_BUILD_PERF=ON)
fi
cmake "${configure[@]}" >/dev/null
cmake --build "$BUILD" -j "${WEFT_JOBS:-$(nproc)}" --target "weft-$NAME"

echo "run-example.sh: $BIN --config $CONF $*"
exec "$BIN" --config "$CONF" "$@"
