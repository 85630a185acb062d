#!/bin/sh
# The README's "run" command (`npm start`): installs what it needs, builds, and runs the main job.
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-system-deps.sh
sh scripts/ensure-npm-deps.sh
npm run --silent build
exec node_modules/.bin/node dist/src/cli.js validate -f manifests/samples/*.yaml
