#!/usr/bin/env bash
# Builds DagronSDK's DocC catalog (SDK/Sources/DagronSDK/DagronSDK.docc) with
# the toolchain's docc, warnings as errors (a broken ``Symbol`` link in any
# doc comment fails), and checks that "API at a glance" names every public
# type of the SDK: the plugin-facing surface is listed on that one page.
# Declarations behind @_spi(DagronHost) are the host's, not part of it.
#   scripts/docs-check.sh [--output DIR]   (DIR keeps the rendered archive)
set -euo pipefail
cd "$(dirname "$0")/../SDK"
output=""
case "${1:-}" in
  "") ;;
  --output) output=$2 ;;
  *) echo "usage: scripts/docs-check.sh [--output DIR]" >&2; exit 2 ;;
esac
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
swift build >&2
mkdir -p "$work/symbols"
swift-symbolgraph-extract -module-name DagronSDK -I .build/debug/Modules -target "$(uname -m)-unknown-linux-gnu" \
  -minimum-access-level public -output-dir "$work/symbols"
docc convert Sources/DagronSDK/DagronSDK.docc --additional-symbol-graph-dir "$work/symbols" \
  --fallback-display-name DagronSDK --fallback-bundle-identifier org.dagron.sdk \
  --warnings-as-errors --output-path "${output:-$work/DagronSDK.doccarchive}" >&2

# Every top-level public type, protocol and type alias by name.
missing=$(python3 - "$work/symbols/DagronSDK.symbols.json" Sources/DagronSDK/DagronSDK.docc/APIAtAGlance.md <<'PY'
import json, re, sys
graph = json.load(open(sys.argv[1]))
page = open(sys.argv[2]).read()
kinds = {"swift.struct", "swift.class", "swift.enum", "swift.protocol", "swift.typealias", "swift.actor"}
names = sorted({s["names"]["title"] for s in graph["symbols"]
                if s["kind"]["identifier"] in kinds and len(s["pathComponents"]) == 1})
print(" ".join(n for n in names if not re.search(r"\b%s\b" % re.escape(n), page)))
PY
)
if [ -n "$missing" ]; then
  echo "docs-check: API at a glance (SDK/Sources/DagronSDK/DagronSDK.docc/APIAtAGlance.md) does not name: $missing" >&2
  echo "List each public type there, or move it behind @_spi(DagronHost) if only the host uses it." >&2
  exit 1
fi
echo "docs-check: DagronSDK's DocC catalog builds without warnings and API at a glance names every public type"
