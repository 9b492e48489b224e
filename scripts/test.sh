#!/usr/bin/env bash
# Everything `npm test` runs: types, lint, then unit, integration and end-to-end tests.
# The integration project's global setup brings the local stack up once for the whole run
# (reusing services that are already running) and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint"
npx eslint --max-warnings 0 .
echo "== tests"
npx vitest run "$@"
