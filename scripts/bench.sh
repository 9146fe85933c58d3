#!/usr/bin/env bash
# Benchmarks dagron beside the Python reference (dagron 0.1.1), in one run.
# Prints `<scenario> <value> <unit>` for ours, `reference <scenario> <value> <unit>`
# for the reference where ../shared/reference/setup.sh works, and
# `ratio <scenario> <x>` (how many times faster we are).
#   scripts/bench.sh [--repeat N]
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=5
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--repeat N]" >&2; exit 2 ;;
  esac
done

swift build -c release --product DagronBench >&2
bin=$(swift build -c release --show-bin-path)
ours=$(mktemp); ref=$(mktemp); trap 'rm -f "$ours" "$ref"' EXIT

"$bin/DagronBench" --repeat "$repeat" | tee "$ours"
"$bin/DagronBench" --peak-memory exec_chain_10k | tee -a "$ours"

shared=${DAGRON_SHARED:-../shared}
if [ -x "$shared/reference/setup.sh" ] || [ -f "$shared/reference/setup.sh" ]; then
  if py=$(bash "$shared/reference/setup.sh" 2>/dev/null); then
    "$py" "$shared/reference/bench_ref.py" --repeat "$repeat" > "$ref"
    "$py" - "$shared/reference" >> "$ref" <<'PY'
import resource, sys
sys.path.insert(0, sys.argv[1])
import bench_ref
bench_ref.exec_us_per_node("chain", 10_000, True)
print(f"exec_chain_10k_peak_rss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f} MiB")
PY
    sed 's/^/reference /' "$ref"
    # ratio = reference / ours for times; for memory, how many times smaller we are.
    awk 'NR==FNR { ours[$1]=$2; next } ($1 in ours) && ours[$1] > 0 { printf "ratio %s %.1fx\n", $1, $2 / ours[$1] }' "$ours" "$ref"
  else
    echo "reference: unavailable (../shared/reference/setup.sh failed)" >&2
  fi
fi
