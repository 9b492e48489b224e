#!/usr/bin/env bash
# Everything `npm test` runs: types, lint, then unit, integration and end-to-end tests.
# The integration project's global setup brings the local stack up once for the whole run
# (reusing services that are already running) and stops only what it started.
set -euo pipefail
cd "$(dirname "$0")/.."

results=.test-results
rm -rf "$results"
mkdir -p "$results"

echo "== typecheck"
npx tsc --noEmit -p tsconfig.json
echo "== lint and format"
npx eslint --max-warnings 0 .
npx prettier --check --log-level warn .

status=0
echo "== unit tests"
npx vitest run --project unit --reporter=default --reporter=json --outputFile.json="$results/unit.json" || status=$?
if [ "$status" -eq 0 ]; then
  # Integration and end-to-end files share one stack; they run one file at a time so that
  # SIGKILL, rebalance and outage tests are not starved of the machine's two cores.
  echo "== integration and end-to-end tests"
  npx vitest run --project integration --no-file-parallelism \
    --reporter=default --reporter=json --outputFile.json="$results/integration.json" || status=$?
fi
node scripts/test-summary.js "$results"/*.json
exit "$status"
