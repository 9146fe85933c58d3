#!/usr/bin/env bash
# The main job, for a newcomer: build dagron and its bundled plugins, then run
# the example ETL pipeline with the timing and logging plugins, loaded with
# dlopen from the plugins directory next to the binary.
#   scripts/demo.sh [extra `dagron run` options]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null; then
  echo "demo.sh: Swift 6.3 is needed (https://www.swift.org/install/linux/)" >&2
  exit 2
fi
echo "== building dagron and the bundled plugins (the first build takes a few minutes)"
swift build
bin=$(swift build --show-bin-path)
echo
echo "== plugins found next to the binary"
"$bin/dagron" plugins list
echo
echo "== dagron run examples/etl.yml --plugin timing --plugin logging"
exec "$bin/dagron" run examples/etl.yml --plugin timing --plugin logging "$@"
