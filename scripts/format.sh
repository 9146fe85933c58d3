#!/usr/bin/env bash
# Formats every Swift file of the repository with the toolchain's swift-format
# and the repository's .swift-format (4 spaces, 120 columns).
#   scripts/format.sh           format in place
#   scripts/format.sh --check   change nothing; exit 1 listing what is not formatted
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Package.swift Sources Plugins Tests Benchmarks SDK/Package.swift SDK/Sources SDK/Tests
  Networking/Package.swift Networking/Sources examples/third-party-plugin)
case "${1:-}" in
  "") swift format format --in-place --recursive --parallel "${paths[@]}" ;;
  --check)
    if ! swift format lint --strict --recursive --parallel "${paths[@]}"; then
      echo "format: the files above are not formatted; run scripts/format.sh and commit the result" >&2
      exit 1
    fi
    echo "format: every Swift file is formatted (.swift-format)" ;;
  *) echo "usage: scripts/format.sh [--check]" >&2; exit 2 ;;
esac
