#!/bin/sh
# The README's test command (`npm test`): installs what it needs, type-checks and builds, runs every test.
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system-deps.sh
sh scripts/ensure-npm-deps.sh
exec npm run --silent test:run
