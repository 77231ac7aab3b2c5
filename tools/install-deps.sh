#!/usr/bin/env bash
# tools/install-deps.sh — installs every Debian 12 package weft needs to build, test
# and benchmark. Idempotent: when everything is present it only runs dpkg-query and
# exits (well under a second). README, .ci/run, tools/test.sh, tools/run-example.sh
# and docker/Dockerfile all call it.
#
# Usage: tools/install-deps.sh [--with-fuzz] [--dry-run]
#   --with-fuzz   also clang-16 with libc++ (libFuzzer targets, WEFT_FUZZ=ON); about
#                 600 MB, so off by default. WEFT_WITH_FUZZ=1 in the environment does
#                 the same.
#   --dry-run     print what is missing and the command that would install it; install
#                 nothing (exit 0 either way).
#
# Runs apt-get directly as root, through sudo otherwise. apt-get update runs once, and
# only when something is missing. Services that packages ship (nginx) are not started:
# while installing, a temporary /usr/sbin/policy-rc.d refuses starts unless the machine
# already has one.
set -euo pipefail

# Build: compilers, CMake + Ninja, pkg-config, git.
BUILD_PKGS=(build-essential cmake ninja-build pkg-config git)
# Libraries the framework and its tests link (DESIGN.md "Dependencies").
# Boost 1.81 (header-only Asio, for perf/micro/weft_vs_asio's same-run comparison):
# libboost1.81-dev conflicts with libboost1.74-dev, so on a machine that has Debian's
# default libboost-dev (1.74) apt-get removes libboost-dev and libboost1.74-dev when it
# installs this one. Nothing else in weft uses Boost.
LIB_PKGS=(liburing-dev libssl-dev node-llhttp libgtest-dev libgmock-dev libbenchmark-dev
          libtomlplusplus-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
          libseccomp-dev libboost1.81-dev)
# Tools the integration tests and the perf harness drive (h2o: perf/proxy compares
# weft's proxy with h2o's).
TOOL_PKGS=(wrk nginx h2o curl netcat-openbsd python3 procps gnuplot-nox ca-certificates)
# Fuzzing: clang 16 with libc++ (clang 16 has no std::expected with libstdc++ 12).
FUZZ_PKGS=(clang-16 libc++-16-dev libc++abi-16-dev)

with_fuzz=${WEFT_WITH_FUZZ:-0}
dry_run=0
for arg in "$@"; do
  case $arg in
    --with-fuzz) with_fuzz=1 ;;
    --dry-run) dry_run=1 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-deps.sh: unknown argument '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

wanted=("${BUILD_PKGS[@]}" "${LIB_PKGS[@]}" "${TOOL_PKGS[@]}")
if [[ $with_fuzz == 1 ]]; then wanted+=("${FUZZ_PKGS[@]}"); fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "install-deps.sh: this script needs Debian 12 (dpkg-query and apt-get not found)." >&2
  echo "Install these packages by other means: ${wanted[*]}" >&2
  exit 1
fi

# One dpkg-query for all packages; a package dpkg has never heard of is simply absent
# from the output (dpkg-query then exits 1, hence `|| true`).
missing=()
declare -A installed=()
while read -r name status; do
  [[ $status == "install ok installed" ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${wanted[@]}" 2>/dev/null || true)
for pkg in "${wanted[@]}"; do
  [[ -n ${installed[$pkg]:-} ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps.sh: all ${#wanted[@]} packages present"
  exit 0
fi

echo "install-deps.sh: missing ${missing[*]}"
if [[ $(id -u) == 0 ]]; then
  as_root=()
elif command -v sudo >/dev/null || [[ $dry_run == 1 ]]; then
  as_root=(sudo)
else
  echo "install-deps.sh: run it as root, or install sudo" >&2
  exit 1
fi

if [[ $dry_run == 1 ]]; then
  sudo_word=${as_root[*]:+${as_root[*]} }
  echo "(dry run) ${sudo_word}apt-get update && ${sudo_word}apt-get install -y --no-install-recommends ${missing[*]}"
  exit 0
fi

# Keep package scripts from starting services (nginx on :80) on this machine.
policy=/usr/sbin/policy-rc.d
made_policy=0
cleanup() {
  if [[ $made_policy == 1 ]]; then "${as_root[@]}" rm -f "$policy"; fi
}
trap cleanup EXIT
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\n# temporary, from weft tools/install-deps.sh\nexit 101\n' |
    "${as_root[@]}" tee "$policy" >/dev/null
  "${as_root[@]}" chmod 755 "$policy"
  made_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0 --no-install-recommends)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" "${missing[@]}"
echo "install-deps.sh: done"
