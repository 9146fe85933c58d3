#!/usr/bin/env bash
# Checks DagronSDK's public ABI against the baseline committed in
# SDK/api/DagronSDK.abi.json, with the toolchain's swift-api-digester.
#
#   scripts/api-check.sh           exit 1 on a breaking change (listed), or
#                                  when the ABI grew and the baseline was not
#                                  updated with it
#   scripts/api-check.sh --update  write the current ABI as the baseline;
#                                  commit it together with the SDK change
#
# A breaking change (a removed or changed public declaration, a new protocol
# requirement without a default, a changed frozen layout) breaks every plugin
# built against an earlier SDK: make one only on purpose, with --update, and
# say so in the commit. The baseline is dumped from a debug build of SDK/.
set -euo pipefail
cd "$(dirname "$0")/../SDK"
mode=check
case "${1:-}" in
  "") ;;
  --update) mode=update ;;
  *) echo "usage: scripts/api-check.sh [--update]" >&2; exit 2 ;;
esac

swift build >&2
modules=.build/debug/Modules
baseline=api/DagronSDK.abi.json
dump() { swift-api-digester -dump-sdk -abi -module DagronSDK -I "$modules" -o "$1"; }
# The dump ends with the digester's own arguments (its -o path): not part of the ABI.
abi_only() { awk '/"tool_arguments"/ { exit } { print }' "$1"; }

if [ "$mode" = update ]; then
  dump "$baseline"
  echo "api-check: wrote SDK/$baseline; commit it with the change"
  exit 0
fi

if [ ! -f "$baseline" ]; then
  echo "api-check: no baseline at SDK/$baseline (create it with scripts/api-check.sh --update)" >&2
  exit 1
fi
report=$(swift-api-digester -diagnose-sdk -abi -baseline-path "$baseline" -module DagronSDK -I "$modules" \
  -error-on-abi-breakage 2>&1) && status=0 || status=$?
# Every non-empty line that is not a section heading is a finding. New
# declarations are reported as "a new API without '@available'" (an Apple
# platforms notion): not breaking; the comparison below asks for the baseline.
findings=$(grep -v '^/\*.*\*/$' <<<"$report" | grep -v '^[[:space:]]*$' || true)
breaking=$(grep -v "is a new API without '@available'" <<<"$findings" || true)
if [ -n "$breaking" ] || { [ "$status" != 0 ] && [ -z "$findings" ]; }; then
  echo "api-check: DagronSDK's ABI breaks plugins built against the baseline (SDK/$baseline):" >&2
  echo "${breaking:-$report}" >&2
  echo "Restore the declarations, or (on purpose only) run scripts/api-check.sh --update and commit the baseline." >&2
  exit 1
fi
current=.build/api-current.json
dump "$current"
if ! cmp -s <(abi_only "$baseline") <(abi_only "$current"); then
  echo "api-check: DagronSDK's ABI changed without breaking it (new declarations?), but SDK/$baseline" >&2
  echo "was not updated: run scripts/api-check.sh --update and commit the baseline with the change." >&2
  diff <(abi_only "$baseline") <(abi_only "$current") | head -40 >&2 || true
  exit 1
fi
echo "api-check: DagronSDK's ABI matches SDK/$baseline"
