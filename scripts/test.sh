#!/usr/bin/env bash
# Runs dagron's whole test suite, exactly as CI does: installs what the tests
# need, starts a one-node Slurm cluster (stopped again on exit), builds the
# SDK and the package, runs `swift test`, then the
# concurrency suites and the bundled plugins' suites again under
# ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

# Tools the tests use. Installed here so a newcomer's run is CI's run.
need_packages=()
command -v readelf >/dev/null || need_packages+=(binutils)
command -v gcc >/dev/null || need_packages+=(gcc)
# scripts/docs-check.sh reads the SDK's symbol graph with python3.
command -v python3 >/dev/null || need_packages+=(python3)
# prometheus-text plugin tests: `promtool check metrics` and a real Prometheus server.
command -v promtool >/dev/null && command -v prometheus >/dev/null || need_packages+=(prometheus)
# The dashboard's browser test drives headless Chromium.
command -v chromium >/dev/null || need_packages+=(chromium)
# The terminal tests (Tests/ReliabilityTests/TerminalOutputTests.swift) run dagron in a real terminal.
command -v tmux >/dev/null || need_packages+=(tmux)
# The Slurm suite asks the dashboard's API with curl.
command -v curl >/dev/null || need_packages+=(curl)
if [ ${#need_packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_packages[@]}"
fi

# The Slurm executor's tests run against a real one-node Slurm cluster
# (slurm-wlm, munge, slurmdbd on a private MariaDB; installed by the script
# when missing), its state in .build/slurm. DAGRON_TEST_SLURM=1 tells those
# tests that a cluster must be there: without one they fail instead of
# skipping. The trap stops it however this script ends.
echo "== Slurm cluster"
trap 'bash scripts/slurm-cluster.sh stop' EXIT
bash scripts/slurm-cluster.sh start
eval "$(bash scripts/slurm-cluster.sh env)"
export DAGRON_TEST_SLURM=1

echo "== Formatting"
# Every Swift file as scripts/format.sh leaves it (.swift-format: 120 columns).
bash scripts/format.sh --check

echo "== SDK package"
swift build --package-path SDK
swift test --package-path SDK --no-parallel
# The SDK's public ABI against the committed baseline: a breaking change (or
# a change the baseline does not record) fails here. HostTests'
# OldPluginCompatibilityTests then load a plugin built at the baseline's commit.
bash scripts/api-check.sh
# The SDK's DocC catalog builds with no warnings, and its "API at a glance"
# page names every public type (host-only API is @_spi(DagronHost)).
bash scripts/docs-check.sh

echo "== dagron package"
swift build
# Serially: many end-to-end tests block their thread while a `dagron` child
# runs, and on a 2-core machine that starves the Swift concurrency pool that
# other tests' async tasks need. One test at a time keeps runs deterministic.
swift test --no-parallel

# Known false reports in dependencies, each explained in the file. Child
# processes the tests start (an instrumented `dagron`) inherit it.
export TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt${TSAN_OPTIONS:+ $TSAN_OPTIONS}"

echo "== ThreadSanitizer: the SDK"
swift test --package-path SDK --sanitize=thread --scratch-path SDK/.build-tsan

echo "== ThreadSanitizer: the engine, every concurrency suite and the bundled plugins"
# The whole package instrumented (NIO and BoringSSL included: the longest
# build of the run), then the engine, concurrency, plugin and dashboard
# suites, one at a time.
swift build --build-tests --sanitize=thread --scratch-path .build-tsan
swift test --skip-build --sanitize=thread --scratch-path .build-tsan --no-parallel \
  --filter 'DagronTests|Concurrency|PluginTests|DashboardTests'
