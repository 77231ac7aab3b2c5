#!/usr/bin/env bash
# tools/check_sizes.sh — size budgets (STYLE.md conventions 2 and 13).
#
# Usage: tools/check_sizes.sh [REPO_ROOT]       exit 0: within budget, 1: over (listed)
#
#   - every file under framework/ and examples/: at most 800 lines (hard cap); more
#     than 600 prints a warning but passes;
#   - examples/*/main.cpp: at most 100 lines.
# A generated file is exempt when one of its first 5 lines says `// generated` (or
# `# generated`).
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$ROOT"
HARD=800 SOFT=600 EXAMPLE_MAIN=100

failures=0 warnings=0 checked=0
while IFS= read -r -d '' file; do
  grep -Iq . "$file" 2>/dev/null || continue # binary or empty
  if head -n 5 "$file" | grep -qE '^[[:space:]]*(//|#)[[:space:]]*generated\b'; then continue; fi
  checked=$((checked + 1))
  lines=$(wc -l <"$file")
  if ((lines > HARD)); then
    echo "$file: $lines lines, over the hard cap of $HARD: split it"
    failures=$((failures + 1))
  elif ((lines > SOFT)); then
    echo "warning: $file: $lines lines, over the normal budget of $SOFT" >&2
    warnings=$((warnings + 1))
  fi
  if [[ $file == examples/*/main.cpp ]] && ((lines > EXAMPLE_MAIN)); then
    echo "$file: $lines lines; an example's main.cpp is at most $EXAMPLE_MAIN"
    failures=$((failures + 1))
  fi
done < <(find framework examples -type f -print0 2>/dev/null | sort -z)

if ((failures)); then
  echo "check_sizes: $failures file(s) over budget ($warnings warning(s))" >&2
  exit 1
fi
echo "check_sizes: OK ($checked files; $warnings over $SOFT lines)"
