#!/usr/bin/env bash
# tests/install/run_consumer_test.sh — `cmake --install` produces a package that
# find_package(weft CONFIG) and pkg-config both find (DESIGN.md "Dependencies").
#
# Usage: run_consumer_test.sh BUILD_DIR SOURCE_DIR      (ctest: Install.ConsumerFindsPackageAndPkgConfig)
#
#   1. installs BUILD_DIR into a staging prefix, then moves it elsewhere (the package
#      must be relocatable), and checks what was and was not installed;
#   2. configures and builds tests/install/consumer with CMAKE_PREFIX_PATH=<prefix>
#      and runs it;
#   3. compiles the same main.cpp with `pkg-config --cflags --libs weft`
#      (PKG_CONFIG_PATH=<prefix>/…/pkgconfig) and runs it.
# The consumer is built with BUILD_DIR's compiler, build type and WEFT_SANITIZE flags,
# since static libraries built with sanitizers need them at link time.
set -euo pipefail

BUILD=$(cd "${1:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: $0 BUILD_DIR SOURCE_DIR}" && pwd)
CONSUMER=$SRC/tests/install/consumer
[[ -f $BUILD/CMakeCache.txt ]] || { echo "FAIL: $BUILD is not a configured build tree" >&2; exit 1; }

step() { echo "--- $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$BUILD/CMakeCache.txt" | head -n 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/weft-install-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

CXX=$(cache CMAKE_CXX_COMPILER)
BUILD_TYPE=$(cache CMAKE_BUILD_TYPE)
SANITIZE=$(cache WEFT_SANITIZE)
SAN_FLAGS=()
if [[ -n $SANITIZE ]]; then SAN_FLAGS=("-fsanitize=$SANITIZE" -fno-omit-frame-pointer); fi
GENERATOR=()
if command -v ninja >/dev/null; then GENERATOR=(-G Ninja); fi

step "install $BUILD into a staging prefix, then move it (relocatable)"
cmake --install "$BUILD" --prefix "$TMP/stage" >"$TMP/install.log" 2>&1 ||
  { cat "$TMP/install.log" >&2; fail "cmake --install failed"; }
mv "$TMP/stage" "$TMP/prefix"
PREFIX=$TMP/prefix

config=$(find "$PREFIX" -name weftConfig.cmake -print -quit)
pcfile=$(find "$PREFIX" -name weft.pc -print -quit)
[[ -n $config ]] || fail "weftConfig.cmake was not installed"
[[ -n $pcfile ]] || fail "weft.pc was not installed"
[[ -n $(find "$PREFIX" -name weftConfigVersion.cmake -print -quit) ]] || fail "weftConfigVersion.cmake was not installed"
[[ -f $PREFIX/include/weft/weft.hpp ]] || fail "include/weft/weft.hpp was not installed"
[[ -f $PREFIX/include/weft/runtime/runtime.hpp ]] || fail "include/weft/runtime/runtime.hpp was not installed"
[[ ! -e $PREFIX/include/weft/testing ]] || fail "include/weft/testing was installed (test support is not part of the package)"
for lib in weft_core weft_runtime weft_sync weft_net weft_llhttp weft_http weft_conf; do
  [[ -n $(find "$PREFIX" -name "lib$lib.a" -print -quit) ]] || fail "lib$lib.a was not installed"
done
[[ -z $(find "$PREFIX" -name 'libweft_testing*' -print -quit) ]] || fail "libweft_testing was installed"
echo "installed: $(find "$PREFIX" -type f | wc -l) files; config ${config#"$PREFIX"/}, pc ${pcfile#"$PREFIX"/}"

step "find_package(weft CONFIG) with CMAKE_PREFIX_PATH"
cmake -S "$CONSUMER" -B "$TMP/cmake-build" "${GENERATOR[@]}" \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
  -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" \
  -DCMAKE_CXX_FLAGS="${SAN_FLAGS[*]}" -DCMAKE_EXE_LINKER_FLAGS="${SAN_FLAGS[*]}" \
  >"$TMP/configure.log" 2>&1 || { cat "$TMP/configure.log" >&2; fail "configuring the consumer failed"; }
found=$(sed -n 's/^weft_DIR:[A-Z]*=//p' "$TMP/cmake-build/CMakeCache.txt")
[[ $found == "$PREFIX"/* ]] || fail "find_package found weft in '$found', not in the test prefix $PREFIX"
cmake --build "$TMP/cmake-build" -j1 >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; fail "building the consumer with find_package failed"; }
"$TMP/cmake-build/weft_consumer" || fail "the find_package consumer exited with status $?"

step "pkg-config --cflags --libs weft with PKG_CONFIG_PATH"
command -v pkg-config >/dev/null || fail "pkg-config not found (tools/install-deps.sh installs it)"
PKG_CONFIG_PATH="$(dirname "$pcfile")${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export PKG_CONFIG_PATH
pkg-config --exists --print-errors weft || fail "pkg-config does not find weft"
read -ra PC_CFLAGS <<<"$(pkg-config --cflags weft)"
read -ra PC_LIBS <<<"$(pkg-config --libs weft)"
echo "pkg-config weft $(pkg-config --modversion weft): --cflags ${PC_CFLAGS[*]}"
echo "  --libs ${PC_LIBS[*]}"
[[ " ${PC_CFLAGS[*]} " == *" -I$PREFIX/include "* || " ${PC_CFLAGS[*]} " == *"/prefix/"*"/include "* ]] ||
  fail "weft.pc's include path does not point into the prefix: ${PC_CFLAGS[*]}"
"$CXX" -std=c++23 -O1 "${SAN_FLAGS[@]}" "${PC_CFLAGS[@]}" "$CONSUMER/main.cpp" "${PC_LIBS[@]}" \
  -o "$TMP/pc-consumer" 2>"$TMP/pc-build.log" ||
  { cat "$TMP/pc-build.log" >&2; fail "building the consumer with pkg-config failed"; }
"$TMP/pc-consumer" || fail "the pkg-config consumer exited with status $?"

echo "PASS: find_package(weft CONFIG) and pkg-config weft both build and run a consumer"
