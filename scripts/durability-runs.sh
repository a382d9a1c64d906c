#!/usr/bin/env bash
# The durability runs with the large counts (issue 16 item 5; docs/testing.md "Durability runs"):
# e2e 12 (test/e2e/12-durability-runs.test.ts) with, by default, 20 crash + 10 node-loss runs on
# semisync sandboxes and 10 crash + 5 node-loss async runs to compare, each on a fresh
# `mmm_sandbox up --netns` (root). Writes the summary to bench/results/durability-runs.json and its
# table to bench/results/durability-runs.md; the logs of any run that failed or lost an
# acknowledged write are kept in bench/results/durability-runs-logs/. About 15 minutes here.
#
# Counts: the environment wins (MMM_E2E_DURABILITY_CRASH, _NODELOSS, _ASYNC, _ASYNC_NODELOSS);
# MMM_E2E_DURABILITY_JSON names another summary file. Build first (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
export MMM_E2E_DURABILITY_CRASH="${MMM_E2E_DURABILITY_CRASH:-20}"
export MMM_E2E_DURABILITY_NODELOSS="${MMM_E2E_DURABILITY_NODELOSS:-10}"
export MMM_E2E_DURABILITY_ASYNC="${MMM_E2E_DURABILITY_ASYNC:-10}"
export MMM_E2E_DURABILITY_ASYNC_NODELOSS="${MMM_E2E_DURABILITY_ASYNC_NODELOSS:-5}"
export MMM_E2E_DURABILITY_JSON="${MMM_E2E_DURABILITY_JSON:-$PWD/bench/results/durability-runs.json}"
export MMM_E2E_DURABILITY_KEEP_LOGS="${MMM_E2E_DURABILITY_KEEP_LOGS:-$PWD/bench/results/durability-runs-logs}"
if [ "$(id -u)" != 0 ]; then
  echo "durability-runs: needs root (network namespaces)" >&2
  exit 2
fi
runs=$((MMM_E2E_DURABILITY_CRASH + MMM_E2E_DURABILITY_NODELOSS + MMM_E2E_DURABILITY_ASYNC + MMM_E2E_DURABILITY_ASYNC_NODELOSS))
echo "durability-runs: $runs runs (semisync: $MMM_E2E_DURABILITY_CRASH crash, $MMM_E2E_DURABILITY_NODELOSS node-loss; async: $MMM_E2E_DURABILITY_ASYNC crash, $MMM_E2E_DURABILITY_ASYNC_NODELOSS node-loss) → $MMM_E2E_DURABILITY_JSON" >&2
# every run is bounded by its own mocha timeout (5 min); this bounds the whole
code=0
timeout --kill-after=60 $((runs * 300 + 120)) npx --no-install mocha --config .mocharc.json test/e2e/12-durability-runs.test.ts || code=$?
if [ -f "${MMM_E2E_DURABILITY_JSON%.json}.md" ]; then cat "${MMM_E2E_DURABILITY_JSON%.json}.md"; fi
exit "$code"
