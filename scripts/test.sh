#!/usr/bin/env bash
# The whole test suite: set-up (packages, npm ci, build), lint, then every package's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run lint
npm test
