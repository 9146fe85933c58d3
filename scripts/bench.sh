#!/usr/bin/env bash
# Benchmarks dagron beside the Python reference (dagron 0.1.1), in one run.
# Prints `<scenario> <value> <unit>` for ours, `reference <scenario> <value> <unit>`
# for the reference where ../shared/reference/setup.sh works, and
# `ratio <scenario> <x>` (how many times faster we are).
#   scripts/bench.sh [--repeat N] [--rounds R] [--only core|slurm|run|run_start_all_plugins|scale|callgrind]
#                    [--callgrind] [--bin DIR]
# --only core: the in-process scenarios beside the reference (hook firing,
# executor, memory, plugin loading, plugins list).
# --bin DIR: measure the release build already in DIR (its dagron,
# DagronBench and plugin .so files, such as a copy of an older build's
# `swift build -c release --show-bin-path`) instead of building this tree:
# a before/after comparison in one session.
# --only run_start_all_plugins: a one-node run with every bundled plugin;
# --only run: real command pipelines (run_chain_500, run_wide_500 beside the
# Python reference, ninja and make); --only scale: the 1k/10k/100k-node
# pipeline scenarios; --only callgrind (or --callgrind beside a full run):
# instruction counts of the in-process scenarios under valgrind's callgrind,
# which the machine's drift does not move.
#
# The machine is a shared VM whose speed drifts by tens of percent from one
# minute to the next, so the scenario suites of ours and of the reference
# alternate for R rounds (default 3) and each figure is the median over the
# rounds: both sides are measured under the same conditions. The short
# hook_fire scenarios get 3R more alternating rounds of their own.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=5
rounds=3
only=""
callgrind=0
prebuilt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --repeat) repeat=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --callgrind) callgrind=1; shift ;;
    --bin) prebuilt=$2; shift 2 ;;
    *) echo "usage: scripts/bench.sh [--repeat N] [--rounds R] [--only core|slurm|run|run_start_all_plugins|scale|callgrind] [--callgrind] [--bin DIR]" >&2; exit 2 ;;
  esac
done

# The whole package in release mode: the benchmark, dagron and the bundled plugins.
if [ -n "$prebuilt" ]; then
  [ -x "$prebuilt/dagron" ] && [ -x "$prebuilt/DagronBench" ] || { echo "bench.sh: --bin $prebuilt: no dagron and DagronBench there" >&2; exit 2; }
  bin=$(cd "$prebuilt" && pwd)
else
  swift build -c release >&2
  bin=$(swift build -c release --show-bin-path)
fi
work=$(mktemp -d); home=$(mktemp -d)
trap 'rm -rf "$work" "$home"' EXIT
ours=$work/ours; ref=$work/ref
: > "$work/ours.rounds"; : > "$work/ref.rounds"

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# Reads `<scenario> <value> <unit>` lines; prints one line per scenario with the median value.
medians() {
  awk '{ key = $1; unit[key] = $3; values[key] = values[key] " " $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key } }
       END { for (i = 1; i <= n; i++) print order[i], unit[order[i]], values[order[i]] }' |
    while read -r key unit values; do
      printf '%s %s %s\n' "$key" "$(tr ' ' '\n' <<<"$values" | grep -v '^$' | median)" "$unit"
    done
}

shared=${DAGRON_SHARED:-../shared}
py=""
if [ -f "$shared/reference/setup.sh" ]; then
  py=$(bash "$shared/reference/setup.sh" 2>/dev/null) || { py=""; echo "reference: unavailable (../shared/reference/setup.sh failed)" >&2; }
fi

core_benchmarks() {
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  "$bin/DagronBench" --repeat "$repeat" >> "$work/ours.rounds"
  "$bin/DagronBench" --repeat "$repeat" --all-plugins "$bin" | awk '$1 == "exec_chain_10k_all_plugins"' >> "$work/ours.rounds"
  # The 10k chain with the event recorder in-process, then isolated in a child
  # dagron: the run's time, and until the child has handled every event (_drained).
  "$bin/DagronBench" --repeat "$repeat" --isolated-recorder "$bin" | awk '$1 ~ /^exec_chain_10k_(isolated_)?recorder/' >> "$work/ours.rounds"
  if [ -n "$py" ]; then
    "$py" "$shared/reference/bench_ref.py" --repeat "$repeat" >> "$work/ref.rounds"
  fi
done

# The hook_fire scenarios take well under a second a side, and at that scale a
# round lands in one of the machine's speed levels (see README) or the other:
# they get 3x the rounds, still alternating ours and the reference's (its own
# fire_ns, with the arguments bench_ref.py gives it), so each side's median is
# taken over 4R samples.
for round in $(seq $((rounds * 3))); do
  for scenario in hook_fire_0cb hook_fire_3cb; do
    "$bin/DagronBench" --only "$scenario" --repeat "$repeat" >> "$work/ours.rounds"
  done
  if [ -n "$py" ]; then
    "$py" - "$shared/reference" "$repeat" >> "$work/ref.rounds" <<'PY'
import statistics, sys
sys.path.insert(0, sys.argv[1])
import bench_ref
repeat = int(sys.argv[2])
for callbacks in (0, 3):
    value = statistics.median(bench_ref.fire_ns(callbacks, 200_000) for _ in range(repeat))
    print(f"hook_fire_{callbacks}cb {value:.1f} ns")
PY
  fi
done
medians < "$work/ours.rounds" > "$ours"
cat "$ours"

"$bin/DagronBench" --peak-memory exec_chain_10k | tee -a "$ours"

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
}

slurm_benchmark() {
# slurm_wide_200: 200 independent `true` nodes through the slurm executor on
# the one-node cluster scripts/slurm-cluster.sh starts, against the same 200
# jobs submitted by a plain `sbatch` loop and waited for with `squeue` at the
# executor's poll interval; rounds alternate. The overhead is dagron's wall
# time over the loop's, in percent (target: within 10).
slurm_was_up=0
bash scripts/slurm-cluster.sh status >/dev/null 2>&1 && slurm_was_up=1
bash scripts/slurm-cluster.sh start >&2
eval "$(bash scripts/slurm-cluster.sh env)"
slurm_dir=$work/slurm; mkdir -p "$slurm_dir"
{
  printf 'executor: slurm\nmax_workers: 200\nplugins:\n  slurm:\n    poll_interval: 0.5\nnodes:\n'
  for i in $(seq 200); do printf '  n%03d: {run: "true"}\n' "$i"; done
} > "$slurm_dir/wide.yml"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
: > "$work/slurm.rounds"
for round in $(seq "$rounds"); do
  start=$(now_ms)
  (cd "$slurm_dir" && "$bin/dagron" run wide.yml --plugin-path "$bin" --run-dir "run-$round" --plain >/dev/null 2>&1) \
    || echo "slurm_wide_200: dagron run failed (see $slurm_dir/run-$round)" >&2
  echo "slurm_wide_200 $(( $(now_ms) - start )) ms" >> "$work/slurm.rounds"
  start=$(now_ms)
  for i in $(seq 200); do
    sbatch --parsable --job-name="bench-loop-$round" --output=/dev/null --chdir="$slurm_dir" --wrap true >/dev/null
  done
  while [ -n "$(squeue --noheader --name="bench-loop-$round" --format=%i)" ]; do sleep 0.5; done
  echo "slurm_wide_200_sbatch_loop $(( $(now_ms) - start )) ms" >> "$work/slurm.rounds"
done
medians < "$work/slurm.rounds" | awk '
  { print; value[$1] = $2 }
  END {
    ours = value["slurm_wide_200"]; loop = value["slurm_wide_200_sbatch_loop"]
    if (ours > 0) printf "slurm_wide_200_nodes_per_s %.1f nodes/s\n", 200000 / ours
    if (loop > 0) printf "slurm_wide_200_overhead %.1f %%\n", (ours - loop) * 100 / loop
  }' | tee -a "$ours"
[ "$slurm_was_up" = 1 ] || bash scripts/slurm-cluster.sh stop >&2
}

run_pipelines_benchmark() {
# run_chain_500, run_wide_500: `dagron run` of 500 nodes running `true` (two
# workers) beside the same graph under the Python reference (a subprocess per
# node), `ninja -j2` and `make -j2` (../shared/reference/gen_pipelines.py
# writes all four), rounds alternating; medians of wall times in ms.
# run_overhead_per_node: dagron's own cost per node over a bare spawn of the
# same argv: ((dagron chain of 500) - (dagron chain of 1)) / 499, less the
# per-spawn time of a C loop that posix_spawns `true` 500 times in a row,
# waiting for each (both medians of the same alternating rounds), in µs.
if ! command -v ninja >/dev/null 2>&1 || ! command -v make >/dev/null 2>&1 || ! command -v cc >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq ninja-build make gcc >&2 \
    || echo "run_*: cannot install ninja-build/make/gcc; their yardsticks are skipped" >&2
fi
pipes=$work/pipelines; mkdir -p "$pipes"
gen=$shared/reference/gen_pipelines.py
for shape in chain wide; do
  if [ -f "$gen" ]; then
    python3 "$gen" "$pipes/$shape" "$shape" 500
  else
    # Without ../shared: the same p.yaml, ours only.
    mkdir -p "$pipes/$shape"
    {
      printf 'max_workers: 2\nnodes:\n'
      if [ "$shape" = chain ]; then
        printf '  n0: { run: "true" }\n'; for i in $(seq 1 499); do printf '  n%d: { run: "true", after: [n%d] }\n' "$i" $((i - 1)); done
      else
        printf '  root: { run: "true" }\n  sink: { run: "true", after: [%s] }\n' "$(seq -s, -f 'm%g' 0 497 | sed 's/,/, /g')"
        for i in $(seq 0 497); do printf '  m%d: { run: "true", after: [root] }\n' "$i"; done
      fi
    } > "$pipes/$shape/p.yaml"
  fi
done
mkdir -p "$pipes/one"; printf 'max_workers: 2\nnodes:\n  n0: { run: "true" }\n' > "$pipes/one/p.yaml"
cat > "$pipes/spawn_loop.c" <<'C'
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
extern char **environ;
int main(int argc, char **argv) {
  int n = atoi(argv[1]);
  char *args[] = {argv[2], NULL};
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < n; i++) {
    pid_t pid; int status;
    if (posix_spawn(&pid, argv[2], NULL, NULL, args, environ) != 0) { perror("posix_spawn"); return 1; }
    if (waitpid(pid, &status, 0) < 0 || status != 0) { perror("waitpid"); return 1; }
  }
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n);
  return 0;
}
C
have_loop=0
cc -O2 -o "$pipes/spawn_loop" "$pipes/spawn_loop.c" 2>/dev/null && have_loop=1
true_path=$(command -v true | grep / || echo /bin/true)
[ -x "$true_path" ] || true_path=/bin/true
ms_of() { local start; start=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "run_*: failed: $*" >&2; echo $(( ($(date +%s%N) - start) / 1000000 )); }
# Creating a file on ext4 without a journal (this VM's disk) costs about
# 25 µs, but up to 500 µs for minutes after many files were deleted: the
# inode allocator skips inodes freed in the last 60 s, 360 s while their
# inode table block is still dirty (ext4's recently_deleted()). dagron
# creates two logs a node and ninja and make a stamp, the Python reference
# nothing, so a run right after a big deletion (another benchmark's
# clean-up, a test suite's) measures the disk more than the tools. Wait,
# at most 6 minutes, until 500 creations in a new folder beside each
# pipeline's run folders (where the allocator puts them too) average under
# 40 µs twice in a row, and print what was measured (run_file_create_us,
# the slower folder of the last probe; run_file_create_waited_s).
probe_creation() {
  python3 -c '
import os, sys, time
slowest = 0
for parent in sys.argv[1:]:
    folder = os.path.join(parent, f"create-probe-{time.time_ns()}")
    os.makedirs(folder)
    start = time.perf_counter()
    for i in range(500): os.close(os.open(f"{folder}/f{i}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    slowest = max(slowest, (time.perf_counter() - start) * 1e6 / 500)
print(f"{slowest:.0f}")' "$pipes/chain" "$pipes/wide"
}
settle_start=$(date +%s)
quick=0
while true; do
  create_us=$(probe_creation)
  waited=$(( $(date +%s) - settle_start ))
  if [ "$create_us" -lt 40 ]; then quick=$((quick + 1)); else quick=0; fi
  if [ "$quick" -ge 2 ] || [ "$waited" -ge 360 ]; then break; fi
  [ "$quick" = 0 ] && echo "run_*: creating a file takes ${create_us} us (recently deleted inodes); waiting for the disk to settle" >&2
  sleep 10
done
echo "run_file_create_us $create_us us" | tee -a "$ours"
echo "run_file_create_waited_s $waited s" | tee -a "$ours"
: > "$work/run.rounds"
for round in $(seq "$rounds"); do
  echo "run_* round $round of $rounds" >&2
  for shape in chain wide; do
    dir=$pipes/$shape
    echo "run_${shape}_500 $(cd "$dir" && HOME=$home XDG_CONFIG_HOME=$home/config ms_of "$bin/dagron" run p.yaml --run-dir "run-$round" --plain) ms" >> "$work/run.rounds"
    if [ -n "$py" ] && [ -f "$dir/ref.py" ]; then
      echo "run_${shape}_500_reference $(cd "$dir" && ms_of "$py" ref.py) ms" >> "$work/run.rounds"
    fi
    # ninja and make build in a fresh folder each round instead of deleting
    # the last round's 500 stamps: on ext4 without a journal (this VM) every
    # file created within 60 s of a deletion (360 s while the freed inodes'
    # table blocks are dirty) first skips past the deleted inodes, which
    # slowed whatever ran next (dagron's logs, their own stamps) by up to 2x.
    if [ -f "$dir/build.ninja" ] && command -v ninja >/dev/null 2>&1; then
      mkdir -p "$dir/ninja-$round" && cp "$dir/build.ninja" "$dir/ninja-$round/"
      echo "run_${shape}_500_ninja $(cd "$dir/ninja-$round" && ms_of ninja -j2) ms" >> "$work/run.rounds"
    fi
    if [ -f "$dir/Makefile" ] && command -v make >/dev/null 2>&1; then
      mkdir -p "$dir/make-$round" && cp "$dir/Makefile" "$dir/make-$round/"
      echo "run_${shape}_500_make $(cd "$dir/make-$round" && ms_of make -j2) ms" >> "$work/run.rounds"
    fi
  done
  echo "run_one $(cd "$pipes/one" && HOME=$home XDG_CONFIG_HOME=$home/config ms_of "$bin/dagron" run p.yaml --run-dir "run-$round" --plain) ms" >> "$work/run.rounds"
  [ "$have_loop" = 1 ] && echo "run_bare_spawn $("$pipes/spawn_loop" 500 "$true_path") us" >> "$work/run.rounds"
done
medians < "$work/run.rounds" | awk '
  { value[$1] = $2; unit[$1] = $3; order[++n] = $1 }
  END {
    for (i = 1; i <= n; i++) {
      key = order[i]
      if (key ~ /_(reference|ninja|make)$/ || key == "run_one" || key == "run_bare_spawn") continue
      printf "%s %s ms\n", key, value[key]
      split("reference ninja make", yardsticks, " ")
      for (y = 1; y <= 3; y++) {
        other = key "_" yardsticks[y]
        if ((other in value) && value[key] > 0)
          printf "%s %s %s ms\nratio %s%s %.2fx\n", yardsticks[y], key, value[other], key,
                 yardsticks[y] == "reference" ? "" : "_vs_" yardsticks[y], value[other] / value[key]
      }
    }
    if (("run_one" in value) && ("run_bare_spawn" in value)) {
      printf "run_one_node %s ms\nrun_bare_spawn %s us\n", value["run_one"], value["run_bare_spawn"]
      printf "run_overhead_per_node %.0f us\n", (value["run_chain_500"] - value["run_one"]) * 1000 / 499 - value["run_bare_spawn"]
    }
  }' | tee -a "$ours"
}

run_start_benchmark() {
# run_start_all_plugins: wall time and peak RSS of a one-node `dagron run`
# (the real CLI, a fresh process each time) with all five bundled plugins
# loaded in-process: logging (to a file), timing, prometheus-text (on port 0),
# slack-webhook (pointed at a loopback HTTP server started here, notify_on
# never, so it never posts) and dashboard (port 0). Beside it the same run
# with no plugins (run_start_no_plugins) and with the five plugins isolated in
# child processes (run_start_all_plugins_isolated). Rounds alternate the
# three; each figure is the median over 4R rounds. Peak RSS is /usr/bin/time's
# maximum resident set size of the dagron process (targets: 60 ms, 40 MiB).
local dir=$work/run-start; mkdir -p "$dir"
printf 'name: one\nnodes:\n  only: {run: "true"}\n' > "$dir/one.yml"
python3 -c '
import http.server, sys
class Sink(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args): pass
server = http.server.HTTPServer(("127.0.0.1", 0), Sink)
print(server.server_address[1], flush=True)
server.serve_forever()' > "$dir/port" &
local sink=$!
local port=""
for _ in $(seq 50); do port=$(cat "$dir/port"); [ -n "$port" ] && break; sleep 0.1; done
[ -n "$port" ] || { echo "run_start_all_plugins: the loopback webhook server did not start" >&2; kill "$sink"; return 1; }
local plugins=(--plugin-path "$bin" --plugin logging --plugin timing --plugin prometheus-text --plugin slack-webhook --plugin dashboard
  --set logging.file="$dir/log.txt" --set timing.output="$dir/timing.txt" --set prometheus-text.listen=127.0.0.1:0
  --set slack-webhook.webhook_url="http://127.0.0.1:$port/hook" --set slack-webhook.notify_on=never
  --set dashboard.port=0 --set dashboard.open_browser=false)
# one_run NAME ARGS...: prints `NAME <ms> ms` and `NAME_peak_rss <MiB> MiB`.
one_run() {
  local name=$1; shift
  rm -rf "$dir/run"
  local start; start=$(date +%s%N)
  (cd "$dir" && HOME=$home XDG_DATA_HOME=$home/data XDG_CONFIG_HOME=$home/config \
    /usr/bin/time -f %M -o "$dir/rss" "$bin/dagron" run one.yml --plain --run-dir "$dir/run" "$@" >"$dir/out" 2>&1) \
    || { echo "$name: dagron run failed:" >&2; cat "$dir/out" >&2; return 1; }
  local end; end=$(date +%s%N)
  echo "$name $(( (end - start) / 1000 )) us" | awk '{ printf "%s %.1f ms\n", $1, $2 / 1000 }'
  awk -v name="$name" '{ printf "%s_peak_rss %.1f MiB\n", name, $1 / 1024 }' "$dir/rss"
}
one_run warm-up "${plugins[@]}" >/dev/null
: > "$work/run-start.rounds"
for _ in $(seq $((rounds * 4))); do
  one_run run_start_no_plugins --no-plugins >> "$work/run-start.rounds"
  one_run run_start_all_plugins "${plugins[@]}" >> "$work/run-start.rounds"
  one_run run_start_all_plugins_isolated "${plugins[@]}" --isolate-all >> "$work/run-start.rounds"
done
kill "$sink"; wait "$sink" 2>/dev/null || true
medians < "$work/run-start.rounds" | tee -a "$ours"
}

reference_report() {
if [ -n "$py" ]; then
  medians < "$work/ref.rounds" > "$ref"
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
fi
}

scale_benchmark() {
# scale_*: a generated pipeline of 1k, 10k and 100k nodes (layers of 100,
# each node after the three closest of the layer before: fan-in 3), read
# and run in-process as `dagron run` does without plugins, the commands
# replaced by no-op tasks (parse, manifest, DAG build, 2 workers, report,
# result.json). Per-node figures should stay flat from 1k to 100k. Then
# the peak RSS of one 100k run in a fresh process, and `dagron validate` of
# the 100k file through the real binary (targets: 300 MiB and 1 s).
scale_repeat=$(( repeat < 3 ? repeat : 3 ))
"$bin/DagronBench" --scale --repeat "$scale_repeat" | tee -a "$ours"
"$bin/DagronBench" --scale-peak-memory 100000 | tee -a "$ours"
"$bin/DagronBench" --write-scale-pipeline "$work/scale-100k.yml" --count 100000
for _ in $(seq "$scale_repeat"); do
  start=$(date +%s%N)
  "$bin/dagron" validate "$work/scale-100k.yml" >/dev/null
  echo $(( ($(date +%s%N) - start) / 1000 ))
done | median | awk '{ printf "scale_validate_100k_cli %.1f ms\n", $1 / 1000 }' | tee -a "$ours"
}

callgrind_benchmark() {
# <scenario>_instructions: instructions (Ir) valgrind's callgrind counts for
# one run of the scenario, less those of a run that measures nothing (start-up
# and set-up); _per_op divides by the fires (2,000,000) or nodes. Counts do
# not show what locked instructions or cache misses cost, but they do not
# drift with the machine either. valgrind 3.19 cannot read the DWARF the
# Swift toolchain emits, so it runs copies without debug information.
if ! command -v valgrind >/dev/null; then
  echo "installing valgrind" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y valgrind >&2; else sudo apt-get install -y valgrind >&2; fi
fi
cg=$work/callgrind; mkdir -p "$cg"
cp "$bin/DagronBench" "$bin"/libDagronSDK.so "$cg/"
strip -g "$cg/DagronBench" "$cg/libDagronSDK.so"
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$cg/DagronBench" --repeat 1 "$@" 2>&1 | awk '/Collected :/ { print $4 }'; }
report() {  # scenario, operations, instructions, baseline
  awk -v s="$1" -v n="$2" -v total="$3" -v base="$4" \
    'BEGIN { printf "%s_instructions %d Ir\n%s_instructions_per_op %.1f Ir\n", s, total - base, s, (total - base) / n }'
}
base=$(ir --only none)
for scenario in hook_fire_0cb hook_fire_3cb; do report "$scenario" 2000000 "$(ir --only "$scenario")" "$base"; done
for scenario in exec_chain_10k exec_wide_10k; do report "$scenario" 10000 "$(ir --only "$scenario")" "$base"; done
base=$(ir --scale --sizes 10000 --only none)
for scenario in scale_validate_10k scale_run_per_node_10k; do
  report "$scenario" 10000 "$(ir --scale --sizes 10000 --only "$scenario")" "$base"
done
}

case "$only" in
  core)
    core_benchmarks
    reference_report
    ;;
  slurm) slurm_benchmark ;;
  run) run_pipelines_benchmark ;;
  run_start_all_plugins) run_start_benchmark ;;
  scale) scale_benchmark ;;
  callgrind) callgrind_benchmark | tee -a "$ours" ;;
  *)
    core_benchmarks
    run_pipelines_benchmark
    run_start_benchmark
    slurm_benchmark
    scale_benchmark
    if [ "$callgrind" = 1 ]; then callgrind_benchmark | tee -a "$ours"; fi
    reference_report
    ;;
esac
