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

# The whole package in release mode: the benchmark, dagron and the bundled plugins.
swift build -c release >&2
bin=$(swift build -c release --show-bin-path)
ours=$(mktemp); ref=$(mktemp); home=$(mktemp -d)
trap 'rm -rf "$ours" "$ref" "$home"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$bin/DagronBench" --repeat "$repeat" | tee "$ours"
"$bin/DagronBench" --peak-memory exec_chain_10k | tee -a "$ours"
"$bin/DagronBench" --repeat "$repeat" --all-plugins "$bin" | tee -a "$ours"

# Cold start each time: a fresh process discovers, loads and initializes the five plugins.
# (Plugins print their own lines, such as the dashboard's URL: keep only ours.)
for _ in $(seq "$repeat"); do "$bin/DagronBench" --plugins-load "$bin" | awk '$1 == "plugins_load_5" { print $2 }'; done \
  | median | awk '{ printf "plugins_load_5 %s ms\n", $1 }' | tee -a "$ours"

# Wall time of `dagron plugins list` as a user runs it (its cache warmed by a first run).
HOME=$home XDG_DATA_HOME=$home/data "$bin/dagron" plugins list >/dev/null
for _ in $(seq $((repeat * 4))); do
  start=$(date +%s%N)
  (cd / && HOME=$home XDG_DATA_HOME=$home/data "$bin/dagron" plugins list >/dev/null)
  echo $(( ($(date +%s%N) - start) / 1000 ))
done | median | awk '{ printf "plugins_list_wall %.1f ms\n", $1 / 1000 }' | tee -a "$ours"

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
    # The all-plugins chain is compared with the reference's chain with three no-op hooks.
    awk '$1 == "exec_chain_10k" { print "exec_chain_10k_all_plugins", $2, $3 }' "$ref" > "$ref.extra"
    sed 's/^/reference /' "$ref"
    # ratio = reference / ours for times; for memory, how many times smaller we are.
    awk 'NR==FNR { ours[$1]=$2; next } ($1 in ours) && ours[$1] > 0 { printf "ratio %s %.1fx\n", $1, $2 / ours[$1] }' "$ours" "$ref" "$ref.extra"
    rm -f "$ref.extra"
  else
    echo "reference: unavailable (../shared/reference/setup.sh failed)" >&2
  fi
fi
