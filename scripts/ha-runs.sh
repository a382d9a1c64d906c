#!/usr/bin/env bash
# Repetitions of the monitor-HA scenarios (issue 19; docs/testing.md "Monitor HA runs"): e2e 16
# (test/e2e/16-monitor-ha.test.ts: kill -9, SIGSTOP, cut from etcd, quorum lost, writer killed with
# the leader, agent restarted, each on `mmm_sandbox up --netns --monitors 3` with a workload through
# the writer VIP and the invariant observer) N times in a row (default 10, about 1 minute each),
# each run a fresh sandbox. Prints one line per run and writes them, with each run's timelines, to
# bench/results/ha-runs.md. Needs root and etcd-server; build first (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10}"
if [ "$(id -u)" != 0 ]; then
  echo "ha-runs: needs root (network namespaces)" >&2
  exit 2
fi
out="bench/results/ha-runs.md"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
{
  echo "# e2e 16 (monitor HA) repeated: $n runs, $(date -u +%Y-%m-%dT%H:%M:%SZ), git $(git rev-parse --short HEAD)"
  echo
} > "$out"
for i in $(seq 1 "$n"); do
  t0=$(date +%s)
  code=0
  # each run is bounded by the suite's own mocha timeouts; this bounds the whole run
  timeout --kill-after=30 600 npx --no-install mocha --config .mocharc.json test/e2e/16-monitor-ha.test.ts > "$tmp/run-$i.log" 2>&1 || code=$?
  secs=$(( $(date +%s) - t0 ))
  summary="$(grep -E '^\s+[0-9]+ (passing|failing)' "$tmp/run-$i.log" | tr -s ' ' | tr '\n' ' ')"
  if [ "$code" = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
  line="run $i/$n: exit $code in ${secs} s: ${summary}"
  echo "ha-runs: $line" >&2
  {
    echo "## $line"
    echo
    echo '```'
    grep -E '== 16\.|^\s+(fault|old leader|new leader|SIGCONT|resumed|stopped one|cut one|link up|no monitor|acknowledged past|a leader again|db2 writable|converged|first write|restarted|first admitted)|✔|[0-9]+\) ' "$tmp/run-$i.log" | cut -c1-240 || true
    echo '```'
    echo
  } >> "$out"
done
echo "ha-runs: $pass of $n runs passed, $fail failed; details in $out" >&2
echo "**Result: $pass of $n runs passed, $fail failed.**" >> "$out"
[ "$fail" = 0 ]
