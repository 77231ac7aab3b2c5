#!/usr/bin/env bash
# tools/check_layers.sh — includes point only downward (DESIGN.md "Layout", STYLE.md
# "A framework/ tree that shows the layers").
#
# Usage: tools/check_layers.sh [REPO_ROOT]      exit 0: clean, 1: violations (listed)
#
# Areas, lowest first: core runtime sync net tls http observe conf. For every file in
# framework/include/weft/<X>/ and framework/src/<X>/:
#   - `#include <weft/<Y>/…>` (or "weft/<Y>/…") needs Y at or before X in that order;
#   - a quoted include that resolves into framework/src/<Y>/ or include/weft/<Y>/ is
#     held to the same rule (private headers of a later area are off limits too);
#   - framework code never includes the umbrella <weft/weft.hpp>.
# The area `testing` may include any area. Nothing outside tests/ and the testing
# area itself may include weft/testing (no production target links weft::testing).
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$ROOT"
[[ -d framework ]] || { echo "check_layers: no framework/ under $ROOT" >&2; exit 2; }

ORDER=(core runtime sync net tls http observe conf)
declare -A RANK=()
for i in "${!ORDER[@]}"; do RANK[${ORDER[$i]}]=$i; done

violations=0
report() { echo "$1:$2: $3"; violations=$((violations + 1)); }

# The area a path inside the repository belongs to ("" when none).
area_of() { # repo-relative path
  case $1 in
    framework/include/weft/*/*) local rest=${1#framework/include/weft/}; echo "${rest%%/*}" ;;
    framework/src/*/*) local rest=${1#framework/src/}; echo "${rest%%/*}" ;;
    *) echo "" ;;
  esac
}

# Checks one include of file $1 (area $2) on line $3 that names area $4.
check_target() {
  local file=$1 from=$2 line=$3 to=$4 text=$5
  [[ -n $to ]] || return 0
  if [[ $to == testing && $from != testing ]]; then
    report "$file" "$line" "includes weft/testing ($text): only tests/ may"
    return
  fi
  [[ $from == testing ]] && return 0
  if [[ -z ${RANK[$to]+x} ]]; then
    report "$file" "$line" "includes unknown area '$to' ($text)"
    return
  fi
  if [[ -z ${RANK[$from]+x} ]]; then
    report "$file" "$line" "is in unknown area '$from' (known: ${ORDER[*]} testing)"
    return
  fi
  if ((RANK[$to] > RANK[$from])); then
    report "$file" "$line" "area '$from' includes later area '$to' ($text); order: ${ORDER[*]}"
  fi
}

# 1. framework/: every file of every area.
while IFS= read -r -d '' file; do
  from=$(area_of "$file")
  [[ -n $from ]] || continue
  while IFS=: read -r line text; do
    # The include target: <...> or "...".
    target=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*)[>"].*/\1/' <<<"$text")
    if [[ $target == weft/weft.hpp ]]; then
      report "$file" "$line" "framework code includes the umbrella <weft/weft.hpp>; include the one header it needs"
      continue
    fi
    if [[ $target == weft/*/* ]]; then
      to=${target#weft/}; to=${to%%/*}
      check_target "$file" "$from" "$line" "$to" "$target"
    elif [[ $text =~ \#[[:space:]]*include[[:space:]]*\" ]]; then
      # A quoted include: resolve it against the including file's folder.
      resolved=$(realpath -m --relative-to="$ROOT" "$(dirname "$file")/$target")
      check_target "$file" "$from" "$line" "$(area_of "$resolved")" "\"$target\" -> $resolved"
    fi
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$file" || true)
done < <(find framework/include framework/src -type f \( -name '*.hpp' -o -name '*.h' -o -name '*.cpp' -o -name '*.ipp' \) -print0 | sort -z)

# 2. Outside framework/ and tests/: nobody includes weft/testing.
for dir in examples perf tools docker; do
  [[ -d $dir ]] || continue
  while IFS=: read -r file line text; do
    report "$file" "$line" "includes weft/testing: only tests/ may"
  done < <(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]weft/testing/' "$dir" \
             --include='*.hpp' --include='*.h' --include='*.cpp' --include='*.c' || true)
done

if ((violations)); then
  echo "check_layers: $violations violation(s)" >&2
  exit 1
fi
echo "check_layers: OK (order: ${ORDER[*]}; testing may use any area)"
