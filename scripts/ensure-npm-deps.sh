#!/bin/sh
# npm ci when node_modules is missing or older than the lock file. The pinned node@24 devDependency then
# puts Node 24 first on PATH for every npm script.
set -eu
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "schedulerha: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund >&2
fi
