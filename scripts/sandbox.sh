#!/usr/bin/env bash
# Brings up a local cluster (2 masters + 1 replica, agents, monitor, all on mutual TLS) and shows it.
# Extra arguments go to `mmm_sandbox up` (e.g. --netns, --replicas 2, --dir DIR).
# Progress (set-up steps with their durations, then each stage of `up`) goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
t0=$(date +%s.%N)
echo "sandbox: set-up first (scripts/setup.sh: system packages, npm ci, build) …" >&2
bash scripts/setup.sh >&2
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "sandbox: set-up done in $secs s; starting the cluster: mmm_sandbox up${*:+ $*} …" >&2
exec npx --no-install mmm_sandbox up "$@"
