#!/usr/bin/env bash
# Brings up a local cluster (2 masters + 1 replica, agents, monitor, all on mutual TLS) and shows it.
# Extra arguments go to `mmm_sandbox up` (e.g. --netns, --replicas 2, --dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec npx --no-install mmm_sandbox up "$@"
