#!/usr/bin/env bash
# Installs what mmm needs on a fresh Debian machine with Node.js >= 20.19, then builds.
# Used by the README's Quick start commands and by CI. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# man-db: test/package/deb.test.ts checks the .deb's man pages with `man -w` (dpkg-deb is in dpkg).
APT_PACKAGES=(mariadb-server mariadb-client iproute2 iputils-ping iputils-arping man-db)

bins=(mariadbd mariadb-install-db ip ping arping)
# man only matters as root: the .deb test is skipped otherwise.
if [ "$(id -u)" = 0 ]; then bins+=(man); fi
missing=()
for bin in "${bins[@]}"; do
  command -v "$bin" >/dev/null 2>&1 || [ -x "/usr/sbin/$bin" ] || missing+=("$bin")
done
if [ "$(id -u)" = 0 ]; then
  if [ ${#missing[@]} -gt 0 ] || [ "${CI:-}" = true ]; then
    echo "setup: installing ${APT_PACKAGES[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y "${APT_PACKAGES[@]}"
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
  npm ci --no-audit --no-fund
fi
npm run build
