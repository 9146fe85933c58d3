#!/usr/bin/env bash
# Builds dagron in release mode and installs it under a prefix (default ~/.local):
#
#   <prefix>/bin/dagron                       the host; its RUNPATH has $ORIGIN/../lib
#   <prefix>/lib/libDagronSDK.so              the one shared SDK the host and plugins link
#   <prefix>/lib/dagron/plugins/*.so          the bundled plugins
#   <prefix>/lib/dagron/plugins/libDagronNetworking.so  the one copy of NIO, Hummingbird and
#                                             AsyncHTTPClient the networking plugins share (the host
#                                             loads it from beside them; not a plugin itself)
#   <prefix>/lib/dagron/plugins/dagron.plugins  their manifest
#   <prefix>/lib/dagron/sdk/DagronSDK.swiftinterface (+ .swiftmodule, .swiftdoc)
#                                             for plugin authors: `dagron sdk --swiftc-flags`
#   <prefix>/share/man/man1/dagron.1          the manual, generated from the command tree
#   <prefix>/share/bash-completion/completions/dagron, <prefix>/share/zsh/site-functions/_dagron,
#   <prefix>/share/fish/vendor_completions.d/dagron.fish   shell completions
#
# Usage: scripts/install.sh [--prefix DIR] [--scratch-path DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${HOME}/.local"
scratch=".build"
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="${2:?--prefix needs a directory}"; shift 2 ;;
    --prefix=*) prefix="${1#--prefix=}"; shift ;;
    --scratch-path) scratch="${2:?--scratch-path needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument '$1' (usage: scripts/install.sh [--prefix DIR])" >&2; exit 2 ;;
  esac
done
# json_field KEY DOCUMENT: the string value of KEY in the first object of a
# `dagron ... --json` document. With jq when it is installed; otherwise from
# the form dagron always prints (pretty-printed, one key per line, sorted).
json_field() {
  if command -v jq >/dev/null 2>&1; then
    printf '%s\n' "$2" | jq -r --arg key "$1" 'if type == "array" then .[0] else . end | .[$key] // empty'
  else
    printf '%s\n' "$2" | sed -n "s/^ *\"$1\" : \"\\(.*\\)\",\\{0,1\\}\$/\\1/p" | head -n 1
  fi
}

mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"

echo "== building (release)"
# '$ORIGIN/../lib' lets <prefix>/bin/dagron find <prefix>/lib/libDagronSDK.so.
build=(swift build -c release --scratch-path "$scratch" -Xlinker -rpath -Xlinker '$ORIGIN/../lib')
"${build[@]}"
bin="$("${build[@]}" --show-bin-path)"

echo "== installing into $prefix"
install -d -m 755 "$prefix/bin" "$prefix/lib" "$prefix/lib/dagron/plugins" "$prefix/lib/dagron/sdk"
install -m 755 "$bin/libDagronSDK.so" "$prefix/lib/libDagronSDK.so"
install -m 755 "$bin/dagron" "$prefix/bin/dagron.new"
mv -f "$prefix/bin/dagron.new" "$prefix/bin/dagron"

modules="$bin/Modules"
[ -e "$modules/DagronSDK.swiftinterface" ] || modules="$bin"
for file in DagronSDK.swiftinterface DagronSDK.swiftmodule DagronSDK.swiftdoc; do
  if [ -e "$modules/$file" ]; then install -m 644 "$modules/$file" "$prefix/lib/dagron/sdk/$file"; fi
done
if [ ! -e "$prefix/lib/dagron/sdk/DagronSDK.swiftinterface" ]; then
  echo "install.sh: $modules/DagronSDK.swiftinterface is missing (the SDK target must build with -emit-module-interface)" >&2
  exit 1
fi

# The bundled plugins: every library of the build that exports the plugin factory.
plugins_dir="$prefix/lib/dagron/plugins"
manifest="$plugins_dir/dagron.plugins"
{
  echo "# Bundled dagron plugins, written by scripts/install.sh."
  echo "# name = \"library.so:factory_symbol\"; add name.key = \"value\" lines for default settings."
} > "$manifest.new"
# The networking plugins' shared library goes beside them first: the host
# loads a plugin's NEEDED libraries from the plugin's own folder.
install -m 755 "$bin/libDagronNetworking.so" "$plugins_dir/libDagronNetworking.so"
for lib in "$bin"/lib*.so; do
  name="$(basename "$lib")"
  [ "$name" = "libDagronSDK.so" ] && continue
  [ "$name" = "libDagronNetworking.so" ] && continue
  nm -D --defined-only "$lib" 2>/dev/null | grep -qw dagron_plugin_create || continue
  install -m 755 "$lib" "$plugins_dir/$name"
  # Ask the installed host for the plugin's name (in its isolated probe, then
  # a whole synthetic run): `plugins check --json`, whose shape docs/run.md documents.
  report="$("$prefix/bin/dagron" plugins check --json "$plugins_dir/$name")" || {
    echo "install.sh: bundled plugin $name does not pass 'dagron plugins check': $report" >&2; exit 1; }
  plugin="$(json_field name "$report")"
  [ -n "$plugin" ] || { echo "install.sh: 'dagron plugins check --json' gave no name for $name: $report" >&2; exit 1; }
  echo "$plugin = \"$name:dagron_plugin_create\"" >> "$manifest.new"
  echo "   plugin $plugin ($name)"
done
chmod 644 "$manifest.new"
mv -f "$manifest.new" "$manifest"

# The manual: swift-argument-parser's generate-manual plugin runs the dagron
# it builds with --experimental-dump-help and writes an mdoc page of the whole
# command tree. Same scratch path and linker flags, so nothing is rebuilt.
echo "== manual page"
page="$scratch/plugins/GenerateManual/outputs/DagronCLI/dagron.1"
rm -f "$page"
swift package --scratch-path "$scratch" -Xlinker -rpath -Xlinker '$ORIGIN/../lib' \
  plugin generate-manual --configuration release >/dev/null
[ -s "$page" ] || { echo "install.sh: the generate-manual plugin wrote no $page" >&2; exit 1; }
install -d -m 755 "$prefix/share/man/man1"
install -m 644 "$page" "$prefix/share/man/man1/dagron.1"
echo "   $prefix/share/man/man1/dagron.1"

# Shell completions, from the installed host (plugin names, --set keys and
# gate names complete dynamically: the scripts call dagron back).
echo "== shell completions"
bash_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/site-functions"
fish_dir="$prefix/share/fish/vendor_completions.d"
install -d -m 755 "$bash_dir" "$zsh_dir" "$fish_dir"
"$prefix/bin/dagron" --generate-completion-script bash > "$bash_dir/dagron"
"$prefix/bin/dagron" --generate-completion-script zsh > "$zsh_dir/_dagron"
"$prefix/bin/dagron" --generate-completion-script fish > "$fish_dir/dagron.fish"
chmod 644 "$bash_dir/dagron" "$zsh_dir/_dagron" "$fish_dir/dagron.fish"
echo "   bash: $bash_dir/dagron"
echo "   zsh:  $zsh_dir/_dagron (add $zsh_dir to fpath before compinit if it is not there)"
echo "   fish: $fish_dir/dagron.fish"

echo "== installed"
(cd / && "$prefix/bin/dagron" plugins list --no-cache)
echo "SDK flags for plugin authors: $("$prefix/bin/dagron" sdk --swiftc-flags)"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "Add $prefix/bin to PATH to run dagron." ;; esac
