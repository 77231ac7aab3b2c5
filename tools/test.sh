#!/usr/bin/env bash
# tools/test.sh — install dependencies, configure, build and run the whole test suite.
#
# Usage: tools/test.sh [BUILD_DIR] [extra cmake args...]
#   BUILD_DIR defaults to build/ (relative paths are taken from the repository root).
#   Extra arguments go to the configure step, e.g.
#     tools/test.sh build-asan -DWEFT_SANITIZE=address,undefined -DWEFT_BUILD_PERF=OFF
# Environment:
#   WEFT_BUILD_TYPE   build type of a new build tree [RelWithDebInfo]; an existing tree
#                     keeps its own unless this is set
#   WEFT_JOBS         parallel compile jobs [nproc]
#   WEFT_TEST_JOBS    parallel ctest jobs [2]
#   WEFT_SKIP_DEPS=1  do not run tools/install-deps.sh
#   CTEST_ARGS        more ctest arguments, e.g. "-R Task" or "-L static"
# Exit status: non-zero if any step or any test fails.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BUILD=${1:-build}
if (($# > 0)); then shift; fi
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD

if [[ ${WEFT_SKIP_DEPS:-0} != 1 ]]; then tools/install-deps.sh; fi

configure=(-S "$ROOT" -B "$BUILD")
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  # A new tree: Ninja and an optimized build with debug info.
  configure+=(-G Ninja -DCMAKE_BUILD_TYPE="${WEFT_BUILD_TYPE:-RelWithDebInfo}")
elif [[ -n ${WEFT_BUILD_TYPE:-} ]]; then
  configure+=(-DCMAKE_BUILD_TYPE="$WEFT_BUILD_TYPE")
fi
echo "== configure $BUILD $*"
cmake "${configure[@]}" "$@"

echo "== build $BUILD"
cmake --build "$BUILD" -j "${WEFT_JOBS:-$(nproc)}"

echo "== test $BUILD"
read -ra extra_ctest <<<"${CTEST_ARGS:-}"
cd "$BUILD"
ctest --output-on-failure -j "${WEFT_TEST_JOBS:-2}" --timeout 600 "${extra_ctest[@]}"
