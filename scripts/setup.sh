#!/usr/bin/env bash
# Installs what mmm needs on a fresh Debian machine with Node.js >= 20.19, then builds.
# Used by the README's Quick start commands and by CI. Safe to run again.
# Prints a line before each step and its duration after it (npm ci and the build take most of a
# minute on a fresh clone, with little output of their own).
set -euo pipefail
cd "$(dirname "$0")/.."

# man-db: test/package/deb.test.ts checks the .deb's man pages with `man -w` (dpkg-deb is in dpkg).
# tcpdump: test/mysql-tls/wire-capture.netns.test.ts reads the sandbox's MySQL links off the wire.
# haproxy: test/e2e/15-haproxy-no-writer-vip.test.ts routes writes by the agents' /writer health checks.
# prometheus: its promtool checks /metrics (packages/monitor/test/metrics, test/metrics) and etc/prometheus/mmm-alerts.yml.
# chromium, libnss3-tools: test/observability/status-page.chromium.test.ts (headless Chromium with a client certificate).
# nftables: the agent's reject path (vip_reject, docs/agent.md) and its tests (packages/agent/test/reject, test/agent/vip-reject.netns.test.ts).
# etcd-server: monitor HA (docs/ha.md); test/ha starts its own etcd processes on 127.19.x.y with
# random ports, so the package's own service (localhost:2379) is neither used nor in the way.
APT_PACKAGES=(mariadb-server mariadb-client iproute2 iputils-ping iputils-arping man-db tcpdump haproxy prometheus chromium libnss3-tools nftables etcd-server)

bins=(mariadbd mariadb-install-db ip ping arping)
# man, tcpdump, haproxy, promtool, chromium, nft and etcd only matter as root: the tests that use them are skipped otherwise.
if [ "$(id -u)" = 0 ]; then bins+=(man tcpdump haproxy promtool chromium pk12util nft etcd); fi

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
# step WHAT COMMAND...: runs COMMAND between `setup: WHAT …` and `setup: WHAT done in N s`.
step() {
  local what=$1 t0 rc
  shift
  echo "setup: $what …"
  t0=$(now)
  if "$@"; then
    echo "setup: $what done in $(since "$t0") s"
  else
    rc=$?
    echo "setup: $what FAILED (exit $rc) after $(since "$t0") s" >&2
    exit "$rc"
  fi
}
start=$(now)

missing=()
for bin in "${bins[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("$bin")
done
if [ "$(id -u)" = 0 ]; then
  if [ ${#missing[@]} -gt 0 ] || [ "${CI:-}" = true ]; then
    export DEBIAN_FRONTEND=noninteractive
    step "apt-get update" apt-get update
    step "apt-get install ${APT_PACKAGES[*]}" apt-get install -y "${APT_PACKAGES[@]}"
    # CI: the etcd service the package may have started is not needed (the tests run their own).
    if [ "${CI:-}" = true ] && [ -d /run/systemd/system ]; then systemctl disable --now etcd.service >/dev/null 2>&1 || true; fi
  else
    echo "setup: MariaDB, iproute2, ping and arping are installed"
  fi
elif [ ${#missing[@]} -gt 0 ]; then
  echo "setup: missing ${missing[*]}; install them with:" >&2
  echo "  sudo apt-get install -y ${APT_PACKAGES[*]}" >&2
  exit 1
fi

# The bound of package.json "engines" and of the .deb's Depends.
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "setup: Node.js >= 20.19 is required (found $(node -v))" >&2
  exit 1
fi

# npm ci only when the installed tree is older than the lock file (or absent).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  step "npm ci (installs the dependencies from package-lock.json)" npm ci --no-audit --no-fund
else
  echo "setup: node_modules is up to date with package-lock.json (npm ci skipped)"
fi
step "npm run build (tsc --build)" npm run build
echo "setup: ready in $(since "$start") s"
